/* hess.h - Hessian measurements on a symmetric linear operator (double):
 * Hutchinson trace with per-group (per-layer) partial traces, a confidence
 * interval and PyHessian's stopping rule; Lanczos with full
 * re-orthogonalisation, giving top-k Ritz values and stochastic Lanczos
 * quadrature (SLQ) nodes/weights for the spectral density (Ghorbani et al.
 * 2019; Ubaru et al. 2017).  Paper Sec. 2.2 / Table 3 measure tr and lambda_1.
 *
 * nn_model_op wraps a float model over a fixed evaluation set as such an
 * operator: the full-set average Hessian (sum over chunks weighted by chunk
 * size), restricted to a chosen set of parameter tensors. */
#ifndef NN_HESS_H
#define NN_HESS_H
#include "dataset.h"
#include "nn.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>

#define NN_HESS_BLOCK 8 /* probes per shared forward/backward pass */

typedef struct {
    size_t n;
    void (*apply)(void *ctx, const double *v, double *out);
    void *ctx;
    /* optional: nv <= NN_HESS_BLOCK products at once (v, out: nv x n) */
    void (*apply_multi)(void *ctx, int nv, const double *v, double *out);
} nn_linop;

typedef struct {
    double mean, se, ci95; /* estimate, standard error, 95% half-width (1.96 se) */
    size_t probes;
    int ngroups;
    double *group_mean, *group_se; /* per-group partial traces (caller-sized ngroups) */
} nn_trace_result;

/* Hutchinson with Rademacher probes: tr A ~ mean_j v_j^T A v_j.  group[i] in
 * [0, ngroups) assigns coordinate i to a group (NULL: one group); the group's
 * estimate is mean_j sum_{i in g} v_ji (A v_j)_i, unbiased for the group's
 * diagonal block trace.  Stops after max_probes, or once min_probes are in and
 * the running mean changed by less than rel_tol relatively (PyHessian rule).
 * With op->apply_multi, probes are applied in blocks of NN_HESS_BLOCK (same
 * probe sequence and result; a block may compute a few probes past the stop).
 * `progress` (may be NULL) is called after every probe. */
int nn_hutchinson(const nn_linop *op, const int *group, size_t min_probes, size_t max_probes,
                  double rel_tol, gsl_rng *r, nn_trace_result *res,
                  void (*progress)(void *, size_t), void *pctx);

/* Lanczos tridiagonalisation, m steps from a Gaussian start vector, full
 * re-orthogonalisation (two Gram-Schmidt passes).  alpha[m], beta[m-1].
 * Returns the number of steps done (smaller if an invariant subspace was hit). */
size_t nn_lanczos(const nn_linop *op, size_t m, gsl_rng *r, double *alpha, double *beta,
                  void (*progress)(void *, size_t), void *pctx);
/* Ritz values (ascending) and SLQ weights (squared first components of the
 * eigenvectors of T) of the m x m tridiagonal T.  Returns 0 on success. */
int nn_tridiag_eig(size_t m, const double *alpha, const double *beta, double *theta, double *w);

/* ---- the model as an operator over an evaluation set ----------------- */
typedef struct {
    nn_model_f32 *m;
    const nn_dataset *d;
    const int *idx;        /* evaluation examples */
    int n;                 /* number of them */
    int chunk;             /* batch size of one HVP pass (<= m->maxB) */
    size_t nsel;           /* selected coordinates */
    size_t *sel;           /* their parameter indices */
    int *group;            /* per selected coordinate: layer index */
    float *v32, *hv32, *x;
    float *vb32[NN_HESS_BLOCK], *hvb32[NN_HESS_BLOCK]; /* block buffers (lazy) */
    uint8_t *y;
    double *acc;
    long hvps;             /* HVP passes done (chunks) */
} nn_model_op;

/* `params`: NULL or "all" for every parameter, else a comma-separated list of
 * name prefixes ("layer1,fc", "fc2.weight").  Fails (returns nonzero, msg)
 * when a prefix matches nothing. */
int nn_model_op_init(nn_model_op *mo, nn_model_f32 *m, const nn_dataset *d, const int *idx,
                     int n, int chunk, const char *params, char *msg, size_t len);
void nn_model_op_free(nn_model_op *mo);
nn_linop nn_model_op_linop(nn_model_op *mo);
/* mean loss and accuracy over the evaluation set (eval-mode batch norm) */
double nn_model_op_loss(nn_model_op *mo, double *acc);

#endif
