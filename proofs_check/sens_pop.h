/* sens_pop.h - the matrix-sensing Hessian of lib/sensing.h as explicit
 * matrices, empirical (over the n training measurements) and population (the
 * expectation over the measurement A = (G + G^T)/2, G ~ N(0,1)^{d x d}), for
 * Lemma A.5's uniform-convergence check (proofs_check/lemma_a5.c).
 *
 * Loss L_n(U) = (1/4n) sum_i r_i^2, r_i = <A_i, U U'> - y_i, y_i = <A_i, X*>:
 *   H_n[V] = (1/n) sum_i [2 <A_i U, V> A_i U + r_i A_i V]
 * With E[A_ab A_ce] = (delta_ac delta_be + delta_ae delta_bc)/2, E[A^2] = (d+1)/2 I
 * and E[<A, Delta> A] = Delta (Delta = U U' - X*, symmetric):
 *   H[V]  = V U'U + U V' U + Delta V
 *   tr H  = (d+1) ||U||_F^2 + d tr Delta = (2d+1) ||U||_F^2 - d tr X*
 * Matrices act on vec(V) with index (a, j) -> a d + j (row-major U, V). */
#ifndef PC_SENS_POP_H
#define PC_SENS_POP_H
#include "sensing.h"

/* population trace at U (d x d) */
double sp_pop_trace(const nso_sensing *s, const double *U);
/* population Hessian at U into H (d^2 x d^2, row-major) */
void sp_pop_hessian(const nso_sensing *s, const double *U, double *H);
/* empirical Hessian at U into H (d^2 x d^2), given the n training residuals
 * res (nso_sensing_residuals); one pass over the measurements */
void sp_emp_hessian(const nso_sensing *s, const double *U, const double *res, double *H);

#endif
