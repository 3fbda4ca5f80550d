/* layernorm.c - layer normalisation over the C features of each token
 * (Ba et al. 2016; torch.nn.LayerNorm(C), biased variance, eps inside the
 * square root).  Layout: feature-major, x[c * ld + n] for the columns
 * (tokens) n in [n0, n0 + nn); every column is normalised on its own.
 *
 *   u = x - mean(x), r = (mean(u^2) + eps)^(-1/2), xh = u r, y = g xh + b
 * Backward (dxh = g dy):
 *   dx = r (dxh - mean(dxh) - xh mean(dxh xh)), dg += sum_n dy xh, db += sum_n dy
 * R-operator (R{.} along the parameter direction (vg, vb) and input R x):
 *   R xh = r (Ru - xh mean(xh Ru)),  Ru = Rx - mean(Rx),  R r = -r^2 mean(xh Ru)
 *   R y  = vg xh + g R xh + vb
 *   R dxh = vg dy + g R dy
 *   R dx = R r (dxh - mean(dxh) - xh mean(dxh xh))
 *        + r (R dxh - mean(R dxh) - R xh mean(dxh xh) - xh mean(R dxh xh + dxh R xh))
 *   R dg += sum(R dy xh + dy R xh),  R db += sum R dy
 * This file is the readable reference (per column, sums in double; C <=
 * NN_LN_MAXC), kept next to the column-blocked version the model runs
 * (layernorm_blk.c) and tested against it (tests/kernels/). */
#include "nn_impl.h"
#include <math.h>

/* mean and r of column n */
static void stats(int C, size_t ld, const real *x, size_t n, double eps, double *mu, double *r)
{
    double s = 0, s2 = 0;
    for (int c = 0; c < C; c++) s += x[c * ld + n];
    s /= C;
    for (int c = 0; c < C; c++) {
        double u = x[c * ld + n] - s;
        s2 += u * u;
    }
    *mu = s;
    *r = 1.0 / sqrt(s2 / C + eps);
}

void NN(nn_ln_forward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, real *y,
                       const real *g, const real *b, double eps)
{
    for (size_t n = n0; n < n0 + nn; n++) {
        double mu, r;
        stats(C, ld, x, n, eps, &mu, &r);
        for (int c = 0; c < C; c++) y[c * ld + n] = (real)(g[c] * (x[c * ld + n] - mu) * r + b[c]);
    }
}

void NN(nn_ln_backward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *dy,
                        const real *g, double eps, real *dx, real *dg, real *db, int acc)
{
    for (size_t n = n0; n < n0 + nn; n++) {
        double mu, r, m1 = 0, m2 = 0;
        stats(C, ld, x, n, eps, &mu, &r);
        for (int c = 0; c < C; c++) {
            double xh = (x[c * ld + n] - mu) * r, d = g[c] * dy[c * ld + n];
            m1 += d;
            m2 += d * xh;
            if (dg) dg[c] += (real)(dy[c * ld + n] * xh);
            if (db) db[c] += dy[c * ld + n];
        }
        m1 /= C;
        m2 /= C;
        if (dx)
            for (int c = 0; c < C; c++) {
                double xh = (x[c * ld + n] - mu) * r, d = g[c] * dy[c * ld + n];
                double v = r * (d - m1 - xh * m2);
                dx[c * ld + n] = (real)((acc ? dx[c * ld + n] : 0) + v);
            }
    }
}

/* R xh of column n, into rxh[0..C) */
static void r_xhat(int C, size_t ld, const real *x, const real *rx, size_t n, double mu, double r,
                   double *rxh)
{
    double rm = 0, a = 0;
    for (int c = 0; c < C; c++) rm += rx[c * ld + n];
    rm /= C;
    for (int c = 0; c < C; c++) a += (x[c * ld + n] - mu) * r * (rx[c * ld + n] - rm);
    a /= C;
    for (int c = 0; c < C; c++) {
        double xh = (x[c * ld + n] - mu) * r;
        rxh[c] = r * ((rx[c * ld + n] - rm) - xh * a);
    }
}

void NN(nn_ln_rforward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                        const real *g, const real *vg, const real *vb, double eps, real *ry)
{
    double work[NN_LN_MAXC];
    for (size_t n = n0; n < n0 + nn; n++) {
        double mu, r;
        stats(C, ld, x, n, eps, &mu, &r);
        r_xhat(C, ld, x, rx, n, mu, r, work);
        for (int c = 0; c < C; c++) {
            double xh = (x[c * ld + n] - mu) * r;
            ry[c * ld + n] = (real)(vg[c] * xh + g[c] * work[c] + vb[c]);
        }
    }
}

void NN(nn_ln_rbackward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                         const real *dy, const real *rdy, const real *g, const real *vg,
                         double eps, real *rdx, real *rdg, real *rdb, int acc)
{
    double rxh[NN_LN_MAXC];
    for (size_t n = n0; n < n0 + nn; n++) {
        double mu, r;
        stats(C, ld, x, n, eps, &mu, &r);
        r_xhat(C, ld, x, rx, n, mu, r, rxh);
        double m1 = 0, m2 = 0, rm1 = 0, rm2 = 0;
        for (int c = 0; c < C; c++) {
            size_t k = c * ld + n;
            double xh = (x[k] - mu) * r, d = g[c] * dy[k], rd = vg[c] * dy[k] + g[c] * rdy[k];
            m1 += d;
            m2 += d * xh;
            rm1 += rd;
            rm2 += rd * xh + d * rxh[c];
            if (rdg) rdg[c] += (real)(rdy[k] * xh + dy[k] * rxh[c]);
            if (rdb) rdb[c] += rdy[k];
        }
        m1 /= C;
        m2 /= C;
        rm1 /= C;
        rm2 /= C;
        /* R r = -r^2 mean(xh Ru) = -r^2 mean(xh Rx) (mean(xh) = 0) */
        double xr = 0;
        for (int c = 0; c < C; c++) xr += (x[c * ld + n] - mu) * r * rx[c * ld + n];
        double rr = -r * r * xr / C;
        if (rdx)
            for (int c = 0; c < C; c++) {
                size_t k = c * ld + n;
                double xh = (x[k] - mu) * r, d = g[c] * dy[k], rd = vg[c] * dy[k] + g[c] * rdy[k];
                double v = rr * (d - m1 - xh * m2) + r * (rd - rm1 - rxh[c] * m2 - xh * rm2);
                rdx[k] = (real)((acc ? rdx[k] : 0) + v);
            }
    }
}
