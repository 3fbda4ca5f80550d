/* hessian.c - dense Hessian + LAPACKE eigenvalues, Hutchinson trace, Lanczos
 * (full re-orthogonalisation, lock-step over a batch of operators) and power
 * iteration.  Conventions follow PyHessian (../shared/reference-notes.md):
 * Rademacher probes, relative-change stopping rule, Gaussian start vectors. */
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

int nso_hutchinson(const nso_objective *o, const double *w, size_t min_probes, size_t max_probes,
                   double rel_tol, gsl_rng *r, nso_trace_est *out)
{
    if (!o->hvp) NSO_ERROR("Hutchinson needs a Hessian-vector product", NSO_EINVAL);
    if (max_probes < 1) NSO_ERROR("max_probes must be >= 1", NSO_EINVAL);
    size_t n = o->dim, k = 0;
    double *v = nso_xmalloc(n * sizeof(double)), *hv = nso_xmalloc(n * sizeof(double));
    double mean = 0, m2 = 0;
    for (k = 0; k < max_probes;) {
        for (size_t i = 0; i < n; i++) v[i] = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
        o->hvp(o->ctx, w, v, hv);
        double q = cblas_ddot((int)n, v, 1, hv, 1);
        k++;
        double old = mean, delta = q - mean;
        mean += delta / (double)k;
        m2 += delta * (q - mean);
        if (k >= min_probes && k >= 2 && fabs(mean - old) <= rel_tol * fabs(mean)) break;
    }
    out->mean = mean;
    out->probes = k;
    out->stderr_ = k > 1 ? sqrt(m2 / (double)(k - 1) / (double)k) : INFINITY;
    out->ci95 = 1.96 * out->stderr_;
    free(v);
    free(hv);
    return NSO_OK;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

int nso_lanczos_top(nso_linop_batch *op, void *ctx, size_t nops, size_t n, size_t iters,
                    size_t ktop, gsl_rng *r, double *evals)
{
    if (iters < 1 || iters > n) iters = n < 1 ? 1 : (iters < 1 ? 1 : n);
    if (ktop < 1 || ktop > iters) NSO_ERROR("need 1 <= ktop <= iters", NSO_EINVAL);
    /* Q: nops x (iters+1) x n basis; alpha, beta per operator */
    double *Q = nso_xmalloc(nops * (iters + 1) * n * sizeof(double));
    double *V = nso_xmalloc(nops * n * sizeof(double)), *AV = nso_xmalloc(nops * n * sizeof(double));
    double *alpha = nso_xcalloc(nops * iters, sizeof(double));
    double *beta = nso_xcalloc(nops * iters, sizeof(double));
    size_t *len = nso_xcalloc(nops, sizeof(size_t));
    int *done = nso_xcalloc(nops, sizeof(int));
    for (size_t b = 0; b < nops; b++) {
        double *q0 = Q + b * (iters + 1) * n;
        for (size_t i = 0; i < n; i++) q0[i] = gsl_ran_gaussian(r, 1.0);
        double nr = cblas_dnrm2((int)n, q0, 1);
        cblas_dscal((int)n, 1.0 / nr, q0, 1);
    }
    for (size_t j = 0; j < iters; j++) {
        for (size_t b = 0; b < nops; b++)
            memcpy(V + b * n, Q + (b * (iters + 1) + j) * n, n * sizeof(double));
        op(ctx, nops, V, AV);
        for (size_t b = 0; b < nops; b++) {
            if (done[b]) continue;
            double *Qb = Q + b * (iters + 1) * n, *z = AV + b * n;
            double a = cblas_ddot((int)n, Qb + j * n, 1, z, 1);
            alpha[b * iters + j] = a;
            /* full re-orthogonalisation, twice (classical Gram-Schmidt x2) */
            for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i <= j; i++) {
                    double c = cblas_ddot((int)n, Qb + i * n, 1, z, 1);
                    cblas_daxpy((int)n, -c, Qb + i * n, 1, z, 1);
                }
            double bn = cblas_dnrm2((int)n, z, 1);
            len[b] = j + 1;
            if (bn < 1e-12 * (fabs(a) + 1e-300) || j + 1 == iters) {
                done[b] = 1;
                continue;
            }
            beta[b * iters + j] = bn;
            double *qn = Qb + (j + 1) * n;
            for (size_t i = 0; i < n; i++) qn[i] = z[i] / bn;
        }
    }
    int status = NSO_OK;
    double *d = nso_xmalloc(iters * sizeof(double)), *e = nso_xmalloc(iters * sizeof(double));
    for (size_t b = 0; b < nops; b++) {
        size_t m = len[b];
        memcpy(d, alpha + b * iters, m * sizeof(double));
        memcpy(e, beta + b * iters, m * sizeof(double));
        lapack_int info = LAPACKE_dstev(LAPACK_COL_MAJOR, 'N', (lapack_int)m, d, e, NULL, 1);
        if (info != 0) status = NSO_EINVAL;
        qsort(d, m, sizeof(double), cmp_desc);
        for (size_t t = 0; t < ktop; t++) evals[b * ktop + t] = t < m ? d[t] : NAN;
    }
    free(d); free(e); free(Q); free(V); free(AV); free(alpha); free(beta); free(len); free(done);
    if (status) NSO_ERROR("LAPACKE_dstev failed", status);
    return NSO_OK;
}

typedef struct {
    const nso_objective *o;
    const double *w;
} hess_op_ctx;

static void hess_op(void *c, size_t nops, const double *v, double *out)
{
    hess_op_ctx *h = c;
    for (size_t b = 0; b < nops; b++)
        h->o->hvp(h->o->ctx, h->w, v + b * h->o->dim, out + b * h->o->dim);
}

int nso_hessian_top(const nso_objective *o, const double *w, size_t iters, size_t ktop,
                    gsl_rng *r, double *evals)
{
    if (!o->hvp) NSO_ERROR("Lanczos needs a Hessian-vector product", NSO_EINVAL);
    hess_op_ctx c = {o, w};
    return nso_lanczos_top(hess_op, &c, 1, o->dim, iters, ktop, r, evals);
}

int nso_power_top(const nso_objective *o, const double *w, size_t max_iter, double rel_tol,
                  gsl_rng *r, double *lambda)
{
    if (!o->hvp) NSO_ERROR("power iteration needs a Hessian-vector product", NSO_EINVAL);
    size_t n = o->dim;
    double *v = nso_xmalloc(n * sizeof(double)), *hv = nso_xmalloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) v[i] = gsl_ran_gaussian(r, 1.0);
    cblas_dscal((int)n, 1.0 / cblas_dnrm2((int)n, v, 1), v, 1);
    double lam = 0;
    for (size_t it = 0; it < max_iter; it++) {
        o->hvp(o->ctx, w, v, hv);
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
