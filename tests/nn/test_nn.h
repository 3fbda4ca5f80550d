/* test_nn.h - shared declarations of the nn CUnit suites. */
#ifndef TEST_NN_H
#define TEST_NN_H
#include <CUnit/CUnit.h>
#include <math.h>
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
#endif
