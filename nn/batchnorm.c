/* batchnorm.c - batch normalisation over channels (Ioffe & Szegedy 2015),
 * PyTorch conventions: eps 1e-5, momentum 0.1, running variance updated with
 * the unbiased batch variance, normalisation with the biased one.
 *
 * Three modes (see nn.h): TRAIN (batch statistics, running statistics
 * updated), FROZEN (batch statistics, running statistics untouched: for the
 * perturbed passes of NSO/SAM), EVAL (running statistics).  The R-operator is
 * provided for EVAL only, where the layer is affine in x and bilinear in
 * (gamma, x): y = gamma (x - mu) inv + beta, inv = 1/sqrt(var + eps).
 * Each channel is a contiguous row of N = B*h*w values.  Sums in double. */
#include "nn_impl.h"
#include <math.h>

void NN(nn_bn_forward_batch)(int C, int N, const real *x, real *y, const real *gamma,
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

void NN(nn_bn_backward_batch)(int C, int N, const real *x, const real *dy, const real *gamma,
                              const real *mean, const real *invstd, real *dx, real *dgamma,
                              real *dbeta)
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
            dxc[i] += (real)(a * (dyc[i] - m1 - xh * m2));
        }
    }
}

void NN(nn_bn_backward_eval)(int C, int N, const real *x, const real *dy, const real *gamma,
                             const real *run_mean, const real *run_var, double eps, real *dx,
                             real *dgamma, real *dbeta)
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
            for (int i = 0; i < N; i++) dxc[i] += a * dyc[i];
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

void NN(nn_bn_rbackward_eval)(int C, int N, const real *x, const real *rx, const real *dy,
                              const real *rdy, const real *gamma, const real *vgamma,
                              const real *run_mean, const real *run_var, double eps, real *rdx,
                              real *rdgamma, real *rdbeta)
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
            for (int i = 0; i < N; i++) o[i] += a * rdyc[i] + va * dyc[i];
        }
    }
}
