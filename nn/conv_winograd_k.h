/* conv_winograd_k.h - inner kernels of the Winograd F(2x2, 3x3) convolution
 * (conv_winograd.c), written once with GCC vector extensions and included
 * once per instruction-set variant.  The including file defines
 *   WF(x)    name of x in this variant      WF_ATTR  its target attribute
 *   WF_VL    floats per vector               WF_RCO x WF_RP  multiply block
 *                                            (output channels x vectors of tiles)
 *   WF_DRR   output channels per dW register block (x one vector of input channels)
 * No include guard on purpose. */

typedef float WF(vf) __attribute__((vector_size(WF_VL * 4)));
typedef float WF(vfu) __attribute__((vector_size(WF_VL * 4), aligned(4), may_alias));
#define VF WF(vf)
#define LDU(p) (*(const WF(vfu) *)(p))
#define LDA(p) (*(const VF *)(p))
#define STA(p, v) (*(VF *)(p) = (v))

/* input transform B^T d B of the 4x4 patches of tiles [q0, q0 + nq) (nq a
 * multiple of WF_VL) of the parity planes X (channel stride Lx, plane length
 * PL, row stride Wq): V[pos][ci][q - q0], pos = 4 row + column, row stride of
 * V: ldv (a multiple of WF_VL), channel block: cin * ldv per position.
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
WF_ATTR static void WF(in_tf)(const float *X, size_t Lx, size_t PL, int Wq, int cin, size_t q0,
                              int nq, float *V, int ldv)
{
    const size_t pstride = (size_t)cin * ldv;
    for (int ci = 0; ci < cin; ci++) {
        /* planes (row parity, column parity); "w": one tile row further */
        const float *p00 = X + (size_t)ci * Lx + q0, *p01 = p00 + PL, *p10 = p00 + 2 * PL,
                    *p11 = p00 + 3 * PL;
        const float *p00w = p00 + Wq, *p01w = p01 + Wq, *p10w = p10 + Wq, *p11w = p11 + Wq;
        float *v = V + (size_t)ci * ldv;
        for (int q = 0; q < nq; q += WF_VL) {
            VF d[4][4], t[4][4];
            d[0][0] = LDU(p00 + q), d[0][1] = LDU(p01 + q);
            d[0][2] = LDU(p00 + q + 1), d[0][3] = LDU(p01 + q + 1);
            d[1][0] = LDU(p10 + q), d[1][1] = LDU(p11 + q);
            d[1][2] = LDU(p10 + q + 1), d[1][3] = LDU(p11 + q + 1);
            d[2][0] = LDU(p00w + q), d[2][1] = LDU(p01w + q);
            d[2][2] = LDU(p00w + q + 1), d[2][3] = LDU(p01w + q + 1);
            d[3][0] = LDU(p10w + q), d[3][1] = LDU(p11w + q);
            d[3][2] = LDU(p10w + q + 1), d[3][3] = LDU(p11w + q + 1);
#pragma GCC unroll 4
            for (int y = 0; y < 4; y++) { /* rows: d B */
                t[y][0] = d[y][0] - d[y][2];
                t[y][1] = d[y][1] + d[y][2];
                t[y][2] = d[y][2] - d[y][1];
                t[y][3] = d[y][1] - d[y][3];
            }
#pragma GCC unroll 4
            for (int k = 0; k < 4; k++) { /* columns: B^T (d B) */
                STA(v + 0 * 4 * pstride + k * pstride + q, t[0][k] - t[2][k]);
                STA(v + 1 * 4 * pstride + k * pstride + q, t[1][k] + t[2][k]);
                STA(v + 2 * 4 * pstride + k * pstride + q, t[2][k] - t[1][k]);
                STA(v + 3 * 4 * pstride + k * pstride + q, t[1][k] - t[3][k]);
            }
        }
    }
}

/* the lanes of a and b interleaved: a0 b0 a1 b1 ... (low half, high half) */
#if WF_VL == 16
#define ILO(a, b) __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define IHI(a, b) __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
#elif WF_VL == 8
#define ILO(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11)
#define IHI(a, b) __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15)
#else
#define ILO(a, b) __builtin_shufflevector(a, b, 0, 4, 1, 5)
#define IHI(a, b) __builtin_shufflevector(a, b, 2, 6, 3, 7)
#endif

/* the 16 products for output channels co .. co + R - 1 (R <= WF_RCO) and
 * WF_RP vectors of tiles from q (in V's columns), then the output transform
 * A^T m A (A^T = [1 1 1 0; 0 1 -1 -1]): output (r, s) of tile q goes to
 * Y[r][co][2 q + s] (plane stride cout * ly, channel stride ly), so that a
 * row of y is a contiguous run of its plane */
static inline __attribute__((always_inline)) WF_ATTR void
WF(mul_blk)(const int R, const float *V, int ldv, int cin, const float *U, int cout, int co, int q,
            float *Y, size_t ly, size_t qy)
{
    const size_t pstride = (size_t)cin * ldv;
    VF m[16][WF_RCO][WF_RP]; /* lives in L1 (the stack), not in registers */
    for (int pos = 0; pos < 16; pos++) {
        VF acc[WF_RCO][WF_RP];
        const VF z = {0};
#pragma GCC unroll 8
        for (int r = 0; r < WF_RCO; r++)
#pragma GCC unroll 8
            for (int j = 0; j < WF_RP; j++) acc[r][j] = z;
        const float *vp = V + pos * pstride + q;
        const float *up = U + ((size_t)pos * cout + co) * cin;
        for (int ci = 0; ci < cin; ci++) {
            VF xv[WF_RP];
#pragma GCC unroll 8
            for (int j = 0; j < WF_RP; j++) xv[j] = LDA(vp + (size_t)ci * ldv + j * WF_VL);
#pragma GCC unroll 8
            for (int r = 0; r < WF_RCO; r++) {
                if (r >= R) break;
                const float u = up[(size_t)r * cin + ci];
#pragma GCC unroll 8
                for (int j = 0; j < WF_RP; j++) acc[r][j] += xv[j] * u;
            }
        }
#pragma GCC unroll 8
        for (int r = 0; r < WF_RCO; r++)
#pragma GCC unroll 8
            for (int j = 0; j < WF_RP; j++) m[pos][r][j] = acc[r][j];
    }
    const size_t ps = (size_t)cout * ly;
    for (int r = 0; r < R; r++)
#pragma GCC unroll 8
        for (int j = 0; j < WF_RP; j++) {
            VF s0[4], s1[4];
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++) {
                s0[c] = m[c][r][j] + m[4 + c][r][j] + m[8 + c][r][j];
                s1[c] = m[4 + c][r][j] - m[8 + c][r][j] - m[12 + c][r][j];
            }
            VF o00 = s0[0] + s0[1] + s0[2], o01 = s0[1] - s0[2] - s0[3];
            VF o10 = s1[0] + s1[1] + s1[2], o11 = s1[1] - s1[2] - s1[3];
            float *o = Y + (size_t)(co + r) * ly + 2 * (qy + j * WF_VL);
            STA(o, ILO(o00, o01));
            STA(o + WF_VL, IHI(o00, o01));
            STA(o + ps, ILO(o10, o11));
            STA(o + ps + WF_VL, IHI(o10, o11));
        }
}

/* chunks [c0, c1) of nq tiles: transform, multiply, back-transform into Y */
WF_ATTR static void WF(fwd_chunks)(const float *X, size_t Lx, size_t PL, int Wq, int cin, int cout,
                                   const float *U, float *Vbuf, int nq, size_t c0, size_t c1,
                                   float *Y, size_t ly)
{
    const int BS = WF_RP * WF_VL;
    for (size_t ch = c0; ch < c1; ch++) {
        size_t q0 = ch * nq;
        WF(in_tf)(X, Lx, PL, Wq, cin, q0, nq, Vbuf, nq);
        for (int q = 0; q < nq; q += BS) {
            int co = 0;
            for (; co + WF_RCO <= cout; co += WF_RCO)
                WF(mul_blk)(WF_RCO, Vbuf, nq, cin, U, cout, co, q, Y, ly, q0 + q);
            for (; co < cout; co++) WF(mul_blk)(1, Vbuf, nq, cin, U, cout, co, q, Y, ly, q0 + q);
        }
    }
}

/* ---- dW (conv_winograd.c, "dW"): channels are the vector lanes ---------- */

/* r (WF_VL vectors, a WF_VL x WF_VL block) transposed in registers: log2 WF_VL
 * rounds of r'[2i] = interleave_lo(r[i], r[i + WF_VL/2]), r'[2i+1] = _hi */
static inline __attribute__((always_inline)) WF_ATTR void WF(transpose)(VF *r)
{
    VF t[WF_VL];
#pragma GCC unroll 4
    for (int h = 1; h < WF_VL; h *= 2) {
#pragma GCC unroll 8
        for (int i = 0; i < WF_VL / 2; i++) {
            t[2 * i] = ILO(r[i], r[i + WF_VL / 2]);
            t[2 * i + 1] = IHI(r[i], r[i + WF_VL / 2]);
        }
#pragma GCC unroll 16
        for (int i = 0; i < WF_VL; i++) r[i] = t[i];
    }
}

/* channel-major to channel-minor: dst[(y dW + x) nch + c] = src[c ld + y W + x]
 * for c < nch (a multiple of WF_VL) and the HW pixels of one image; blocks of
 * WF_VL channels x WF_VL pixels are transposed in registers, the last
 * HW mod WF_VL pixels one by one */
WF_ATTR static void WF(to_cm)(const float *src, size_t ld, int nch, int HW, int W, float *dst,
                              size_t dW)
{
    for (int c0 = 0; c0 < nch; c0 += WF_VL) {
        int p0 = 0, y = 0, x = 0;
        for (; p0 + WF_VL <= HW; p0 += WF_VL) {
            VF r[WF_VL];
#pragma GCC unroll 16
            for (int i = 0; i < WF_VL; i++) r[i] = LDU(src + (size_t)(c0 + i) * ld + p0);
            WF(transpose)(r);
#pragma GCC unroll 16
            for (int j = 0; j < WF_VL; j++) { /* r[j]: pixel p0 + j */
                STA(dst + ((size_t)y * dW + x) * nch + c0, r[j]);
                if (++x == W) x = 0, y++;
            }
        }
        for (; p0 < HW; p0++) {
            for (int i = 0; i < WF_VL; i++)
                dst[((size_t)y * dW + x) * nch + c0 + i] = src[(size_t)(c0 + i) * ld + p0];
            if (++x == W) x = 0, y++;
        }
    }
}


/* tiles [t0, t0 + n) of the part (tile t = (b th + i) tw + j): the input
 * transform B^T d B of each 4x4 patch of the channel-minor padded input Xc
 * (pixel (b, r, c) at ((b Hp + r) Wp + c) cin) into V[pos][t - t0][ci], and
 * the output-gradient transform A dY A^T of each 2x2 block of dY, padded
 * channel-minor in the same layout (Dc: pixel (b, r, c) at ((b Hp + r + 1)
 * Wp + c + 1) cout; the dX pass's prepared input), into E[pos][t - t0][co],
 * with A = [1 0; 1 1; 1 -1; 0 -1]; Dc NULL: V alone */
WF_ATTR static void WF(dw_tf)(const float *Xc, const float *Dc, int th, int tw, int cin, int cout,
                              size_t t0, int n, float *V, float *E)
{
    const size_t Wp = 2 * (size_t)tw + 2, Hp = 2 * (size_t)th + 2;
    const size_t vs = (size_t)n * cin, es = (size_t)n * cout; /* position strides */
    for (int k = 0; k < n; k++) {
        size_t t = t0 + k, b = t / ((size_t)th * tw), ij = t % ((size_t)th * tw);
        size_t i = ij / tw, j = ij % tw;
        const float *x0 = Xc + ((b * Hp + 2 * i) * Wp + 2 * j) * cin;
        float *v = V + (size_t)k * cin;
        for (int c = 0; c < cin; c += WF_VL) {
            VF d[4][4], t4[4][4];
#pragma GCC unroll 4
            for (int y = 0; y < 4; y++)
#pragma GCC unroll 4
                for (int x = 0; x < 4; x++) d[y][x] = LDA(x0 + (y * Wp + x) * cin + c);
#pragma GCC unroll 4
            for (int y = 0; y < 4; y++) { /* d B, as in_tf */
                t4[y][0] = d[y][0] - d[y][2];
                t4[y][1] = d[y][1] + d[y][2];
                t4[y][2] = d[y][2] - d[y][1];
                t4[y][3] = d[y][1] - d[y][3];
            }
#pragma GCC unroll 4
            for (int x = 0; x < 4; x++) { /* B^T (d B) */
                STA(v + (0 * 4 + x) * vs + c, t4[0][x] - t4[2][x]);
                STA(v + (1 * 4 + x) * vs + c, t4[1][x] + t4[2][x]);
                STA(v + (2 * 4 + x) * vs + c, t4[2][x] - t4[1][x]);
                STA(v + (3 * 4 + x) * vs + c, t4[1][x] - t4[3][x]);
            }
        }
        if (!Dc) continue; /* the input transform alone (the channel-minor forward) */
        const float *e0 = Dc + ((b * Hp + 2 * i + 1) * Wp + 2 * j + 1) * cout;
        float *e = E + (size_t)k * cout;
        for (int c = 0; c < cout; c += WF_VL) {
            VF g00 = LDA(e0 + c), g01 = LDA(e0 + cout + c);
            VF g10 = LDA(e0 + Wp * cout + c), g11 = LDA(e0 + (Wp + 1) * cout + c);
            VF f[4][2] = {{g00, g01}, {g00 + g10, g01 + g11}, {g00 - g10, g01 - g11}, {-g10, -g11}};
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++) { /* (A dY) A^T */
                STA(e + (r * 4 + 0) * es + c, f[r][0]);
                STA(e + (r * 4 + 1) * es + c, f[r][0] + f[r][1]);
                STA(e + (r * 4 + 2) * es + c, f[r][0] - f[r][1]);
                STA(e + (r * 4 + 3) * es + c, -f[r][1]);
            }
        }
    }
}

/* M[pos][co][ci] += sum_k E[pos][k][co] V[pos][k][ci] over the n tiles of a
 * chunk: outer products, WF_DRR output channels x one vector of input
 * channels per register block, tiles in order (the sums' order does not
 * depend on the blocking) */
static inline __attribute__((always_inline)) WF_ATTR void
WF(dw_blk)(const int R, const float *E, const float *V, int n, int cin, int cout, float *M)
{
    VF acc[WF_DRR] = {{0}};
#pragma GCC unroll 16
    for (int r = 0; r < WF_DRR; r++)
        if (r < R) acc[r] = LDA(M + (size_t)r * cin);
    for (int k = 0; k < n; k++) {
        const VF v = LDA(V + (size_t)k * cin);
        const float *e = E + (size_t)k * cout;
#pragma GCC unroll 16
        for (int r = 0; r < WF_DRR; r++)
            if (r < R) acc[r] += v * e[r];
    }
#pragma GCC unroll 16
    for (int r = 0; r < WF_DRR; r++)
        if (r < R) STA(M + (size_t)r * cin, acc[r]);
}

WF_ATTR static void WF(dw_mul)(const float *E, const float *V, int n, int cin, int cout, float *M)
{
    const size_t vs = (size_t)n * cin, es = (size_t)n * cout;
    for (int pos = 0; pos < 16; pos++)
        for (int c = 0; c < cin; c += WF_VL) {
            const float *Vp = V + pos * vs + c, *Ep = E + pos * es;
            float *Mp = M + (size_t)pos * cout * cin + c;
            int co = 0;
            for (; co + WF_DRR <= cout; co += WF_DRR)
                WF(dw_blk)(WF_DRR, Ep + co, Vp, n, cin, cout, Mp + (size_t)co * cin);
            if (co < cout) WF(dw_blk)(cout - co, Ep + co, Vp, n, cin, cout, Mp + (size_t)co * cin);
        }
}

/* ---- the channel-minor forward (conv_winograd.c, "channel-minor") ------ */

/* Mo[pos][k][co] = sum_ci V[pos][k][ci] U[pos][ci][co] for the n tiles of a
 * chunk: per register block WF_DRR tiles x one vector of output channels,
 * input channels in order */
static inline __attribute__((always_inline)) WF_ATTR void
WF(cm_blk)(const int R, const float *V, const float *U, int cin, int cout, float *Mo)
{
    VF acc[WF_DRR] = {{0}};
    for (int ci = 0; ci < cin; ci++) {
        const VF u = LDA(U + (size_t)ci * cout);
#pragma GCC unroll 16
        for (int r = 0; r < WF_DRR; r++)
            if (r < R) acc[r] += u * V[(size_t)r * cin + ci];
    }
#pragma GCC unroll 16
    for (int r = 0; r < WF_DRR; r++)
        if (r < R) STA(Mo + (size_t)r * cout, acc[r]);
}

WF_ATTR static void WF(cm_mul)(const float *V, const float *U, int n, int cin, int cout, float *Mo)
{
    for (int pos = 0; pos < 16; pos++) {
        const float *Vp = V + (size_t)pos * n * cin, *Up = U + (size_t)pos * cin * cout;
        float *Mp = Mo + (size_t)pos * n * cout;
        for (int c = 0; c < cout; c += WF_VL) {
            int k = 0;
            for (; k + WF_DRR <= n; k += WF_DRR)
                WF(cm_blk)(WF_DRR, Vp + (size_t)k * cin, Up + c, cin, cout, Mp + (size_t)k * cout + c);
            if (k < n) WF(cm_blk)(n - k, Vp + (size_t)k * cin, Up + c, cin, cout, Mp + (size_t)k * cout + c);
        }
    }
}

/* the output transform A^T m A of the chunk's tiles into the channel-minor
 * output Yc (pixel (b, r, c) at ((b 2th + r) 2tw + c) cout) */
WF_ATTR static void WF(cm_out)(const float *Mo, int n, size_t t0, int th, int tw, int cout, float *Yc)
{
    const size_t W2 = 2 * (size_t)tw, ms = (size_t)n * cout;
    for (int k = 0; k < n; k++) {
        size_t t = t0 + k, b = t / ((size_t)th * tw), ij = t % ((size_t)th * tw);
        size_t i = ij / tw, j = ij % tw;
        float *o = Yc + ((b * 2 * th + 2 * i) * W2 + 2 * j) * cout;
        const float *mk = Mo + (size_t)k * cout;
        for (int c = 0; c < cout; c += WF_VL) {
            VF m[16];
#pragma GCC unroll 16
            for (int p = 0; p < 16; p++) m[p] = LDA(mk + p * ms + c);
            VF s0[4], s1[4];
#pragma GCC unroll 4
            for (int q = 0; q < 4; q++) {
                s0[q] = m[q] + m[4 + q] + m[8 + q];
                s1[q] = m[4 + q] - m[8 + q] - m[12 + q];
            }
            STA(o + c, s0[0] + s0[1] + s0[2]);
            STA(o + cout + c, s0[1] - s0[2] - s0[3]);
            STA(o + W2 * cout + c, s1[0] + s1[1] + s1[2]);
            STA(o + (W2 + 1) * cout + c, s1[1] - s1[2] - s1[3]);
        }
    }
}

/* channel-minor to channel-major, the inverse of to_cm: dst[c ld + y W + x]
 * (+)= src[(y sW + x) nch + c] for the HW pixels of one image */
WF_ATTR static void WF(from_cm)(const float *src, size_t sW, int nch, int HW, int W, float *dst,
                                size_t ld, int acc)
{
    for (int c0 = 0; c0 < nch; c0 += WF_VL) {
        int p0 = 0, y = 0, x = 0;
        for (; p0 + WF_VL <= HW; p0 += WF_VL) {
            VF r[WF_VL];
#pragma GCC unroll 16
            for (int j = 0; j < WF_VL; j++) { /* r[j]: pixel p0 + j */
                r[j] = LDA(src + ((size_t)y * sW + x) * nch + c0);
                if (++x == W) x = 0, y++;
            }
            WF(transpose)(r);
#pragma GCC unroll 16
            for (int i = 0; i < WF_VL; i++) { /* r[i]: channel c0 + i */
                float *d = dst + (size_t)(c0 + i) * ld + p0;
                if (acc)
                    *(WF(vfu) *)d = LDU(d) + r[i];
                else
                    *(WF(vfu) *)d = r[i];
            }
        }
        for (; p0 < HW; p0++) {
            for (int i = 0; i < WF_VL; i++) {
                float v = src[((size_t)y * sW + x) * nch + c0 + i], *d = dst + (size_t)(c0 + i) * ld + p0;
                *d = acc ? *d + v : v;
            }
            if (++x == W) x = 0, y++;
        }
    }
}

static const wf_variant WF(variant) = {WF_VL,      WF_RP * WF_VL, WF(fwd_chunks), WF(to_cm),
                                        WF(dw_tf),  WF(dw_mul),    WF(cm_mul),     WF(cm_out),
                                        WF(from_cm)};


#undef ILO
#undef IHI
#undef VF
#undef LDU
#undef LDA
#undef STA
