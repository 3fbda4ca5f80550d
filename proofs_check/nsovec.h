/* nsovec.h - many independent runs of Algorithm 1 (NSO) on the separable
 * cosine test function of Theorem 4.3 (testfuncs.h), advanced together.
 *
 * One step of run r (line 1-6 of Algorithm 1, k perturbations):
 *   for j < k: U_j = sigma_p * P (d draws), z_j ~ N(0, sigma_g^2/d I) (d draws),
 *              G_j = g(W+U_j) + g(W-U_j), g(V) = grad f(V) + z_j  (one oracle
 *              seed per pair: the same minibatch for W+U and W-U, as in the
 *              authors' code), so E||xi||^2 = sigma_g^2 / k (Lemma 4.4, equality)
 *   W <- W - eta/(2k) sum_j G_j.
 * Per coordinate, f'(w+u) + f'(w-u) = 2 lam w + 2 beta omega sin(omega w) cos(omega u)
 * (exact identity; the tests compare with a literal implementation).
 * Output per run: the time average over t = 0..T-1 of ||grad F(W_t)||^2 (the
 * expectation over Lemma B.1's random iterate, constant eta: uniform t) and
 * ||grad F(W_t)||^2 at one random t drawn first from the run's stream. */
#ifndef NSOVEC_H
#define NSOVEC_H
#include "noise.h"
#include "testfuncs.h"
#include <stdint.h>

typedef struct {
    const tf_sepcos *f;
    const nso_noise_law *law;
    double sigma_p, sigma_g, eta;
    long k, T;
} nv_cfg;

/* runs r0..r0+R-1 use streams nso_rng_indexed(seed, name, r) */
void nv_run(const nv_cfg *c, const double *W0, uint64_t seed, const char *name, long r0, long R, double *avg,
            double *at_random);
/* one step of one run with the rng r (the kernel; exported for the tests) */
void nv_step(const nv_cfg *c, double *W, double *g, double *u, double *z, const gsl_rng *r);

#endif
