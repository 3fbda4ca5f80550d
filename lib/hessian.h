/* hessian.h - Hessian measurements over the objective interface.
 *
 * Dense Hessian (small d) and its eigenvalues with LAPACKE; Hutchinson trace
 * with Rademacher probes, a confidence interval and a stopping rule; top
 * eigenvalues by Lanczos with full re-orthogonalisation (lock-step over
 * several independent operators, so a batched operator can share passes);
 * power iteration.
 */
#ifndef NSO_HESSIAN_H
#define NSO_HESSIAN_H
#include "objective.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>

/* A batch of `nops` independent symmetric operators of size n: out[b] = A_b v[b]
 * for b < nops, with v and out stored as nops x n row-major. */
typedef void nso_linop_batch(void *ctx, size_t nops, const double *v, double *out);

/* H (n x n, row-major) at w: from hvp when present, else central differences of
 * the gradient with step h (relative error O(h^2)).  Symmetrised. */
int nso_hessian_dense(const nso_objective *o, const double *w, double h, double *H);
/* eigenvalues of a symmetric n x n matrix (ascending); H is left untouched */
int nso_eig_sym(size_t n, const double *H, double *evals);

typedef struct {
    double mean, stderr_, ci95; /* estimate, standard error, 95% half-width */
    size_t probes;
} nso_trace_est;

/* Hutchinson: tr H ~ mean of v^T H v, v Rademacher.  Stops after max_probes,
 * or once at least min_probes are in and the running mean moved by less than
 * rel_tol (relative) over the last probe (PyHessian's rule). */
int nso_hutchinson(const nso_objective *o, const double *w, size_t min_probes, size_t max_probes,
                   double rel_tol, gsl_rng *r, nso_trace_est *out);

/* Lanczos with full re-orthogonalisation on nops operators in lock-step:
 * `iters` Krylov steps (<= n), start vectors from r; writes the top `ktop`
 * Ritz values of operator b to evals[b*ktop + j] (descending). */
int nso_lanczos_top(nso_linop_batch *op, void *ctx, size_t nops, size_t n, size_t iters,
                    size_t ktop, gsl_rng *r, double *evals);
/* Lanczos on the Hessian of an objective at w (hvp required) */
int nso_hessian_top(const nso_objective *o, const double *w, size_t iters, size_t ktop,
                    gsl_rng *r, double *evals);
/* Power iteration on the Hessian: top |eigenvalue| (signed), relative tol */
int nso_power_top(const nso_objective *o, const double *w, size_t max_iter, double rel_tol,
                  gsl_rng *r, double *lambda);

#endif
