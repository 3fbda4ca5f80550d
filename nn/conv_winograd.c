/* conv_winograd.c - the production (float) 3x3 stride-1 padding-1
 * convolution by Winograd's minimal filtering F(2x2, 3x3) (Winograd 1980;
 * Lavin & Gray, "Fast algorithms for convolutional neural networks", 2016):
 * each 2x2 output tile is
 *     Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 * for the 4x4 input patch d and the 3x3 kernel g, summed over input
 * channels inside the brackets: 16 products per tile and channel pair
 * instead of 36, at the price of the transforms (additions only, except
 * G's halves).  Used for the forward pass, with the kernel rotated and
 * its channels transposed for dX, and transposed for dW (the end of the
 * file); conv_direct.c does the strided layers and the dW of channel counts
 * that do not fit the vectors, conv2d.c keeps the readable im2col version
 * (the reference).
 *
 * Two layouts.  Where the channel counts are multiples of the vector length
 * (every ResNet layer here) the channels are the vector lanes ("the
 * channel-minor forward" and "dW" at the end of the file); otherwise the
 * tiles are, in the parity-plane layout below.
 *
 * Parity planes.  The input is split into the four (row, column) parity planes of
 * its zero-padded copy, P_ac[m][n] = xpad[2m + a][2n + c], m <= th, n <= tw
 * (th x tw tiles): tile (i, j)'s patch element (y, x) is plane (y & 1, x & 1)
 * at (i + y/2, j + x/2), so along the flattened tile index q = b I + i Wq + j
 * (Wq = tw + 1, I = (th + 1) Wq) every patch element is a contiguous vector:
 * the transforms vectorise over tiles, across rows and images (tiles with
 * j = tw or i = th are computed and dropped).  Outputs go to the four parity
 * planes of y the same way, then are interleaved into y.
 *
 * Work split: conv2d.c cuts the batch into parts of consecutive images, one
 * per thread; the functions here compute one part, serially.  Every output is
 * computed in one fixed order whatever the split. */
#include "nn_impl.h"
#include <stdint.h>
#include <string.h>

#define WF_PAD 192 /* zero tail of every plane channel: >= one block + a row */

typedef struct {
    int vl, bs;
    void (*fwd)(const float *X, size_t Lx, size_t PL, int Wq, int cin, int cout, const float *U,
                float *Vbuf, int nq, size_t c0, size_t c1, float *Y, size_t ly);
    void (*to_cm)(const float *src, size_t ld, int nch, int HW, int W, float *dst, size_t dW);
    void (*dw_tf)(const float *Xc, const float *Dc, int th, int tw, int cin, int cout, size_t t0,
                  int n, float *V, float *E);
    void (*dw_mul)(const float *E, const float *V, int n, int cin, int cout, float *M);
    void (*cm_mul)(const float *V, const float *U, int n, int cin, int cout, float *Mo);
    void (*cm_out)(const float *Mo, int n, size_t t0, int th, int tw, int cout, float *Yc);
    void (*from_cm)(const float *src, size_t sW, int nch, int HW, int W, float *dst, size_t ld,
                    int acc);
} wf_variant;

#define WF(x) x##_generic
#define WF_ATTR
#define WF_VL 4
#define WF_RCO 4
#define WF_RP 2
#define WF_DRR 4
#include "conv_winograd_k.h"
#undef WF
#undef WF_ATTR
#undef WF_VL
#undef WF_RCO
#undef WF_RP
#undef WF_DRR

#if defined(__x86_64__) && defined(__GNUC__)
#define NN_WF_X86 1
#define WF(x) x##_avx2
#define WF_ATTR __attribute__((target("avx2,fma")))
#define WF_VL 8
#define WF_RCO 4
#define WF_RP 2 /* blocks must divide the chunk (64 tiles) */
#define WF_DRR 8
#include "conv_winograd_k.h"
#undef WF
#undef WF_ATTR
#undef WF_VL
#undef WF_RCO
#undef WF_RP
#undef WF_DRR

#define WF(x) x##_avx512
#define WF_ATTR __attribute__((target("avx512f,avx2,fma")))
#define WF_VL 16
#define WF_RCO 4
#define WF_RP 4
#define WF_DRR 8
#include "conv_winograd_k.h"
#undef WF
#undef WF_ATTR
#undef WF_VL
#undef WF_RCO
#undef WF_RP
#undef WF_DRR
#endif

static const wf_variant *variant(void)
{
#ifdef NN_WF_X86
    switch (nn_simd_level()) {
    case NN_SIMD_AVX512: return &variant_avx512;
    case NN_SIMD_AVX2: return &variant_avx2;
    default: break;
    }
#endif
    return &variant_generic;
}

int nn_conv_wino_ok(const nn_conv_geom *g)
{
    return g->k == 3 && g->pad == 1 && g->stride == 1 && g->ho == g->h && g->wo == g->w &&
           g->cin >= 4 && g->cout >= 4;
}

static size_t r16(size_t n) { return (n + 15) & ~(size_t)15; }

typedef struct {
    int th, tw, Wq;
    size_t Iq, Pq;    /* tile grid: image stride, positions nb * Iq */
    size_t Lx;        /* floats per input channel (four planes + tail) */
    size_t ly;        /* floats per output row-parity plane and channel */
    int nq;           /* tiles per chunk (a multiple of 64) */
    size_t nchunk;
} wgeo;

/* the tile grid of nb images */
static wgeo geo(const nn_conv_geom *g, int nb)
{
    wgeo w;
    w.th = (g->h + 1) / 2;
    w.tw = (g->w + 1) / 2;
    w.Wq = w.tw + 1;
    w.Iq = (size_t)(w.th + 1) * w.Wq;
    w.Pq = (size_t)nb * w.Iq;
    /* chunk: the transformed inputs of one chunk (16 x cin x nq) about 256 KB */
    int nq = 4096 / g->cin / 64 * 64;
    w.nq = nq < 64 ? 64 : nq;
    w.nchunk = (w.Pq + w.nq - 1) / w.nq;
    w.Lx = r16(4 * w.Pq + w.Wq + 1 + w.nchunk * w.nq - w.Pq + WF_PAD);
    w.ly = r16(2 * w.nchunk * w.nq);
    return w;
}

/* the kernel transform G g G^T, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
 * of every (co, ci) kernel of w (cout x cin x 3 x 3): element pos of (co, ci)
 * goes to U[pos ps + co sco + ci sci] */
static void kernel_tf(const float *w, int cin, int cout, float *U, size_t ps, size_t sco,
                      size_t sci)
{
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++) {
            const float *k = w + ((size_t)co * cin + ci) * 9;
            float t[4][3];
            for (int c = 0; c < 3; c++) {
                t[0][c] = k[c];
                t[1][c] = 0.5f * (k[c] + k[3 + c] + k[6 + c]);
                t[2][c] = 0.5f * (k[c] - k[3 + c] + k[6 + c]);
                t[3][c] = k[6 + c];
            }
            for (int r = 0; r < 4; r++) {
                float u[4] = {t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]),
                              0.5f * (t[r][0] - t[r][1] + t[r][2]), t[r][2]};
                for (int c = 0; c < 4; c++)
                    U[(size_t)(4 * r + c) * ps + (size_t)co * sco + (size_t)ci * sci] = u[c];
            }
        }
}

/* the channel-minor forward (the end of the file) */
static void cm_fwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                   const float *x, float *y, float *prep, int have_prep, int acc);
static size_t cm_prep_part(const nn_conv_geom *g, int nb);

/* One batch part of nb images (conv2d.c lays the parts out one after the
 * other): the parity planes, then scratch: U (16 x cout x cin), a V chunk
 * (16 x cin x nq), the output planes (2 x cout x ly), each 64-byte aligned. */
size_t nn_conv_wino_prep_part(const nn_conv_geom *g, int nb)
{
    if (nn_conv_wino_cm(g)) return cm_prep_part(g, nb);
    wgeo w = geo(g, nb);
    return (size_t)g->cin * w.Lx + 16 + (size_t)16 * g->cout * g->cin + 16 +
           (size_t)16 * g->cin * w.nq + 16 + (size_t)2 * g->cout * w.ly;
}

static float *align64(float *p) { return p + (16 - ((uintptr_t)p / sizeof(float)) % 16) % 16; }

/* one part: x (nb images, channel stride ld) -> parity planes of the
 * zero-padded input: source row yy goes to row parity a = (yy + 1) & 1, tile
 * row i = (yy + 1) >> 1; its even columns to column parity 1 at j = x / 2,
 * its odd ones to parity 0 at j = (x + 1) / 2 */
static void prep_part(const nn_conv_geom *g, int nb, const float *x, size_t ld, float *X)
{
    const wgeo w = geo(g, nb);
    const size_t HW = (size_t)g->h * g->w;
    const int H = g->h, W = g->w;
    for (int c = 0; c < g->cin; c++) {
        float *o = X + c * w.Lx;
        const float *xc = x + (size_t)c * ld;
        memset(o, 0, w.Lx * sizeof(float));
        for (int b = 0; b < nb; b++)
            for (int yy = 0; yy < H; yy++) {
                int a = (yy + 1) & 1, i = (yy + 1) >> 1;
                const float *restrict xr = xc + b * HW + (size_t)yy * W;
                float *restrict pe = o + (2 * a + 1) * w.Pq + b * w.Iq + (size_t)i * w.Wq;
                float *restrict po = o + (2 * a) * w.Pq + b * w.Iq + (size_t)i * w.Wq + 1;
                int j = 0;
                for (; 2 * j + 1 < W; j++) {
                    pe[j] = xr[2 * j];
                    po[j] = xr[2 * j + 1];
                }
                if (2 * j < W) pe[j] = xr[2 * j];
            }
    }
}

void nn_conv_wino_fwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                      const float *x, float *y, float *prep, int have_prep, int acc)
{
    if (nn_conv_wino_cm(g)) {
        cm_fwd(g, nb, ldx, ldy, w, x, y, prep, have_prep, acc);
        return;
    }
    const wf_variant *v = variant();
    const int cin = g->cin, cout = g->cout;
    const wgeo wg = geo(g, nb);
    if (!have_prep) prep_part(g, nb, x, ldx, prep);
    float *U = align64(prep + (size_t)cin * wg.Lx);
    float *Vb = align64(U + (size_t)16 * cout * cin);
    float *Y = align64(Vb + (size_t)16 * cin * wg.nq);
    /* U[pos][co][ci] */
    kernel_tf(w, cin, cout, U, (size_t)cout * cin, cin, 1);
    v->fwd(prep, wg.Lx, wg.Pq, wg.Wq, cin, cout, U, Vb, wg.nq, 0, wg.nchunk, Y, wg.ly);
    /* row yy of an image is a contiguous run of plane yy & 1 */
    const int H = g->h, W = g->w;
    const size_t HW = (size_t)H * W;
    for (int co = 0; co < cout; co++)
        for (int b = 0; b < nb; b++)
            for (int yy = 0; yy < H; yy++) {
                const float *restrict src = Y + ((size_t)(yy & 1) * cout + co) * wg.ly +
                                            2 * (b * wg.Iq + (size_t)(yy >> 1) * wg.Wq);
                float *restrict dst = y + (size_t)co * ldy + b * HW + (size_t)yy * W;
                if (acc)
                    for (int xx = 0; xx < W; xx++) dst[xx] += src[xx];
                else /* short rows: no memcpy call */
                    for (int xx = 0; xx < W; xx++) dst[xx] = src[xx];
            }
}

/* ---- dW ----------------------------------------------------------------
 * The forward tile Y = A^T [U (.) V] A is linear in U = G g G^T, so the
 * kernel gradient is
 *     dL/dg = G^T [ sum over tiles and images of (B^T d B) (.) (A dY A^T) ] G
 * (the transposed algorithm): 16 products per tile and channel pair instead
 * of the direct form's 36.  Here the channels are the vector lanes: x and dY
 * come zero-padded and channel-minor (x: the forward's cached prepared
 * input; dY: the dX pass's prepared input, made once by conv2d.c for both),
 * every tile's patch is then 16 channel vectors; per chunk of tiles the
 * transforms go to V[pos][tile][ci] and E[pos][tile][co] and
 * M[pos][co][ci] += sum_tile E V (outer products); at the end
 * dw += G^T M G.  Needs cin and cout to be multiples of the vector length
 * (nn_conv_wino_cm); conv2d.c uses the direct dW otherwise. */

int nn_conv_wino_cm(const nn_conv_geom *g)
{
    const int vl = variant()->vl;
    return nn_conv_wino_ok(g) && g->cin % vl == 0 && g->cout % vl == 0;
}

typedef struct {
    int th, tw, nq;
    size_t ntile, lxc, lv, le, lm;
} wdgeo;

static wdgeo dgeo(const nn_conv_geom *g, int nb)
{
    wdgeo d;
    d.th = (g->h + 1) / 2;
    d.tw = (g->w + 1) / 2;
    d.ntile = (size_t)nb * d.th * d.tw;
    /* a chunk's transforms (16 x nq x (cin + cout) floats) about 256 KB */
    int nq = 4096 / (g->cin + g->cout);
    d.nq = nq < 4 ? 4 : nq;
    if ((size_t)d.nq > d.ntile) d.nq = (int)d.ntile;
    d.lxc = (size_t)nb * (2 * d.th + 2) * (2 * d.tw + 2) * g->cin;
    d.lv = (size_t)16 * d.nq * g->cin;
    d.le = (size_t)16 * d.nq * g->cout;
    d.lm = (size_t)16 * g->cout * g->cin;
    return d;
}

/* x (nb images, channel stride ldx) -> the zero-padded channel-minor input Xc */
static void cm_input(const wf_variant *v, const nn_conv_geom *g, int nb, const wdgeo *d,
                     const float *x, size_t ldx, float *Xc)
{
    const int cin = g->cin, H = g->h, W = g->w;
    const size_t HW = (size_t)H * W, Hp = 2 * (size_t)d->th + 2, Wp = 2 * (size_t)d->tw + 2;
    for (int b = 0; b < nb; b++) /* zero borders first */
        for (size_t r = 0; r < Hp; r++) {
            float *row = Xc + (b * Hp + r) * Wp * cin;
            if (r == 0 || r > (size_t)H)
                memset(row, 0, Wp * cin * sizeof(float));
            else {
                memset(row, 0, (size_t)cin * sizeof(float));
                memset(row + (W + 1) * (size_t)cin, 0, (Wp - W - 1) * cin * sizeof(float));
            }
        }
    for (int b = 0; b < nb; b++) /* the pixels, transposed block by block */
        v->to_cm(x + b * HW, ldx, cin, (int)HW, W, Xc + ((b * Hp + 1) * Wp + 1) * cin, Wp);
}

void nn_conv_wino_cm_input(const nn_conv_geom *g, int nb, size_t ld, const float *x, float *prep)
{
    const wdgeo d = dgeo(g, nb);
    cm_input(variant(), g, nb, &d, x, ld, align64(prep));
}

size_t nn_conv_wino_dw_work_part(const nn_conv_geom *g, int nb)
{
    wdgeo d = dgeo(g, nb);
    return d.lxc + d.lv + d.le + d.lm + 4 * 16;
}

void nn_conv_wino_dw(const nn_conv_geom *g, int nb, size_t ldx, const float *x, const float *dyp,
                     float *dw, const float *prep, float *work)
{
    const wf_variant *v = variant();
    const int cin = g->cin, cout = g->cout;
    const wdgeo d = dgeo(g, nb);
    float *Xc = align64(work), *V = align64(Xc + d.lxc);
    float *E = align64(V + d.lv), *M = align64(E + d.le);
    const float *X = Xc, *Dc = align64((float *)dyp);
    if (prep) /* the forward's cached channel-minor input */
        X = align64((float *)prep);
    else
        cm_input(v, g, nb, &d, x, ldx, Xc);
    memset(M, 0, d.lm * sizeof(float));
    for (size_t t0 = 0; t0 < d.ntile; t0 += d.nq) {
        int n = d.ntile - t0 < (size_t)d.nq ? (int)(d.ntile - t0) : d.nq;
        v->dw_tf(X, Dc, d.th, d.tw, cin, cout, t0, n, V, E);
        v->dw_mul(E, V, n, cin, cout, M);
    }
    /* dw += G^T M G, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] */
    const size_t ps = (size_t)cout * cin;
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++) {
            float m[4][4], t[3][4];
            for (int p = 0; p < 16; p++) m[p / 4][p % 4] = M[p * ps + (size_t)co * cin + ci];
            for (int l = 0; l < 4; l++) {
                t[0][l] = m[0][l] + 0.5f * (m[1][l] + m[2][l]);
                t[1][l] = 0.5f * (m[1][l] - m[2][l]);
                t[2][l] = 0.5f * (m[1][l] + m[2][l]) + m[3][l];
            }
            float *o = dw + ((size_t)co * cin + ci) * 9;
            for (int a = 0; a < 3; a++) {
                o[a * 3 + 0] += t[a][0] + 0.5f * (t[a][1] + t[a][2]);
                o[a * 3 + 1] += 0.5f * (t[a][1] - t[a][2]);
                o[a * 3 + 2] += 0.5f * (t[a][1] + t[a][2]) + t[a][3];
            }
        }
}

/* ---- the channel-minor forward --------------------------------------------
 * The same F(2x2, 3x3) with the channels as the vector lanes: the input is
 * the padded channel-minor copy of the dW path (cached as the prepared input),
 * the tiles are exactly the th x tw of each image (the parity-plane layout
 * above computes a separating row and column of tiles per image: 31% more
 * tiles at 14 x 14, 56% at 7 x 7), per chunk of tiles V[pos][tile][ci]
 * (dw_tf's input transform), Mo[pos][tile][co] = sum_ci V U (outer products,
 * output channels in lanes), the output transform into a channel-minor
 * output, then transposed back into y.  Used wherever the channel counts
 * are multiples of the vector length (nn_conv_wino_cm): measured on ResNet-8
 * it is faster at every image size (28 x 28 included: no dropped tiles, and
 * the dW reuses its cached input); the parity-plane path serves the others. */

typedef struct {
    size_t lu, lv, lm, lyc;
    int nq;
} wcgeo;

static wcgeo cgeo(const nn_conv_geom *g, int nb, const wdgeo *d)
{
    wcgeo c;
    int nq = 2048 / (g->cin + g->cout); /* V and Mo of a chunk: about 128 KB */
    c.nq = nq < 8 ? 8 : nq;
    if ((size_t)c.nq > d->ntile) c.nq = (int)d->ntile;
    c.lu = (size_t)16 * g->cin * g->cout;
    c.lv = (size_t)16 * c.nq * g->cin;
    c.lm = (size_t)16 * c.nq * g->cout;
    c.lyc = (size_t)nb * (2 * d->th) * (2 * d->tw) * g->cout;
    return c;
}

static size_t cm_prep_part(const nn_conv_geom *g, int nb)
{
    wdgeo d = dgeo(g, nb);
    wcgeo c = cgeo(g, nb, &d);
    return d.lxc + c.lu + c.lv + c.lm + c.lyc + 5 * 16;
}

static void cm_fwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                   const float *x, float *y, float *prep, int have_prep, int acc)
{
    const wf_variant *v = variant();
    const int cin = g->cin, cout = g->cout, H = g->h, W = g->w;
    const wdgeo d = dgeo(g, nb);
    const wcgeo c = cgeo(g, nb, &d);
    const size_t HW = (size_t)H * W, W2 = 2 * (size_t)d.tw, H2 = 2 * (size_t)d.th;
    float *Xc = align64(prep), *U = align64(Xc + d.lxc), *V = align64(U + c.lu);
    float *Mo = align64(V + c.lv), *Yc = align64(Mo + c.lm);
    if (!have_prep) cm_input(v, g, nb, &d, x, ldx, Xc); /* = nn_conv_wino_cm_input */
    /* U[pos][ci][co] */
    kernel_tf(w, cin, cout, U, (size_t)cin * cout, 1, cout);
    for (size_t t0 = 0; t0 < d.ntile; t0 += c.nq) {
        int n = d.ntile - t0 < (size_t)c.nq ? (int)(d.ntile - t0) : c.nq;
        v->dw_tf(Xc, NULL, d.th, d.tw, cin, cout, t0, n, V, NULL);
        v->cm_mul(V, U, n, cin, cout, Mo);
        v->cm_out(Mo, n, t0, d.th, d.tw, cout, Yc);
    }
    for (int b = 0; b < nb; b++)
        v->from_cm(Yc + (size_t)b * H2 * W2 * cout, W2, cout, (int)HW, W, y + b * HW, ldy, acc);
}
