/* batchnorm.c - batch normalisation over channels (Ioffe & Szegedy 2015),
 * PyTorch conventions: eps 1e-5, momentum 0.1, running variance updated with
 * the unbiased batch variance, normalisation with the biased one.
 *
 * Three modes (see nn.h): TRAIN (batch statistics, running statistics
 * updated), FROZEN (batch statistics, running statistics untouched: for the
 * perturbed passes of NSO/SAM), EVAL (running statistics).  The R-operator is
 * provided for EVAL only, where the layer is affine in x and bilinear in
 * (gamma, x): y = gamma (x - mu) inv + beta, inv = 1/sqrt(var + eps).
 * Each channel is a contiguous row of N = B*h*w values.
 *
 * The *_ref functions are the readable versions (sums accumulated in double,
 * one value at a time; the double build uses them).  The float build runs the
 * same formulas with the sums taken in NL float lanes over blocks of NB
 * values, the block sums added in double (bottom of the file): the lanes let
 * the compiler vectorise, the blocks keep float rounding to ~NB/NL terms. */
#include "nn_impl.h"
#include <math.h>

void NN(nn_bn_forward_batch_ref)(int C, int N, const real *x, real *y, const real *gamma,
                                 const real *beta, double eps, real *mean, real *invstd,
                                 real *run_mean, real *run_var, double momentum)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N;
        real *yc = y + (size_t)c * N;
        double s = 0, ss = 0;
        for (int i = 0; i < N; i++) s += xc[i];
        double mu = s / N;
        for (int i = 0; i < N; i++) {
            double d = xc[i] - mu;
            ss += d * d;
        }
        double var = ss / N, inv = 1.0 / sqrt(var + eps);
        mean[c] = (real)mu;
        invstd[c] = (real)inv;
        real a = (real)(gamma[c] * inv), bb = (real)(beta[c] - gamma[c] * inv * mu);
        for (int i = 0; i < N; i++) yc[i] = a * xc[i] + bb;
        if (run_mean) {
            double unb = N > 1 ? ss / (N - 1) : var;
            run_mean[c] = (real)((1 - momentum) * run_mean[c] + momentum * mu);
            run_var[c] = (real)((1 - momentum) * run_var[c] + momentum * unb);
        }
    }
}

void NN(nn_bn_forward_eval)(int C, int N, const real *x, real *y, const real *gamma,
                            const real *beta, const real *run_mean, const real *run_var, double eps)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        double inv = 1.0 / sqrt((double)run_var[c] + eps);
        real a = (real)(gamma[c] * inv), bb = (real)(beta[c] - gamma[c] * inv * run_mean[c]);
        const real *xc = x + (size_t)c * N;
        real *yc = y + (size_t)c * N;
        for (int i = 0; i < N; i++) yc[i] = a * xc[i] + bb;
    }
}

void NN(nn_bn_backward_batch_ref)(int C, int N, const real *x, const real *dy,
                                  const real *gamma, const real *mean, const real *invstd,
                                  real *dx, real *dgamma, real *dbeta, int acc)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N, *dyc = dy + (size_t)c * N;
        double mu = mean[c], inv = invstd[c];
        double sdy = 0, sdyx = 0;
        for (int i = 0; i < N; i++) {
            sdy += dyc[i];
            sdyx += dyc[i] * ((xc[i] - mu) * inv);
        }
        dgamma[c] += (real)sdyx;
        dbeta[c] += (real)sdy;
        /* dx = g inv (dy - mean(dy) - xhat mean(dy xhat)) */
        double a = gamma[c] * inv, m1 = sdy / N, m2 = sdyx / N;
        real *dxc = dx + (size_t)c * N;
        for (int i = 0; i < N; i++) {
            double xh = (xc[i] - mu) * inv;
            dxc[i] = (acc ? dxc[i] : 0) + (real)(a * (dyc[i] - m1 - xh * m2));
        }
    }
}

void NN(nn_bn_backward_eval_ref)(int C, int N, const real *x, const real *dy, const real *gamma,
                                 const real *run_mean, const real *run_var, double eps, real *dx,
                                 real *dgamma, real *dbeta, int acc)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N, *dyc = dy + (size_t)c * N;
        double mu = run_mean[c], inv = 1.0 / sqrt((double)run_var[c] + eps);
        double sdy = 0, sdyx = 0;
        for (int i = 0; i < N; i++) {
            sdy += dyc[i];
            sdyx += dyc[i] * (xc[i] - mu);
        }
        if (dgamma) dgamma[c] += (real)(sdyx * inv);
        if (dbeta) dbeta[c] += (real)sdy;
        if (dx) {
            real a = (real)(gamma[c] * inv);
            real *dxc = dx + (size_t)c * N;
            for (int i = 0; i < N; i++) dxc[i] = (acc ? dxc[i] : 0) + a * dyc[i];
        }
    }
}

void NN(nn_bn_rforward_eval)(int C, int N, const real *x, const real *rx, real *ry,
                             const real *gamma, const real *vgamma, const real *vbeta,
                             const real *run_mean, const real *run_var, double eps)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        double mu = run_mean[c], inv = 1.0 / sqrt((double)run_var[c] + eps);
        real a = (real)(gamma[c] * inv), va = (real)(vgamma[c] * inv);
        real vb = (real)(vbeta[c] - vgamma[c] * inv * mu);
        const real *xc = x + (size_t)c * N, *rxc = rx + (size_t)c * N;
        real *ryc = ry + (size_t)c * N;
        for (int i = 0; i < N; i++) ryc[i] = va * xc[i] + vb + a * rxc[i];
    }
}

void NN(nn_bn_rbackward_eval_ref)(int C, int N, const real *x, const real *rx, const real *dy,
                                  const real *rdy, const real *gamma, const real *vgamma,
                                  const real *run_mean, const real *run_var, double eps,
                                  real *rdx, real *rdgamma, real *rdbeta, int acc)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N, *rxc = rx + (size_t)c * N;
        const real *dyc = dy + (size_t)c * N, *rdyc = rdy + (size_t)c * N;
        double mu = run_mean[c], inv = 1.0 / sqrt((double)run_var[c] + eps);
        double s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < N; i++) {
            s1 += rdyc[i] * (xc[i] - mu);
            s2 += dyc[i] * rxc[i];
            s3 += rdyc[i];
        }
        rdgamma[c] += (real)((s1 + s2) * inv);
        rdbeta[c] += (real)s3;
        if (rdx) {
            real a = (real)(gamma[c] * inv), va = (real)(vgamma[c] * inv);
            real *o = rdx + (size_t)c * N;
            for (int i = 0; i < N; i++) o[i] = (acc ? o[i] : 0) + a * rdyc[i] + va * dyc[i];
        }
    }
}

/* ---- lane sums ------------------------------------------------------ */
#define NL 16  /* lanes of a partial sum */
#define NB 512 /* values per block; block sums are added in double */

/* The lanes as one GCC vector (NL floats; the baseline ISA splits it into
 * narrower registers): lane j takes the values k + j, exactly the scalar
 * loop "for j: a[j] += ..." over the same lanes, so every clone (NN_CLONES)
 * and the plain loop give the same bits.  A negative mask pointer-free
 * select: u where mask > 0, else +0 (the bits of u or of zero). */
#ifndef NN_F64
typedef float bn_vf __attribute__((vector_size(NL * sizeof(float))));
typedef float bn_vfu __attribute__((vector_size(NL * sizeof(float)), aligned(4), may_alias));
typedef int bn_vi __attribute__((vector_size(NL * sizeof(float))));
#define BN_LD(p) ((bn_vf) * (const bn_vfu *)(p))
static const bn_vf bn_zero = {0};
#define bn_ldm(u, mask)                                                                            \
    ((mask) ? (bn_vf)((bn_vi)(BN_LD(mask) > bn_zero) & (bn_vi)BN_LD(u)) : BN_LD(u))
#endif

/* sum x over [0, N) */
static inline __attribute__((always_inline)) double lsum(int N, const real *x)
{
    double d = 0;
    int i = 0;
    for (; i + NB <= N; i += NB) {
#ifndef NN_F64
        bn_vf a = {0};
        for (int k = i; k < i + NB; k += NL) a += BN_LD(x + k);
#else
        real a[NL] = {0};
        for (int k = i; k < i + NB; k += NL)
            for (int j = 0; j < NL; j++) a[j] += x[k + j];
#endif
        for (int j = 0; j < NL; j++) d += a[j];
    }
    for (; i < N; i++) d += x[i];
    return d;
}

/* sum (x - mu)^2 */
static inline __attribute__((always_inline)) double lsum_dev2(int N, const real *x, real mu)
{
    double d = 0;
    int i = 0;
    for (; i + NB <= N; i += NB) {
#ifndef NN_F64
        bn_vf a = {0};
        for (int k = i; k < i + NB; k += NL) {
            bn_vf t = BN_LD(x + k) - mu;
            a += t * t;
        }
#else
        real a[NL] = {0};
        for (int k = i; k < i + NB; k += NL)
            for (int j = 0; j < NL; j++) {
                real t = x[k + j] - mu;
                a[j] += t * t;
            }
#endif
        for (int j = 0; j < NL; j++) d += a[j];
    }
    for (; i < N; i++) d += ((double)x[i] - mu) * ((double)x[i] - mu);
    return d;
}

/* u masked: u where mask > 0, else 0 (mask NULL: u) */
static inline __attribute__((always_inline)) real mval(const real *u, const real *mask, int i)
{
    return !mask || mask[i] > 0 ? u[i] : 0;
}

/* sum u, sum u (x - mu), u masked */
static inline __attribute__((always_inline)) void
lsum_dot(int N, const real *u, const real *mask, const real *x, real mu, double *su, double *sux)
{
    double d1 = 0, d2 = 0;
    int i = 0;
    for (; i + NB <= N; i += NB) {
#ifndef NN_F64
        bn_vf a = {0}, b = {0};
        for (int k = i; k < i + NB; k += NL) {
            bn_vf uu = bn_ldm(u + k, mask ? mask + k : NULL);
            a += uu;
            b += uu * (BN_LD(x + k) - mu);
        }
#else
        real a[NL] = {0}, b[NL] = {0};
        for (int k = i; k < i + NB; k += NL)
            for (int j = 0; j < NL; j++) {
                real uu = mval(u, mask, k + j);
                a[j] += uu;
                b[j] += uu * (x[k + j] - mu);
            }
#endif
        for (int j = 0; j < NL; j++) {
            d1 += a[j];
            d2 += b[j];
        }
    }
    for (; i < N; i++) {
        real uu = mval(u, mask, i);
        d1 += uu;
        d2 += (double)uu * ((double)x[i] - mu);
    }
    *su = d1;
    *sux = d2;
}

/* sum u v, u masked */
static inline __attribute__((always_inline)) double lsum_prod(int N, const real *u,
                                                              const real *mask, const real *v)
{
    double d = 0;
    int i = 0;
    for (; i + NB <= N; i += NB) {
#ifndef NN_F64
        bn_vf a = {0};
        for (int k = i; k < i + NB; k += NL)
            a += bn_ldm(u + k, mask ? mask + k : NULL) * BN_LD(v + k);
#else
        real a[NL] = {0};
        for (int k = i; k < i + NB; k += NL)
            for (int j = 0; j < NL; j++) a[j] += mval(u, mask, k + j) * v[k + j];
#endif
        for (int j = 0; j < NL; j++) d += a[j];
    }
    for (; i < N; i++) d += (double)mval(u, mask, i) * v[i];
    return d;
}

/* ---- one batch part (model.c) ---------------------------------------- */

/* u where mask > 0, else 0 (both loaded: a vectorisable select) */
static inline __attribute__((always_inline)) void masked(int n, const real *u, const real *mask, real *out)
{
    for (int i = 0; i < n; i++) {
        real a = u[i], z = 0;
        out[i] = mask[i] > 0 ? a : z;
    }
}

NN_CLONES void NN(nn_bn_part_sum)(int C, int n, size_t ld, const real *x, double *s)
{
    for (int c = 0; c < C; c++) s[c] += lsum(n, x + c * ld);
}

NN_CLONES void NN(nn_bn_part_dev2)(int C, int n, size_t ld, const real *x, const real *mu, double *s)
{
    for (int c = 0; c < C; c++) s[c] += lsum_dev2(n, x + c * ld, mu[c]);
}

NN_CLONES void NN(nn_bn_part_dsum)(int C, int n, size_t ld, const real *u, const real *mask, const real *x,
                         const real *mu, double *su, double *sux)
{
    for (int c = 0; c < C; c++) {
        const real *uc = u + c * ld, *xc = x + c * ld;
        for (int i = 0; i < n; i += NB) { /* block by block: the same sums as one call */
            int len = n - i < NB ? n - i : NB;
            double a, b;
            lsum_dot(len, uc + i, mask ? mask + c * ld + i : NULL, xc + i, mu[c], &a, &b);
            su[c] += a;
            sux[c] += b;
        }
    }
}

NN_CLONES void NN(nn_bn_part_prod)(int C, int n, size_t ld, const real *u, const real *mask, const real *v,
                         double *s)
{
    for (int c = 0; c < C; c++)
        for (int i = 0; i < n; i += NB) {
            int len = n - i < NB ? n - i : NB;
            s[c] += lsum_prod(len, u + c * ld + i, mask ? mask + c * ld + i : NULL, v + c * ld + i);
        }
}

NN_CLONES void NN(nn_bn_part_affine)(int C, int n, size_t ld, const real *x, real *y, const real *scale,
                           const real *mean, const real *shift, int relu)
{
    for (int c = 0; c < C; c++) {
        const real *xc = x + c * ld;
        real *yc = y + c * ld;
        const real a = scale[c], m = mean[c], b = shift[c], z = 0;
        if (relu)
            for (int i = 0; i < n; i++) {
                real v = a * (xc[i] - m) + b;
                yc[i] = v > 0 ? v : z;
            }
        else
            for (int i = 0; i < n; i++) yc[i] = a * (xc[i] - m) + b;
    }
}

NN_CLONES void NN(nn_bn_part_comb)(int C, int n, size_t ld, const real *u, const real *v, const real *x,
                         real *out, const real *a, const real *b, const real *c,
                         const real *mean, const real *d, const real *imask, const real *omask,
                         int acc)
{
    real bu[NB], bv[NB];
    for (int ch = 0; ch < C; ch++)
        for (int i0 = 0; i0 < n; i0 += NB) {
            const int len = n - i0 < NB ? n - i0 : NB;
            const size_t o0 = ch * ld + i0;
            const real *uc = u + o0, *vc = v ? v + o0 : NULL;
            if (imask) { /* the gradient through a ReLU that follows the layer */
                masked(len, uc, imask + o0, bu);
                uc = bu;
                if (vc) {
                    masked(len, vc, imask + o0, bv);
                    vc = bv;
                }
            }
            real *o = out + o0;
            const real A = a[ch], D = d ? d[ch] : 0;
            if (vc) {
                const real Bv = b[ch];
                if (acc)
                    for (int i = 0; i < len; i++) o[i] += A * uc[i] + Bv * vc[i] + D;
                else
                    for (int i = 0; i < len; i++) o[i] = A * uc[i] + Bv * vc[i] + D;
            } else if (x) {
                const real *xc = x + o0, Cx = c[ch], M = mean[ch];
                if (acc)
                    for (int i = 0; i < len; i++) o[i] += A * uc[i] + Cx * (xc[i] - M) + D;
                else
                    for (int i = 0; i < len; i++) o[i] = A * uc[i] + Cx * (xc[i] - M) + D;
            } else if (acc)
                for (int i = 0; i < len; i++) o[i] += A * uc[i] + D;
            else
                for (int i = 0; i < len; i++) o[i] = A * uc[i] + D;
            if (omask) /* a ReLU applied to the output (its R-forward) */
                masked(len, o, omask + o0, o);
        }
}

/* ---- the float build's whole-batch versions --------------------------- */
#ifndef NN_F64

void NN(nn_bn_forward_batch)(int C, int N, const real *x, real *y, const real *gamma,
                             const real *beta, double eps, real *mean, real *invstd,
                             real *run_mean, real *run_var, double momentum)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N;
        real *yc = y + (size_t)c * N;
        double mu = lsum(N, xc) / N;
        double ss = lsum_dev2(N, xc, (real)mu); /* two passes: no cancellation */
        double var = ss / N, inv = 1.0 / sqrt(var + eps);
        mean[c] = (real)mu;
        invstd[c] = (real)inv;
        /* centred first: a x + (b - a mu) would cancel when |mu| >> std */
        real a = (real)(gamma[c] * inv), bb = beta[c], m = (real)mu;
        for (int i = 0; i < N; i++) yc[i] = a * (xc[i] - m) + bb;
        if (run_mean) {
            double unb = N > 1 ? ss / (N - 1) : var;
            run_mean[c] = (real)((1 - momentum) * run_mean[c] + momentum * mu);
            run_var[c] = (real)((1 - momentum) * run_var[c] + momentum * unb);
        }
    }
}

void NN(nn_bn_backward_batch)(int C, int N, const real *x, const real *dy, const real *gamma,
                              const real *mean, const real *invstd, real *dx, real *dgamma,
                              real *dbeta, int acc)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N, *dyc = dy + (size_t)c * N;
        double mu = mean[c], inv = invstd[c], sdy, sdyxm;
        lsum_dot(N, dyc, NULL, xc, (real)mu, &sdy, &sdyxm);
        double sdyx = sdyxm * inv;
        dgamma[c] += (real)sdyx;
        dbeta[c] += (real)sdy;
        /* dx = g inv (dy - mean(dy) - xhat mean(dy xhat)) = A dy + Bx (x - mu) + C0 */
        double a = gamma[c] * inv, m1 = sdy / N, m2 = sdyx / N;
        real A = (real)a, Bx = (real)(-a * inv * m2), C0 = (real)(-a * m1), m = (real)mu;
        real *dxc = dx + (size_t)c * N;
        if (acc)
            for (int i = 0; i < N; i++) dxc[i] += A * dyc[i] + Bx * (xc[i] - m) + C0;
        else
            for (int i = 0; i < N; i++) dxc[i] = A * dyc[i] + Bx * (xc[i] - m) + C0;
    }
}

void NN(nn_bn_backward_eval)(int C, int N, const real *x, const real *dy, const real *gamma,
                             const real *run_mean, const real *run_var, double eps, real *dx,
                             real *dgamma, real *dbeta, int acc)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N, *dyc = dy + (size_t)c * N;
        double mu = run_mean[c], inv = 1.0 / sqrt((double)run_var[c] + eps);
        if (dgamma || dbeta) {
            double sdy, sdyx;
            lsum_dot(N, dyc, NULL, xc, (real)mu, &sdy, &sdyx);
            if (dgamma) dgamma[c] += (real)(sdyx * inv);
            if (dbeta) dbeta[c] += (real)sdy;
        }
        if (dx) {
            real a = (real)(gamma[c] * inv);
            real *dxc = dx + (size_t)c * N;
            if (acc)
                for (int i = 0; i < N; i++) dxc[i] += a * dyc[i];
            else
                for (int i = 0; i < N; i++) dxc[i] = a * dyc[i];
        }
    }
}

void NN(nn_bn_rbackward_eval)(int C, int N, const real *x, const real *rx, const real *dy,
                              const real *rdy, const real *gamma, const real *vgamma,
                              const real *run_mean, const real *run_var, double eps, real *rdx,
                              real *rdgamma, real *rdbeta, int acc)
{
#pragma omp parallel for schedule(static) if ((long)C * N > 16384)
    for (int c = 0; c < C; c++) {
        const real *xc = x + (size_t)c * N, *rxc = rx + (size_t)c * N;
        const real *dyc = dy + (size_t)c * N, *rdyc = rdy + (size_t)c * N;
        double mu = run_mean[c], inv = 1.0 / sqrt((double)run_var[c] + eps), s1, s3;
        lsum_dot(N, rdyc, NULL, xc, (real)mu, &s3, &s1);
        double s2 = lsum_prod(N, dyc, NULL, rxc);
        rdgamma[c] += (real)((s1 + s2) * inv);
        rdbeta[c] += (real)s3;
        if (rdx) {
            real a = (real)(gamma[c] * inv), va = (real)(vgamma[c] * inv);
            real *o = rdx + (size_t)c * N;
            if (acc)
                for (int i = 0; i < N; i++) o[i] += a * rdyc[i] + va * dyc[i];
            else
                for (int i = 0; i < N; i++) o[i] = a * rdyc[i] + va * dyc[i];
        }
    }
}

#else /* the double build runs the references */

void NN(nn_bn_forward_batch)(int C, int N, const real *x, real *y, const real *gamma,
                             const real *beta, double eps, real *mean, real *invstd,
                             real *run_mean, real *run_var, double momentum)
{
    NN(nn_bn_forward_batch_ref)(C, N, x, y, gamma, beta, eps, mean, invstd, run_mean, run_var,
                                momentum);
}

void NN(nn_bn_backward_batch)(int C, int N, const real *x, const real *dy, const real *gamma,
                              const real *mean, const real *invstd, real *dx, real *dgamma,
                              real *dbeta, int acc)
{
    NN(nn_bn_backward_batch_ref)(C, N, x, dy, gamma, mean, invstd, dx, dgamma, dbeta, acc);
}

void NN(nn_bn_backward_eval)(int C, int N, const real *x, const real *dy, const real *gamma,
                             const real *run_mean, const real *run_var, double eps, real *dx,
                             real *dgamma, real *dbeta, int acc)
{
    NN(nn_bn_backward_eval_ref)(C, N, x, dy, gamma, run_mean, run_var, eps, dx, dgamma, dbeta,
                                acc);
}

void NN(nn_bn_rbackward_eval)(int C, int N, const real *x, const real *rx, const real *dy,
                              const real *rdy, const real *gamma, const real *vgamma,
                              const real *run_mean, const real *run_var, double eps, real *rdx,
                              real *rdgamma, real *rdbeta, int acc)
{
    NN(nn_bn_rbackward_eval_ref)(C, N, x, rx, dy, rdy, gamma, vgamma, run_mean, run_var, eps, rdx,
                                 rdgamma, rdbeta, acc);
}
#endif
