/* test_text.h - shared declarations of the text CUnit suites (issue 9). */
#ifndef TEST_TEXT_H
#define TEST_TEXT_H
#include "nn.h"
#include "rng.h"
#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
void text_suite_corpus(void);
void text_suite_layers(void);
void text_suite_model(void);
void text_suite_cli(void);
void text_suite_mlm(void);

/* the float model against the double one at the same weights w0 (n
 * parameters): loss within 1e-5 relative of L0, gradient and the HVP along
 * v within 1e-3 of their largest entries (mg, mh) of the double g, hv.
 * Classification targets y, or (y NULL) masked-LM targets pos / lab. */
static inline void text_check_f32(const nn_config *c, int nb, const float *x, const uint8_t *y,
                                  const int32_t *pos, const int32_t *lab, size_t n,
                                  const double *w0, const double *v, double L0, const double *g,
                                  double mg, const double *hv, double mh)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(1, "test/f32");
    nn_model_f32 *f = nn_model_create_f32(c, nb, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(f != NULL);
    if (!y) CU_ASSERT(nn_set_mlm_targets_f32(f, pos, lab, nb) == 0);
    for (size_t i = 0; i < n; i++) f->params[i] = (float)w0[i];
    float *vf = malloc(n * sizeof *vf), *hvf = malloc(n * sizeof *hvf);
    for (size_t i = 0; i < n; i++) vf[i] = (float)v[i];
    double Lf = nn_loss_grad_f32(f, x, y, nb);
    CU_ASSERT(fabs(Lf - L0) <= 1e-5 * fabs(L0));
    double e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(f->grads[i] - g[i]));
    CU_ASSERT(e <= 1e-3 * mg);
    nn_hvp_f32(f, x, y, nb, vf, hvf);
    e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(hvf[i] - hv[i]));
    CU_ASSERT(e <= 1e-3 * mh);
    free(vf);
    free(hvf);
    nn_model_free_f32(f);
}
#endif
