/* lanczos.c - Lanczos tridiagonalisation with full re-orthogonalisation,
 * lock-step over a batch of operators (one apply() per step serves them all),
 * and what is read off the tridiagonal T: its top Ritz values (lambda_1 and
 * the top-k eigenvalues) and stochastic Lanczos quadrature (Ubaru, Chen & Saad
 * 2017; Ghorbani, Krishnan & Xiao 2019): nodes = eigenvalues of T, weights =
 * squared first components of its eigenvectors.
 *
 * @paper table:3 (the largest eigenvalue of the Hessian)
 * @paper fig:5 */
#include "hessian.h"
#include "nso_error.h"
#include <gsl/gsl_cblas.h> /* OpenBLAS provides these symbols */
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the Lanczos iteration of every operator from the start vectors start
 * (nops x n), or from Gaussian vectors drawn from r (operator 0 first) */
static int lanczos_core(const nso_linop *op, size_t m, gsl_rng *r, const double *start, double *alpha,
                        double *beta, size_t *len, double *basis, const nso_hess_cb *progress)
{
    if (basis && op->nops > 1) NSO_ERROR("Lanczos: the basis is kept for a single operator only", NSO_EINVAL);
    if (m < 1) NSO_ERROR("Lanczos needs at least one step", NSO_EINVAL);
    size_t n = op->n, nops = op->nops ? op->nops : 1, stride = m;
    if (n < 1) NSO_ERROR("Lanczos needs an operator of size >= 1", NSO_EINVAL);
    if (m > n) m = n;
    if (start)
        for (size_t b = 0; b < nops; b++)
            if (!(cblas_dnrm2((int)n, start + b * n, 1) > 0))
                NSO_ERROR("Lanczos: a start vector is zero or not finite", NSO_EINVAL);
    /* Q: nops x (m+1) x n Krylov bases */
    double *Q = nso_xmalloc(nops * (m + 1) * n * sizeof(double));
    double *V = nso_xmalloc(nops * n * sizeof(double)), *AV = nso_xmalloc(nops * n * sizeof(double));
    int *done = nso_xcalloc(nops, sizeof(int));
    for (size_t b = 0; b < nops; b++) {
        double *q0 = Q + b * (m + 1) * n;
        if (start) memcpy(q0, start + b * n, n * sizeof(double));
        else
            for (size_t i = 0; i < n; i++) q0[i] = gsl_ran_gaussian(r, 1.0);
        double nr = cblas_dnrm2((int)n, q0, 1);
        cblas_dscal((int)n, 1.0 / nr, q0, 1);
        len[b] = 0;
    }
    size_t active = nops;
    for (size_t j = 0; j < m && active > 0; j++) {
        for (size_t b = 0; b < nops; b++) {
            if (done[b]) memset(V + b * n, 0, n * sizeof(double));
            else memcpy(V + b * n, Q + (b * (m + 1) + j) * n, n * sizeof(double));
        }
        op->apply(op->ctx, nops, V, AV);
        for (size_t b = 0; b < nops; b++) {
            if (done[b]) continue;
            double *Qb = Q + b * (m + 1) * n, *z = AV + b * n;
            double a = cblas_ddot((int)n, Qb + j * n, 1, z, 1);
            alpha[b * stride + j] = a;
            len[b] = j + 1;
            if (j + 1 == m) {
                done[b] = 1;
                active--;
                continue;
            }
            /* full re-orthogonalisation against every basis vector, twice */
            for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i <= j; i++) {
                    double c = cblas_ddot((int)n, Qb + i * n, 1, z, 1);
                    cblas_daxpy((int)n, -c, Qb + i * n, 1, z, 1);
                }
            double bn = cblas_dnrm2((int)n, z, 1);
            if (!(bn > 1e-12 * (fabs(a) + 1e-300))) { /* invariant subspace (or NaN) */
                done[b] = 1;
                active--;
                continue;
            }
            beta[b * stride + j] = bn;
            double *qn = Qb + (j + 1) * n;
            for (size_t i = 0; i < n; i++) qn[i] = z[i] / bn;
        }
        if (progress && progress->fn) progress->fn(progress->ctx, j + 1);
    }
    if (basis) memcpy(basis, Q, len[0] * n * sizeof(double));
    free(Q);
    free(V);
    free(AV);
    free(done);
    return NSO_OK;
}

int nso_lanczos_basis(const nso_linop *op, size_t m, gsl_rng *r, double *alpha, double *beta,
                      size_t *len, double *basis, const nso_hess_cb *progress)
{
    return lanczos_core(op, m, r, NULL, alpha, beta, len, basis, progress);
}

int nso_lanczos(const nso_linop *op, size_t m, gsl_rng *r, double *alpha, double *beta,
                size_t *len, const nso_hess_cb *progress)
{
    return lanczos_core(op, m, r, NULL, alpha, beta, len, NULL, progress);
}

int nso_tridiag_eig(size_t m, const double *alpha, const double *beta, double *theta, double *w)
{
    if (m < 1) NSO_ERROR("empty tridiagonal matrix", NSO_EINVAL);
    double *e = nso_xcalloc(m, sizeof(double));
    memcpy(theta, alpha, m * sizeof(double));
    if (m > 1) memcpy(e, beta, (m - 1) * sizeof(double));
    lapack_int info;
    if (!w) {
        info = LAPACKE_dstev(LAPACK_COL_MAJOR, 'N', (lapack_int)m, theta, e, NULL, 1);
    } else {
        double *Z = nso_xmalloc(m * m * sizeof(double));
        info = LAPACKE_dstev(LAPACK_ROW_MAJOR, 'V', (lapack_int)m, theta, e, Z, (lapack_int)m);
        for (size_t j = 0; info == 0 && j < m; j++) w[j] = Z[j] * Z[j]; /* row 0, column j */
        free(Z);
    }
    free(e);
    if (info != 0) NSO_ERROR("LAPACKE_dstev failed", NSO_EINVAL);
    return NSO_OK;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static int lanczos_top(const nso_linop *op, size_t iters, size_t ktop, gsl_rng *r, const double *start,
                       double *evals)
{
    size_t nops = op->nops ? op->nops : 1;
    if (iters < 1) NSO_ERROR("Lanczos needs at least one step", NSO_EINVAL);
    if (iters > op->n) iters = op->n;
    if (ktop < 1 || ktop > iters) NSO_ERROR("need 1 <= ktop <= iters", NSO_EINVAL);
    double *alpha = nso_xcalloc(nops * iters, sizeof(double));
    double *beta = nso_xcalloc(nops * iters, sizeof(double));
    size_t *len = nso_xcalloc(nops, sizeof(size_t));
    int status = lanczos_core(op, iters, r, start, alpha, beta, len, NULL, NULL);
    double *d = nso_xmalloc(iters * sizeof(double));
    for (size_t b = 0; status == NSO_OK && b < nops; b++) {
        size_t m = len[b];
        if (m == 0 || nso_tridiag_eig(m, alpha + b * iters, beta + b * iters, d, NULL) != NSO_OK)
            status = NSO_EINVAL;
        qsort(d, m, sizeof(double), cmp_desc);
        for (size_t t = 0; t < ktop; t++) evals[b * ktop + t] = t < m ? d[t] : NAN;
    }
    free(d);
    free(alpha);
    free(beta);
    free(len);
    return status;
}

int nso_lanczos_top(const nso_linop *op, size_t iters, size_t ktop, gsl_rng *r, double *evals)
{
    return lanczos_top(op, iters, ktop, r, NULL, evals);
}

int nso_lanczos_top_from(const nso_linop *op, size_t iters, size_t ktop, const double *start, double *evals)
{
    if (!start) NSO_ERROR("Lanczos: no start vectors", NSO_EINVAL);
    return lanczos_top(op, iters, ktop, NULL, start, evals);
}

int nso_slq(const nso_linop *op, size_t m, gsl_rng *r, double *nodes, double *weights,
            size_t *len, const nso_hess_cb *progress)
{
    size_t nops = op->nops ? op->nops : 1;
    if (m < 1) NSO_ERROR("SLQ needs at least one Lanczos step", NSO_EINVAL);
    double *alpha = nso_xcalloc(nops * m, sizeof(double)), *beta = nso_xcalloc(nops * m, sizeof(double));
    int status = nso_lanczos(op, m, r, alpha, beta, len, progress);
    for (size_t b = 0; status == NSO_OK && b < nops; b++)
        status = nso_tridiag_eig(len[b], alpha + b * m, beta + b * m, nodes + b * m, weights + b * m);
    free(alpha);
    free(beta);
    return status;
}
