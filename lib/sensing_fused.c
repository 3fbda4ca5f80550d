/* sensing_fused.c - one fused pass over the measurements for a few points
 * (nb <= 4): for each row a_i of the packed measurement matrix,
 *     r_bi = <a_i, x_b> - y_i                 (pass 1, eq. (22) residuals)
 *     s_b += sum_i c(r_bi) a_i                 (pass 2, sum_i r_i A_i)
 * while the rows are still in cache, so A is read from memory once instead of
 * twice, and once for all nb points (NSO's W+U and W-U share it).  Rows are
 * split between OpenMP threads, each with its own s accumulator.  Built with
 * -fopenmp; a runtime-dispatched AVX2/FMA clone is used where the CPU has it. */
#include "sensing.h"
#include <omp.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define NSO_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NSO_CLONES
#endif

/* rows [i0, i1) of A (m x p), points X (nb x p); writes residuals R (m x nb,
 * row-major, minus y when y != NULL) and accumulates S (nb x p) += scale * R^T A.
 *
 * Rows go in blocks of RB: the dot products of the block's RB rows with the
 * nb points share one sweep over the points, and the block's updates share
 * one read-modify-write sweep over the nb accumulators.  A row (p doubles,
 * 40 KB at d = 100) does not fit in L1, so the sweeps run from L2; blocking
 * divides the point and accumulator traffic by RB, which is what makes an
 * NSO step (nb = 2) cost little more than a GD step (nb = 1).
 *
 * The arithmetic is that of the one-row-at-a-time loop it replaces, operation
 * for operation: each dot product keeps eight partial sums (lane l takes the
 * indices j = l mod 8, combined pairwise at the end), each accumulator entry
 * takes its rows' contributions in row order; contraction is off (-std=c11),
 * so the results are bit-identical for any block size. */
static inline __attribute__((always_inline)) void
fused_block(const double *A, const double *y, size_t i, size_t p, const double *X, size_t nb,
            double *R, double *S, double scale, const size_t RB)
{
    double part[4][NSO_FUSED_MAX][8];
    for (size_t r = 0; r < RB; r++)
        for (size_t b = 0; b < nb; b++)
            for (size_t l = 0; l < 8; l++) part[r][b][l] = 0.0;
    size_t j = 0;
    for (; j + 8 <= p; j += 8)
        for (size_t b = 0; b < nb; b++) {
            const double *x = X + b * p + j;
            for (size_t r = 0; r < RB; r++) {
                const double *a = A + (i + r) * p + j;
                for (size_t l = 0; l < 8; l++) part[r][b][l] += a[l] * x[l];
            }
        }
    double c[4][NSO_FUSED_MAX];
    for (size_t r = 0; r < RB; r++) {
        const double *a = A + (i + r) * p;
        for (size_t b = 0; b < nb; b++) {
            const double *x = X + b * p;
            const double *q = part[r][b];
            double t = ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
            for (size_t k = j; k < p; k++) t += a[k] * x[k];
            double res = t - (y ? y[i + r] : 0.0);
            R[(i + r) * nb + b] = res;
            c[r][b] = scale * res;
        }
    }
    for (size_t b = 0; b < nb; b++) {
        double *sb = S + b * p;
        if (RB == 1) {
            const double *a0 = A + i * p, c0 = c[0][b];
            for (size_t q = 0; q < p; q++) sb[q] += c0 * a0[q];
        } else if (RB == 2) {
            const double *a0 = A + i * p, *a1 = a0 + p, c0 = c[0][b], c1 = c[1][b];
            for (size_t q = 0; q < p; q++) sb[q] = (sb[q] + c0 * a0[q]) + c1 * a1[q];
        } else {
            const double *a0 = A + i * p, *a1 = a0 + p, *a2 = a1 + p, *a3 = a2 + p;
            const double c0 = c[0][b], c1 = c[1][b], c2 = c[2][b], c3 = c[3][b];
            for (size_t q = 0; q < p; q++)
                sb[q] = (((sb[q] + c0 * a0[q]) + c1 * a1[q]) + c2 * a2[q]) + c3 * a3[q];
        }
    }
}

#ifndef NSO_FUSED_RB
#define NSO_FUSED_RB 4 /* rows per block: 1, 2 or 4 */
#endif

NSO_CLONES static void fused_rows(const double *A, const double *y, size_t i0, size_t i1,
                                  size_t p, const double *X, size_t nb, double *R, double *S,
                                  double scale)
{
    size_t i = i0;
    if (NSO_FUSED_RB == 4)
        for (; i + 4 <= i1; i += 4) fused_block(A, y, i, p, X, nb, R, S, scale, 4);
    if (NSO_FUSED_RB >= 2)
        for (; i + 2 <= i1; i += 2) fused_block(A, y, i, p, X, nb, R, S, scale, 2);
    for (; i < i1; i++) fused_block(A, y, i, p, X, nb, R, S, scale, 1);
}

/* Sthr: workspace of nthreads x nb x p doubles */
void nso_sensing_fused(const nso_sensing *s, size_t nb, const double *Xp, const double *y,
                       double *R, double *S, double scale, double *Sthr, int nthreads)
{
    size_t m = s->m[0], p = s->p;
    memset(Sthr, 0, (size_t)nthreads * nb * p * sizeof(double));
#pragma omp parallel num_threads(nthreads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t i0 = m * (size_t)t / (size_t)nt, i1 = m * (size_t)(t + 1) / (size_t)nt;
        if (i0 < i1) fused_rows(s->A[0], y, i0, i1, p, Xp, nb, R, Sthr + (size_t)t * nb * p, scale);
    }
    memcpy(S, Sthr, nb * p * sizeof(double));
    for (int t = 1; t < nthreads; t++)
        for (size_t j = 0; j < nb * p; j++) S[j] += Sthr[(size_t)t * nb * p + j];
}

int nso_sensing_threads(void) { return omp_get_max_threads(); }
