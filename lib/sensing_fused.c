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
 * One row at a time: the row (p doubles, 40 KB at d = 100) comes from memory
 * once and stays in L2 for the nb dot products and the nb updates.  Eight
 * partial sums per dot product let the compiler vectorise without -ffast-math. */
NSO_CLONES static void fused_rows(const double *A, const double *y, size_t i0, size_t i1,
                                  size_t p, const double *X, size_t nb, double *R, double *S,
                                  double scale)
{
    for (size_t i = i0; i < i1; i++) {
        const double *a = A + i * p;
        for (size_t b = 0; b < nb; b++) {
            const double *x = X + b * p;
            double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            size_t j = 0;
            for (; j + 8 <= p; j += 8)
                for (size_t l = 0; l < 8; l++) part[l] += a[j + l] * x[j + l];
            double t = ((part[0] + part[1]) + (part[2] + part[3])) +
                       ((part[4] + part[5]) + (part[6] + part[7]));
            for (; j < p; j++) t += a[j] * x[j];
            double r = t - (y ? y[i] : 0.0);
            R[i * nb + b] = r;
            double c = scale * r, *sb = S + b * p;
            for (size_t q = 0; q < p; q++) sb[q] += c * a[q];
        }
    }
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
