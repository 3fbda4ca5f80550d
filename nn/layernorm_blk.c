/* layernorm_blk.c - layer normalisation over the C features of each token
 * (Ba et al. 2016; torch.nn.LayerNorm(C)) as the model runs it: the formulas
 * of the readable reference layernorm.c (its header has them), computed for
 * a block of NN_LN_W adjacent columns at a time.
 *
 * Why: the layout is feature-major (x[c * ld + n]), so one column's C
 * features lie ld apart and the reference's per-column loops stride through
 * memory.  Here every loop runs over the features c outside and the block's
 * columns w inside: contiguous, vectorisable, and each row of the block is
 * read from cache.  The per-column statistics (mean, 1/std and the means the
 * backward and R passes need) are arrays over the block, accumulated in
 * double as in the reference; dg, db, rdg, rdb take one double sum per
 * feature and block.  tests/kernels/ checks every function against the
 * reference. */
#include "nn_impl.h"
#include <math.h>

#define NN_LN_W 32 /* columns per block */

/* mean mu[w] and r[w] = (mean(u^2) + eps)^(-1/2) of the columns n .. n + W */
static void stats_blk(int C, size_t ld, const real *x, size_t n, int W, double eps, double *mu,
                      double *r)
{
    for (int w = 0; w < W; w++) mu[w] = r[w] = 0;
    for (int c = 0; c < C; c++) {
        const real *xc = x + c * ld + n;
        for (int w = 0; w < W; w++) mu[w] += xc[w];
    }
    for (int w = 0; w < W; w++) mu[w] /= C;
    for (int c = 0; c < C; c++) {
        const real *xc = x + c * ld + n;
        for (int w = 0; w < W; w++) {
            double u = xc[w] - mu[w];
            r[w] += u * u;
        }
    }
    for (int w = 0; w < W; w++) r[w] = 1.0 / sqrt(r[w] / C + eps);
}

void NN(nn_ln_forward)(int C, size_t ld, size_t n0, size_t nn, const real *x, real *y,
                       const real *g, const real *b, double eps)
{
    double mu[NN_LN_W], r[NN_LN_W];
    for (size_t n = n0; n < n0 + nn; n += NN_LN_W) {
        const int W = n0 + nn - n < NN_LN_W ? (int)(n0 + nn - n) : NN_LN_W;
        stats_blk(C, ld, x, n, W, eps, mu, r);
        for (int c = 0; c < C; c++) {
            const real *xc = x + c * ld + n;
            real *yc = y + c * ld + n;
            const double gc = g[c], bc = b[c];
            for (int w = 0; w < W; w++) yc[w] = (real)(gc * (xc[w] - mu[w]) * r[w] + bc);
        }
    }
}

void NN(nn_ln_backward)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *dy,
                        const real *g, double eps, real *dx, real *dg, real *db, int acc)
{
    double mu[NN_LN_W], r[NN_LN_W], m1[NN_LN_W], m2[NN_LN_W];
    for (size_t n = n0; n < n0 + nn; n += NN_LN_W) {
        const int W = n0 + nn - n < NN_LN_W ? (int)(n0 + nn - n) : NN_LN_W;
        stats_blk(C, ld, x, n, W, eps, mu, r);
        for (int w = 0; w < W; w++) m1[w] = m2[w] = 0;
        for (int c = 0; c < C; c++) {
            const real *xc = x + c * ld + n, *dc = dy + c * ld + n;
            const double gc = g[c];
            double sg = 0, sb = 0;
            for (int w = 0; w < W; w++) {
                double xh = (xc[w] - mu[w]) * r[w], d = gc * dc[w];
                m1[w] += d;
                m2[w] += d * xh;
                sg += dc[w] * xh;
                sb += dc[w];
            }
            if (dg) dg[c] += (real)sg;
            if (db) db[c] += (real)sb;
        }
        if (!dx) continue;
        for (int w = 0; w < W; w++) {
            m1[w] /= C;
            m2[w] /= C;
        }
        for (int c = 0; c < C; c++) {
            const real *xc = x + c * ld + n, *dc = dy + c * ld + n;
            real *o = dx + c * ld + n;
            const double gc = g[c];
            for (int w = 0; w < W; w++) {
                double xh = (xc[w] - mu[w]) * r[w];
                double v = r[w] * (gc * dc[w] - m1[w] - xh * m2[w]);
                o[w] = (real)((acc ? o[w] : 0) + v);
            }
        }
    }
}

/* rm[w] = mean(Rx), a[w] = mean(xh (Rx - rm)) of the block: then
 * R xh = r ((Rx - rm) - xh a) */
static void rxh_blk(int C, size_t ld, const real *x, const real *rx, size_t n, int W,
                    const double *mu, const double *r, double *rm, double *a)
{
    for (int w = 0; w < W; w++) rm[w] = a[w] = 0;
    for (int c = 0; c < C; c++) {
        const real *rc = rx + c * ld + n;
        for (int w = 0; w < W; w++) rm[w] += rc[w];
    }
    for (int w = 0; w < W; w++) rm[w] /= C;
    for (int c = 0; c < C; c++) {
        const real *xc = x + c * ld + n, *rc = rx + c * ld + n;
        for (int w = 0; w < W; w++) a[w] += (xc[w] - mu[w]) * r[w] * (rc[w] - rm[w]);
    }
    for (int w = 0; w < W; w++) a[w] /= C;
}

void NN(nn_ln_rforward)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                        const real *g, const real *vg, const real *vb, double eps, real *ry)
{
    double mu[NN_LN_W], r[NN_LN_W], rm[NN_LN_W], a[NN_LN_W];
    for (size_t n = n0; n < n0 + nn; n += NN_LN_W) {
        const int W = n0 + nn - n < NN_LN_W ? (int)(n0 + nn - n) : NN_LN_W;
        stats_blk(C, ld, x, n, W, eps, mu, r);
        rxh_blk(C, ld, x, rx, n, W, mu, r, rm, a);
        for (int c = 0; c < C; c++) {
            const real *xc = x + c * ld + n, *rc = rx + c * ld + n;
            real *o = ry + c * ld + n;
            const double gc = g[c], vgc = vg[c], vbc = vb[c];
            for (int w = 0; w < W; w++) {
                double xh = (xc[w] - mu[w]) * r[w];
                double rxh = r[w] * ((rc[w] - rm[w]) - xh * a[w]);
                o[w] = (real)(vgc * xh + gc * rxh + vbc);
            }
        }
    }
}

void NN(nn_ln_rbackward)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                         const real *dy, const real *rdy, const real *g, const real *vg,
                         double eps, real *rdx, real *rdg, real *rdb, int acc)
{
    double mu[NN_LN_W], r[NN_LN_W], rm[NN_LN_W], a[NN_LN_W];
    double m1[NN_LN_W], m2[NN_LN_W], rm1[NN_LN_W], rm2[NN_LN_W], xr[NN_LN_W];
    for (size_t n = n0; n < n0 + nn; n += NN_LN_W) {
        const int W = n0 + nn - n < NN_LN_W ? (int)(n0 + nn - n) : NN_LN_W;
        stats_blk(C, ld, x, n, W, eps, mu, r);
        rxh_blk(C, ld, x, rx, n, W, mu, r, rm, a);
        for (int w = 0; w < W; w++) m1[w] = m2[w] = rm1[w] = rm2[w] = xr[w] = 0;
        for (int c = 0; c < C; c++) {
            const size_t k = c * ld + n;
            const real *xc = x + k, *rc = rx + k, *dc = dy + k, *rdc = rdy + k;
            const double gc = g[c], vgc = vg[c];
            double sg = 0, sb = 0;
            for (int w = 0; w < W; w++) {
                double xh = (xc[w] - mu[w]) * r[w];
                double rxh = r[w] * ((rc[w] - rm[w]) - xh * a[w]);
                double d = gc * dc[w], rd = vgc * dc[w] + gc * rdc[w];
                m1[w] += d;
                m2[w] += d * xh;
                rm1[w] += rd;
                rm2[w] += rd * xh + d * rxh;
                xr[w] += xh * rc[w];
                sg += rdc[w] * xh + dc[w] * rxh;
                sb += rdc[w];
            }
            if (rdg) rdg[c] += (real)sg;
            if (rdb) rdb[c] += (real)sb;
        }
        if (!rdx) continue;
        for (int w = 0; w < W; w++) {
            m1[w] /= C;
            m2[w] /= C;
            rm1[w] /= C;
            rm2[w] /= C;
            xr[w] = -r[w] * r[w] * xr[w] / C; /* R r = -r^2 mean(xh Rx) */
        }
        for (int c = 0; c < C; c++) {
            const size_t k = c * ld + n;
            const real *xc = x + k, *rc = rx + k, *dc = dy + k, *rdc = rdy + k;
            real *o = rdx + k;
            const double gc = g[c], vgc = vg[c];
            for (int w = 0; w < W; w++) {
                double xh = (xc[w] - mu[w]) * r[w];
                double rxh = r[w] * ((rc[w] - rm[w]) - xh * a[w]);
                double d = gc * dc[w], rd = vgc * dc[w] + gc * rdc[w];
                double v = xr[w] * (d - m1[w] - xh * m2[w]) + r[w] * (rd - rm1[w] - rxh * m2[w] - xh * rm2[w]);
                o[w] = (real)((acc ? o[w] : 0) + v);
            }
        }
    }
}
