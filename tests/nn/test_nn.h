/* test_nn.h - shared declarations of the nn CUnit suites. */
#ifndef TEST_NN_H
#define TEST_NN_H
#include "dataset.h"
#include "nn.h"
#include "rng.h"
#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
void nn_suite_engine(void);
void nn_suite_hessian(void);
void nn_suite_hess_sub(void);
void nn_suite_quad(void);
void nn_suite_data(void);
void nn_suite_safetensors(void);
void nn_suite_train(void);
void nn_suite_objective(void);

/* a tensor name against a comma list of prefixes (a prefix matches a whole
 * dotted component: "fc" matches "fc.weight", not "fc2.weight") */
static inline int nn_test_prefix_match(const char *name, const char *list)
{
    const char *p = list;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (l && !strncmp(name, p, l) && (name[l] == 0 || name[l] == '.')) return 1;
        p += l + (c ? 1 : 0);
    }
    return 0;
}

/* B deterministic images of F values in [0, 1] and cycling labels */
static inline void nn_test_images(int B, int F, float *x, uint8_t *y, int nclass)
{
    for (int i = 0; i < B * F; i++) x[i] = (float)(0.5 + 0.5 * sin(0.37 * i + 0.1));
    for (int b = 0; b < B; b++) y[b] = (uint8_t)(b % nclass);
}

/* the Hessian-operator tests' fixture: ResNet-8 (batch 4) on side x side
 * single-channel images with running statistics in [0.3, 0.8], and in d a
 * data set of ne random images with labels i mod k; stream (seed, name);
 * NULL when the model cannot be made */
static inline nn_model_f32 *nn_test_resnet8(uint64_t seed, const char *name, int ne, int side,
                                            int k, nn_dataset *d)
{
    const nn_config c = {NN_ARCH_RESNET, 8, 0, 1, side, side, k, NN_ACT_RELU};
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, name);
    nn_model_f32 *m = nn_model_create_f32(&c, 4, r, msg, sizeof msg);
    if (!m) {
        gsl_rng_free(r);
        return NULL;
    }
    for (size_t i = 0; i < m->nstats; i++) m->stats[i] = (float)(0.3 + 0.5 * gsl_rng_uniform(r));
    *d = (nn_dataset){ne, 1, side, side, k, malloc((size_t)ne * side * side), malloc(ne), NULL};
    for (int i = 0; i < ne * side * side; i++) d->pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    for (int i = 0; i < ne; i++) d->labels[i] = (uint8_t)(i % k);
    gsl_rng_free(r);
    return m;
}
#endif
