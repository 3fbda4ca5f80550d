/* sens_pop.c - explicit empirical and population Hessians of matrix sensing
 * (see sens_pop.h).  The population forms are the expectation over the
 * measurement law of lib/sensing.c's eq. (23) Hessian. */
#include "sens_pop.h"
#include "nso_error.h"
#include <gsl/gsl_cblas.h> /* OpenBLAS provides these symbols */
#include <stdlib.h>
#include <string.h>

double sp_pop_trace(const nso_sensing *s, const double *U)
{
    size_t d = s->d;
    double u2 = 0, trx = 0;
    for (size_t i = 0; i < d * d; i++) u2 += U[i] * U[i];
    for (size_t a = 0; a < d; a++) trx += s->Xstar[a * d + a];
    return (2.0 * (double)d + 1.0) * u2 - (double)d * trx;
}

void sp_pop_hessian(const nso_sensing *s, const double *U, double *H)
{
    size_t d = s->d, q = d * d;
    double *UtU = nso_xmalloc(2 * q * sizeof(double)), *Del = UtU + q;
    /* U'U and Delta = U U' - X* */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, U, (int)d, U, (int)d, 0.0, UtU,
                (int)d);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)d, 1.0, U, (int)d, U, (int)d, 0.0, Del,
                (int)d);
    for (size_t i = 0; i < q; i++) Del[i] -= s->Xstar[i];
    memset(H, 0, q * q * sizeof(double));
    for (size_t a = 0; a < d; a++)
        for (size_t j = 0; j < d; j++) {
            double *row = H + (a * d + j) * q; /* output entry (a, j) */
            for (size_t l = 0; l < d; l++) row[a * d + l] += UtU[l * d + j]; /* (V U'U)_aj = sum_l V_al (U'U)_lj */
            for (size_t l = 0; l < d; l++)
                for (size_t b = 0; b < d; b++) row[l * d + b] += U[a * d + b] * U[l * d + j]; /* (U V' U)_aj */
            for (size_t b = 0; b < d; b++) row[b * d + j] += Del[a * d + b]; /* (Delta V)_aj */
        }
    free(UtU);
}

void sp_emp_hessian(const nso_sensing *s, const double *U, const double *res, double *H)
{
    size_t d = s->d, q = d * d, n = s->m[NSO_SET_TRAIN];
    const size_t blk = 256; /* measurements per block of g_i = vec(A_i U) */
    double *A = nso_xmalloc(q * sizeof(double)), *Gb = nso_xmalloc(blk * q * sizeof(double));
    double *S = nso_xcalloc(q, sizeof(double));
    memset(H, 0, q * q * sizeof(double));
    for (size_t i0 = 0; i0 < n; i0 += blk) {
        size_t nb = n - i0 < blk ? n - i0 : blk;
        for (size_t b = 0; b < nb; b++) {
            nso_sensing_unpack(d, s->A[NSO_SET_TRAIN] + (i0 + b) * s->p, A);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, A, (int)d, U, (int)d, 0.0,
                        Gb + b * q, (int)d);
            cblas_daxpy((int)q, res[i0 + b] / (double)n, A, 1, S, 1); /* S = (1/n) sum r_i A_i */
        }
        /* H += (2/n) G_b' G_b (upper triangle) */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)q, (int)nb, 2.0 / (double)n, Gb, (int)q, 1.0, H, (int)q);
    }
    for (size_t r = 0; r < q; r++) /* mirror the upper triangle */
        for (size_t c = 0; c < r; c++) H[r * q + c] = H[c * q + r];
    for (size_t a = 0; a < d; a++) /* (S V)_aj = sum_b S_ab V_bj */
        for (size_t j = 0; j < d; j++)
            for (size_t b = 0; b < d; b++) H[(a * d + j) * q + b * d + j] += S[a * d + b];
    free(A), free(Gb), free(S);
}
