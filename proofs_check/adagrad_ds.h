/* adagrad_ds.h - an adaptive step size (AdaGrad-norm) on Theorem 4.5's
 * construction of Lemma B.2 (eq. 8), with the widths alpha_t set from the steps
 * as the remark after Theorem 4.5 describes (proofs_check/lower_adaptive.c).
 *
 * The rule, a function of the past iterates only:
 *   eta_t = min(1/C, eta0 / sqrt(b0^2 + sum_{s<t} ||g_s||^2)),  b0^2 = sigma_g^2/k,
 *   g_s = (W_s - W_{s+1}) / eta_s  (Algorithm 1's own update direction).
 * The construction: W_0 = D sqrt(G) e_0, the adversarial oracle +-sigma_g/sqrt(k)
 * on e_{t+1} per pair (eq. 40), alpha_t = 2 eta_t sigma_g/sqrt(k) (eq. 41) written
 * into the instance at step t, when eta_t is known (before step t coordinate t+1
 * is 0 and |U| <= alpha_t/2, so h_t was flat wherever it was evaluated: the run
 * is a run on the function with the final widths).  What must be fixed before
 * the run comes from bounds that hold in every realisation (odd k: |xi_bar| >=
 * sigma_g / k^{3/2}):
 *   eta_t <= ebar_t = min(1/C, eta0 / sqrt(b0^2 + t sigma_g^2/k^3)),
 *   G = max(1/C, 2 sum ebar_t) >= 2 sum eta_t (the proof's G, eq. 44),
 *   eta0 with sum ebar_t^2 = k D^2/(2 C sigma_g^2) (eq. 43: F(W_0) - min F <= D^2),
 *   one truncation level for every coordinate (as lower_bound.c) <= min_t alpha_t/2:
 *   eta0 sigma_g / (sqrt(k) sqrt(b0^2 + T gmax^2)), gmax^2 = D^2/G + sigma_g^2/k. */
#ifndef PC_ADAGRAD_DS_H
#define PC_ADAGRAD_DS_H
#include <stdint.h>

typedef struct {
    double C, D, sigma_g, sigma; /* sigma_g: oracle noise; sigma: perturbation std before truncation */
    long k, T, reps;
} ad_cfg;

typedef struct {
    double *gf2;      /* sum over runs of ||grad F(W_t)||^2, t = 0..T (caller frees) */
    double *eta_sum;  /* sum over runs of eta_t, t < T (caller frees) */
    double sum_eta_mean, sum_eta_max, sum_eta2_max; /* over runs */
    double gap_max;   /* max over runs of (F(W_0) - min F) / D^2 */
    double max_dev42; /* max |W_t - eq. (42)| / |W_0| */
    double felt;      /* nonzero h_i' evaluations */
    double G, eta0, level, sbar;
} ad_res;

/* the deterministic bounds ebar_t for eta0: returns sum ebar_t, *s2 = sum ebar_t^2 */
double ad_ebar_sums(const ad_cfg *c, double eta0, double *s2);
/* eta0 with sum ebar_t^2 = k D^2/(2 C sigma_g^2) (bisection; 1e6 if every capped step fits) */
double ad_solve_eta0(const ad_cfg *c);
/* c->reps runs of Algorithm 1 (the engine) with the adaptive rule on the
 * construction; run rep uses nso_rng_indexed(seed, "lower_adaptive/<name>", rep)
 * and the oracle stream nso_stream_id(seed, "lower_adaptive/<name>/oracle", rep).
 * Dies (one line) when the engine refuses the truncation. */
void ad_run(const ad_cfg *c, uint64_t seed, const char *name, ad_res *o);

#endif
