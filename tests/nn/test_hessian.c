/* test_hessian.c - Hessian tools against the dense Hessian of a tiny network.
 *
 * The dense Hessian H (n = 147 parameters of a 20-6-3 MLP, and the 2x6x6
 * ResNet-8 restricted to its head) is built column by column from the double
 * R-operator and checked against central differences of the gradient; its
 * eigenvalues come from LAPACKE_dsyev.  Then: Hutchinson (float model
 * operator over a data set in two chunks: full-set weighting) against tr H,
 * Lanczos top-k against the dense top eigenvalues, SLQ weights sum to 1.
 * The estimators are lib's (lib/hessian.h); this suite checks the network
 * operator through them (tests/toolkit checks them on dense matrices). */
#include "hess.h"
#include "nn.h"
#include "nso_error.h"
#include "rng.h"
#include "test_nn.h"
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEX 12 /* examples, evaluated in chunks of 8 and 4 */

typedef struct {
    nn_model_f64 *m;
    nn_model_f32 *m32;
    nn_dataset d;
    float *x;
    uint8_t *y;
    size_t n;
    double *H, *ev;
} tiny;

static void tiny_make(tiny *t, const nn_config *cfg, uint64_t seed)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "test/hess");
    t->m = nn_model_create_f64(cfg, NEX, r, msg, sizeof msg);
    t->m32 = nn_model_create_f32(cfg, 8, r, msg, sizeof msg);
    for (size_t i = 0; i < t->m->nparams; i++) t->m->params[i] = t->m32->params[i];
    for (size_t i = 0; i < t->m->nstats; i++) {
        t->m32->stats[i] = (float)(0.5 + gsl_rng_uniform(r));
        t->m->stats[i] = t->m32->stats[i];
    }
    int F = cfg->in_c * cfg->in_h * cfg->in_w;
    t->d = (nn_dataset){NEX, cfg->in_c, cfg->in_h, cfg->in_w, cfg->nclass, malloc(NEX * F), malloc(NEX), NULL};
    t->x = malloc(sizeof(float) * NEX * F);
    t->y = malloc(NEX);
    for (int i = 0; i < NEX * F; i++) t->d.pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    for (int i = 0; i < NEX; i++) t->d.labels[i] = (uint8_t)(i % cfg->nclass);
    int idx[NEX];
    for (int i = 0; i < NEX; i++) idx[i] = i;
    nn_dataset_batch(&t->d, idx, NEX, t->x, t->y);
    t->n = t->m->nparams;
    t->H = malloc(sizeof(double) * t->n * t->n);
    t->ev = malloc(sizeof(double) * t->n);
    double *e = calloc(t->n, sizeof(double));
    for (size_t j = 0; j < t->n; j++) {
        e[j] = 1;
        nn_hvp_f64(t->m, t->x, t->y, NEX, e, t->H + j * t->n);
        e[j] = 0;
    }
    free(e);
    gsl_rng_free(r);
}

static void tiny_free(tiny *t)
{
    nn_model_free_f64(t->m);
    nn_model_free_f32(t->m32);
    nn_dataset_free(&t->d);
    free(t->x);
    free(t->y);
    free(t->H);
    free(t->ev);
}

static const nn_config tiny_mlp = {NN_ARCH_MLP, 2, 6, 1, 4, 5, 3, NN_ACT_RELU};

static void test_dense(void)
{
    tiny t;
    tiny_make(&t, &tiny_mlp, 3);
    size_t n = t.n;
    double hmax = 0, asym = 0;
    for (size_t i = 0; i < n * n; i++) hmax = fmax(hmax, fabs(t.H[i]));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) asym = fmax(asym, fabs(t.H[i * n + j] - t.H[j * n + i]));
    printf("\n  dense H %zux%zu: max |H| %.3g, max asymmetry %.2e (tol 1e-10 max|H|)", n, n, hmax, asym);
    CU_ASSERT(hmax > 1e-3);
    CU_ASSERT(asym <= 1e-10 * hmax);
    /* central differences of the gradient, column by column (h = 1e-5) */
    double *gp = malloc(sizeof(double) * n), worst = 0;
    t.m->bn_mode = NN_BN_EVAL;
    for (size_t j = 0; j < n; j++) {
        double w0 = t.m->params[j];
        t.m->params[j] = w0 + 1e-5;
        nn_loss_grad_f64(t.m, t.x, t.y, NEX);
        memcpy(gp, t.m->grads, sizeof(double) * n);
        t.m->params[j] = w0 - 1e-5;
        nn_loss_grad_f64(t.m, t.x, t.y, NEX);
        t.m->params[j] = w0;
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs((gp[i] - t.m->grads[i]) / 2e-5 - t.H[j * n + i]));
    }
    printf(", vs finite differences %.2e (tol 1e-7 max|H|)", worst);
    CU_ASSERT(worst <= 1e-7 * hmax);
    free(gp);
    tiny_free(&t);
}

static void test_estimators(void)
{
    tiny t;
    tiny_make(&t, &tiny_mlp, 4);
    size_t n = t.n;
    double *A = malloc(sizeof(double) * n * n), tr = 0;
    memcpy(A, t.H, sizeof(double) * n * n);
    for (size_t i = 0; i < n; i++) tr += t.H[i * n + i];
    CU_ASSERT_FATAL(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)n, A, (lapack_int)n, t.ev) == 0);
    double esum = 0;
    for (size_t i = 0; i < n; i++) esum += t.ev[i];
    CU_ASSERT(fabs(esum - tr) <= 1e-10 * fabs(tr) + 1e-12);
    /* Hutchinson through the float model operator over 12 examples in chunks 8 + 4 */
    int idx[NEX];
    for (int i = 0; i < NEX; i++) idx[i] = i;
    nn_model_op mo;
    char msg[200];
    CU_ASSERT_FATAL(nn_model_op_init(&mo, t.m32, &t.d, idx, NEX, 8, "all", msg, sizeof msg) == 0);
    nso_linop op = nn_model_op_linop(&mo);
    gsl_rng *r = nso_rng_named(9, "test/hutch");
    double gm[8], gse[8];
    int ngroups = t.m32->nlayers;
    CU_ASSERT_FATAL(ngroups <= 8);
    nso_hutch_opts ho = {.min_probes = 2000, .max_probes = 2000, .group = mo.group, .ngroups = ngroups};
    nso_trace_est res = {.group_mean = gm, .group_se = gse};
    CU_ASSERT(nso_hutchinson(&op, &ho, r, &res) == NSO_OK);
    printf("\n  trace: dense %.6g, Hutchinson %.6g +- %.2g (2000 probes; tol 4 se)", tr, res.mean, res.se);
    CU_ASSERT(fabs(res.mean - tr) <= 4 * res.se);
    CU_ASSERT(res.se <= 0.05 * fabs(tr));
    /* blocked probes (shared forward/backward, nn_hvp_multi) give the same
     * estimate as one probe at a time: relative 1e-9 (float sums in another order
     * are not involved: each product is computed by the same R pass) */
    {
        nso_linop single = op;
        single.block = 1;
        gsl_rng *r1 = nso_rng_named(10, "test/blk"), *r2 = nso_rng_named(10, "test/blk");
        nso_trace_est a = {0}, b = {0};
        nso_hutch_opts h21 = {.min_probes = 21, .max_probes = 21};
        nso_hutchinson(&op, &h21, r1, &a);
        nso_hutchinson(&single, &h21, r2, &b);
        printf("\n  blocked vs single probes: %.12g vs %.12g", a.mean, b.mean);
        CU_ASSERT(a.probes == 21 && b.probes == 21);
        CU_ASSERT(fabs(a.mean - b.mean) <= 1e-9 * fabs(b.mean));
        gsl_rng_free(r1);
        gsl_rng_free(r2);
    }
    /* per-layer partial traces sum to the total; each within 4 se of the block trace */
    double gsum = 0;
    for (int g = 0; g < ngroups; g++) gsum += gm[g];
    CU_ASSERT(fabs(gsum - res.mean) <= 1e-9 * fabs(res.mean));
    double fc1 = 0;
    for (size_t i = 0; i < 20 * 6 + 6; i++) fc1 += t.H[i * n + i];
    CU_ASSERT(fabs(gm[0] - fc1) <= 4 * gse[0] + 1e-9);
    /* parameter selection: fc2 only has 6*3+3 coordinates */
    nn_model_op m2;
    CU_ASSERT(nn_model_op_init(&m2, t.m32, &t.d, idx, NEX, 8, "fc2", msg, sizeof msg) == 0);
    CU_ASSERT(m2.nsel == 21);
    nn_model_op_free(&m2);
    CU_ASSERT(nn_model_op_init(&m2, t.m32, &t.d, idx, NEX, 8, "nope", msg, sizeof msg) != 0);
    /* Lanczos: n steps reproduce the spectrum; top-3 to 1e-6 relative (float operator) */
    size_t mstep = 60;
    double *al = malloc(sizeof(double) * mstep), *be = malloc(sizeof(double) * mstep);
    double *th = malloc(sizeof(double) * mstep), *w = malloc(sizeof(double) * mstep);
    nso_dense_op dense = {n, 1, t.H};
    nso_linop dop = nso_dense_linop(&dense, 1);
    size_t k;
    CU_ASSERT(nso_lanczos(&dop, mstep, r, al, be, &k, NULL) == NSO_OK);
    CU_ASSERT(nso_tridiag_eig(k, al, be, th, w) == NSO_OK);
    printf("\n  lambda_max: dense %.8g, Lanczos(%zu) %.8g", t.ev[n - 1], k, th[k - 1]);
    for (int j = 1; j <= 3; j++)
        CU_ASSERT(fabs(th[k - j] - t.ev[n - j]) <= 1e-8 * fabs(t.ev[n - 1]));
    double ws = 0;
    for (size_t j = 0; j < k; j++) ws += w[j];
    CU_ASSERT(fabs(ws - 1) <= 1e-10);
    /* Lanczos on the float model operator: lambda_max to 1e-4 relative */
    CU_ASSERT(nso_lanczos(&op, 40, r, al, be, &k, NULL) == NSO_OK);
    CU_ASSERT(nso_tridiag_eig(k, al, be, th, NULL) == NSO_OK);
    printf(", model-operator Lanczos %.8g (tol 1e-4 rel)", th[k - 1]);
    CU_ASSERT(fabs(th[k - 1] - t.ev[n - 1]) <= 1e-4 * fabs(t.ev[n - 1]));
    nn_model_op_free(&mo);
    gsl_rng_free(r);
    free(A);
    free(al);
    free(be);
    free(th);
    free(w);
    tiny_free(&t);
}

void nn_suite_hessian(void)
{
    CU_pSuite s = CU_add_suite("nn hessian", NULL, NULL);
    CU_add_test(s, "dense Hessian: symmetric, equals finite differences", test_dense);
    CU_add_test(s, "Hutchinson, per-layer, Lanczos vs dense eigenvalues", test_estimators);
}
