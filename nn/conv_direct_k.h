/* conv_direct_k.h - inner kernels of the direct convolution (conv_direct.c),
 * written once with GCC vector extensions and included once per instruction
 * set variant.  The including file defines
 *   CD_FN(x)  name of x in this variant        CD_ATTR  its target attribute
 *   CD_VL     floats per vector                 CD_RCO, CD_RP  forward block:
 *   CD_DRC    output channels per dW block        CD_RCO channels x CD_RP vectors
 * No include guard on purpose. */

typedef float CD_FN(vf) __attribute__((vector_size(CD_VL * 4)));
typedef float CD_FN(vfu) __attribute__((vector_size(CD_VL * 4), aligned(4), may_alias));
#define VF CD_FN(vf)
#define LD(p) (*(const CD_FN(vfu) *)(p))
#define ST(p, v) (*(CD_FN(vfu) *)(p) = (v))

/* R (<= CD_RCO) output channels x CD_RP*CD_VL grid positions from p:
 * tmp[r][j] = sum_ci sum_t w[r][ci][t] X[ci][p + j + toff[t]] */
static inline __attribute__((always_inline)) CD_ATTR void
CD_FN(fwd_blk)(const int R, const float *X, size_t Lx, int cin, const int *toff, int ntap,
               const float *w, size_t wst, size_t p, float *tmp)
{
    const VF z = {0};
    VF acc[CD_RCO][CD_RP];
#pragma GCC unroll 16
    for (int r = 0; r < CD_RCO; r++)
#pragma GCC unroll 16
        for (int j = 0; j < CD_RP; j++) acc[r][j] = z;
    for (int ci = 0; ci < cin; ci++) {
        const float *xc = X + (size_t)ci * Lx + p;
        const float *wc = w + (size_t)ci * ntap;
        for (int t = 0; t < ntap; t++) {
            const float *xt = xc + toff[t];
            VF xv[CD_RP];
#pragma GCC unroll 16
            for (int j = 0; j < CD_RP; j++) xv[j] = LD(xt + j * CD_VL);
#pragma GCC unroll 16
            for (int r = 0; r < CD_RCO; r++) {
                if (r >= R) break;
                const float b = wc[r * wst + t]; /* vector * scalar: a broadcast */
#pragma GCC unroll 16
                for (int j = 0; j < CD_RP; j++) acc[r][j] += xv[j] * b;
            }
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < CD_RCO; r++) {
        if (r >= R) break;
#pragma GCC unroll 16
        for (int j = 0; j < CD_RP; j++) ST(tmp + (r * CD_RP + j) * CD_VL, acc[r][j]);
    }
}

/* blocks [b0, b1) of CD_RP*CD_VL positions, every output channel */
CD_ATTR static void CD_FN(fwd_range)(const cd_geo *gg, int cin, int cout, const float *X,
                                     size_t Lx, const float *w, float *y, size_t ldy, int acc,
                                     int raw, size_t b0, size_t b1)
{
    const int BS = CD_RP * CD_VL;
    const size_t wst = (size_t)cin * gg->ntap;
    float tmp[CD_RCO * CD_RP * CD_VL];
    for (size_t bk = b0; bk < b1; bk++) {
        size_t p = bk * BS;
        int co = 0;
        for (; co + CD_RCO <= cout; co += CD_RCO) {
            CD_FN(fwd_blk)(CD_RCO, X, Lx, cin, gg->toff, gg->ntap, w + co * wst, wst, p, tmp);
            cd_store(gg, tmp, CD_RP * CD_VL, CD_RCO, co, p, BS, y, ldy, acc, raw);
        }
        for (; co < cout; co++) {
            CD_FN(fwd_blk)(1, X, Lx, cin, gg->toff, gg->ntap, w + co * wst, wst, p, tmp);
            cd_store(gg, tmp, CD_RP * CD_VL, 1, co, p, BS, y, ldy, acc, raw);
        }
    }
}

/* sum of the lanes, as a tree: halves added until one vector of 4 is left */
static inline __attribute__((always_inline)) CD_ATTR float CD_FN(hsum)(VF v)
{
    typedef float v4 __attribute__((vector_size(16)));
#if CD_VL == 16
    typedef float v8 __attribute__((vector_size(32)));
    v8 h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
           __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    v4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
#elif CD_VL == 8
    v4 q = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
#else
    v4 q = v;
#endif
    return (q[0] + q[2]) + (q[1] + q[3]);
}

/* dw[r][t] += sum_{p in [p0, p1)} dy[r][p] x[p + toff[t]], R <= CD_DRC, 3 taps */
static inline __attribute__((always_inline)) CD_ATTR void
CD_FN(dw_blk)(const int R, const float *dy, size_t Ly, const float *xc, const int *toff,
              size_t p0, size_t p1, float *dw, size_t dwst)
{
    const VF z = {0};
    const int t0 = toff[0], t1 = toff[1], t2 = toff[2];
    VF a0[CD_DRC], a1[CD_DRC], a2[CD_DRC];
#pragma GCC unroll 16
    for (int r = 0; r < CD_DRC; r++) a0[r] = a1[r] = a2[r] = z;
    for (size_t p = p0; p < p1; p += CD_VL) {
        VF d[CD_DRC];
#pragma GCC unroll 16
        for (int r = 0; r < CD_DRC; r++)
            if (r < R) d[r] = LD(dy + r * Ly + p);
        VF x = LD(xc + p + t0);
#pragma GCC unroll 16
        for (int r = 0; r < CD_DRC; r++)
            if (r < R) a0[r] += d[r] * x;
        x = LD(xc + p + t1);
#pragma GCC unroll 16
        for (int r = 0; r < CD_DRC; r++)
            if (r < R) a1[r] += d[r] * x;
        x = LD(xc + p + t2);
#pragma GCC unroll 16
        for (int r = 0; r < CD_DRC; r++)
            if (r < R) a2[r] += d[r] * x;
    }
#pragma GCC unroll 16
    for (int r = 0; r < CD_DRC; r++)
        if (r < R) {
            dw[r * dwst + 0] += CD_FN(hsum)(a0[r]);
            dw[r * dwst + 1] += CD_FN(hsum)(a1[r]);
            dw[r * dwst + 2] += CD_FN(hsum)(a2[r]);
        }
}

/* the vector starting one (two) lanes into a: lanes of a, then of b */
#if CD_VL == 16
#define SH1(a, b) __builtin_shufflevector(a, b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
#define SH2(a, b) __builtin_shufflevector(a, b, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)
#elif CD_VL == 8
#define SH1(a, b) __builtin_shufflevector(a, b, 1, 2, 3, 4, 5, 6, 7, 8)
#define SH2(a, b) __builtin_shufflevector(a, b, 2, 3, 4, 5, 6, 7, 8, 9)
#else
#define SH1(a, b) __builtin_shufflevector(a, b, 1, 2, 3, 4)
#define SH2(a, b) __builtin_shufflevector(a, b, 2, 3, 4, 5)
#endif

/* the same for three adjacent taps t0, t0 + 1, t0 + 2 (a row of a stride-1
 * kernel): one load of x per step, the shifted copies by lane shuffles, dY
 * aligned */
static inline __attribute__((always_inline)) CD_ATTR void
CD_FN(dw_blk3)(const int R, const float *dy, size_t Ly, const float *xc, int t0, size_t p0,
               size_t p1, float *dw, size_t dwst)
{
    const VF z = {0};
    VF a0[CD_DRC], a1[CD_DRC], a2[CD_DRC];
#pragma GCC unroll 16
    for (int r = 0; r < CD_DRC; r++) a0[r] = a1[r] = a2[r] = z;
    const float *xs = xc + t0;
    VF xa = LD(xs + p0);
    for (size_t p = p0; p < p1; p += CD_VL) {
        VF d[CD_DRC];
#pragma GCC unroll 16
        for (int r = 0; r < CD_DRC; r++)
            if (r < R) d[r] = *(const VF *)(dy + r * Ly + p);
        VF xb = LD(xs + p + CD_VL);
        VF x1 = SH1(xa, xb), x2 = SH2(xa, xb);
#pragma GCC unroll 16
        for (int r = 0; r < CD_DRC; r++)
            if (r < R) {
                a0[r] += d[r] * xa;
                a1[r] += d[r] * x1;
                a2[r] += d[r] * x2;
            }
        xa = xb;
    }
#pragma GCC unroll 16
    for (int r = 0; r < CD_DRC; r++)
        if (r < R) {
            dw[r * dwst + 0] += CD_FN(hsum)(a0[r]);
            dw[r * dwst + 1] += CD_FN(hsum)(a1[r]);
            dw[r * dwst + 2] += CD_FN(hsum)(a2[r]);
        }
}
#undef SH1
#undef SH2

/* dW items [i0, i1) (item = output-channel block x input channel), over the
 * grid positions [0, Pv) in chunks; 9 taps in 3 groups of 3 */
CD_ATTR static void CD_FN(dw_range)(const cd_geo *gg, int cin, int cout, const float *X,
                                    size_t Lx, const float *dy, size_t Ly, float *dw, size_t Pv,
                                    size_t i0, size_t i1)
{
    const size_t dwst = (size_t)cin * 9;
    for (size_t c0 = 0; c0 < Pv; c0 += CD_CHUNK) {
        size_t c1 = c0 + CD_CHUNK < Pv ? c0 + CD_CHUNK : Pv;
        for (size_t it = i0; it < i1; it++) {
            int cb = (int)(it / cin), ci = (int)(it % cin);
            int co = cb * CD_DRC, R = cout - co < CD_DRC ? cout - co : CD_DRC;
            const float *xc = X + (size_t)ci * Lx;
            const float *d = dy + (size_t)co * Ly;
            float *o = dw + co * dwst + (size_t)ci * 9;
            for (int g = 0; g < 3; g++) {
                const int *tg = gg->toff + 3 * g;
                int adj = tg[1] == tg[0] + 1 && tg[2] == tg[0] + 2;
                if (R == CD_DRC && adj)
                    CD_FN(dw_blk3)(CD_DRC, d, Ly, xc, tg[0], c0, c1, o + 3 * g, dwst);
                else if (R == CD_DRC)
                    CD_FN(dw_blk)(CD_DRC, d, Ly, xc, tg, c0, c1, o + 3 * g, dwst);
                else
                    for (int r = 0; r < R; r++)
                        CD_FN(dw_blk)(1, d + r * Ly, Ly, xc, tg, c0, c1, o + r * dwst + 3 * g, dwst);
            }
        }
    }
}

static const cd_variant CD_FN(variant) = {CD_VL, CD_RCO, CD_RP, CD_DRC, CD_FN(fwd_range),
                                          CD_FN(dw_range)};

#undef VF
#undef LD
#undef ST
