/* sensing_fused_kernel.h - the row kernel of the fused sensing pass, written
 * once for a vector of FK_W doubles and included by sensing_fused.c once per
 * width (FK_W = 8: one AVX-512 register per group of 8 lanes; FK_W = 4: two
 * AVX2 registers).  Not a header to include anywhere else.  The includer
 * defines FK_W, FK_VEC (a GCC vector type of FK_W doubles), FK_NAME(f) (the
 * function names of this width) and FK_ATTR (target attributes or nothing). */

#define FK_NV (8 / FK_W) /* vectors per group of 8 lanes */
/* unaligned vector load / store (memcpy compiles to one move) */
#define FK_LD(v, ptr) memcpy(&(v), (ptr), sizeof(FK_VEC))
#define FK_ST(ptr, v) memcpy((ptr), &(v), sizeof(FK_VEC))

/* rows [i, i + RB) of A (m x p), points X (nb x p); writes residuals R (m x nb,
 * row-major, minus y when y != NULL) and accumulates S (nb x p) += scale * R^T A.
 * nb and RB are compile-time constants at every call, so the loops over them
 * unroll and the 8-lane partial sums of the RB x nb dot products stay in
 * registers.  pf: the next block's rows (4 p doubles) or NULL; their lines
 * are prefetched during this block's two sweeps, half in each, so the memory
 * reads of the next block overlap this block's arithmetic.  The hint is
 * locality 1 (prefetcht2: outer cache levels); prefetcht0 and prefetchnta made
 * the pass slower. */
static inline __attribute__((always_inline)) void
FK_NAME(fused_block)(const double *A, const double *y, size_t i, size_t p, const double *X,
                     const size_t nb, double *R, double *S, double scale, const size_t RB,
                     const double *pf)
{
    const double *a0 = A + i * p;
    FK_VEC acc[4][NSO_FUSED_MAX][FK_NV];
#pragma GCC unroll 4
    for (size_t r = 0; r < RB; r++)
#pragma GCC unroll 4
        for (size_t b = 0; b < nb; b++)
#pragma GCC unroll 2
            for (size_t v = 0; v < FK_NV; v++) acc[r][b][v] = (FK_VEC){0};
    /* sweep 1: dot products; lane l of a group takes the indices j = l mod 8 */
    size_t j = 0;
    for (; j + 8 <= p; j += 8) {
        if (pf) {
            __builtin_prefetch(pf + 2 * j, 0, 1);
            __builtin_prefetch(pf + 2 * j + 8, 0, 1);
        }
        FK_VEC a[4][FK_NV];
#pragma GCC unroll 4
        for (size_t r = 0; r < RB; r++)
#pragma GCC unroll 2
            for (size_t v = 0; v < FK_NV; v++) FK_LD(a[r][v], a0 + r * p + j + v * FK_W);
#pragma GCC unroll 4
        for (size_t b = 0; b < nb; b++)
#pragma GCC unroll 2
            for (size_t v = 0; v < FK_NV; v++) {
                FK_VEC x;
                FK_LD(x, X + b * p + j + v * FK_W);
#pragma GCC unroll 4
                for (size_t r = 0; r < RB; r++) acc[r][b][v] += a[r][v] * x;
            }
    }
    /* lanes combined pairwise, then the tail j >= 8 floor(p / 8) in order */
    double c[4][NSO_FUSED_MAX];
#pragma GCC unroll 4
    for (size_t r = 0; r < RB; r++)
#pragma GCC unroll 4
        for (size_t b = 0; b < nb; b++) {
            double q[8];
            memcpy(q, acc[r][b], sizeof q);
            double t = ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
            for (size_t k = j; k < p; k++) t += a0[r * p + k] * X[b * p + k];
            double res = t - (y ? y[i + r] : 0.0);
            R[(i + r) * nb + b] = res;
            c[r][b] = scale * res;
        }
    /* sweep 2: every accumulator entry takes the block's rows in row order;
     * the nb points share each load of the rows */
    size_t q = 0;
    for (; q + 8 <= p; q += 8) {
        if (pf) {
            __builtin_prefetch(pf + 2 * p + 2 * q, 0, 1);
            __builtin_prefetch(pf + 2 * p + 2 * q + 8, 0, 1);
        }
        FK_VEC a[4][FK_NV];
#pragma GCC unroll 4
        for (size_t r = 0; r < RB; r++)
#pragma GCC unroll 2
            for (size_t v = 0; v < FK_NV; v++) FK_LD(a[r][v], a0 + r * p + q + v * FK_W);
#pragma GCC unroll 4
        for (size_t b = 0; b < nb; b++)
#pragma GCC unroll 2
            for (size_t v = 0; v < FK_NV; v++) {
                FK_VEC s;
                FK_LD(s, S + b * p + q + v * FK_W);
#pragma GCC unroll 4
                for (size_t r = 0; r < RB; r++) s = s + c[r][b] * a[r][v];
                FK_ST(S + b * p + q + v * FK_W, s);
            }
    }
    for (; q < p; q++)
#pragma GCC unroll 4
        for (size_t b = 0; b < nb; b++) {
            double s = S[b * p + q];
#pragma GCC unroll 4
            for (size_t r = 0; r < RB; r++) s = s + c[r][b] * a0[r * p + q];
            S[b * p + q] = s;
        }
}

/* rows [i0, i1) in blocks of 4, the last i1 - i0 mod 4 one at a time */
static inline __attribute__((always_inline)) void
FK_NAME(fused_rows_nb)(const double *A, const double *y, size_t i0, size_t i1, size_t p,
                       const double *X, const size_t nb, double *R, double *S, double scale)
{
    size_t i = i0;
    for (; i + 4 <= i1; i += 4)
        FK_NAME(fused_block)(A, y, i, p, X, nb, R, S, scale, 4,
                             i + 8 <= i1 ? A + (i + 4) * p : NULL);
    for (; i < i1; i++) FK_NAME(fused_block)(A, y, i, p, X, nb, R, S, scale, 1, NULL);
}

FK_ATTR static void FK_NAME(fused_rows)(const double *A, const double *y, size_t i0, size_t i1,
                                        size_t p, const double *X, size_t nb, double *R,
                                        double *S, double scale)
{
    switch (nb) {
    case 1: FK_NAME(fused_rows_nb)(A, y, i0, i1, p, X, 1, R, S, scale); break;
    case 2: FK_NAME(fused_rows_nb)(A, y, i0, i1, p, X, 2, R, S, scale); break;
    case 3: FK_NAME(fused_rows_nb)(A, y, i0, i1, p, X, 3, R, S, scale); break;
    default: FK_NAME(fused_rows_nb)(A, y, i0, i1, p, X, 4, R, S, scale); break;
    }
}

#undef FK_NV
#undef FK_LD
#undef FK_ST
