/* sensing_fused.c - one fused pass over the measurements for a few points
 * (nb <= 4): for each block of 4 rows a_i of the packed measurement matrix,
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
 * row-major, minus y when y != NULL) and accumulates S (nb x p) += scale * R^T A */
#define DEFINE_FUSED(NB)                                                                    \
    NSO_CLONES static void fused_##NB(const double *A, const double *y, size_t i0, size_t i1, \
                                      size_t p, const double *X, double *R, double *S,     \
                                      double scale)                                         \
    {                                                                                       \
        size_t i = i0;                                                                      \
        for (; i < i1; i += 4) {                                                            \
            size_t nr = i1 - i < 4 ? i1 - i : 4;                                            \
            const double *a[4];                                                             \
            for (size_t q = 0; q < 4; q++) a[q] = A + (i + (q < nr ? q : 0)) * p;           \
            double acc[16]; /* 4 rows x NB <= 4 points */                                   \
            for (size_t t = 0; t < 16; t++) acc[t] = 0;                                     \
            _Pragma("omp simd reduction(+ : acc[:16])")                                       \
            for (size_t j = 0; j < p; j++) {                                                \
                double a0 = a[0][j], a1 = a[1][j], a2 = a[2][j], a3 = a[3][j];              \
                for (size_t b = 0; b < NB; b++) {                                           \
                    double x = X[b * p + j];                                                \
                    acc[0 * NB + b] += a0 * x;                                              \
                    acc[1 * NB + b] += a1 * x;                                              \
                    acc[2 * NB + b] += a2 * x;                                              \
                    acc[3 * NB + b] += a3 * x;                                              \
                }                                                                           \
            }                                                                               \
            double c[4 * NB];                                                               \
            for (size_t q = 0; q < 4; q++)                                                  \
                for (size_t b = 0; b < NB; b++) {                                           \
                    double r = acc[q * NB + b] - (y && q < nr ? y[i + q] : 0.0);            \
                    if (q < nr) R[(i + q) * NB + b] = r;                                    \
                    c[q * NB + b] = q < nr ? scale * r : 0.0;                               \
                }                                                                           \
            for (size_t b = 0; b < NB; b++) {                                               \
                double *s = S + b * p;                                                      \
                double c0 = c[0 * NB + b], c1 = c[1 * NB + b], c2 = c[2 * NB + b],          \
                       c3 = c[3 * NB + b];                                                  \
                _Pragma("omp simd")                                                         \
                for (size_t j = 0; j < p; j++)                                              \
                    s[j] += c0 * a[0][j] + c1 * a[1][j] + c2 * a[2][j] + c3 * a[3][j];      \
            }                                                                               \
        }                                                                                   \
    }

DEFINE_FUSED(1)
DEFINE_FUSED(2)
DEFINE_FUSED(3)
DEFINE_FUSED(4)

typedef void fused_fn(const double *, const double *, size_t, size_t, size_t, const double *,
                      double *, double *, double);

/* Sthr: workspace of nthreads x nb x p doubles */
void nso_sensing_fused(const nso_sensing *s, size_t nb, const double *Xp, const double *y,
                       double *R, double *S, double scale, double *Sthr, int nthreads)
{
    static fused_fn *const fns[5] = {NULL, fused_1, fused_2, fused_3, fused_4};
    size_t m = s->m[0], p = s->p;
    memset(Sthr, 0, (size_t)nthreads * nb * p * sizeof(double));
#pragma omp parallel num_threads(nthreads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        /* split rows in blocks of 4 so every thread sees whole blocks */
        size_t blocks = (m + 3) / 4, b0 = blocks * (size_t)t / (size_t)nt,
               b1 = blocks * (size_t)(t + 1) / (size_t)nt;
        size_t i0 = 4 * b0, i1 = 4 * b1 < m ? 4 * b1 : m;
        if (i0 < i1) fns[nb](s->A[0], y, i0, i1, p, Xp, R, Sthr + (size_t)t * nb * p, scale);
    }
    memcpy(S, Sthr, nb * p * sizeof(double));
    for (int t = 1; t < nthreads; t++)
        for (size_t j = 0; j < nb * p; j++) S[j] += Sthr[(size_t)t * nb * p + j];
}

int nso_sensing_threads(void) { return omp_get_max_threads(); }
