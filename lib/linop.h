/* linop.h - the one symmetric linear-operator type of the Hessian toolkit
 * (hessian.h).  Not an algorithm file: no paper equation lives here.
 *
 * An operator is either ONE symmetric n x n matrix A (nops = 1), or a batch of
 * nops independent ones A_0 .. A_{nops-1} of the same size that the caller can
 * apply together in one call (lock-step; matrix sensing evaluates the Hessians
 * of several runs in one pass over its measurements).  Rows of v and out are
 * vectors of length n, stored row-major:
 *
 *   nops == 1:  apply(ctx, nv, v, out) gives out_j = A v_j for j < nv, with
 *               1 <= nv <= block (block > 1: several products share one pass,
 *               as a network's forward/backward; nv = 1 must work always);
 *   nops  > 1:  apply is always called with nv == nops, out_b = A_b v_b.
 *
 * Optional (NULL when absent), nops == 1: quad(ctx, nv, v, q) gives the
 * quadratic forms q_j = v_j' A v_j for 1 <= nv <= block, for an operator that
 * has them cheaper than A v (a network: second-order forward mode, no
 * backward pass).  Hutchinson's estimator uses it when no per-group split is
 * asked for.
 *
 * Who provides one: nso_hess_linop (the Hessian of an objective at a point),
 * nso_dense_linop (explicit matrices, hessian.h), nso_sensing_hess_linop
 * (sensing.h, a batch), nn_model_op_linop (a network over an evaluation set,
 * nn/hess.h). */
#ifndef NSO_LINOP_H
#define NSO_LINOP_H
#include <stddef.h>

typedef void nso_linop_apply(void *ctx, size_t nv, const double *v, double *out);
typedef void nso_linop_quad(void *ctx, size_t nv, const double *v, double *q);

typedef struct {
    size_t n;               /* dimension of each operator */
    size_t nops;            /* 1, or the number of operators applied in lock-step */
    size_t block;           /* nops == 1: most vectors one apply() accepts (>= 1) */
    nso_linop_apply *apply;
    void *ctx;
    nso_linop_quad *quad;   /* optional: v' A v without A v (see above) */
} nso_linop;

#endif
