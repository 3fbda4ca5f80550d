/* gap_est.h - one Monte Carlo draw of the Taylor gap F(W) - f(W) of Prop. 2.1
 * (paper eq. 1) for a perturbation U:
 *   one-point  f(W+U) - f(W)                    (the paper's Table 2 protocol)
 *   two-point  (f(W+U) + f(W-U))/2 - f(W)       (antithetic; cancels the odd
 *                                               Taylor terms draw by draw)
 * For a symmetric law P both have the same expectation (U and -U have the same
 * law); the one-point draw carries the first-order term grad f(W).U, whose
 * variance sigma^2 ||grad f(W)||^2 is what makes it noisy away from a
 * stationary point.  Used by proofs_check/taylor_gap.c and its tests.
 *
 * Not an algorithm file: the estimators are the definition of the gap. */
#ifndef PC_GAP_EST_H
#define PC_GAP_EST_H
#include "objective.h"
#include <stddef.h>

/* f(W+U) - f0; wp: dim scratch */
static inline double pc_gap_one_point(const nso_objective *f, const double *w, const double *u, double f0,
                                      double *wp)
{
    for (size_t i = 0; i < f->dim; i++) wp[i] = w[i] + u[i];
    return f->value(f->ctx, wp) - f0;
}

/* (f(W+U) + f(W-U))/2 - f0; wp, wm: dim scratch */
static inline double pc_gap_two_point(const nso_objective *f, const double *w, const double *u, double f0,
                                      double *wp, double *wm)
{
    for (size_t i = 0; i < f->dim; i++) wp[i] = w[i] + u[i], wm[i] = w[i] - u[i];
    return 0.5 * (f->value(f->ctx, wp) + f->value(f->ctx, wm)) - f0;
}

#endif
