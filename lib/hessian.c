/* hessian.c - dense Hessian + LAPACKE eigenvalues, the operators of the
 * toolkit (the Hessian of an objective at a point, dense matrices) and power
 * iteration (PyHessian's top-eigenvalue method: Gaussian start, relative
 * tolerance on the Rayleigh quotient).  See hessian.h; Hutchinson and Lanczos
 * live in hutchinson.c and lanczos.c. */
#include "hessian.h"
#include "nso_error.h"
#include <gsl/gsl_cblas.h> /* OpenBLAS provides these symbols */
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int nso_hessian_dense(const nso_objective *o, const double *w, double h, double *H)
{
    size_t n = o->dim;
    double *e = nso_xcalloc(n, sizeof(double)), *col = nso_xmalloc(n * sizeof(double));
    double *wp = nso_xmalloc(n * sizeof(double)), *gp = nso_xmalloc(n * sizeof(double));
    double *gm = nso_xmalloc(n * sizeof(double));
    for (size_t j = 0; j < n; j++) {
        if (o->hvp) {
            e[j] = 1.0;
            o->hvp(o->ctx, w, e, col);
            e[j] = 0.0;
        } else {
            memcpy(wp, w, n * sizeof(double));
            wp[j] = w[j] + h;
            o->grad(o->ctx, wp, gp);
            wp[j] = w[j] - h;
            o->grad(o->ctx, wp, gm);
            for (size_t i = 0; i < n; i++) col[i] = (gp[i] - gm[i]) / (2 * h);
        }
        for (size_t i = 0; i < n; i++) H[i * n + j] = col[i];
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double a = 0.5 * (H[i * n + j] + H[j * n + i]);
            H[i * n + j] = H[j * n + i] = a;
        }
    free(e); free(col); free(wp); free(gp); free(gm);
    return NSO_OK;
}

int nso_eig_sym(size_t n, const double *H, double *evals)
{
    double *A = nso_xmalloc(n * n * sizeof(double));
    memcpy(A, H, n * n * sizeof(double));
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)n, A, (lapack_int)n, evals);
    free(A);
    if (info != 0) NSO_ERROR("LAPACKE_dsyev failed", NSO_EINVAL);
    return NSO_OK;
}

/* ---- operators ------------------------------------------------------ */

static void hess_apply(void *c, size_t nv, const double *v, double *out)
{
    nso_hess_at *h = c;
    for (size_t j = 0; j < nv; j++)
        h->o->hvp(h->o->ctx, h->w, v + j * h->o->dim, out + j * h->o->dim);
}

nso_linop nso_hess_linop(nso_hess_at *h)
{
    return (nso_linop){.n = h->o->dim, .nops = 1, .block = 1, .apply = hess_apply, .ctx = h};
}

static void dense_apply(void *c, size_t nv, const double *v, double *out)
{
    nso_dense_op *d = c;
    size_t n = d->n;
    for (size_t j = 0; j < nv; j++) {
        const double *A = d->A + (d->nops > 1 ? j : 0) * n * n;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, A, (int)n, v + j * n, 1, 0.0,
                    out + j * n, 1);
    }
}

nso_linop nso_dense_linop(nso_dense_op *d, size_t block)
{
    return (nso_linop){.n = d->n, .nops = d->nops ? d->nops : 1, .block = block ? block : 1,
                       .apply = dense_apply, .ctx = d};
}

/* ---- power iteration ------------------------------------------------- */

int nso_power_top(const nso_linop *op, size_t max_iter, double rel_tol, gsl_rng *r,
                  double *lambda)
{
    if (op->nops != 1) NSO_ERROR("power iteration takes a single operator", NSO_EINVAL);
    size_t n = op->n;
    double *v = nso_xmalloc(n * sizeof(double)), *hv = nso_xmalloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) v[i] = gsl_ran_gaussian(r, 1.0);
    cblas_dscal((int)n, 1.0 / cblas_dnrm2((int)n, v, 1), v, 1);
    double lam = 0;
    for (size_t it = 0; it < max_iter; it++) {
        op->apply(op->ctx, 1, v, hv);
        double nl = cblas_ddot((int)n, v, 1, hv, 1);
        double nn = cblas_dnrm2((int)n, hv, 1);
        if (nn == 0) { lam = 0; break; }
        for (size_t i = 0; i < n; i++) v[i] = hv[i] / nn;
        int conv = it > 0 && fabs(nl - lam) <= rel_tol * fabs(nl);
        lam = nl;
        if (conv) break;
    }
    *lambda = lam;
    free(v);
    free(hv);
    return NSO_OK;
}
