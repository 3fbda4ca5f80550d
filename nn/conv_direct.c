/* conv_direct.c - the production (float) 3x3 convolution, padding 1, stride 1
 * or 2, computed directly from a zero-padded copy of its input: no im2col
 * matrix and no gemm.  conv2d.c keeps the readable im2col + gemm version
 * (the reference; the double build uses it) and calls this file for the
 * float layers it supports.
 *
 * The padded "grid".  With S = W + 1 and I = (H + 1) S, channel c of a batch
 * is stored as one row of zeros, then image b's pixel (y, x) at lead + b I +
 * y S + x (lead = S + 1), with a zero at x = W of every row and a zero row at
 * y = H of every image: a right padding column doubles as the next row's left
 * one, an image's bottom padding row as the next image's top one.  Output
 * position p = b I + oy S + ox then reads tap (ky, kx) at p + ky S + kx for
 * every p, so the whole batch is one 1-D correlation
 *     y[co][p] = sum_ci sum_t w[co][ci][t] X[ci][p + toff[t]]
 * over p in [0, B I); positions with ox = W or oy = H are computed and
 * dropped (7% of the work at 28x28, 31% at 7x7).  Stride 2 splits the padded
 * input into its four (row, column) parity planes: tap (ky, kx) reads plane
 * (ky & 1, kx & 1) at offset (ky >> 1) S + (kx >> 1), again one correlation,
 * with S = Wo + 1, I = (Ho + 1) S.
 *
 * Backward.  dW[co][ci][t] = sum_p dY[co][p] X[ci][p + toff[t]] with dY on the
 * output grid (zeros at the dropped positions).  dX: for stride 1 the same
 * forward kernel on the padded dY with the kernel rotated by 180 degrees and
 * its channels transposed; for stride 2 the padded dX splits into four parity
 * planes, each a stride-1 correlation of dY with the taps of that parity
 * (4 + 2 + 2 + 1), scattered back.
 *
 * Work split: conv2d.c cuts the batch into parts of consecutive images, one
 * per thread; the functions here compute one part, serially.  Forward and dX
 * outputs are summed in one fixed order whatever the split; a part's dW is
 * added to that part's own accumulator.  The inner kernels (conv_direct_k.h) are
 * compiled for the baseline ISA and for AVX2+FMA and AVX-512 with function
 * target attributes; simd.c picks one at run time (NN_SIMD=generic forces the
 * baseline). */
#include "nn_impl.h"
#include <stdint.h>
#include <string.h>

#define CD_PAD 192   /* zero tail of every grid channel: >= one block + one vector */
#define CD_CHUNK 2048 /* dW: grid positions per pass over the channel blocks */

typedef struct {
    int S, Im, Ho, Wo; /* output grid: row and image strides, valid extent */
    size_t Pn;        /* grid positions B*Im */
    int ntap;
    int toff[9];
} cd_geo;

typedef struct {
    int vl, rco, rp, drc;
    void (*fwd)(const cd_geo *gg, int cin, int cout, const float *X, size_t Lx, const float *w,
                float *y, size_t ldy, int acc, int raw, size_t b0, size_t b1);
    void (*dw)(const cd_geo *gg, int cin, int cout, const float *X, size_t Lx, const float *dy,
               size_t Ly, float *dw, size_t Pv, size_t i0, size_t i1);
} cd_variant;

/* write R rows of a block of n grid positions from p: raw (grid layout,
 * positions < Pn) or compact CNHW (valid positions only); acc: += */
static void cd_store(const cd_geo *gg, const float *tmp, int ld, int R, int co, size_t p, int n,
                     float *y, size_t ldy, int acc, int raw)
{
    size_t end = p + (size_t)n;
    if (raw) {
        if (end > gg->Pn) end = gg->Pn;
        if (end <= p) return;
        for (int r = 0; r < R; r++) {
            float *o = y + (size_t)(co + r) * ldy;
            const float *s = tmp + (size_t)r * ld - p;
            if (acc)
                for (size_t q = p; q < end; q++) o[q] += s[q];
            else
                for (size_t q = p; q < end; q++) o[q] = s[q];
        }
        return;
    }
    const size_t S = gg->S, Im = gg->Im, HWo = (size_t)gg->Ho * gg->Wo;
    size_t q = p;
    while (q < end && q < gg->Pn) {
        size_t b = q / Im, rem = q % Im, oy = rem / S, ox = rem % S;
        size_t rowend = q + (S - ox); /* first position of the next grid row */
        if (oy < (size_t)gg->Ho && ox < (size_t)gg->Wo) {
            size_t e = q + (gg->Wo - ox);
            if (e > end) e = end;
            size_t dst = b * HWo + oy * gg->Wo + ox;
            int len = (int)(e - q);
            for (int r = 0; r < R; r++) {
                float *o = y + (size_t)(co + r) * ldy + dst;
                const float *s = tmp + (size_t)r * ld + (q - p);
                if (acc)
                    for (int i = 0; i < len; i++) o[i] += s[i];
                else
                    for (int i = 0; i < len; i++) o[i] = s[i];
            }
        }
        q = rowend;
    }
}

/* ---- the variants ---------------------------------------------------- */
#define CD_FN(x) x##_generic
#define CD_ATTR
#define CD_VL 4
#define CD_RCO 4
#define CD_RP 2
#define CD_DRC 2
#include "conv_direct_k.h"
#undef CD_FN
#undef CD_ATTR
#undef CD_VL
#undef CD_RCO
#undef CD_RP
#undef CD_DRC

#if defined(__x86_64__) && defined(__GNUC__)
#define NN_CD_X86 1
#define CD_FN(x) x##_avx2
#define CD_ATTR __attribute__((target("avx2,fma")))
#define CD_VL 8
#define CD_RCO 4
#define CD_RP 3
#define CD_DRC 3
#include "conv_direct_k.h"
#undef CD_FN
#undef CD_ATTR
#undef CD_VL
#undef CD_RCO
#undef CD_RP
#undef CD_DRC

#define CD_FN(x) x##_avx512
#define CD_ATTR __attribute__((target("avx512f,avx2,fma")))
#define CD_VL 16
#define CD_RCO 4
#define CD_RP 4
#define CD_DRC 4
#include "conv_direct_k.h"
#undef CD_FN
#undef CD_ATTR
#undef CD_VL
#undef CD_RCO
#undef CD_RP
#undef CD_DRC
#endif

static const cd_variant *variant(void)
{
#ifdef NN_CD_X86
    switch (nn_simd_level()) {
    case NN_SIMD_AVX512: return &variant_avx512;
    case NN_SIMD_AVX2: return &variant_avx2;
    default: break;
    }
#endif
    return &variant_generic;
}

/* ---- geometry and sizes --------------------------------------------- */

int nn_conv_direct_ok(const nn_conv_geom *g)
{
    if (g->k != 3 || g->pad != 1) return 0;
    if (g->stride == 1) return g->ho == g->h && g->wo == g->w;
    if (g->stride == 2) return g->ho == (g->h - 1) / 2 + 1 && g->wo == (g->w - 1) / 2 + 1;
    return 0;
}

static size_t r16(size_t n) { return (n + 15) & ~(size_t)15; }

/* output grid and the forward taps, for nb images */
static cd_geo geo_fwd(const nn_conv_geom *g, int nb)
{
    cd_geo gg;
    gg.Ho = g->ho;
    gg.Wo = g->wo;
    gg.S = g->wo + 1;
    gg.Im = (g->ho + 1) * gg.S;
    gg.Pn = (size_t)nb * gg.Im;
    gg.ntap = 9;
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++)
            gg.toff[ky * 3 + kx] =
                g->stride == 1 ? ky * gg.S + kx
                               : (int)((2 * (ky & 1) + (kx & 1)) * gg.Pn) + (ky >> 1) * gg.S + (kx >> 1);
    return gg;
}

/* floats per channel of the prepared input, of the output grid (with lead) */
static size_t len_in(const nn_conv_geom *g, int nb)
{
    size_t S = g->wo + 1, Im = (g->ho + 1) * S;
    if (g->stride == 1) return r16(S + 1 + nb * Im + 2 * S + 2 + CD_PAD);
    return r16(4 * nb * Im + S + 1 + CD_PAD);
}
/* the output grid's lead: S + 1 rounded up to a whole vector, so that grid
 * position 0 (and every dW load of dY) is 64-byte aligned */
static size_t lead_out(const nn_conv_geom *g) { return r16(g->wo + 2); }
static size_t len_out(const nn_conv_geom *g, int nb)
{
    size_t S = g->wo + 1, Im = (g->ho + 1) * S;
    return r16(lead_out(g) + nb * Im + 2 * S + 2 + CD_PAD);
}

/* one batch part of nb images: prepared input, workspace (conv2d.c lays the
 * parts out one after the other) */
size_t nn_conv_direct_prep_part(const nn_conv_geom *g, int nb) { return g->cin * len_in(g, nb); }
size_t nn_conv_direct_work_part(const nn_conv_geom *g, int nb)
{
    size_t n = nn_conv_direct_prep_part(g, nb) + (size_t)g->cout * len_out(g, nb) + 16;
    if (g->stride == 2) n += (size_t)4 * g->cin * len_out(g, nb);
    return n;
}

/* ---- layout passes (one batch part: nb images, channel stride ld) ------ */

/* x -> grid or parity planes (see the top of the file) */
static void prep_input(const nn_conv_geom *g, int nb, const float *x, size_t ld, float *X)
{
    const size_t Lx = len_in(g, nb), HW = (size_t)g->h * g->w;
    const int H = g->h, W = g->w;
    for (int c = 0; c < g->cin; c++) {
        float *o = X + c * Lx;
        const float *xc = x + (size_t)c * ld;
        if (g->stride == 1) { /* one sequential pass: lead, rows + their zero, zero rows, tail */
            const size_t S = W + 1;
            float *restrict d = o;
            for (size_t i = 0; i < S + 1; i++) *d++ = 0;
            for (int b = 0; b < nb; b++) {
                for (int yy = 0; yy < H; yy++) {
                    const float *restrict r = xc + b * HW + (size_t)yy * W;
                    for (int i = 0; i < W; i++) d[i] = r[i]; /* short rows: no memcpy call */
                    d[W] = 0;
                    d += S;
                }
                for (size_t i = 0; i < S; i++) *d++ = 0;
            }
            for (float *e = o + Lx; d < e;) *d++ = 0;
        } else {
            memset(o, 0, Lx * sizeof(float));
            /* row yy goes to row parity a = (yy + 1) & 1 at i = (yy + 1) / 2, its
             * even columns to column parity 1 at j = x / 2, odd ones to 0 at (x + 1) / 2 */
            size_t S = g->wo + 1, Im = (size_t)(g->ho + 1) * S, PL = (size_t)nb * Im;
            for (int b = 0; b < nb; b++)
                for (int yy = 0; yy < H; yy++) {
                    int a = (yy + 1) & 1, i = (yy + 1) >> 1;
                    const float *restrict xr = xc + b * HW + (size_t)yy * W;
                    float *restrict pe = o + (2 * a + 1) * PL + b * Im + (size_t)i * S;
                    float *restrict po = o + (2 * a) * PL + b * Im + (size_t)i * S + 1;
                    int j = 0;
                    for (; 2 * j + 1 < W; j++) {
                        pe[j] = xr[2 * j];
                        po[j] = xr[2 * j + 1];
                    }
                    if (2 * j < W) pe[j] = xr[2 * j];
                }
        }
    }
}

/* dy -> output grid (position 0 at lead_out), zeros elsewhere */
static void prep_out(const nn_conv_geom *g, int nb, const float *dy, size_t ld, float *D)
{
    const size_t Ly = len_out(g, nb), HW = (size_t)g->ho * g->wo, L0 = lead_out(g);
    const size_t S = g->wo + 1, Im = (size_t)(g->ho + 1) * S;
    const int Wo = g->wo;
    (void)Im;
    for (int c = 0; c < g->cout; c++) { /* one sequential pass, as prep_input */
        float *o = D + c * Ly;
        const float *dc = dy + (size_t)c * ld;
        float *restrict d = o;
        for (size_t i = 0; i < L0; i++) *d++ = 0;
        for (int b = 0; b < nb; b++) {
            for (int yy = 0; yy < g->ho; yy++) {
                const float *restrict r = dc + b * HW + (size_t)yy * Wo;
                for (int i = 0; i < Wo; i++) d[i] = r[i];
                d[Wo] = 0;
                d += S;
            }
            for (size_t i = 0; i < S; i++) *d++ = 0;
        }
        for (float *e = o + Ly; d < e;) *d++ = 0;
    }
}

/* ---- drivers ---------------------------------------------------------- */

/* y (+)= correlation of X with w (cout x cin x ntap) over the whole grid gg */
static void run_fwd(const cd_variant *v, const cd_geo *gg, int cin, int cout, const float *X,
                    size_t Lx, const float *w, float *y, size_t ldy, int acc, int raw)
{
    const size_t BS = (size_t)v->rp * v->vl;
    v->fwd(gg, cin, cout, X, Lx, w, y, ldy, acc, raw, 0, (gg->Pn + BS - 1) / BS);
}

void nn_conv_direct_fwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                        const float *x, float *y, float *prep, int have_prep, int acc)
{
    if (!have_prep) prep_input(g, nb, x, ldx, prep);
    cd_geo gg = geo_fwd(g, nb);
    run_fwd(variant(), &gg, g->cin, g->cout, prep, len_in(g, nb), w, y, ldy, acc, 0);
}

/* dX of one part from its output grid D (Dx: tap (0, 0) of position 0) */
static void part_dx(const cd_variant *v, const nn_conv_geom *g, int nb, const cd_geo *gg,
                    const float *Dx, size_t Ly, const float *wt, float *Z, float *dx, size_t ld,
                    int acc)
{
    const int cin = g->cin, cout = g->cout;
    if (g->stride == 1) {
        run_fwd(v, gg, cout, cin, Dx, Ly, wt, dx, ld, acc, 0);
        return;
    }
    const size_t Lz = Ly;
    const float *wp = wt;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 2; c++) {
            cd_geo gz = *gg;
            int nky = a ? 1 : 2, nkx = c ? 1 : 2;
            gz.ntap = 0;
            for (int i = 0; i < nky; i++)
                for (int j = 0; j < nkx; j++) /* tap ky = a + 2i reads dY row i' - i */
                    gz.toff[gz.ntap++] = (1 - i) * gg->S + (1 - j);
            run_fwd(v, &gz, cout, cin, Dx, Ly, wp, Z + (size_t)(2 * a + c) * cin * Lz, Lz, 0, 1);
            wp += (size_t)cin * cout * gz.ntap;
        }
    const size_t S = gg->S, Im = gg->Im, HW = (size_t)g->h * g->w;
    const int H = g->h, W = g->w;
    for (int ci = 0; ci < cin; ci++)
        for (int b = 0; b < nb; b++)
            for (int yy = 0; yy < H; yy++) {
                int a = (yy + 1) & 1, i = (yy + 1) >> 1;
                float *o = dx + (size_t)ci * ld + b * HW + (size_t)yy * W;
                const float *z0 = Z + ((size_t)(2 * a) * cin + ci) * Lz + b * Im + i * S;
                const float *z1 = Z + ((size_t)(2 * a + 1) * cin + ci) * Lz + b * Im + i * S;
                for (int xx = 0; xx < W; xx++) {
                    int c = (xx + 1) & 1, j = (xx + 1) >> 1;
                    o[xx] = (acc ? o[xx] : 0) + (c ? z1[j] : z0[j]);
                }
            }
}

void nn_conv_direct_bwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                        const float *x, const float *dy, float *dx, float *dw, const float *prep,
                        float *work, float *wsp, int accx)
{
    const cd_variant *v = variant();
    const int cin = g->cin, cout = g->cout;
    if (dx && g->stride == 1) /* rotated by 180 degrees, channels transposed */
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++)
                for (int t = 0; t < 9; t++)
                    wsp[((size_t)ci * cout + co) * 9 + t] = w[((size_t)co * cin + ci) * 9 + 8 - t];
    else if (dx) { /* stride 2: the taps of each parity (a, c), ky = a + 2i, kx = c + 2j */
        float *wp = wsp;
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 2; c++) {
                int nky = a ? 1 : 2, nkx = c ? 1 : 2, nt = nky * nkx;
                for (int ci = 0; ci < cin; ci++)
                    for (int co = 0; co < cout; co++)
                        for (int i = 0, t = 0; i < nky; i++)
                            for (int j = 0; j < nkx; j++, t++)
                                wp[((size_t)ci * cout + co) * nt + t] =
                                    w[((size_t)co * cin + ci) * 9 + (a + 2 * i) * 3 + c + 2 * j];
                wp += (size_t)cin * cout * nt;
            }
    }
    const size_t Lx = len_in(g, nb), Ly = len_out(g, nb);
    const float *X = prep ? prep : work;
    if (dw && !prep) prep_input(g, nb, x, ldx, work);
    float *D = work + nn_conv_direct_prep_part(g, nb);
    D += (16 - ((uintptr_t)D / sizeof(float)) % 16) % 16; /* 64-byte aligned */
    prep_out(g, nb, dy, ldy, D);
    cd_geo gg = geo_fwd(g, nb);
    const float *Dg = D + lead_out(g); /* dY at grid position 0: aligned */
    if (dw) {
        const size_t Pv = (gg.Pn + v->vl - 1) / v->vl * v->vl;
        const size_t nitem = (size_t)(cout + v->drc - 1) / v->drc * cin;
        v->dw(&gg, cin, cout, X, Lx, Dg, Ly, dw, Pv, 0, nitem);
    }
    /* the padded dY as a correlation input (tap (0, 0) of position 0 at 0) */
    if (dx) part_dx(v, g, nb, &gg, Dg - (gg.S + 1), Ly, wsp, D + (size_t)cout * Ly, dx, ldx, accx);
}
