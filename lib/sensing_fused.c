/* sensing_fused.c - one fused pass over the measurements for a few points
 * (nb <= 4): for each row a_i of the packed measurement matrix,
 *     r_bi = <a_i, x_b> - y_i                 (pass 1, eq. (22) residuals)
 *     s_b += sum_i c(r_bi) a_i                 (pass 2, sum_i r_i A_i)
 * while the rows are still in cache, so A is read from memory once instead of
 * twice, and once for all nb points (NSO's W+U and W-U share it).  Rows are
 * split between OpenMP threads, each with its own s accumulator; the
 * accumulators are summed in thread order at the end (serial, but a few
 * microseconds: under 0.1% of the pass in a profile at d = 100).  Built with
 * -fopenmp.
 *
 * Within a thread, rows go in blocks of 4 (sensing_fused_kernel.h): one sweep
 * over the block's 4 rows computes its 4 x nb dot products, a second sweep
 * updates the nb accumulators with all 4 rows, each load of a row serving all
 * nb points.  A row (p doubles, 40 KB at d = 100) does not fit in L1, so the
 * second sweep reads the rows from L2.  The kernel is specialised for each nb
 * (1..4), so the partial sums of the dot products stay in registers, and the
 * next block's rows are prefetched during both sweeps, so the memory reads of
 * one block overlap the arithmetic of the other.  (Before, with nb a
 * run-time value, the partial sums went through memory and the second sweep
 * did not overlap any memory reads: an NSO step cost ~1.4 GD steps.)
 *
 * The arithmetic is that of the one-row-at-a-time loop, operation for
 * operation: each dot product keeps eight partial sums (lane l takes the
 * indices j = l mod 8, combined pairwise at the end, then the p mod 8 tail in
 * order), each accumulator entry takes its rows' contributions in row order;
 * contraction is off (-std=c11), so the results are bit-identical for any
 * block size and either vector width (tests/sens/test_fused.c checks it bit
 * for bit against that loop).  Two widths are compiled: 8 doubles per vector,
 * one AVX-512 register per group of 8 lanes (x86-64 GCC builds, chosen at run
 * time when the CPU has AVX-512F), and 4 (an AVX2 clone where the CPU has it,
 * else the baseline ISA).  Each is the faster on its ISA: 8-wide vectors on
 * AVX2 spill, and the 4-wide kernel on AVX-512 was slower for one point. */
#include "sensing.h"
#include <omp.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NSO_FUSED_W8 1 /* an AVX-512 kernel, called when the CPU has AVX-512F */
#else
#define NSO_FUSED_W8 0
#endif

int nso_sensing_fused_width = 0;

typedef double nso_v4d __attribute__((vector_size(32)));
#define FK_W 4
#define FK_VEC nso_v4d
#define FK_NAME(f) f##_w4
#if NSO_FUSED_W8 && !defined(__SANITIZE_ADDRESS__)
#define FK_ATTR __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FK_ATTR
#endif
#include "sensing_fused_kernel.h"
#undef FK_W
#undef FK_VEC
#undef FK_NAME
#undef FK_ATTR

#if NSO_FUSED_W8
typedef double nso_v8d __attribute__((vector_size(64)));
#define FK_W 8
#define FK_VEC nso_v8d
#define FK_NAME(f) f##_w8
#define FK_ATTR __attribute__((target("avx512f")))
#include "sensing_fused_kernel.h"
#undef FK_W
#undef FK_VEC
#undef FK_NAME
#undef FK_ATTR
#endif

typedef void rows_fn(const double *A, const double *y, size_t i0, size_t i1, size_t p,
                     const double *X, size_t nb, double *R, double *S, double scale);

int nso_sensing_fused_widest(void)
{
#if NSO_FUSED_W8
    if (__builtin_cpu_supports("avx512f")) return 8;
#endif
    return 4;
}

/* Sthr: workspace of nthreads x nb x p doubles */
void nso_sensing_fused(const nso_sensing *s, size_t nb, const double *Xp, const double *y,
                       double *R, double *S, double scale, double *Sthr, int nthreads)
{
    size_t m = s->m[0], p = s->p;
    rows_fn *rows = fused_rows_w4;
#if NSO_FUSED_W8
    if (nso_sensing_fused_width != 4 && nso_sensing_fused_widest() == 8) rows = fused_rows_w8;
#endif
    memset(Sthr, 0, (size_t)nthreads * nb * p * sizeof(double));
#pragma omp parallel num_threads(nthreads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t i0 = m * (size_t)t / (size_t)nt, i1 = m * (size_t)(t + 1) / (size_t)nt;
        if (i0 < i1) rows(s->A[0], y, i0, i1, p, Xp, nb, R, Sthr + (size_t)t * nb * p, scale);
    }
    memcpy(S, Sthr, nb * p * sizeof(double));
    for (int t = 1; t < nthreads; t++)
        for (size_t j = 0; j < nb * p; j++) S[j] += Sthr[(size_t)t * nb * p + j];
}

int nso_sensing_threads(void) { return omp_get_max_threads(); }
