/* hessian.h - the one Hessian toolkit, over the operator type of linop.h:
 *
 *   hutchinson.c  trace by Hutchinson's estimator (Rademacher probes), 95% CI,
 *                 optional per-group partial traces, blocked application,
 *                 the stopping rule below
 *   lanczos.c     Lanczos with full re-orthogonalisation, lock-step over a
 *                 batch of operators; top-k Ritz values; stochastic Lanczos
 *                 quadrature (SLQ) nodes and weights for spectral densities
 *   trace_deflated.c  the trace as an exact Lanczos part plus Hutchinson on
 *                 the deflated remainder (lower variance, same products)
 *   hessian.c     dense Hessian of an objective + LAPACKE eigenvalues, the
 *                 Hessian of an objective / a dense matrix as operators,
 *                 power iteration
 *
 * Conventions follow PyHessian (Yao et al. 2020; docs/reference_notes.md):
 * Rademacher probes, Gaussian start vectors, relative-change stopping rule.
 *
 * THE STOPPING RULE (the only one; every caller of nso_hutchinson uses it).
 * After probe p, with running mean m_p = (1/p) sum_{j<=p} v_j' A v_j:
 *     stop if  p >= max(min_probes, 2)  and  |m_p - m_{p-1}| <= rel_tol (|m_{p-1}| + 1e-12),
 *     stop if  p == max_probes,
 *     stop if  m_p is not finite (reported as NSO_EDIVERGE).
 * This is PyHessian's rule (relative change of the running mean against the
 * previous mean), with a minimum number of probes so that the first few noisy
 * means cannot stop it early; 1e-12 keeps a zero trace from dividing by zero.
 * rel_tol = 0 with min_probes = max_probes gives a fixed number of probes. */
#ifndef NSO_HESSIAN_H
#define NSO_HESSIAN_H
#include "linop.h"
#include "objective.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>

/* optional progress callback: fn(ctx, done) after every probe / Lanczos step */
typedef struct {
    void (*fn)(void *ctx, size_t done);
    void *ctx;
} nso_hess_cb;

/* ---- operators ------------------------------------------------------ */

/* The Hessian of o at w (o->hvp required) as an operator; h holds the
 * context and must outlive the operator. */
typedef struct {
    const nso_objective *o;
    const double *w;
} nso_hess_at;
nso_linop nso_hess_linop(nso_hess_at *h);

/* nops dense symmetric n x n matrices (row-major, nops x n x n) as one
 * operator (nops > 1: a lock-step batch); block = most vectors per apply
 * when nops == 1.  d must outlive the operator. */
typedef struct {
    size_t n, nops;
    const double *A;
} nso_dense_op;
nso_linop nso_dense_linop(nso_dense_op *d, size_t block);

/* ---- dense ----------------------------------------------------------- */

/* H (n x n, row-major) at w: from hvp when present, else central differences of
 * the gradient with step h (relative error O(h^2)).  Symmetrised. */
int nso_hessian_dense(const nso_objective *o, const double *w, double h, double *H);
/* eigenvalues of a symmetric n x n matrix (ascending); H is left untouched */
int nso_eig_sym(size_t n, const double *H, double *evals);

/* ---- trace (hutchinson.c) ------------------------------------------- */

typedef struct {
    size_t min_probes, max_probes; /* the stopping rule above; 1 <= max_probes */
    double rel_tol;
    const int *group; /* NULL, or per coordinate its group in [0, ngroups) */
    int ngroups;
    nso_hess_cb progress;
} nso_hutch_opts;

typedef struct {
    double mean, se, ci95; /* estimate, standard error (NaN after one probe), 95% half-width 1.96 se */
    size_t probes;         /* probes used */
    /* caller-provided arrays of ngroups (or NULL): per-group partial traces
     * mean_j sum_{i in g} v_ji (A v_j)_i (unbiased for the trace of the
     * group's diagonal block; they sum to mean) and their standard errors */
    double *group_mean, *group_se;
} nso_trace_est;

/* Hutchinson: tr A ~ mean_j v_j' A v_j, v_j Rademacher drawn from r
 * (gsl_rng_uniform(r) < 0.5 -> -1, coordinate by coordinate, probe by probe).
 * op must be a single operator (nops == 1).  With op->block > 1 the probes
 * are drawn and applied block by block: the same probes and the same result
 * as block = 1, but the last block may draw a few probes past the stop.
 * Returns NSO_OK, NSO_EINVAL (bad options), or NSO_EDIVERGE (non-finite). */
int nso_hutchinson(const nso_linop *op, const nso_hutch_opts *opt, gsl_rng *r, nso_trace_est *out);

/* ---- Lanczos (lanczos.c) --------------------------------------------- */

/* Lanczos tridiagonalisation of every operator of op in lock-step, m steps
 * (at most n), full re-orthogonalisation (two Gram-Schmidt passes).  Start
 * vectors: Gaussian from r, operator 0 first.  Per operator b (stride m):
 * alpha[b*m + j] for j < len[b], beta[b*m + j] for j < len[b] - 1; len[b] < m
 * when an invariant subspace was found.  progress gets the step count. */
int nso_lanczos(const nso_linop *op, size_t m, gsl_rng *r, double *alpha, double *beta,
                size_t *len, const nso_hess_cb *progress);
/* The same for a single operator (nops == 1), also keeping the orthonormal
 * Krylov basis: basis (m x n, row-major, caller-allocated) receives
 * q_0 .. q_{len-1}; alpha[j] = q_j' A q_j as computed. */
int nso_lanczos_basis(const nso_linop *op, size_t m, gsl_rng *r, double *alpha, double *beta,
                      size_t *len, double *basis, const nso_hess_cb *progress);
/* Eigenvalues theta (ascending) of the m x m tridiagonal T(alpha, beta); with
 * w != NULL also the SLQ weights w_j = (first component of eigenvector j)^2,
 * which sum to 1.  Returns NSO_OK or NSO_EINVAL (LAPACK failed). */
int nso_tridiag_eig(size_t m, const double *alpha, const double *beta, double *theta, double *w);
/* The top ktop Ritz values of each operator after `iters` steps (clamped to
 * n): evals[b*ktop + t], descending; NaN where fewer steps were possible.
 * Needs 1 <= ktop <= iters. */
int nso_lanczos_top(const nso_linop *op, size_t iters, size_t ktop, gsl_rng *r, double *evals);
/* The same from given start vectors (start: nops x n, any nonzero scale).
 * In a lock-step batch, operator b's Ritz values then depend only on A_b and
 * start_b, not on which operators share the batch or where b sits in it
 * (nso_lanczos_top draws the start vectors in batch order, so there they
 * do), provided apply() computes every product independently of the others
 * (the matrix-sensing batch does up to floating-point summation order: see
 * tests/reliab).  NSO_EINVAL for a zero or non-finite start vector. */
int nso_lanczos_top_from(const nso_linop *op, size_t iters, size_t ktop, const double *start, double *evals);
/* Stochastic Lanczos quadrature: m steps from one Gaussian start vector per
 * operator; nodes (Ritz values, ascending) and weights of operator b at
 * [b*m, b*m + len[b]).  The density estimate is sum_j w_j delta(x - node_j). */
int nso_slq(const nso_linop *op, size_t m, gsl_rng *r, double *nodes, double *weights,
            size_t *len, const nso_hess_cb *progress);

/* ---- deflated trace (trace_deflated.c) ------------------------------- */

/* tr A = tr(Q' A Q) + tr(P A P), P = I - Q Q', Q the orthonormal basis of an
 * m-step Lanczos run from a Gaussian start (drawn from r first): the first
 * term is exact (the sum of the alpha_j = q_j' A q_j), the second is
 * Hutchinson's estimate (opt, probes drawn from r after the start vector) on
 * the projected operator.  Unbiased for every Q; when the top of the spectrum
 * dominates (a network's Hessian) the Krylov space captures it and the
 * variance falls by the deflated part's share of ||A||_F^2 (Hutch++, Meyer,
 * Musco, Musco & Woodruff 2021, with a Krylov sketch).  out->mean, se, ci95,
 * probes describe the total (the exact part adds no variance);
 * opt->group must be NULL (out->group_mean and group_se are set to NULL).  lambda1 (may be NULL): the top Ritz value of the
 * same run; top (may be NULL): tr(Q' A Q); kdef (may be NULL): the basis size
 * used (m clamped to n, or shorter at an invariant subspace).  lanczos_cb
 * gets the Lanczos step count, opt->progress the probe count.  Single
 * operator only.  Returns as nso_hutchinson. */
int nso_trace_deflated(const nso_linop *op, size_t m, const nso_hutch_opts *opt, gsl_rng *r,
                       nso_trace_est *out, double *lambda1, double *top, size_t *kdef,
                       const nso_hess_cb *lanczos_cb);

/* ---- power iteration (hessian.c) -------------------------------------- */

/* top |eigenvalue| (signed) of a single operator; stops once the Rayleigh
 * quotient changes by <= rel_tol relatively, or after max_iter products */
int nso_power_top(const nso_linop *op, size_t max_iter, double rel_tol, gsl_rng *r,
                  double *lambda);

#endif
