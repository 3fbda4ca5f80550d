/* b1run.h - Lemma B.1 with any step sizes: one run of Algorithm 1 through the
 * engine, with the lemma's random iterate and the two sides of eq. (29)
 * estimated from the iterates alone (proofs_check/lemma_b1.c).
 *
 * For steps eta_0..eta_{T-1} and W_{i+1} the engine's step from W_i:
 *   lhs = sum_i eta_i ||grad F(W_i)||^2 / sum eta      E over Lemma B.1's t, exact
 *   s_i = ||(W_i - W_{i+1})/eta_i - grad F(W_i)||^2    = ||delta_i + xi_i||^2
 *   rhs = (2 D^2 + C sum_i eta_i^2 s_i) / sum eta      unbiased for (29) with the
 *                                                      derived 2 D^2 (E||delta + xi||^2 =
 *                                                      E||delta||^2 + E||xi||^2)
 * and ||grad F(W_t)||^2 at one t drawn by the rule (nso_random_iterate) first
 * from the run's stream. */
#ifndef PC_B1RUN_H
#define PC_B1RUN_H
#include "noise.h"
#include "objective.h"
#include "schedule.h"
#include <stdint.h>

typedef struct {
    const nso_objective *f;      /* exact objective: its smoothed_grad gives grad F */
    const nso_objective *oracle; /* the same problem behind the stochastic oracle */
    const nso_noise_law *law;    /* perturbation law P */
    double sigma, C, D2;         /* perturbation std, gradient-Lipschitz constant, F(W_0) - min F */
    long k;                      /* perturbation pairs per step (one oracle sample per pair) */
    const double *w0;
} b1_cfg;

typedef struct {
    double lhs, rhs, sampled, mean_s, sum_eta;
    size_t t; /* the sampled iterate */
} b1_res;

/* The schedules of lemma_b1.c for horizon T (buf: T entries for the list, 2 milestones):
 *   B1_SQRT        eta_t = e0 / sqrt(t+1)                (an explicit list)
 *   B1_MILESTONES  e0 x 0.1 at floor(T/3) and floor(2T/3)
 *   B1_STEP        e0 x 0.5 every max(1, T/5) steps
 *   B1_CONSTANT    e0 */
enum { B1_SQRT, B1_MILESTONES, B1_STEP, B1_CONSTANT, B1_NSCHED };
extern const char *const b1_sched_names[B1_NSCHED];
void b1_schedule(int kind, double e0, long T, double *buf, nso_schedule *out);

/* run rr of a cell: streams nso_rng_indexed(seed, name, rr) and the oracle's
 * nso_stream_id(seed, "<name>/oracle", rr).  Dies (one line) on divergence. */
b1_res b1_run(const b1_cfg *c, const nso_schedule *sch, long T, uint64_t seed, const char *name, long rr);

/* chi-square p-value of n sampled t against Pr[t] = eta_t / sum eta, over
 * consecutive groups of t with eta-mass >= 1/10 (a last group below 1/20 joins
 * the one before) */
double b1_rule_pvalue(const nso_schedule *sch, long T, const size_t *ts, long n);

#endif
