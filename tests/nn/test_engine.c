/* test_engine.c - gradient and Hessian-vector-product checks of every layer
 * and both models.
 *
 * Independent computations: (1) central differences of the double-precision
 * build of the same engine (h = 1e-5: truncation O(h^2 f''') ~ 1e-10, rounding
 * ~ 1e-11); (2) the float32 production path compared with the double path.
 * Tolerances are written at each assertion.  Weights and batch-norm
 * statistics are "high entropy" (random, gamma != 1, running var != 1). */
#include "nn.h"
#include "rng.h"
#include "test_nn.h"
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nn_config cfg;
    int B;
    const char *name;
} tcase;

static const tcase cases[] = {
    {{NN_ARCH_MLP, 2, 6, 1, 5, 4, 3, NN_ACT_RELU}, 5, "mlp 20-6-3"},
    {{NN_ARCH_MLP, 2, 6, 1, 5, 4, 3, NN_ACT_SOFTPLUS}, 5, "mlp softplus"},
    {{NN_ARCH_RESNET, 8, 0, 1, 8, 8, 3, NN_ACT_RELU}, 3, "resnet-8 8x8"},
    {{NN_ARCH_RESNET, 14, 0, 2, 6, 6, 4, NN_ACT_RELU}, 2, "resnet-14 2x6x6"},
};

/* random model + data (both precisions hold the same weights) */
static void setup(const tcase *tc, uint64_t seed, nn_model_f64 **m64, nn_model_f32 **m32,
                  float **x, uint8_t **y)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "test/init");
    *m64 = nn_model_create_f64(&tc->cfg, tc->B, r, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(*m64);
    *m32 = nn_model_create_f32(&tc->cfg, tc->B, r, msg, sizeof msg);
    nn_model_f64 *m = *m64;
    for (size_t i = 0; i < m->nstats; i++) m->stats[i] = 0.3 + 0.5 * gsl_rng_uniform(r);
    for (int t = 0; t < m->ntensors; t++)
        if (strstr(m->tensors[t].name, "bn") || strstr(m->tensors[t].name, "downsample.1"))
            if (m->tensors[t].buffer == 0)
                for (size_t i = 0; i < m->tensors[t].n; i++)
                    m->params[m->tensors[t].off + i] += 0.4 * (gsl_rng_uniform(r) - 0.5);
    for (size_t i = 0; i < m->nparams; i++) (*m32)->params[i] = (float)m->params[i];
    for (size_t i = 0; i < m->nparams; i++) m->params[i] = (*m32)->params[i];
    for (size_t i = 0; i < m->nstats; i++) (*m32)->stats[i] = (float)m->stats[i];
    for (size_t i = 0; i < m->nstats; i++) m->stats[i] = (*m32)->stats[i];
    int F = tc->cfg.in_c * tc->cfg.in_h * tc->cfg.in_w;
    *x = malloc(sizeof(float) * F * tc->B);
    *y = malloc(tc->B);
    for (int i = 0; i < F * tc->B; i++) (*x)[i] = (float)gsl_rng_uniform(r);
    for (int b = 0; b < tc->B; b++) (*y)[b] = (uint8_t)(b % tc->cfg.nclass);
    m->label_smoothing = (*m32)->label_smoothing = 0.1;
    gsl_rng_free(r);
}

static double loss64(nn_model_f64 *m, const float *x, const uint8_t *y, int B)
{
    nn_set_input_f64(m, x, B);
    return nn_forward_f64(m, y, NULL);
}

/* gradient check in batch-norm mode `mode` (FROZEN = training-mode statistics) */
static void grad_check(int mode)
{
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const tcase *tc = &cases[c];
        nn_model_f64 *m;
        nn_model_f32 *m32;
        float *x;
        uint8_t *y;
        setup(tc, 11 + c, &m, &m32, &x, &y);
        m->bn_mode = m32->bn_mode = mode;
        nn_loss_grad_f64(m, x, y, tc->B);
        double *g = malloc(sizeof(double) * m->nparams);
        memcpy(g, m->grads, sizeof(double) * m->nparams);
        double gn = 0;
        for (size_t i = 0; i < m->nparams; i++) gn += g[i] * g[i];
        CU_ASSERT(sqrt(gn) > 1e-3); /* not trivially zero */
        const double h = 1e-5;
        double worst = 0;
        gsl_rng *r = nso_rng_named(5, "test/coords");
        for (int t = 0; t < m->ntensors; t++) {
            const nn_tensor *T = &m->tensors[t];
            if (T->buffer) continue;
            double tworst = 0;
            for (int k = 0; k < 6; k++) {
                size_t i = T->off + (k == 0 ? 0 : gsl_rng_uniform_int(r, T->n));
                double w0 = m->params[i];
                m->params[i] = w0 + h;
                double lp = loss64(m, x, y, tc->B);
                m->params[i] = w0 - h;
                double lm = loss64(m, x, y, tc->B);
                m->params[i] = w0;
                double fd = (lp - lm) / (2 * h);
                double err = fabs(fd - g[i]) / (1e-6 + fabs(g[i]));
                double aerr = fabs(fd - g[i]);
                /* tolerance: abs 1e-8 or rel 1e-5 */
                if (aerr > 1e-8 && err > tworst) tworst = err;
            }
            if (tworst > 1e-5)
                printf("\n  grad check %s mode %d tensor %s rel err %.2e", tc->name, mode, T->name,
                       tworst);
            if (tworst > worst) worst = tworst;
        }
        CU_ASSERT(worst <= 1e-5);
        /* float path vs double path: relative norm error <= 1e-4 */
        nn_loss_grad_f32(m32, x, y, tc->B);
        double d = 0;
        for (size_t i = 0; i < m->nparams; i++) d += pow(m32->grads[i] - g[i], 2);
        double rel = sqrt(d / gn);
        if (rel > 1e-4) printf("\n  f32 vs f64 grad %s: %.2e", tc->name, rel);
        CU_ASSERT(rel <= 1e-4);
        gsl_rng_free(r);
        free(g);
        free(x);
        free(y);
        nn_model_free_f64(m);
        nn_model_free_f32(m32);
    }
}

static void test_grad_eval(void) { grad_check(NN_BN_EVAL); }
static void test_grad_batchstats(void) { grad_check(NN_BN_FROZEN); }

/* HVP by the R-operator vs central differences of the exact gradient */
static void test_hvp_fd(void)
{
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const tcase *tc = &cases[c];
        nn_model_f64 *m;
        nn_model_f32 *m32;
        float *x;
        uint8_t *y;
        setup(tc, 21 + c, &m, &m32, &x, &y);
        size_t n = m->nparams;
        double *v = malloc(n * sizeof(double)), *hv = malloc(n * sizeof(double));
        double *gp = malloc(n * sizeof(double)), *w0 = malloc(n * sizeof(double));
        float *v32 = malloc(n * sizeof(float)), *hv32 = malloc(n * sizeof(float));
        gsl_rng *r = nso_rng_named(7, "test/v");
        for (size_t i = 0; i < n; i++) v32[i] = (float)(gsl_rng_uniform(r) - 0.5);
        for (size_t i = 0; i < n; i++) v[i] = v32[i];
        nn_hvp_f64(m, x, y, tc->B, v, hv);
        memcpy(w0, m->params, n * sizeof(double));
        const double h = 1e-5;
        m->bn_mode = NN_BN_EVAL;
        for (size_t i = 0; i < n; i++) m->params[i] = w0[i] + h * v[i];
        nn_loss_grad_f64(m, x, y, tc->B);
        memcpy(gp, m->grads, n * sizeof(double));
        for (size_t i = 0; i < n; i++) m->params[i] = w0[i] - h * v[i];
        nn_loss_grad_f64(m, x, y, tc->B);
        memcpy(m->params, w0, n * sizeof(double));
        double d = 0, nn_ = 0;
        for (size_t i = 0; i < n; i++) {
            double fd = (gp[i] - m->grads[i]) / (2 * h);
            d += (fd - hv[i]) * (fd - hv[i]);
            nn_ += hv[i] * hv[i];
        }
        double rel = sqrt(d / nn_);
        printf("\n  %s: |Hv| %.3g, R-op vs FD rel err %.2e (tol 1e-6)", tc->name, sqrt(nn_), rel);
        CU_ASSERT(sqrt(nn_) > 1e-3);
        CU_ASSERT(rel <= 1e-6);
        /* float path: rel err <= 1e-3 */
        nn_hvp_f32(m32, x, y, tc->B, v32, hv32);
        d = 0;
        for (size_t i = 0; i < n; i++) d += pow(hv32[i] - hv[i], 2);
        double rel32 = sqrt(d / nn_);
        printf(", f32 vs f64 %.2e (tol 1e-3)", rel32);
        CU_ASSERT(rel32 <= 1e-3);
        gsl_rng_free(r);
        free(v);
        free(hv);
        free(gp);
        free(w0);
        free(v32);
        free(hv32);
        free(x);
        free(y);
        nn_model_free_f64(m);
        nn_model_free_f32(m32);
    }
}

/* batch-norm modes: FROZEN and EVAL leave running statistics bit-identical,
 * TRAIN changes them; EVAL output equals the affine map with running stats */
static void test_bn_modes(void)
{
    const tcase *tc = &cases[2]; /* resnet-8 */
    nn_model_f64 *m;
    nn_model_f32 *m32;
    float *x;
    uint8_t *y;
    setup(tc, 31, &m, &m32, &x, &y);
    size_t ns = m32->nstats;
    float *s0 = malloc(ns * sizeof(float));
    memcpy(s0, m32->stats, ns * sizeof(float));
    m32->bn_mode = NN_BN_FROZEN;
    double lf = nn_loss_f32(m32, x, y, tc->B, NULL);
    nn_backward_f32(m32, y);
    CU_ASSERT(memcmp(s0, m32->stats, ns * sizeof(float)) == 0);
    m32->bn_mode = NN_BN_EVAL;
    double le = nn_loss_f32(m32, x, y, tc->B, NULL);
    CU_ASSERT(memcmp(s0, m32->stats, ns * sizeof(float)) == 0);
    float *hv = malloc(m32->nparams * sizeof(float));
    nn_hvp_f32(m32, x, y, tc->B, m32->params, hv); /* an HVP pass: stats untouched */
    CU_ASSERT(memcmp(s0, m32->stats, ns * sizeof(float)) == 0);
    m32->bn_mode = NN_BN_TRAIN;
    double lt = nn_loss_f32(m32, x, y, tc->B, NULL);
    CU_ASSERT(memcmp(s0, m32->stats, ns * sizeof(float)) != 0);
    CU_ASSERT(m32->num_batches_tracked == 1);
    /* TRAIN and FROZEN use the same batch statistics: same loss (rel 1e-6) */
    CU_ASSERT(fabs(lt - lf) <= 1e-6 * fabs(lf));
    /* EVAL differs from batch statistics here (running var != batch var) */
    CU_ASSERT(fabs(le - lf) > 1e-4);
    /* running mean update: (1 - 0.1) old + 0.1 batch mean, checked on channel 0 of bn1 */
    const nn_op *o = &m32->ops[1];
    CU_ASSERT(o->kind == NN_OP_BN);
    double expect = 0.9 * s0[o->stat] + 0.1 * m32->bn_mean[m32->bn_off[1]];
    CU_ASSERT(fabs(m32->stats[o->stat] - expect) <= 1e-6);
    free(s0);
    free(hv);
    free(x);
    free(y);
    nn_model_free_f64(m);
    nn_model_free_f32(m32);
}

/* closed form: a zero-weight MLP outputs uniform probabilities, loss = log K */
static void test_closed_form(void)
{
    nn_config cfg = {NN_ARCH_MLP, 2, 4, 1, 4, 4, 7, NN_ACT_RELU};
    char msg[100];
    gsl_rng *r = nso_rng_named(1, "t");
    nn_model_f32 *m = nn_model_create_f32(&cfg, 2, r, msg, sizeof msg);
    memset(m->params, 0, m->nparams * sizeof(float));
    float x[32];
    for (int i = 0; i < 32; i++) x[i] = 0.1f * i;
    uint8_t y[2] = {3, 6};
    double L = nn_loss_f32(m, x, y, 2, NULL);
    CU_ASSERT(fabs(L - log(7.0)) <= 1e-6);
    /* parameter counts of the paper's models: MLP 784-128-10 = 101,770 */
    nn_config mlp = {NN_ARCH_MLP, 2, 128, 1, 28, 28, 10, NN_ACT_RELU};
    nn_model_f32 *a = nn_model_create_f32(&mlp, 1, r, msg, sizeof msg);
    CU_ASSERT(a->nparams == 784 * 128 + 128 + 128 * 10 + 10);
    nn_config bad = {NN_ARCH_RESNET, 9, 0, 1, 28, 28, 10, NN_ACT_RELU};
    CU_ASSERT_PTR_NULL(nn_model_create_f32(&bad, 1, r, msg, sizeof msg));
    CU_ASSERT(strstr(msg, "6n+2") != NULL);
    nn_model_free_f32(a);
    nn_model_free_f32(m);
    gsl_rng_free(r);
}

void nn_suite_engine(void)
{
    CU_pSuite s = CU_add_suite("nn engine", NULL, NULL);
    CU_add_test(s, "gradient vs central differences, BN eval", test_grad_eval);
    CU_add_test(s, "gradient vs central differences, BN batch statistics", test_grad_batchstats);
    CU_add_test(s, "HVP (R-operator) vs central differences", test_hvp_fd);
    CU_add_test(s, "batch-norm modes and running statistics", test_bn_modes);
    CU_add_test(s, "closed forms and parameter counts", test_closed_form);
}
