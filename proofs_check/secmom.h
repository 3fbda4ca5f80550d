/* secmom.h - exact second moments of momentum SGD / NSO on a quadratic
 * f = (c/2)||W||^2 (App. B.3, eq. 10 and eq. 48): with G_t = c W_t + xi_t
 * (the perturbations cancel exactly in the two-point average),
 *   W' = (1 - c eta) W + mu M - eta xi,   M' = -c eta W + mu M - eta xi,
 * so S = E[(W, M)(W, M)'] (summed over coordinates) evolves as
 *   S' = X S X' + eta^2 E||xi||^2 [1 1; 1 1],  X = [1 - c eta, mu; -c eta, mu].
 * E||grad F(W_t)||^2 = c^2 S_ww.  Also Lemma B.5's closed form (mu = 0). */
#ifndef SECMOM_H
#define SECMOM_H
#include <stddef.h>

typedef struct {
    double ww, wm, mm;
} sm_state;

void sm_step(sm_state *s, double c, double eta, double mu, double noise2);
/* Lemma B.5 closed form for mu = 0 after t steps with steps eta[0..t-1]:
 * c^2 |W0|^2 prod (1-c eta_j)^2 + K noise2 sum eta_i^2 prod_{j>i} (1-c eta_j)^2,
 * K = c^2 (the proof) or c (the statement) */
double sm_lemma_b5(const double *eta, size_t t, double c, double w0sq, double noise2, int k_is_c_squared);

#endif
