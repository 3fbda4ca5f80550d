/* test_fused.c - CUnit tests of the fused sensing pass (lib/sensing_fused.c):
 *  - its residuals and accumulators are bit-identical to a plain scalar loop
 *    that follows the order of operations documented in the file header (eight
 *    partial sums per dot product, lane l taking j = l mod 8, combined pairwise,
 *    then the p mod 8 tail; accumulator entries taking rows in row order; the
 *    threads' rows split as m t / nt and their accumulators summed in thread
 *    order), for nb = 1..4, with and without labels, for every vector width the
 *    CPU runs (8 with AVX-512, and 4, forced), on sizes that exercise blocks of
 *    4 rows, single leftover rows, p mod 8 tails and p < 8;
 *  - whole gradients and Hessian-vector products are bit-identical between the
 *    two widths on a threaded problem (m p >= 1e6).
 * Tolerance: none, equality of every bit (memcmp). */
#include "../cunit_run.h"
#include "nso_error.h"
#include "sensing.h"
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the documented arithmetic, one row and one point at a time */
static void ref_fused(const nso_sensing *s, size_t nb, const double *X, const double *y, double *R,
                      double *S, double scale, int nt)
{
    size_t m = s->m[0], p = s->p;
    double *St = nso_xcalloc((size_t)nt * nb * p, sizeof(double));
    for (int t = 0; t < nt; t++) {
        size_t i0 = m * (size_t)t / (size_t)nt, i1 = m * (size_t)(t + 1) / (size_t)nt;
        double *Sb = St + (size_t)t * nb * p;
        for (size_t i = i0; i < i1; i++) {
            const double *a = s->A[0] + i * p;
            for (size_t b = 0; b < nb; b++) {
                const double *x = X + b * p;
                double q[8] = {0};
                size_t j = 0;
                for (; j + 8 <= p; j += 8)
                    for (size_t l = 0; l < 8; l++) q[l] += a[j + l] * x[j + l];
                double d = ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]));
                for (; j < p; j++) d += a[j] * x[j];
                double res = d - (y ? y[i] : 0.0);
                R[i * nb + b] = res;
                double c = scale * res;
                for (size_t k = 0; k < p; k++) Sb[b * p + k] += c * a[k];
            }
        }
    }
    memcpy(S, St, nb * p * sizeof(double));
    for (int t = 1; t < nt; t++)
        for (size_t k = 0; k < nb * p; k++) S[k] += St[(size_t)t * nb * p + k];
    free(St);
}

static void test_fused_reference(void)
{
    /* d, m, threads: p = 210 (26 chunks of 8 + 2), 91 (11 + 3), 6 (< 8), 36 */
    const size_t cases[][3] = {{20, 37, 3}, {20, 37, 1}, {13, 23, 2}, {3, 11, 2}, {8, 4, 2}, {8, 9, 1}};
    int widths[2] = {0, 4}, nw = nso_sensing_fused_widest() == 8 ? 2 : 1;
    if (nw == 1) widths[0] = 4;
    printf("\n  widths run: %s ", nw == 2 ? "8 and 4" : "4 (no AVX-512)");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char msg[256];
        nso_sensing_params sp = {.d = cases[c][0], .r = 2, .m = {cases[c][1], 0, 0}, .seed = 11};
        nso_sensing *s = nso_sensing_alloc(&sp, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        size_t m = s->m[0], p = s->p;
        int nt = (int)cases[c][2];
        double *X = nso_xmalloc(4 * p * sizeof(double));
        for (size_t k = 0; k < 4 * p; k++) X[k] = sin(2.385 * (double)k + 0.3 * (double)c);
        double *R1 = nso_xmalloc(4 * m * sizeof(double)), *R2 = nso_xmalloc(4 * m * sizeof(double));
        double *S1 = nso_xmalloc(4 * p * sizeof(double)), *S2 = nso_xmalloc(4 * p * sizeof(double));
        double *Sthr = nso_xmalloc((size_t)nt * 4 * p * sizeof(double));
        for (size_t nb = 1; nb <= 4; nb++)
            for (int lab = 0; lab < 2; lab++) {
                const double *y = lab ? s->y[0] : NULL;
                double scale = lab ? 1.0 : 1.0 / (double)m;
                ref_fused(s, nb, X, y, R2, S2, scale, nt);
                for (int w = 0; w < nw; w++) {
                    nso_sensing_fused_width = widths[w];
                    nso_sensing_fused(s, nb, X, y, R1, S1, scale, Sthr, nt);
                    int okR = memcmp(R1, R2, nb * m * sizeof(double)) == 0;
                    int okS = memcmp(S1, S2, nb * p * sizeof(double)) == 0;
                    if (!okR || !okS)
                        printf("\n  d=%zu m=%zu threads=%d nb=%zu labels=%d width=%d: %s differ", sp.d,
                               m, nt, nb, lab, widths[w], okR ? "accumulators" : "residuals");
                    CU_ASSERT(okR);
                    CU_ASSERT(okS);
                }
            }
        nso_sensing_fused_width = 0;
        free(X); free(R1); free(R2); free(S1); free(S2); free(Sthr);
        nso_sensing_free(s);
    }
}

/* gradients and HVPs through lib/sensing.c, threaded (m p = 5200 x 210) */
static void test_fused_widths_grad(void)
{
    if (nso_sensing_fused_widest() != 8) {
        printf("\n  skipped: the CPU runs only the 4-wide kernel");
        return;
    }
    char msg[256];
    nso_sensing_params sp = {.d = 20, .r = 2, .m = {5200, 0, 0}, .seed = 4};
    nso_sensing *s = nso_sensing_alloc(&sp, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    size_t dd = 400;
    double *U = nso_xmalloc(4 * dd * sizeof(double)), *V = nso_xmalloc(4 * dd * sizeof(double));
    double *G[2], *H[2], l[2][4];
    for (int w = 0; w < 2; w++) {
        G[w] = nso_xmalloc(4 * dd * sizeof(double));
        H[w] = nso_xmalloc(4 * dd * sizeof(double));
    }
    for (size_t i = 0; i < 4 * dd; i++) { U[i] = sin(0.37 * (double)i); V[i] = cos(0.11 * (double)i); }
    for (size_t nb = 1; nb <= 4; nb++) {
        for (int w = 0; w < 2; w++) {
            nso_sensing_fused_width = w ? 4 : 0;
            nso_sensing_grad(s, nb, U, G[w], l[w]);
            nso_sensing_hess h;
            nso_sensing_hess_prepare(s, nb, U, NULL, &h);
            nso_sensing_hvp_batch(&h, nb, V, H[w]);
            nso_sensing_hess_free(&h);
        }
        CU_ASSERT(memcmp(G[0], G[1], nb * dd * sizeof(double)) == 0);
        CU_ASSERT(memcmp(l[0], l[1], nb * sizeof(double)) == 0);
        CU_ASSERT(memcmp(H[0], H[1], nb * dd * sizeof(double)) == 0);
    }
    nso_sensing_fused_width = 0;
    for (int w = 0; w < 2; w++) { free(G[w]); free(H[w]); }
    free(U); free(V);
    nso_sensing_free(s);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("sensing fused pass", NULL, NULL);
    CU_add_test(su, "bit-identical to the documented scalar loop, every width", test_fused_reference);
    CU_add_test(su, "gradients and HVPs bit-identical between widths", test_fused_widths_grad);
    return nso_cunit_run("test_sens_fused");
}
