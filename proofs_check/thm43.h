/* thm43.h - the Monte Carlo of Theorem 4.3: many independent runs of
 * Algorithm 1 through the engine (registry optimizer "nso", nso_opt_step) on a
 * registry problem with a closed-form grad F, behind the additive Gaussian
 * oracle nso_obj_additive_noise with one oracle sample per +-U pair
 * (pair-samples: z_j shared by W+U_j and W-U_j, independent across pairs, so
 * E||xi||^2 = sigma_g^2 / k as in the proof of Lemma 4.4).
 * Output per run: the time average over t = 0..T-1 of ||grad F(W_t)||^2 (the
 * expectation over Lemma B.1's random iterate, constant eta: uniform t) and
 * ||grad F(W_t)||^2 at one random t drawn first from the run's stream. */
#ifndef THM43_H
#define THM43_H
#include "noise.h"
#include "objective.h"
#include "optimizer.h"
#include <stdint.h>

typedef struct {
    const nso_objective *f;      /* the exact objective (its smoothed_grad gives grad F) */
    const nso_objective *oracle; /* the same problem behind the additive oracle */
    const nso_noise_law *law;    /* perturbation law P */
    double sigma, eta;           /* perturbation std, constant step */
    long k, T;
} t43_cfg;

/* Runs r0..r0+R-1: run r draws its random iterate and its perturbations from
 * nso_rng_indexed(seed, name, r) and its oracle samples from the stream
 * nso_stream_id(seed, "<name>/oracle", r).  Dies (one line) on divergence. */
void t43_run(const t43_cfg *c, const double *W0, uint64_t seed, const char *name, long r0, long R,
             double *avg, double *at_random);

/* The registry NSO's parameters for these runs: sigma, the law's index in
 * nso_noise_laws, k pairs per step, one oracle sample per +-U pair (also used
 * by b1run.c, Lemma B.1 on the same instance). */
void t43_nso_params(const nso_noise_law *law, double sigma, long k, nso_param_set *ps);

#endif
