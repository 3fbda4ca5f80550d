/* conv_winograd.c - the production (float) 3x3 stride-1 padding-1
 * convolution by Winograd's minimal filtering F(2x2, 3x3) (Winograd 1980;
 * Lavin & Gray, "Fast algorithms for convolutional neural networks", 2016):
 * each 2x2 output tile is
 *     Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 * for the 4x4 input patch d and the 3x3 kernel g, summed over input
 * channels inside the brackets: 16 products per tile and channel pair
 * instead of 36, at the price of the transforms (additions only, except
 * G's halves).  Used for the forward pass and, with the kernel rotated and
 * its channels transposed, for dX; conv_direct.c does dW and the strided
 * layers, conv2d.c keeps the readable im2col version (the reference).
 *
 * Layout.  The input is split into the four (row, column) parity planes of
 * its zero-padded copy, P_ac[m][n] = xpad[2m + a][2n + c], m <= th, n <= tw
 * (th x tw tiles): tile (i, j)'s patch element (y, x) is plane (y & 1, x & 1)
 * at (i + y/2, j + x/2), so along the flattened tile index q = b I + i Wq + j
 * (Wq = tw + 1, I = (th + 1) Wq) every patch element is a contiguous vector:
 * the transforms vectorise over tiles, across rows and images (tiles with
 * j = tw or i = th are computed and dropped).  Outputs go to the four parity
 * planes of y the same way, then are interleaved into y.
 *
 * Work split: chunks of tiles over threads; every output is computed in one
 * fixed order whatever the thread count. */
#include "nn_impl.h"
#include <stdint.h>
#include <string.h>

#define WF_PAD 192 /* zero tail of every plane channel: >= one block + a row */

typedef struct {
    int vl, bs;
    void (*fwd)(const float *X, size_t Lx, size_t PL, int Wq, int cin, int cout, const float *U,
                float *Vbuf, int nq, size_t c0, size_t c1, float *Y, size_t ly);
} wf_variant;

#define WF(x) x##_generic
#define WF_ATTR
#define WF_VL 4
#define WF_RCO 4
#define WF_RP 2
#include "conv_winograd_k.h"
#undef WF
#undef WF_ATTR
#undef WF_VL
#undef WF_RCO
#undef WF_RP

#if defined(__x86_64__) && defined(__GNUC__)
#define NN_WF_X86 1
#define WF(x) x##_avx2
#define WF_ATTR __attribute__((target("avx2,fma")))
#define WF_VL 8
#define WF_RCO 4
#define WF_RP 2 /* blocks must divide the chunk (64 tiles) */
#include "conv_winograd_k.h"
#undef WF
#undef WF_ATTR
#undef WF_VL
#undef WF_RCO
#undef WF_RP

#define WF(x) x##_avx512
#define WF_ATTR __attribute__((target("avx512f,avx2,fma")))
#define WF_VL 16
#define WF_RCO 4
#define WF_RP 4
#include "conv_winograd_k.h"
#undef WF
#undef WF_ATTR
#undef WF_VL
#undef WF_RCO
#undef WF_RP
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
    size_t Iq, Pq;    /* tile grid: image stride, positions B * Iq */
    size_t Lx;        /* floats per input channel (four planes + tail) */
    size_t ly;        /* floats per output parity plane and channel */
    int nq;           /* tiles per chunk (a multiple of 64) */
    size_t nchunk;
} wgeo;

static wgeo geo(const nn_conv_geom *g, int B)
{
    wgeo w;
    w.th = (g->h + 1) / 2;
    w.tw = (g->w + 1) / 2;
    w.Wq = w.tw + 1;
    w.Iq = (size_t)(w.th + 1) * w.Wq;
    w.Pq = (size_t)B * w.Iq;
    /* chunk: the transformed inputs of one chunk (16 x cin x nq) about 256 KB */
    int nq = 4096 / g->cin / 64 * 64;
    w.nq = nq < 64 ? 64 : nq;
    w.nchunk = (w.Pq + w.nq - 1) / w.nq;
    w.Lx = r16(4 * w.Pq + w.Wq + 1 + w.nchunk * w.nq - w.Pq + WF_PAD);
    w.ly = r16(w.nchunk * w.nq);
    return w;
}

/* the scratch behind the planes: U (16 x cout x cin), per-thread V chunks,
 * the output parity planes; aligned to 64 bytes inside */
static size_t scratch_size(const nn_conv_geom *g, const wgeo *w)
{
    return 16 + (size_t)16 * g->cout * g->cin + 16 + (size_t)NN_MAX_PARTS * 16 * g->cin * w->nq +
           16 + (size_t)4 * g->cout * w->ly;
}

size_t nn_conv_wino_prep_size(const nn_conv_geom *g, int B)
{
    wgeo w = geo(g, B);
    return (size_t)g->cin * w.Lx + scratch_size(g, &w);
}

static float *align64(float *p) { return p + (16 - ((uintptr_t)p / sizeof(float)) % 16) % 16; }

/* x (cin x B*h*w) -> parity planes of the zero-padded input */
void nn_conv_wino_prep(const nn_conv_geom *g, int B, const float *x, float *X)
{
    const wgeo w = geo(g, B);
    const size_t HW = (size_t)g->h * g->w;
    const int H = g->h, W = g->w;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < g->cin; c++) {
        float *o = X + c * w.Lx;
        const float *xc = x + (size_t)c * B * HW;
        memset(o, 0, w.Lx * sizeof(float));
        for (int a = 0; a < 2; a++)
            for (int cc = 0; cc < 2; cc++) {
                float *pl = o + (2 * a + cc) * w.Pq;
                for (int b = 0; b < B; b++)
                    for (int i = 0; i <= w.th; i++) {
                        int yy = 2 * i + a - 1;
                        if (yy < 0 || yy >= H) continue;
                        const float *xr = xc + b * HW + (size_t)yy * W;
                        float *pr = pl + b * w.Iq + (size_t)i * w.Wq;
                        for (int j = 0; j <= w.tw; j++) {
                            int xx = 2 * j + cc - 1;
                            if (xx >= 0 && xx < W) pr[j] = xr[xx];
                        }
                    }
            }
    }
}

static int nthreads(void)
{
#ifdef _OPENMP
    int t = omp_in_parallel() ? 1 : omp_get_max_threads();
    return t < NN_MAX_PARTS ? t : NN_MAX_PARTS; /* one V chunk buffer each */
#else
    return 1;
#endif
}

void nn_conv_wino_forward(const nn_conv_geom *g, int B, const float *w, const float *x, float *y,
                          float *prep, int have_prep, int acc)
{
    const wf_variant *v = variant();
    const wgeo wg = geo(g, B);
    const int cin = g->cin, cout = g->cout;
    if (!have_prep) nn_conv_wino_prep(g, B, x, prep);
    float *U = align64(prep + (size_t)cin * wg.Lx);
    float *Vb = align64(U + (size_t)16 * cout * cin);
    float *Y = align64(Vb + (size_t)NN_MAX_PARTS * 16 * cin * wg.nq);
    /* kernel transform G g G^T, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] */
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
                for (int c = 0; c < 4; c++) U[((size_t)(4 * r + c) * cout + co) * cin + ci] = u[c];
            }
        }
    const int P = nthreads();
#pragma omp parallel num_threads(P)
    {
        int q = 0, np = 1;
#ifdef _OPENMP
        q = omp_get_thread_num();
        np = omp_get_num_threads();
#endif
        size_t c0 = wg.nchunk * q / np, c1 = wg.nchunk * (q + 1) / np;
        v->fwd(prep, wg.Lx, wg.Pq, wg.Wq, cin, cout, U, Vb + (size_t)q * 16 * cin * wg.nq, wg.nq,
               c0, c1, Y, wg.ly);
    }
    /* interleave the parity planes into y: row 2i + r takes plane (r, 0) at
     * even and plane (r, 1) at odd columns */
    const int H = g->h, W = g->w;
    const size_t HW = (size_t)H * W;
#pragma omp parallel for schedule(static)
    for (int co = 0; co < cout; co++)
        for (int b = 0; b < B; b++)
            for (int yy = 0; yy < H; yy++) {
                int r = yy & 1, i = yy >> 1;
                const float *e = Y + ((size_t)(2 * r) * cout + co) * wg.ly + b * wg.Iq + (size_t)i * wg.Wq;
                const float *o = e + (size_t)cout * wg.ly;
                float *dst = y + ((size_t)co * B + b) * HW + (size_t)yy * W;
                int j = 0;
                if (acc)
                    for (; 2 * j + 1 < W; j++) {
                        dst[2 * j] += e[j];
                        dst[2 * j + 1] += o[j];
                    }
                else
                    for (; 2 * j + 1 < W; j++) {
                        dst[2 * j] = e[j];
                        dst[2 * j + 1] = o[j];
                    }
                if (2 * j < W) dst[2 * j] = acc ? dst[2 * j] + e[j] : e[j];
            }
}
