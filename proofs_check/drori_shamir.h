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

#endif
