/* conv2d.c - 2-D convolution (no bias) by im2col + one BLAS gemm per batch:
 * the readable reference (nn_conv_*_ref, and the whole double build).  The
 * float build sends 3x3 pad-1 stride-1/2 layers to conv_direct.c (bottom of
 * this file); the tests compare the two.
 *
 * Activations are channel major (c x B*h*w), so im2col of the whole batch is
 * a (cin*k*k) x (B*ho*wo) matrix and the convolution is
 *     y = W col,   W in OIHW order = a cout x (cin*k*k) row-major matrix.
 * Backward: dW += dy col^T, dcol = W^T dy, dx += col2im(dcol).
 * The R-operator reuses these: R y = conv(V, x) + conv(W, R x), and
 * R dx, R dW = backward(W, x, R dy) + backward(V, R x, dy) (bilinearity).
 * im2col(x) of the forward pass is kept per layer (model.c) and reused by the
 * backward and both R passes. */
#include "nn_impl.h"
#include <string.h>

static void im2col(const nn_conv_geom *g, int B, int b0, int nb, const real *x, real *col)
{
    const int H = g->h, W = g->w, Ho = g->ho, Wo = g->wo, k = g->k, s = g->stride, p = g->pad;
    const size_t N = (size_t)nb * Ho * Wo;
    for (int c = 0; c < g->cin; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                real *row = col + ((size_t)(c * k + ky) * k + kx) * N;
                for (int b = 0; b < nb; b++) {
                    const real *xc = x + ((size_t)c * B + b0 + b) * H * W;
                    for (int oy = 0; oy < Ho; oy++) {
                        int iy = oy * s - p + ky;
                        real *r = row + ((size_t)b * Ho + oy) * Wo;
                        if (iy < 0 || iy >= H) {
                            for (int ox = 0; ox < Wo; ox++) r[ox] = 0;
                            continue;
                        }
                        const real *xr = xc + (size_t)iy * W;
                        if (s == 1) {
                            int ox0 = p - kx > 0 ? p - kx : 0;
                            int ox1 = W + p - kx < Wo ? W + p - kx : Wo;
                            /* short rows: an inline loop beats a memcpy call */
                            const real *xs = xr - p + kx;
                            for (int ox = 0; ox < ox0; ox++) r[ox] = 0;
                            for (int ox = ox0; ox < ox1; ox++) r[ox] = xs[ox];
                            for (int ox = ox1 > ox0 ? ox1 : ox0; ox < Wo; ox++) r[ox] = 0;
                        } else {
                            for (int ox = 0; ox < Wo; ox++) {
                                int ix = ox * s - p + kx;
                                r[ox] = (ix >= 0 && ix < W) ? xr[ix] : 0;
                            }
                        }
                    }
                }
            }
}

static void col2im(const nn_conv_geom *g, int B, int b0, int nb, const real *col, real *dx)
{
    const int H = g->h, W = g->w, Ho = g->ho, Wo = g->wo, k = g->k, s = g->stride, p = g->pad;
    const size_t N = (size_t)nb * Ho * Wo;
    for (int c = 0; c < g->cin; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const real *row = col + ((size_t)(c * k + ky) * k + kx) * N;
                for (int b = 0; b < nb; b++) {
                    real *xc = dx + ((size_t)c * B + b0 + b) * H * W;
                    for (int oy = 0; oy < Ho; oy++) {
                        int iy = oy * s - p + ky;
                        if (iy < 0 || iy >= H) continue;
                        const real *r = row + ((size_t)b * Ho + oy) * Wo;
                        real *xr = xc + (size_t)iy * W;
                        if (s == 1) { /* contiguous range: vectorises */
                            int ox0 = p - kx > 0 ? p - kx : 0;
                            int ox1 = W + p - kx < Wo ? W + p - kx : Wo;
                            real *xo = xr - p + kx;
                            for (int ox = ox0; ox < ox1; ox++) xo[ox] += r[ox];
                        } else
                            for (int ox = 0; ox < Wo; ox++) {
                                int ix = ox * s - p + kx;
                                if (ix >= 0 && ix < W) xr[ix] += r[ox];
                            }
                    }
                }
            }
}

/* ---- the reference, one batch part --------------------------------------
 * Part q of P covers images [b0, b0 + nb).  prep: the part's im2col columns
 * (K x nb ho wo); work: the part's own workspace (2 K nb ho wo: the im2col
 * of x when it is not cached, then the dX columns).  dW of the part is added
 * to dw (the part's own accumulator). */

static void ref_forward_part(const nn_conv_geom *g, int B, int b0, int nb, const real *w,
                             const real *x, real *y, real *prep, int acc, int have_prep)
{
    const int K = g->cin * g->k * g->k, HW = g->ho * g->wo, N = B * HW;
    if (!have_prep) im2col(g, B, b0, nb, x, prep);
    GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->cout, nb * HW, K, 1, w, K, prep, nb * HW,
         acc ? 1 : 0, y + (size_t)b0 * HW, N);
}

/* the full-convolution form of dx needs stride 1, "same" padding, and an
 * im2col workspace of cout*k*k rows no larger than the forward's cin*k*k */
static int full_conv_ok(const nn_conv_geom *g)
{
    return g->stride == 1 && g->ho == g->h && g->wo == g->w && g->cout <= g->cin && g->k > 1;
}

/* prep: the cached im2col of x (NULL: made in work); wsp: cout*cin*k*k
 * reals for the flipped, transposed kernel */
static void ref_backward_part(const nn_conv_geom *g, int B, int b0, int nb, const real *w,
                              const real *x, const real *dy, real *dx, real *dw, const real *prep,
                              real *work, real *wsp, int accx)
{
    const int K = g->cin * g->k * g->k, HW = g->ho * g->wo, N = B * HW;
    real *c = work + (size_t)K * nb * HW; /* after a possible im2col of x */
    const real *dyq = dy + (size_t)b0 * HW;
    if (dw) {
        const real *cx = prep;
        if (!cx) {
            im2col(g, B, b0, nb, x, work);
            cx = work;
        }
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, g->cout, K, nb * HW, 1, dyq, N, cx, nb * HW,
             1, dw, K);
    }
    if (dx && full_conv_ok(g)) {
        /* dx = conv(dy, flipped W^T): im2col of dy, one gemm straight into dx
         * (CNHW), no scatter-add (stride 1, ho = h, wo = w) */
        const int k = g->k;
        for (int co = 0; co < g->cout; co++)
            for (int ci = 0; ci < g->cin; ci++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        wsp[(((size_t)ci * g->cout + co) * k + k - 1 - ky) * k + k - 1 - kx] =
                            w[(((size_t)co * g->cin + ci) * k + ky) * k + kx];
        nn_conv_geom t = {g->cout, g->cin, g->ho, g->wo, g->h, g->w, g->k, 1, g->k - 1 - g->pad};
        const int Kt = g->cout * g->k * g->k;
        im2col(&t, B, b0, nb, dy, c);
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->cin, nb * HW, Kt, 1, wsp, Kt, c,
             nb * HW, accx ? 1 : 0, dx + (size_t)b0 * HW, N);
    } else if (dx) {
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, K, nb * HW, g->cout, 1, w, K, dyq, N, 0, c,
             nb * HW);
        if (!accx) /* col2im adds: clear this part's images first */
            for (int ci = 0; ci < g->cin; ci++)
                memset(dx + ((size_t)ci * B + b0) * g->h * g->w, 0,
                       (size_t)nb * g->h * g->w * sizeof(real));
        col2im(g, B, b0, nb, c, dx);
    }
}

/* ---- dispatch: the float build runs the fast kernels where they apply ----
 * stride-1 3x3 layers with >= 4 channels: Winograd F(2x2, 3x3) forward and
 * dX (conv_winograd.c), Winograd dW where the channel counts are multiples
 * of the vector length, else direct dW; other 3x3 pad-1 layers: direct
 * (conv_direct.c); anything else (1x1 shortcuts): the reference above.
 * Every path works per batch part: a part's cached prepared input sits in
 * the layer's buffer after those of the parts before it; its workspace is
 * its own (callers that run several layers at once on different threads
 * must not share one). */

enum { PATH_REF, PATH_DIRECT, PATH_WINO };

static int path(const nn_conv_geom *g)
{
#ifndef NN_F64
    if (nn_conv_wino_ok(g)) return PATH_WINO;
    if (nn_conv_direct_ok(g)) return PATH_DIRECT;
#else
    (void)g;
#endif
    return PATH_REF;
}

#ifndef NN_F64
/* the dX convolution of a stride-1 layer: channels swapped */
static nn_conv_geom transposed(const nn_conv_geom *g)
{
    return (nn_conv_geom){g->cout, g->cin, g->h, g->w, g->ho, g->wo, g->k, 1, g->pad};
}
#endif

static size_t prep_part(const nn_conv_geom *g, int nb)
{
    switch (path(g)) {
#ifndef NN_F64
    case PATH_WINO: return nn_conv_wino_prep_part(g, nb);
    case PATH_DIRECT: return nn_conv_direct_prep_part(g, nb);
#endif
    default: return (size_t)g->cin * g->k * g->k * nb * g->ho * g->wo;
    }
}

size_t NN(nn_conv_work_part)(const nn_conv_geom *g, int nb)
{
    switch (path(g)) {
#ifndef NN_F64
    case PATH_WINO: { /* dX (Winograd, transposed) after dW, or a forward on R x */
        nn_conv_geom t = transposed(g);
        size_t b = nn_conv_wino_prep_part(&t, nb), c = nn_conv_wino_prep_part(g, nb);
        if (nn_conv_wino_cm(g)) { /* dY prepared once for dX, then dW's scratch */
            size_t a = b + nn_conv_wino_dw_work_part(g, nb);
            return a > c ? a : c;
        }
        size_t a = nn_conv_direct_work_part(g, nb); /* direct dW */
        return a > b ? (a > c ? a : c) : (b > c ? b : c);
    }
    case PATH_DIRECT: return nn_conv_direct_work_part(g, nb);
#endif
    default: return (size_t)2 * g->cin * g->k * g->k * nb * g->ho * g->wo;
    }
}

static size_t part_off(size_t (*f)(const nn_conv_geom *, int), const nn_conv_geom *g, int B, int P,
                       int q)
{
    size_t o = 0;
    for (int j = 0; j < q; j++) o += f(g, B * (j + 1) / P - B * j / P);
    return o;
}

/* room for any number of parts up to NN_MAX_PARTS */
static size_t total(size_t (*f)(const nn_conv_geom *, int), const nn_conv_geom *g, int B)
{
    size_t m = 0;
    for (int P = 1; P <= NN_MAX_PARTS; P++) {
        size_t t = part_off(f, g, B, P, P);
        if (t > m) m = t;
    }
    return m;
}

size_t NN(nn_conv_prep_size)(const nn_conv_geom *g, int B) { return total(prep_part, g, B); }
size_t NN(nn_conv_work_size)(const nn_conv_geom *g, int B)
{
    return total(NN(nn_conv_work_part), g, B);
}
size_t NN(nn_conv_prep_offset)(const nn_conv_geom *g, int B, int P, int q)
{
    return part_off(prep_part, g, B, P, q);
}

void NN(nn_conv_forward_part)(const nn_conv_geom *g, int B, int P, int q, const real *w,
                              const real *x, real *y, real *prep, int acc, int have_prep)
{
    int b0 = B * q / P, nb = B * (q + 1) / P - b0;
    if (nb <= 0) return;
    switch (path(g)) {
#ifndef NN_F64
    case PATH_WINO:
    case PATH_DIRECT: {
        const size_t HW = (size_t)g->h * g->w, HWo = (size_t)g->ho * g->wo;
        if (path(g) == PATH_WINO)
            nn_conv_wino_fwd(g, nb, (size_t)B * HW, (size_t)B * HWo, w, x + b0 * HW,
                             y + b0 * HWo, prep, have_prep, acc);
        else
            nn_conv_direct_fwd(g, nb, (size_t)B * HW, (size_t)B * HWo, w, x + b0 * HW,
                               y + b0 * HWo, prep, have_prep, acc);
        return;
    }
#endif
    default: ref_forward_part(g, B, b0, nb, w, x, y, prep, acc, have_prep);
    }
}

void NN(nn_conv_backward_part)(const nn_conv_geom *g, int B, int P, int q, const real *w,
                               const real *x, const real *dy, real *dx, real *dw, const real *prep,
                               real *work, real *wsp, int accx)
{
    int b0 = B * q / P, nb = B * (q + 1) / P - b0;
    if (nb <= 0 || (!dx && !dw)) return;
#ifndef NN_F64
    const size_t HW = (size_t)g->h * g->w, HWo = (size_t)g->ho * g->wo;
    const size_t ldi = (size_t)B * HW, ldo = (size_t)B * HWo;
    switch (path(g)) {
    case PATH_WINO: {
        nn_conv_geom t = transposed(g);
        const int cm = nn_conv_wino_cm(g);
        if (cm) /* dY padded and channel-minor once: dX's prepared input, read by dW too */
            nn_conv_wino_cm_input(&t, nb, ldo, dy + b0 * HWo, work);
        /* dW by the transposed Winograd algorithm (cm layers), else directly from x */
        if (dw && cm)
            nn_conv_wino_dw(g, nb, ldi, x + b0 * HW, work, dw, prep,
                            work + nn_conv_wino_prep_part(&t, nb));
        else if (dw)
            nn_conv_direct_bwd(g, nb, ldi, ldo, w, x + b0 * HW, dy + b0 * HWo, NULL, dw, NULL, work,
                               wsp, 0);
        if (dx) { /* dX = Winograd correlation of dy with the rotated, transposed kernel */
            const int cin = g->cin, cout = g->cout;
            for (int co = 0; co < cout; co++)
                for (int ci = 0; ci < cin; ci++)
                    for (int k = 0; k < 9; k++)
                        wsp[((size_t)ci * cout + co) * 9 + k] = w[((size_t)co * cin + ci) * 9 + 8 - k];
            nn_conv_wino_fwd(&t, nb, ldo, ldi, wsp, dy + b0 * HWo, dx + b0 * HW, work, cm, accx);
        }
        return;
    }
    case PATH_DIRECT:
        nn_conv_direct_bwd(g, nb, ldi, ldo, w, x + b0 * HW, dy + b0 * HWo, dx ? dx + b0 * HW : NULL,
                           dw, prep, work, wsp, accx);
        return;
    default: break;
    }
#endif
    ref_backward_part(g, B, b0, nb, w, x, dy, dx, dw, prep, work, wsp, accx);
}

/* ---- the whole batch: the parts in parallel ------------------------------ */

void NN(nn_conv_forward)(const nn_conv_geom *g, int B, const real *w, const real *x, real *y,
                         real *col, int acc, int have_col)
{
    const int P = nn_nparts(B);
#pragma omp parallel for num_threads(P) schedule(static, 1)
    for (int q = 0; q < P; q++)
        NN(nn_conv_forward_part)(g, B, P, q, w, x, y, col + part_off(prep_part, g, B, P, q), acc,
                                 have_col);
}

/* dW partials of parts 1.. in dwp, then each part's kernel scratch; added in
 * part order (results depend on the thread count, not on scheduling) */
void NN(nn_conv_backward)(const nn_conv_geom *g, int B, const real *w, const real *x,
                          const real *dy, real *dx, real *dw, real *colx, int have_colx,
                          real *col, real *dwp, int accx)
{
    const int P = nn_nparts(B);
    const size_t nw = (size_t)g->cout * g->cin * g->k * g->k;
#pragma omp parallel for num_threads(P) schedule(static, 1)
    for (int q = 0; q < P; q++) {
        real *t = q == 0 ? dw : dwp + (size_t)(q - 1) * nw;
        if (dw && q) memset(t, 0, nw * sizeof(real));
        NN(nn_conv_backward_part)(g, B, P, q, w, x, dy, dx, dw ? t : NULL,
                                  colx && have_colx ? colx + part_off(prep_part, g, B, P, q) : NULL,
                                  col + part_off(NN(nn_conv_work_part), g, B, P, q),
                                  dwp + (size_t)(NN_MAX_PARTS - 1 + q) * nw, accx);
    }
    if (dw)
        for (int q = 1; q < P; q++) {
            const real *t = dwp + (size_t)(q - 1) * nw;
            for (size_t i = 0; i < nw; i++) dw[i] += t[i];
        }
}

void NN(nn_conv_forward_ref)(const nn_conv_geom *g, int B, const real *w, const real *x, real *y,
                             real *col, int acc, int have_col)
{
    const int P = nn_nparts(B), K = g->cin * g->k * g->k, HW = g->ho * g->wo;
#pragma omp parallel for num_threads(P) schedule(static, 1)
    for (int q = 0; q < P; q++) {
        int b0 = B * q / P, nb = B * (q + 1) / P - b0;
        ref_forward_part(g, B, b0, nb, w, x, y, col + (size_t)K * b0 * HW, acc, have_col);
    }
}

/* col: 2 K B ho wo reals (each part's workspace) */
void NN(nn_conv_backward_ref)(const nn_conv_geom *g, int B, const real *w, const real *x,
                              const real *dy, real *dx, real *dw, real *colx, int have_colx,
                              real *col, real *dwp, int accx)
{
    const int P = nn_nparts(B), K = g->cin * g->k * g->k, HW = g->ho * g->wo;
    const size_t nw = (size_t)g->cout * K;
#pragma omp parallel for num_threads(P) schedule(static, 1)
    for (int q = 0; q < P; q++) {
        int b0 = B * q / P, nb = B * (q + 1) / P - b0;
        real *t = q == 0 ? dw : dwp + (size_t)(q - 1) * nw;
        if (dw && q) memset(t, 0, nw * sizeof(real));
        ref_backward_part(g, B, b0, nb, w, x, dy, dx, dw ? t : NULL,
                          colx && have_colx ? colx + (size_t)K * b0 * HW : NULL,
                          col + (size_t)2 * K * b0 * HW, dwp + (size_t)(NN_MAX_PARTS - 1 + q) * nw,
                          accx);
    }
    if (dw)
        for (int q = 1; q < P; q++) {
            const real *t = dwp + (size_t)(q - 1) * nw;
            for (size_t i = 0; i < nw; i++) dw[i] += t[i];
        }
}
