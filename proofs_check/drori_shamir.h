/* drori_shamir.h - the lower-bound constructions of Theorem 4.5 (after Drori &
 * Shamir 2020): the piecewise-quadratic h_i of eq. (8) (Lemma B.2) and g of
 * Lemma B.3 (eq. 45), as explicit piece tables, and expectations of such
 * piecewise polynomials under a truncated Gaussian perturbation, in closed
 * form (Gaussian moments on intervals) with a GSL-quadrature twin for checks.
 *
 *   h(x) = C a^2/4                      |x| <= a
 *        = -C(|x|-a)^2/2 + C a^2/4      a <= |x| <= 3a/2
 *        =  C(|x|-2a)^2/2               3a/2 <= |x| <= 2a
 *        = 0                            |x| >= 2a          (a = alpha_i)
 *   g(x) = -C x^2/2 + C a^2/4           |x| <= a/2
 *        =  C(|x|-a)^2/2                a/2 <= |x| <= a
 *        = 0                            |x| >= a
 * Truncation modes (noise.h): NSO_TRUNC_TWO_SIDED  U ~ N(0,s^2) | |U| <= t
 * (what the proof uses), NSO_TRUNC_ONE_SIDED  U = min(Z, t) (what the text
 * writes: an atom at t and the whole left tail), NSO_TRUNC_NONE. */
#ifndef DRORI_SHAMIR_H
#define DRORI_SHAMIR_H
#include "objective.h"
#include "optimizer.h"
#include <stddef.h>

typedef struct {
    double lo, hi;     /* interval of the argument y */
    double c0, c1, c2; /* psi(y) = c0 + c1 y + c2 y^2 on [lo, hi] */
} ds_piece;
#define DS_MAXPIECES 9

double ds_h(double x, double a, double C);
double ds_dh(double x, double a, double C);
double ds_g(double x, double a, double C);
double ds_dg(double x, double a, double C);
/* piece tables covering the real line; return the count */
size_t ds_h_pieces(double a, double C, ds_piece *out);
size_t ds_g_pieces(double a, double C, ds_piece *out);
/* derivative table of a piece table */
void ds_pieces_deriv(const ds_piece *in, size_t n, ds_piece *out);
double ds_pieces_eval(const ds_piece *p, size_t n, double y);

/* E[psi(x + U)] with U = N(0, s^2) truncated at t in `mode` (closed form) */
double ds_expect(const ds_piece *p, size_t n, double x, double s, double t, int mode);
/* the same by GSL adaptive quadrature (independent computation) */
double ds_expect_quad(const ds_piece *p, size_t n, double x, double s, double t, int mode);
/* E[U] under the truncation (0 for two-sided and none) */
double ds_trunc_mean(double s, double t, int mode);

/* ---- the hard instances behind the objective interface ---------------
 * For the engine (nso_opt_step) to run Algorithm 1 on them:
 *   DS_CHAIN_B2  f(W) = W_0^2/(2G) + sum_{i < dim-1} h_i(W_{i+1}), h_i with
 *                alpha_i = alpha[i]                               (eq. 8)
 *   DS_CHAIN_B3  f(W) = g(W_0) (alpha = alpha[0]) + sum_{i >= 1} (C/2) W_i^2
 *                                                                  (eq. 45)
 * The adversarial oracle (eqs. 40, 45): at step t the noise is s * noise on
 * e_{t+1} (none once t + 1 >= dim), s = ds_oracle_sign(sample) = +-1 with
 * probability 1/2 each, a function of the sample alone, so the points of one
 * sample (W + U_j and W - U_j with nso's pair-samples) see one sign. */
enum { DS_CHAIN_B2 = 0, DS_CHAIN_B3 = 1 };
typedef struct {
    size_t dim;
    int kind;
    double C, G;
    const double *alpha;
    double noise;
    unsigned long felt, evals; /* B.2: nonzero h_i' evaluations, all h_i' evaluations */
} ds_chain;
/* the objective over c (which it does not own; c must outlive it) */
nso_objective *ds_chain_objective(ds_chain *c);
double ds_oracle_sign(const nso_sample *s);

/* Algorithm 1 for these instances through the engine: registry "nso" with the
 * perturbation N(0, sigma^2) truncated at `level` on every coordinate
 * (two-sided, or one-sided with mode NSO_TRUNC_ONE_SIDED), k pairs, each pair
 * on its own oracle sample (pair-samples).  NULL with the engine's reason in
 * msg when a value is out of its range. */
nso_optimizer *ds_engine(size_t dim, double sigma, long k, double level, int mode, char *msg, size_t len);
/* the averaged oracle noise of step t of such a run: (1/k) sum_j s_j noise
 * (pair j on slot j + 1) */
double ds_xi_bar(const nso_optimizer *o, uint64_t t, long k, double noise);

#endif
