/* test_kernels.c - the engine's fast float kernels against their readable
 * references, layer by layer, for every instruction-set variant this CPU
 * runs (generic, AVX2+FMA, AVX-512; nn/simd.c).
 *
 * Independent computation: the reference layer compiled in double
 * (nn_*_ref_f64 / the f64 build: im2col + dgemm, two-pass batch norm in
 * double) on the same float inputs.  Tolerance: relative error in the
 * 2-norm <= 1e-5 and, element-wise, |fast - ref| <= 1e-5 (sum of |terms|),
 * i.e. a few float roundings per accumulated term; float sums of <= 10^5
 * terms stay well inside.  Also checked: forward and dX are bit-identical
 * with 1 and 2 threads (each output is summed in one fixed order), and batch
 * norm's run-time ISA clones (NN_CLONES) equal, bit for bit, a baseline-ISA
 * copy of batchnorm.c built by tests/kernels.mk (bn_base.o). */
#include "../cunit_run.h"
#include "nn_impl.h"
#include "nn.h"
#include "rng.h"
#include <CUnit/Basic.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the double build's reference layers (nn_impl.h declares one precision) */
size_t nn_conv_work_size_f64(const nn_conv_geom *g, int B);
void nn_conv_forward_ref_f64(const nn_conv_geom *g, int B, const double *w, const double *x,
                             double *y, double *col, int acc, int have_col);
void nn_conv_backward_ref_f64(const nn_conv_geom *g, int B, const double *w, const double *x,
                              const double *dy, double *dx, double *dw, double *colx,
                              int have_colx, double *col, double *dwp, int accx);

void nn_bn_forward_batch_ref_f64(int C, int N, const double *x, double *y, const double *gamma,
                                 const double *beta, double eps, double *mean, double *invstd,
                                 double *run_mean, double *run_var, double momentum);
void nn_bn_backward_batch_ref_f64(int C, int N, const double *x, const double *dy,
                                  const double *gamma, const double *mean, const double *invstd,
                                  double *dx, double *dgamma, double *dbeta, int acc);
void nn_bn_backward_eval_ref_f64(int C, int N, const double *x, const double *dy,
                                 const double *gamma, const double *run_mean,
                                 const double *run_var, double eps, double *dx, double *dgamma,
                                 double *dbeta, int acc);
void nn_bn_rbackward_eval_ref_f64(int C, int N, const double *x, const double *rx,
                                  const double *dy, const double *rdy, const double *gamma,
                                  const double *vgamma, const double *run_mean,
                                  const double *run_var, double eps, double *rdx,
                                  double *rdgamma, double *rdbeta, int acc);

static gsl_rng *rng;

static float *rnd(size_t n, double lo, double hi)
{
    float *a = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) a[i] = (float)(lo + (hi - lo) * gsl_rng_uniform(rng));
    return a;
}
static double *todbl(const float *a, size_t n)
{
    double *d = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) d[i] = a[i];
    return d;
}
static float *dup(const float *a, size_t n)
{
    float *d = malloc(n * sizeof(float));
    memcpy(d, a, n * sizeof(float));
    return d;
}

/* relative 2-norm error and worst element error over `scale` (per element
 * bound of the summed magnitudes, or NULL: max |ref|) */
static int close_enough(const char *what, const float *f, const double *r, size_t n,
                        const double *scale, double tol)
{
    double d2 = 0, r2 = 0, worst = 0, mx = 0;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, fabs(r[i]));
    for (size_t i = 0; i < n; i++) {
        double e = fabs(f[i] - r[i]);
        d2 += e * e;
        r2 += r[i] * r[i];
        double s = scale ? scale[i] : mx;
        if (s > 0 && e / s > worst) worst = e / s;
    }
    double rel = r2 > 0 ? sqrt(d2 / r2) : sqrt(d2);
    int ok = rel <= tol && worst <= tol;
    if (!ok) printf("\n  %s: rel 2-norm error %.2e, worst element %.2e (tol %.0e)", what, rel, worst, tol);
    return ok;
}

typedef struct {
    int cin, cout, h, w, stride, B;
} cgeo;

/* one geometry, one variant: forward (overwrite and accumulate), backward
 * (dx and dw accumulate; prepared input cached or prepared inside) */
static void conv_case(const cgeo *c, const char *variant)
{
    const int k = 3, pad = 1, s = c->stride;
    nn_conv_geom g = {c->cin, c->cout, c->h, c->w, (c->h + 2 * pad - k) / s + 1,
                      (c->w + 2 * pad - k) / s + 1, k, s, pad};
    CU_ASSERT_FATAL(nn_conv_direct_ok(&g));
    const int B = c->B;
    size_t nx = (size_t)g.cin * B * g.h * g.w, ny = (size_t)g.cout * B * g.ho * g.wo;
    size_t nw = (size_t)g.cout * g.cin * 9;
    float *x = rnd(nx, -1, 1), *w = rnd(nw, -1, 1), *dy = rnd(ny, -1, 1);
    float *y0 = rnd(ny, -1, 1), *dx0 = rnd(nx, -1, 1), *dw0 = rnd(nw, -1, 1);
    double *xd = todbl(x, nx), *wd = todbl(w, nw), *dyd = todbl(dy, ny);
    /* double reference: y = conv + y0, dx = dx0 + W^T dy, dw = dw0 + dy x^T */
    double *yr = todbl(y0, ny), *dxr = todbl(dx0, nx), *dwr = todbl(dw0, nw);
    size_t colr = nn_conv_work_size_f64(&g, B);
    double *cold = calloc(colr, sizeof(double)), *cold2 = calloc(colr, sizeof(double));
    double *dwpd = calloc(nw * NN_MAX_PARTS * 2, sizeof(double));
    nn_conv_forward_ref_f64(&g, B, wd, xd, yr, cold, 1, 0);
    nn_conv_backward_ref_f64(&g, B, wd, xd, dyd, dxr, dwr, cold, 1, cold2, dwpd, 1);
    /* magnitude bounds: the same sums with |w|, |x|, |dy| */
    double *ax = malloc(nx * sizeof(double)), *aw = malloc(nw * sizeof(double));
    double *ady = malloc(ny * sizeof(double));
    for (size_t i = 0; i < nx; i++) ax[i] = fabs(xd[i]);
    for (size_t i = 0; i < nw; i++) aw[i] = fabs(wd[i]);
    for (size_t i = 0; i < ny; i++) ady[i] = fabs(dyd[i]);
    double *ys = calloc(ny, sizeof(double)), *dxs = calloc(nx, sizeof(double)),
           *dws = calloc(nw, sizeof(double));
    for (size_t i = 0; i < ny; i++) ys[i] = fabs(y0[i]);
    for (size_t i = 0; i < nx; i++) dxs[i] = fabs(dx0[i]);
    for (size_t i = 0; i < nw; i++) dws[i] = fabs(dw0[i]);
    nn_conv_forward_ref_f64(&g, B, aw, ax, ys, cold, 1, 0);
    nn_conv_backward_ref_f64(&g, B, aw, ax, ady, dxs, dws, cold, 1, cold2, dwpd, 1);

    size_t np = nn_conv_prep_size_f32(&g, B), nk = nn_conv_work_size_f32(&g, B);
    float *prep = calloc(np, sizeof(float)), *work = calloc(nk, sizeof(float));
    float *wsp = calloc(nw * NN_MAX_PARTS * 2, sizeof(float));
    char name[160];
    snprintf(name, sizeof name, "%s conv %dx%dx%d->%d stride %d B %d", variant, c->cin, c->h, c->w,
             c->cout, s, B);
    /* forward, accumulate into y0 */
    float *y = dup(y0, ny);
    nn_conv_forward_f32(&g, B, w, x, y, prep, 1, 0);
    char t[200];
    snprintf(t, sizeof t, "%s forward (+=)", name);
    CU_ASSERT(close_enough(t, y, yr, ny, ys, 1e-5));
    /* forward, overwrite, prepared input reused */
    float *y2 = rnd(ny, -5, 5);
    nn_conv_forward_f32(&g, B, w, x, y2, prep, 0, 1);
    for (size_t i = 0; i < ny; i++) y2[i] += y0[i];
    snprintf(t, sizeof t, "%s forward (=, cached input)", name);
    CU_ASSERT(close_enough(t, y2, yr, ny, ys, 1e-5));
    /* backward with the cached prepared input */
    float *dx = dup(dx0, nx), *dw = dup(dw0, nw);
    nn_conv_backward_f32(&g, B, w, x, dy, dx, dw, prep, 1, work, wsp, 1);
    snprintf(t, sizeof t, "%s dx", name);
    CU_ASSERT(close_enough(t, dx, dxr, nx, dxs, 1e-5));
    snprintf(t, sizeof t, "%s dw", name);
    CU_ASSERT(close_enough(t, dw, dwr, nw, dws, 1e-5));
    /* backward preparing the input itself (colx NULL), dw only then dx only */
    float *dw2 = dup(dw0, nw), *dx2 = dup(dx0, nx);
    nn_conv_backward_f32(&g, B, w, x, dy, NULL, dw2, NULL, 0, work, wsp, 1);
    nn_conv_backward_f32(&g, B, w, x, dy, dx2, NULL, NULL, 0, work, wsp, 1);
    CU_ASSERT(memcmp(dw2, dw, nw * sizeof(float)) == 0); /* same sums, same order */
    CU_ASSERT(memcmp(dx2, dx, nx * sizeof(float)) == 0);
    /* dx overwritten (accx = 0, the first writer of a gradient): dx0 + dx4 */
    float *dx4 = rnd(nx, -9, 9);
    nn_conv_backward_f32(&g, B, w, x, dy, dx4, NULL, prep, 1, work, wsp, 0);
    for (size_t i = 0; i < nx; i++) dx4[i] += dx0[i];
    snprintf(t, sizeof t, "%s dx (overwrite)", name);
    CU_ASSERT(close_enough(t, dx4, dxr, nx, dxs, 1e-5));
    free(dx4);
    /* thread-count independence: 1 thread gives the same bits as 2 */
    int nt = omp_get_max_threads();
    omp_set_num_threads(nt > 1 ? 1 : 2);
    float *y3 = rnd(ny, -5, 5), *dx3 = dup(dx0, nx), *dw3 = dup(dw0, nw);
    memcpy(y3, y0, ny * sizeof(float));
    nn_conv_forward_f32(&g, B, w, x, y3, prep, 1, 0);
    nn_conv_backward_f32(&g, B, w, x, dy, dx3, dw3, prep, 1, work, wsp, 1);
    omp_set_num_threads(nt);
    CU_ASSERT(memcmp(y3, y, ny * sizeof(float)) == 0);
    CU_ASSERT(memcmp(dx3, dx, nx * sizeof(float)) == 0);
    /* dW: per-thread partials added in thread order: close, not identical */
    snprintf(t, sizeof t, "%s dw, other thread count", name);
    CU_ASSERT(close_enough(t, dw3, dwr, nw, dws, 1e-5));
    free(x), free(w), free(dy), free(y0), free(dx0), free(dw0), free(xd), free(wd), free(dyd);
    free(yr), free(dxr), free(dwr), free(cold), free(cold2), free(dwpd), free(ax), free(aw);
    free(ady), free(ys), free(dxs), free(dws), free(prep), free(work), free(wsp), free(y);
    free(y2), free(dx), free(dw), free(dw2), free(dx2), free(y3), free(dx3), free(dw3);
}

static const cgeo conv_cases[] = {
    {1, 16, 28, 28, 1, 3},  /* the first layer (one input channel) */
    {16, 16, 28, 28, 1, 2}, /* stage 1 */
    {16, 32, 28, 28, 2, 2}, /* stage 2 entry, stride 2 */
    {32, 32, 14, 14, 1, 3},
    {32, 64, 14, 14, 2, 2}, /* stage 3 entry */
    {64, 64, 7, 7, 1, 3},
    {3, 5, 9, 7, 1, 5},     /* odd shapes, channels not multiples of the blocks */
    {5, 7, 9, 7, 2, 4},     /* stride 2 with odd height and width */
    {2, 3, 2, 2, 2, 1},     /* 2x2 -> 1x1 */
    {4, 4, 1, 1, 1, 2},     /* 1x1 images: only the centre tap */
};

/* the library's batch-norm passes (ISA clones picked at load time) against
 * the baseline-ISA copy of the same source (bn_base.o): bit for bit, with
 * and without ReLU masks, N around the block and lane lengths */
void nn_bn_part_sum_f32_base(int C, int n, size_t ld, const float *x, double *s);
void nn_bn_part_dev2_f32_base(int C, int n, size_t ld, const float *x, const float *mu, double *s);
void nn_bn_part_dsum_f32_base(int C, int n, size_t ld, const float *u, const float *mask,
                              const float *x, const float *mu, double *su, double *sux);
void nn_bn_part_prod_f32_base(int C, int n, size_t ld, const float *u, const float *mask,
                              const float *v, double *s);
void nn_bn_part_affine_f32_base(int C, int n, size_t ld, const float *x, float *y,
                                const float *scale, const float *mean, const float *shift, int relu);
void nn_bn_part_comb_f32_base(int C, int n, size_t ld, const float *u, const float *v,
                              const float *x, float *out, const float *a, const float *b,
                              const float *c, const float *mean, const float *d,
                              const float *imask, const float *omask, int acc);

static void test_bn_clones(void)
{
    static const int Ns[] = {1, 15, 16, 511, 512, 1537};
    const int C = 3;
    for (size_t k = 0; k < sizeof Ns / sizeof *Ns; k++) {
        const int N = Ns[k];
        const size_t n = (size_t)C * N;
        float *x = rnd(n, -1, 1), *u = rnd(n, -1, 1), *v = rnd(n, -1, 1), *mk = rnd(n, -1, 1);
        float *p = rnd(C, 0.5, 1.5), *q = rnd(C, -1, 1), *r = rnd(C, -1, 1), *mu = rnd(C, -0.2, 0.2);
        int same = 1;
        for (int masked = 0; masked < 2; masked++) {
            const float *m = masked ? mk : NULL;
            double a[3] = {0}, b[3] = {0}, a2[3] = {0}, b2[3] = {0};
            nn_bn_part_sum_f32(C, N, N, x, a);
            nn_bn_part_sum_f32_base(C, N, N, x, b);
            same &= !memcmp(a, b, sizeof a);
            nn_bn_part_dev2_f32(C, N, N, x, mu, a);
            nn_bn_part_dev2_f32_base(C, N, N, x, mu, b);
            same &= !memcmp(a, b, sizeof a);
            nn_bn_part_dsum_f32(C, N, N, u, m, x, mu, a, a2);
            nn_bn_part_dsum_f32_base(C, N, N, u, m, x, mu, b, b2);
            same &= !memcmp(a, b, sizeof a) && !memcmp(a2, b2, sizeof a2);
            nn_bn_part_prod_f32(C, N, N, u, m, v, a);
            nn_bn_part_prod_f32_base(C, N, N, u, m, v, b);
            same &= !memcmp(a, b, sizeof a);
            float *y1 = dup(v, n), *y2 = dup(v, n);
            nn_bn_part_affine_f32(C, N, N, x, y1, p, mu, q, masked);
            nn_bn_part_affine_f32_base(C, N, N, x, y2, p, mu, q, masked);
            same &= !memcmp(y1, y2, n * sizeof(float));
            nn_bn_part_comb_f32(C, N, N, u, v, x, y1, p, q, r, mu, q, m, m, 1);
            nn_bn_part_comb_f32_base(C, N, N, u, v, x, y2, p, q, r, mu, q, m, m, 1);
            same &= !memcmp(y1, y2, n * sizeof(float));
            nn_bn_part_comb_f32(C, N, N, u, NULL, x, y1, p, q, r, mu, NULL, m, NULL, 0);
            nn_bn_part_comb_f32_base(C, N, N, u, NULL, x, y2, p, q, r, mu, NULL, m, NULL, 0);
            same &= !memcmp(y1, y2, n * sizeof(float));
            free(y1), free(y2);
        }
        if (!same) printf("\n  batch-norm clones differ from the baseline copy at N %d", N);
        CU_ASSERT(same);
        free(x), free(u), free(v), free(mk), free(p), free(q), free(r), free(mu);
    }
}

/* batch norm: the float build's lane sums vs the double references, on
 * channels with a large mean (100) next to a unit spread, N around and far
 * from the block length; every output (activations, batch statistics,
 * running statistics, parameter gradients) */
static void test_bn(void)
{
    static const int Ns[] = {1, 7, 511, 1537, 25088};
    const int C = 3;
    const double eps = 1e-5, mom = 0.1;
    for (size_t k = 0; k < sizeof Ns / sizeof *Ns; k++) {
        const int N = Ns[k];
        size_t n = (size_t)C * N;
        float *x = rnd(n, -1, 1), *dy = rnd(n, -1, 1), *rx = rnd(n, -1, 1), *rdy = rnd(n, -1, 1);
        for (size_t i = 0; i < n; i++) x[i] += (float)(i < (size_t)N ? 100 : i < 2 * (size_t)N ? -3 : 0);
        float *g = rnd(C, 0.5, 1.5), *bt = rnd(C, -1, 1), *vg = rnd(C, -1, 1);
        float *rm = rnd(C, -1, 1), *rv = rnd(C, 0.5, 2), *dx0 = rnd(n, -1, 1);
        double *xd = todbl(x, n), *dyd = todbl(dy, n), *rxd = todbl(rx, n), *rdyd = todbl(rdy, n);
        double *gd = todbl(g, C), *btd = todbl(bt, C), *vgd = todbl(vg, C), *rmd = todbl(rm, C);
        double *rvd = todbl(rv, C);
        char t[120];
        /* forward with batch statistics, running statistics updated */
        float *y = malloc(n * sizeof(float)), mean[3], inv[3], rmf[3], rvf[3];
        double *yd = malloc(n * sizeof(double)), meand[3], invd[3], rmdd[3], rvdd[3];
        memcpy(rmf, rm, sizeof rmf), memcpy(rvf, rv, sizeof rvf);
        memcpy(rmdd, rmd, sizeof rmdd), memcpy(rvdd, rvd, sizeof rvdd);
        nn_bn_forward_batch_f32(C, N, x, y, g, bt, eps, mean, inv, rmf, rvf, mom);
        nn_bn_forward_batch_ref_f64(C, N, xd, yd, gd, btd, eps, meand, invd, rmdd, rvdd, mom);
        snprintf(t, sizeof t, "bn forward N %d: y", N);
        CU_ASSERT(close_enough(t, y, yd, n, NULL, 1e-5));
        snprintf(t, sizeof t, "bn forward N %d: mean, 1/std, running mean, var", N);
        CU_ASSERT(close_enough(t, mean, meand, C, NULL, 1e-6));
        CU_ASSERT(close_enough(t, inv, invd, C, NULL, 1e-5));
        CU_ASSERT(close_enough(t, rmf, rmdd, C, NULL, 1e-6));
        CU_ASSERT(close_enough(t, rvf, rvdd, C, NULL, 1e-5));
        /* backward with batch statistics (the float statistics, as the model) */
        double *meanf = todbl(mean, C), *invf = todbl(inv, C);
        float *dx = dup(dx0, n), dg[3] = {0.5f, -1, 2}, db[3] = {1, 0, -2};
        double *dxd = todbl(dx0, n), dgd[3] = {0.5, -1, 2}, dbd[3] = {1, 0, -2};
        nn_bn_backward_batch_f32(C, N, x, dy, g, mean, inv, dx, dg, db, 1);
        nn_bn_backward_batch_ref_f64(C, N, xd, dyd, gd, meanf, invf, dxd, dgd, dbd, 1);
        snprintf(t, sizeof t, "bn backward N %d: dx, dgamma, dbeta", N);
        /* N = 1 is degenerate (PyTorch refuses it in training): the variance is
         * 0, and dx's two terms, 1/sqrt(eps) times dy, cancel; tolerance there
         * 1e-5 of that term's size */
        CU_ASSERT(close_enough(t, dx, dxd, n, NULL, N > 1 ? 1e-5 : 1e-5 / sqrt(eps)));
        CU_ASSERT(close_enough(t, dg, dgd, C, NULL, 1e-5));
        CU_ASSERT(close_enough(t, db, dbd, C, NULL, 1e-5));
        /* eval-mode backward and its R-operator (running statistics) */
        memcpy(dx, dx0, n * sizeof(float));
        free(dxd);
        dxd = todbl(dx0, n);
        float eg[3] = {0}, eb[3] = {0};
        double egd[3] = {0}, ebd[3] = {0};
        nn_bn_backward_eval_f32(C, N, x, dy, g, rm, rv, eps, dx, eg, eb, 1);
        nn_bn_backward_eval_ref_f64(C, N, xd, dyd, gd, rmd, rvd, eps, dxd, egd, ebd, 1);
        snprintf(t, sizeof t, "bn eval backward N %d", N);
        CU_ASSERT(close_enough(t, dx, dxd, n, NULL, 1e-5));
        CU_ASSERT(close_enough(t, eg, egd, C, NULL, 1e-5));
        CU_ASSERT(close_enough(t, eb, ebd, C, NULL, 1e-5));
        memcpy(dx, dx0, n * sizeof(float));
        free(dxd);
        dxd = todbl(dx0, n);
        float rg[3] = {0}, rb[3] = {0};
        double rgd[3] = {0}, rbd[3] = {0};
        nn_bn_rbackward_eval_f32(C, N, x, rx, dy, rdy, g, vg, rm, rv, eps, dx, rg, rb, 1);
        nn_bn_rbackward_eval_ref_f64(C, N, xd, rxd, dyd, rdyd, gd, vgd, rmd, rvd, eps, dxd, rgd, rbd, 1);
        snprintf(t, sizeof t, "bn eval R-backward N %d", N);
        CU_ASSERT(close_enough(t, dx, dxd, n, NULL, 1e-5));
        CU_ASSERT(close_enough(t, rg, rgd, C, NULL, 1e-5));
        CU_ASSERT(close_enough(t, rb, rbd, C, NULL, 1e-5));
        free(x), free(dy), free(rx), free(rdy), free(g), free(bt), free(vg), free(rm), free(rv);
        free(dx0), free(xd), free(dyd), free(rxd), free(rdyd), free(gd), free(btd), free(vgd);
        free(rmd), free(rvd), free(y), free(yd), free(meanf), free(invf), free(dx), free(dxd);
    }
}

/* the model's passes on threads: every thread runs the whole tape on its
 * batch part, so two threads work on different layers at once.  The float
 * model on (at least) 2 threads against the double model on 1 thread:
 * gradient (eval-mode and batch-statistics batch norm) and HVP within the
 * f32-vs-f64 tolerances of tests/nn (1e-4, 1e-3 relative 2-norm); and the
 * same call twice gives the same bits (fixed thread count). */
static void test_model_threads(void)
{
    const int B = 8, H = 20;
    nn_config cfg = {NN_ARCH_RESNET, 8, 0, 1, H, H, 10, NN_ACT_RELU};
    char msg[200];
    gsl_rng *r = nso_rng_named(4, "test/threads");
    nn_model_f64 *m = nn_model_create_f64(&cfg, B, r, msg, sizeof msg);
    int nt = omp_get_max_threads();
    omp_set_num_threads(nt > 1 ? nt : 2);
    nn_model_f32 *f = nn_model_create_f32(&cfg, B, r, msg, sizeof msg);
    CU_ASSERT_FATAL(m && f);
    for (size_t i = 0; i < m->nstats; i++) m->stats[i] = 0.4 + 0.5 * gsl_rng_uniform(r);
    for (size_t i = 0; i < m->nparams; i++) f->params[i] = (float)m->params[i], m->params[i] = f->params[i];
    for (size_t i = 0; i < m->nstats; i++) f->stats[i] = (float)m->stats[i], m->stats[i] = f->stats[i];
    float *x = rnd((size_t)B * H * H, 0, 1), *v = rnd(m->nparams, -1, 1);
    float *hv = malloc(m->nparams * sizeof(float)), *g1 = malloc(m->nparams * sizeof(float));
    double *vd = todbl(v, m->nparams), *hvd = malloc(m->nparams * sizeof(double));
    uint8_t y[8];
    for (int b = 0; b < B; b++) y[b] = (uint8_t)(b * 3 % 10);
    for (int mode = 0; mode < 2; mode++) { /* FROZEN (batch statistics), EVAL */
        m->bn_mode = f->bn_mode = mode ? NN_BN_EVAL : NN_BN_FROZEN;
        omp_set_num_threads(1);
        nn_loss_grad_f64(m, x, y, B);
        omp_set_num_threads(nt > 1 ? nt : 2);
        nn_loss_grad_f32(f, x, y, B);
        memcpy(g1, f->grads, m->nparams * sizeof(float));
        nn_loss_grad_f32(f, x, y, B);
        CU_ASSERT(memcmp(g1, f->grads, m->nparams * sizeof(float)) == 0);
        char t[80];
        snprintf(t, sizeof t, "threads: gradient, BN mode %d", f->bn_mode);
        CU_ASSERT(close_enough(t, f->grads, m->grads, m->nparams, NULL, 1e-4));
    }
    omp_set_num_threads(1);
    nn_hvp_f64(m, x, y, B, vd, hvd);
    omp_set_num_threads(nt > 1 ? nt : 2);
    nn_hvp_f32(f, x, y, B, v, hv);
    CU_ASSERT(close_enough("threads: HVP", hv, hvd, m->nparams, NULL, 1e-3));
    omp_set_num_threads(nt);
    free(x), free(v), free(hv), free(g1), free(vd), free(hvd);
    nn_model_free_f64(m);
    nn_model_free_f32(f);
    gsl_rng_free(r);
}

static int levels(int *out)
{
    int n = 0, top = nn_simd_force(NN_SIMD_AVX512);
    for (int l = NN_SIMD_GENERIC; l <= top; l++) out[n++] = l;
    nn_simd_force(-1);
    return n;
}

static void test_conv(void)
{
    int lv[3], n = levels(lv);
    for (int i = 0; i < n; i++) {
        CU_ASSERT(nn_simd_force(lv[i]) == lv[i]);
        for (size_t c = 0; c < sizeof conv_cases / sizeof *conv_cases; c++)
            conv_case(&conv_cases[c], nn_simd_name(lv[i]));
        printf("%s%s", i ? ", " : "\n  variants checked: ", nn_simd_name(lv[i]));
    }
    nn_simd_force(-1);
}

static void test_dispatch(void)
{
    /* the environment cap is honoured (make test runs the nn suite again
     * with NN_SIMD=generic) and a forced level never exceeds the CPU's */
    int l = nn_simd_level();
    const char *e = getenv("NN_SIMD");
    if (e && !strcmp(e, "generic")) CU_ASSERT(l == NN_SIMD_GENERIC);
    CU_ASSERT(l >= NN_SIMD_GENERIC && l <= NN_SIMD_AVX512);
    CU_ASSERT(nn_simd_force(NN_SIMD_GENERIC) == NN_SIMD_GENERIC);
    CU_ASSERT(nn_simd_level() == NN_SIMD_GENERIC);
    nn_simd_force(-1);
    CU_ASSERT(nn_simd_level() == l);
    printf("\n  variant in use: %s", nn_simd_name(l));
}

/* the transformer's layers (issue 9 speed): attention as GEMMs
 * (attention_gemm.c) and the column-blocked layer norm (layernorm_blk.c)
 * against their readable references (attention.c, layernorm.c).  Float fast
 * vs double reference (the tolerance of this file), and double fast vs double
 * reference (1e-12: the same formulas, other summation orders).  Inputs: a
 * part of examples [1, 3) of B = 3, L = 7 tokens, width 12, 3 heads, with
 * [PAD] keys in example 1 and a row of only [PAD] keys in example 2;
 * accumulating (acc = 1) outputs start from random values. */
void nn_attn_forward_part_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                              const double *tok, double *p, double *ctx);
void nn_attn_backward_part_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                               const double *p, const double *dctx, double *ds, double *dqkv, int acc);
void nn_attn_rforward_part_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                               const double *rqkv, const double *p, double *rp, double *rctx);
void nn_attn_rbackward_part_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                                const double *rqkv, const double *p, const double *rp,
                                const double *dctx, const double *rdctx, double *ds, double *rds,
                                double *rdqkv, int acc);
void nn_attn_forward_ref_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                             const double *tok, double *p, double *ctx);
void nn_attn_backward_ref_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                              const double *p, const double *dctx, double *ds, double *dqkv, int acc);
void nn_attn_rforward_ref_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                              const double *rqkv, const double *p, double *rp, double *rctx);
void nn_attn_rbackward_ref_f64(int d, int H, int L, int B, int b0, int nb, const double *qkv,
                               const double *rqkv, const double *p, const double *rp,
                               const double *dctx, const double *rdctx, double *ds, double *rds,
                               double *rdqkv, int acc);
void nn_ln_forward_f64(int C, size_t ld, size_t n0, size_t nn, const double *x, double *y,
                       const double *g, const double *b, double eps);
void nn_ln_backward_f64(int C, size_t ld, size_t n0, size_t nn, const double *x, const double *dy,
                        const double *g, double eps, double *dx, double *dg, double *db, int acc);
void nn_ln_rforward_f64(int C, size_t ld, size_t n0, size_t nn, const double *x, const double *rx,
                        const double *g, const double *vg, const double *vb, double eps, double *ry);
void nn_ln_rbackward_f64(int C, size_t ld, size_t n0, size_t nn, const double *x, const double *rx,
                         const double *dy, const double *rdy, const double *g, const double *vg,
                         double eps, double *rdx, double *rdg, double *rdb, int acc);
void nn_ln_forward_ref_f64(int C, size_t ld, size_t n0, size_t nn, const double *x, double *y,
                           const double *g, const double *b, double eps);
void nn_ln_backward_ref_f64(int C, size_t ld, size_t n0, size_t nn, const double *x,
                            const double *dy, const double *g, double eps, double *dx, double *dg,
                            double *db, int acc);
void nn_ln_rforward_ref_f64(int C, size_t ld, size_t n0, size_t nn, const double *x,
                            const double *rx, const double *g, const double *vg, const double *vb,
                            double eps, double *ry);
void nn_ln_rbackward_ref_f64(int C, size_t ld, size_t n0, size_t nn, const double *x,
                             const double *rx, const double *dy, const double *rdy, const double *g,
                             const double *vg, double eps, double *rdx, double *rdg, double *rdb,
                             int acc);

/* max |a - b| / (1 + max |b|) over n doubles */
static double rel_max(const double *a, const double *b, size_t n)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs(a[i] - b[i]));
        m = fmax(m, fabs(b[i]));
    }
    return e / (1 + m);
}

static void test_attention(void)
{
    enum { B = 3, L = 7, d = 12, H = 3, b0 = 1, nb = 2 };
    const size_t N = (size_t)B * L, nq = 3 * (size_t)d * N, np = (size_t)H * L * N, nc = (size_t)d * N;
    float tok[B * L];
    for (int i = 0; i < B * L; i++) {
        int b = i / L, t = i % L;
        tok[i] = (b == 1 && t >= 4) || (b == 2 && t >= 1) ? 0.f : (float)(5 + t); /* PAD tails */
    }
    tok[2 * L] = 0; /* example 2: every key masked, its rows of P must be zero */
    float *qkv = rnd(nq, -1, 1), *rqkv = rnd(nq, -1, 1), *dctx = rnd(nc, -1, 1), *rdctx = rnd(nc, -1, 1);
    float *g0 = rnd(nq, -1, 1);
    double *qkvd = todbl(qkv, nq), *rqkvd = todbl(rqkv, nq), *dctxd = todbl(dctx, nc);
    double *rdctxd = todbl(rdctx, nc), *tokd = todbl(tok, B * L);
    /* outputs: f = float fast, a = double fast, r = double reference */
    float *pf = calloc(np, 4), *cf = calloc(nc, 4), *dsf = calloc(np, 4), *rdsf = calloc(np, 4);
    float *rpf = calloc(np, 4), *rcf = calloc(nc, 4);
    double *pa = calloc(np, 8), *ca = calloc(nc, 8), *dsa = calloc(np, 8), *rdsa = calloc(np, 8);
    double *rpa = calloc(np, 8), *rca = calloc(nc, 8);
    double *pr = calloc(np, 8), *cr = calloc(nc, 8), *dsr = calloc(np, 8), *rdsr = calloc(np, 8);
    double *rpr = calloc(np, 8), *rcr = calloc(nc, 8);
    nn_attn_forward_part_f32(d, H, L, B, b0, nb, qkv, tok, pf, cf);
    nn_attn_forward_part_f64(d, H, L, B, b0, nb, qkvd, tokd, pa, ca);
    nn_attn_forward_ref_f64(d, H, L, B, b0, nb, qkvd, tokd, pr, cr);
    int zero_rows = 1;
    for (int h = 0; h < H; h++)
        for (int i = 0; i < L; i++)
            for (int j = 0; j < L; j++) zero_rows &= pf[((size_t)h * L + i) * N + 2 * L + j] == 0;
    CU_ASSERT(zero_rows);
    CU_ASSERT(close_enough("attention forward: P", pf, pr, np, NULL, 1e-5));
    CU_ASSERT(close_enough("attention forward: ctx", cf, cr, nc, NULL, 1e-5));
    CU_ASSERT(rel_max(pa, pr, np) < 1e-12 && rel_max(ca, cr, nc) < 1e-12);
    for (int acc = 0; acc <= 1; acc++) {
        char t[80];
        float *gf = dup(g0, nq), *rgf = dup(g0, nq);
        double *ga = todbl(g0, nq), *gr = todbl(g0, nq), *rga = todbl(g0, nq), *rgr = todbl(g0, nq);
        nn_attn_backward_part_f32(d, H, L, B, b0, nb, qkv, pf, dctx, dsf, gf, acc);
        nn_attn_backward_part_f64(d, H, L, B, b0, nb, qkvd, pr, dctxd, dsa, ga, acc);
        nn_attn_backward_ref_f64(d, H, L, B, b0, nb, qkvd, pr, dctxd, dsr, gr, acc);
        snprintf(t, sizeof t, "attention backward (acc %d): dqkv", acc);
        CU_ASSERT(close_enough(t, gf, gr, nq, NULL, 1e-5));
        CU_ASSERT(rel_max(ga, gr, nq) < 1e-12 && rel_max(dsa, dsr, np) < 1e-12);
        nn_attn_rforward_part_f32(d, H, L, B, b0, nb, qkv, rqkv, pf, rpf, rcf);
        nn_attn_rforward_part_f64(d, H, L, B, b0, nb, qkvd, rqkvd, pr, rpa, rca);
        nn_attn_rforward_ref_f64(d, H, L, B, b0, nb, qkvd, rqkvd, pr, rpr, rcr);
        CU_ASSERT(close_enough("attention R-forward: RP", rpf, rpr, np, NULL, 1e-5));
        CU_ASSERT(close_enough("attention R-forward: Rctx", rcf, rcr, nc, NULL, 1e-5));
        CU_ASSERT(rel_max(rpa, rpr, np) < 1e-12 && rel_max(rca, rcr, nc) < 1e-12);
        nn_attn_rbackward_part_f32(d, H, L, B, b0, nb, qkv, rqkv, pf, rpf, dctx, rdctx, dsf, rdsf, rgf, acc);
        nn_attn_rbackward_part_f64(d, H, L, B, b0, nb, qkvd, rqkvd, pr, rpr, dctxd, rdctxd, dsa, rdsa, rga, acc);
        nn_attn_rbackward_ref_f64(d, H, L, B, b0, nb, qkvd, rqkvd, pr, rpr, dctxd, rdctxd, dsr, rdsr, rgr, acc);
        snprintf(t, sizeof t, "attention R-backward (acc %d): R dqkv", acc);
        CU_ASSERT(close_enough(t, rgf, rgr, nq, NULL, 1e-5));
        CU_ASSERT(rel_max(rga, rgr, nq) < 1e-12 && rel_max(rdsa, rdsr, np) < 1e-12);
        free(gf), free(rgf), free(ga), free(gr), free(rga), free(rgr);
    }
    free(qkv), free(rqkv), free(dctx), free(rdctx), free(g0), free(qkvd), free(rqkvd), free(dctxd);
    free(rdctxd), free(tokd), free(pf), free(cf), free(dsf), free(rdsf), free(rpf), free(rcf);
    free(pa), free(ca), free(dsa), free(rdsa), free(rpa), free(rca);
    free(pr), free(cr), free(dsr), free(rdsr), free(rpr), free(rcr);
}

/* layer norm: C = 12 features of ld = 100 columns, the part [3, 3 + nn) with
 * nn around the block length (32), features with a large common offset */
static void test_layernorm(void)
{
    static const size_t nns[] = {1, 31, 32, 33, 90};
    const int C = 12;
    const size_t ld = 100, n = (size_t)C * ld, n0 = 3;
    const double eps = 1e-5;
    for (size_t k = 0; k < sizeof nns / sizeof *nns; k++) {
        const size_t nn = nns[k];
        float *x = rnd(n, -1, 1), *rx = rnd(n, -1, 1), *dy = rnd(n, -1, 1), *rdy = rnd(n, -1, 1);
        for (size_t i = 0; i < n; i++) x[i] += 5.f;
        float *g = rnd(C, 0.5, 1.5), *b = rnd(C, -1, 1), *vg = rnd(C, -1, 1), *vb = rnd(C, -1, 1);
        float *o0 = rnd(n, -1, 1), *p0 = rnd(2 * C, -1, 1);
        double *xd = todbl(x, n), *rxd = todbl(rx, n), *dyd = todbl(dy, n), *rdyd = todbl(rdy, n);
        double *gd = todbl(g, C), *bd = todbl(b, C), *vgd = todbl(vg, C), *vbd = todbl(vb, C);
        char t[100];
        for (int pass = 0; pass < 4; pass++)
            for (int acc = 0; acc <= (pass == 0 || pass == 2 ? 0 : 1); acc++) {
                float *of = dup(o0, n), *pf = dup(p0, 2 * C);
                double *oa = todbl(o0, n), *or_ = todbl(o0, n), *pa = todbl(p0, 2 * C), *pr = todbl(p0, 2 * C);
                static const char *nm[] = {"forward", "backward", "R-forward", "R-backward"};
                switch (pass) {
                case 0:
                    nn_ln_forward_f32(C, ld, n0, nn, x, of, g, b, eps);
                    nn_ln_forward_f64(C, ld, n0, nn, xd, oa, gd, bd, eps);
                    nn_ln_forward_ref_f64(C, ld, n0, nn, xd, or_, gd, bd, eps);
                    break;
                case 1:
                    nn_ln_backward_f32(C, ld, n0, nn, x, dy, g, eps, of, pf, pf + C, acc);
                    nn_ln_backward_f64(C, ld, n0, nn, xd, dyd, gd, eps, oa, pa, pa + C, acc);
                    nn_ln_backward_ref_f64(C, ld, n0, nn, xd, dyd, gd, eps, or_, pr, pr + C, acc);
                    break;
                case 2:
                    nn_ln_rforward_f32(C, ld, n0, nn, x, rx, g, vg, vb, eps, of);
                    nn_ln_rforward_f64(C, ld, n0, nn, xd, rxd, gd, vgd, vbd, eps, oa);
                    nn_ln_rforward_ref_f64(C, ld, n0, nn, xd, rxd, gd, vgd, vbd, eps, or_);
                    break;
                default:
                    nn_ln_rbackward_f32(C, ld, n0, nn, x, rx, dy, rdy, g, vg, eps, of, pf, pf + C, acc);
                    nn_ln_rbackward_f64(C, ld, n0, nn, xd, rxd, dyd, rdyd, gd, vgd, eps, oa, pa, pa + C, acc);
                    nn_ln_rbackward_ref_f64(C, ld, n0, nn, xd, rxd, dyd, rdyd, gd, vgd, eps, or_, pr, pr + C,
                                            acc);
                }
                snprintf(t, sizeof t, "layer norm %s, %zu columns (acc %d): output", nm[pass], nn, acc);
                CU_ASSERT(close_enough(t, of, or_, n, NULL, 1e-5));
                CU_ASSERT(rel_max(oa, or_, n) < 1e-12);
                snprintf(t, sizeof t, "layer norm %s, %zu columns (acc %d): parameter gradients", nm[pass],
                         nn, acc);
                CU_ASSERT(close_enough(t, pf, pr, 2 * C, NULL, 1e-5));
                CU_ASSERT(rel_max(pa, pr, 2 * C) < 1e-12);
                free(of), free(pf), free(oa), free(or_), free(pa), free(pr);
            }
        free(x), free(rx), free(dy), free(rdy), free(g), free(b), free(vg), free(vb), free(o0), free(p0);
        free(xd), free(rxd), free(dyd), free(rdyd), free(gd), free(bd), free(vgd), free(vbd);
    }
}

int main(void)
{
    rng = nso_rng_named(12, "test/kernels");
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("nn fast kernels vs references", NULL, NULL);
    CU_add_test(s, "run-time variant choice", test_dispatch);
    CU_add_test(s, "direct 3x3 convolution vs im2col+gemm (double)", test_conv);
    CU_add_test(s, "batch norm: lane sums vs double references", test_bn);
    CU_add_test(s, "batch norm: run-time ISA clones = baseline copy, bit for bit", test_bn_clones);
    CU_add_test(s, "model passes on threads vs the double model", test_model_threads);
    CU_add_test(s, "attention as GEMMs vs the loop reference", test_attention);
    CU_add_test(s, "column-blocked layer norm vs the per-column reference", test_layernorm);
    int rc = nso_cunit_run("test_kernels");
    gsl_rng_free(rng);
    return rc;
}
