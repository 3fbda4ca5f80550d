/* trace_deflated.c - the trace of a symmetric operator as an exact part on a
 * Krylov subspace plus Hutchinson's estimate on its orthogonal complement:
 *
 *     tr A = tr(Q' A Q) + tr(P A P),   P = I - Q Q',
 *
 * Q the orthonormal basis of an m-step Lanczos run (lanczos.c).  The identity
 * holds for any orthonormal Q (tr A = tr(A P) + tr(A Q Q'), tr(A P) = tr(P A P)
 * because P is idempotent); tr(Q' A Q) = sum_j q_j' A q_j = sum_j alpha_j is
 * computed, and v' P A P v with Rademacher v is unbiased for tr(P A P).  This
 * is Hutch++ (Meyer, Musco, Musco & Woodruff 2021) with the Krylov space that
 * lambda_1 needs anyway in place of a random sketch: a network's Hessian has
 * a few dominant eigenvalues (the top one alone is near half the trace for the
 * ResNet-8 here, docs/finetune_plan.md), and removing them removes most of
 * Hutchinson's variance 2 (||B||_F^2 - sum_i B_ii^2) of B = P A P.
 *
 * @paper table:3 (trace and largest eigenvalue of the Hessian) */
#include "hessian.h"
#include "nso_error.h"
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const nso_linop *inner;
    const double *Q; /* k x n */
    size_t k;
    double *tmp;     /* block x n */
} proj_ctx;

/* x <- (I - Q Q') x */
static void project(const proj_ctx *c, size_t n, double *x)
{
    for (size_t j = 0; j < c->k; j++) {
        double d = cblas_ddot((int)n, c->Q + j * n, 1, x, 1);
        cblas_daxpy((int)n, -d, c->Q + j * n, 1, x, 1);
    }
}

/* out_j = P A P v_j */
static void proj_apply(void *ctx, size_t nv, const double *v, double *out)
{
    proj_ctx *c = ctx;
    size_t n = c->inner->n;
    memcpy(c->tmp, v, nv * n * sizeof(double));
    for (size_t j = 0; j < nv; j++) project(c, n, c->tmp + j * n);
    c->inner->apply(c->inner->ctx, nv, c->tmp, out);
    for (size_t j = 0; j < nv; j++) project(c, n, out + j * n);
}

int nso_trace_deflated(const nso_linop *op, size_t m, const nso_hutch_opts *opt, gsl_rng *r,
                       nso_trace_est *out, double *lambda1, double *top, size_t *kdef,
                       const nso_hess_cb *lanczos_cb)
{
    if (op->nops > 1) NSO_ERROR("deflated trace: a single operator (nops = 1) only", NSO_EINVAL);
    if (opt->group) NSO_ERROR("deflated trace: per-group traces are not supported", NSO_EINVAL);
    if (m < 1) NSO_ERROR("deflated trace: needs at least one Lanczos step", NSO_EINVAL);
    size_t n = op->n;
    if (m > n) m = n;
    double *alpha = calloc(m, sizeof(double)), *beta = calloc(m, sizeof(double));
    double *Q = malloc(m * n * sizeof(double));
    size_t blk = op->block > 1 ? op->block : 1;
    double *tmp = malloc(blk * n * sizeof(double)), *theta = malloc(m * sizeof(double));
    if (!alpha || !beta || !Q || !tmp || !theta) {
        free(alpha), free(beta), free(Q), free(tmp), free(theta);
        NSO_ERROR("deflated trace: out of memory", NSO_ENOMEM);
    }
    size_t len = 0;
    int st = nso_lanczos_basis(op, m, r, alpha, beta, &len, Q, lanczos_cb);
    double exact = 0;
    for (size_t j = 0; j < len; j++) exact += alpha[j];
    if (st == NSO_OK && lambda1) {
        st = len ? nso_tridiag_eig(len, alpha, beta, theta, NULL) : NSO_EINVAL;
        *lambda1 = st == NSO_OK ? theta[len - 1] : NAN; /* ascending */
    }
    if (st == NSO_OK) {
        proj_ctx pc = {op, Q, len, tmp};
        nso_linop pop = {n, 1, blk, proj_apply, &pc, NULL}; /* no quadratic forms of P H P */
        out->group_mean = out->group_se = NULL; /* no per-group traces here */
        st = nso_hutchinson(&pop, opt, r, out);
        out->mean += exact;
    }
    if (top) *top = exact;
    if (kdef) *kdef = len;
    free(alpha), free(beta), free(Q), free(tmp), free(theta);
    return st;
}
