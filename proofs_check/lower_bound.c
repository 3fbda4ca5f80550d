/* lower_bound.c - Theorem 4.5 (eq. 9): the Drori-Shamir lower bound for NSO,
 * @paper thm:4.5
 * Notation: sigma_g is the oracle noise (the theorem's sigma, --sigma-g),
 * sigma the weight-perturbation std (--sigma).
 *
 * Lemma B.2 (small step sizes, sum eta_i <= sqrt(D^2 k T / (2 sigma_g^2 C))):
 *   f(W) = <W,e_0>^2/(2G) + sum_{i<T} h_i(<W,e_{i+1}>)            (eq. 8)
 *   alpha_i = 2 eta_i sigma_g / sqrt(k) (eq. 41), G = max{1/C, 2 sum eta_i},
 *   W_0 = D sqrt(G) e_0, perturbation N(0, sigma^2) truncated at
 *   |U_{i+1}| <= eta_i sigma_g / sqrt(k) = alpha_i / 2 (the engine's one level
 *   for every coordinate: the smallest, see b2_run), adversarial oracle: at
 *   step i the noise is +-sigma_g/sqrt(k) on e_{i+1} (eq. 40), the same for
 *   g(W+U_j) and g(W-U_j) (one sample per pair, nso's pair-samples).
 *   Checked: grad h_i is C-Lipschitz, F(W_0) - min F <= D^2, the iterates
 *   follow eq. (42), and min_t E||grad F(W_t)||^2 >= D sqrt(C sigma_g^2/(32 k T)).
 * Lemma B.3 (fixed eta >= sqrt(D^2 k / (2 sigma_g^2 C T))): the chain eq. (45)
 *   f(W) = g(<W,e_0>) + sum_{t<d} (C/2)<W,e_{t+1}>^2, W_0 = sum_i sqrt(D^2/(Cd)) e_i,
 *   oracle noise +-sigma_g on e_{t+1} at step t (c = 1), averaged over k.
 * Every NSO step is the engine's (registry optimizer "nso", nso_opt_step) on
 * the instance objectives of drori_shamir.h, with the perturbation's
 * trunc / one-sided parameters.
 * grad F needs E h_i'(x + U) under the truncated Gaussian: closed form
 * (drori_shamir.c), spot-checked against GSL quadrature here and in the tests.
 * Truncation erratum: the text writes min(U_i, a_i); the proof needs
 * |U_i| <= a_i. Both are simulated. Requires d >= T + 1 (e_0..e_T). */
#include "cli.h"
#include "drori_shamir.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "pc_util.h"
#include "progress.h"
#include "rng.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double C, D, sigma_g, sigma; /* sigma_g: oracle noise; sigma: perturbation std */
    long k, T, d;
    int mode;          /* truncation */
    const double *eta; /* T step sizes */
    long reps;
    const char *name;
} b2_cfg;

typedef struct {
    double *gf2, *gf2_sq; /* sum over reps of ||grad F(W_t)||^2, t = 0..T */
    double max_dev42;     /* max |W_t - eq. (42)| / scale */
    double felt;          /* fraction of h_i' evaluations that were nonzero */
    double init_gap;      /* F(W_0) - min F */
    double G, qcheck;     /* max |closed form - quadrature| at spot checks */
} b2_res;

/* Algorithm 1 through the engine (drori_shamir.h: ds_engine) */
static nso_optimizer *nso_engine(size_t dim, double sigma, long k, double level, int mode)
{
    char msg[256];
    nso_optimizer *o = ds_engine(dim, sigma, k, level, mode, msg, sizeof msg);
    if (!o) nso_die("--sigma/--sigma-g/--C: the truncated perturbation is out of the engine's range: %s", msg);
    return o;
}

#define xi_bar ds_xi_bar

static void b2_run(const b2_cfg *c, uint64_t seed, b2_res *res)
{
    long T = c->T;
    double sk = sqrt((double)c->k), S = 0;
    for (long i = 0; i < T; i++) S += c->eta[i];
    double G = fmax(1.0 / c->C, 2.0 * S);
    res->G = G;
    /* The construction truncates coordinate i+1 at eta_i sigma_g / sqrt(k) =
     * alpha_i/2; the engine's perturbation has one level for every coordinate,
     * so we use the smallest, min_i alpha_i/2: still |U_{i+1}| <= alpha_i/2
     * (Sec. 4: "at most"), h_i is flat on |x| <= alpha_i, and coordinate 0
     * (a quadratic) cancels exactly in the two-point average, so every
     * quantity of Lemma B.2 is unchanged (equal levels for constant steps). */
    double *alpha = nso_xmalloc((size_t)(T + 1) * sizeof(double)), level = INFINITY;
    for (long i = 0; i < T; i++) alpha[i] = 2 * c->eta[i] * c->sigma_g / sk, level = fmin(level, alpha[i] / 2);
    double *W = nso_xmalloc((size_t)(T + 1) * sizeof(double)), *xib = nso_xmalloc((size_t)T * sizeof(double));
    res->gf2 = nso_xcalloc((size_t)T + 1, sizeof(double));
    res->gf2_sq = nso_xcalloc((size_t)T + 1, sizeof(double));
    res->max_dev42 = 0;
    res->qcheck = 0;
    /* init gap: D^2/2 + sum_i E h_i(U_{i+1}) - min (min F - sigma^2/(2G) = 0) */
    double ig = 0.5 * c->D * c->D;
    ds_piece hp[DS_MAXPIECES], dhp[DS_MAXPIECES];
    for (long i = 0; i < T; i++) {
        size_t n = ds_h_pieces(alpha[i], c->C, hp);
        ig += ds_expect(hp, n, 0.0, c->sigma, level, c->mode);
    }
    res->init_gap = ig;
    ds_chain ch = {(size_t)T + 1, DS_CHAIN_B2, c->C, G, alpha, c->sigma_g / sk, 0, 0};
    nso_objective *obj = ds_chain_objective(&ch);
    double W00 = c->D * sqrt(G), scale = fmax(W00, 2 * c->eta[0] * c->sigma_g / sk);
    for (long rep = 0; rep < c->reps; rep++) {
        gsl_rng *r = nso_rng_indexed(seed, pc_fmt("lower/b2/%s", c->name), (uint64_t)rep);
        nso_optimizer *opt = nso_engine((size_t)T + 1, c->sigma, c->k, level, c->mode);
        opt->sample_seed = nso_stream_id(seed, pc_fmt("lower/b2/%s/oracle", c->name), (uint64_t)rep);
        memset(W, 0, (size_t)(T + 1) * sizeof(double));
        W[0] = W00;
        double prod = 1.0;
        for (long t = 0; t <= T; t++) {
            /* grad F(W_t) */
            double nrm = W[0] / G * (W[0] / G);
            for (long i = 0; i < T; i++) {
                double x = W[i + 1], v;
                if (c->mode == NSO_TRUNC_TWO_SIDED && fabs(x) + level <= alpha[i]) continue; /* h' = 0 there */
                size_t n = ds_h_pieces(alpha[i], c->C, hp);
                ds_pieces_deriv(hp, n, dhp);
                v = ds_expect(dhp, n, x, c->sigma, level, c->mode);
                if (rep == 0 && t == T / 2 && i < 3) {
                    double q = ds_expect_quad(dhp, n, x, c->sigma, level, c->mode);
                    if (fabs(q - v) > res->qcheck) res->qcheck = fabs(q - v);
                }
                nrm += v * v;
            }
            res->gf2[t] += nrm;
            res->gf2_sq[t] += nrm * nrm;
            if (t == T) break;
            /* one step of Algorithm 1 (the engine) with the adversarial oracle */
            if (nso_opt_step(opt, obj, W, c->eta[t], r) != NSO_OK) pc_check_finite(NAN, "the Lemma B.2 iterates");
            xib[t] = xi_bar(opt, (uint64_t)t, c->k, ch.noise);
            /* eq. (42): W_{t+1} = W_0 prod (1 - eta_i/G) - sum_{i<=t} eta_i xi_i */
            prod *= 1.0 - c->eta[t] / G;
            double dev = fabs(W[0] - W00 * prod);
            for (long i = 0; i < T; i++) {
                double e42 = i <= t ? -c->eta[i] * xib[i] : 0.0;
                if (fabs(W[i + 1] - e42) > dev) dev = fabs(W[i + 1] - e42);
            }
            if (dev / scale > res->max_dev42) res->max_dev42 = dev / scale;
        }
        nso_optimizer_free(opt);
        gsl_rng_free(r);
    }
    res->felt = ch.evals > 0 ? (double)ch.felt / (double)ch.evals : 0;
    nso_obj_free(obj);
    free(alpha), free(W), free(xib);
}

/* max over a dense grid of |psi'(x) - psi'(y)| / |x - y| / C, for h (which=0) or g */
static double lipschitz_ratio(double alpha, double C, int which)
{
    double worst = 0, lo = -3 * alpha, hi = 3 * alpha;
    size_t n = 20001;
    double prev = which ? ds_dg(lo, alpha, C) : ds_dh(lo, alpha, C), px = lo;
    for (size_t i = 1; i < n; i++) {
        double x = lo + (hi - lo) * (double)i / (double)(n - 1);
        double v = which ? ds_dg(x, alpha, C) : ds_dh(x, alpha, C);
        double q = fabs(v - prev) / (x - px) / C;
        if (q > worst) worst = q;
        prev = v, px = x;
    }
    return worst;
}

/* Lemma B.3 chain (eq. 45) with fixed eta; MC mean of ||grad F(W_t)||^2 and the
 * exact value; returns min_t of both (t = 1..T) and the eq. (47) check */
typedef struct {
    double mc_min, mc_min_se, exact_min, init_gap, dev_correct, dev_printed, max_z;
} b3_res;

static b3_res b3_run(double C, double D, double sigma_g, double sigma, long k, long T, double eta, long reps,
                     int mode, uint64_t seed, const char *name)
{
    long d = T; /* quadratic coordinates 1..d; noise reaches coordinates 1..T */
    double rho = C * eta, sk = (double)k;
    double alpha = (1 - pow(rho, (double)T)) / (1 - rho) * 2 * eta * sigma_g; /* c = 1 */
    /* the construction truncates coordinate 0 at eta sigma_g; the engine's one
     * level also truncates 1..d, quadratics whose perturbation cancels exactly
     * in the two-point average, so the dynamics are unchanged */
    double a0 = eta * sigma_g;
    ds_piece gp[DS_MAXPIECES], dgp[DS_MAXPIECES];
    size_t ng = ds_g_pieces(alpha, C, gp);
    ds_pieces_deriv(gp, ng, dgp);
    b3_res o = {0};
    o.init_gap = 0.5 * D * D + ds_expect(gp, ng, 0.0, sigma, a0, mode);
    double *W = nso_xmalloc((size_t)(d + 1) * sizeof(double)), *xib = nso_xmalloc((size_t)T * sizeof(double));
    double *s1 = nso_xcalloc((size_t)T + 1, sizeof(double)), *s2 = nso_xcalloc((size_t)T + 1, sizeof(double));
    ds_chain ch = {(size_t)d + 1, DS_CHAIN_B3, C, 0, &alpha, sigma_g, 0, 0};
    nso_objective *obj = ds_chain_objective(&ch);
    double w0 = sqrt(D * D / (C * (double)d)), ta1 = 0, ta2 = 0;
    for (long rep = 0; rep < reps; rep++) {
        double tavg = 0; /* time average over t = 1..T of ||grad F(W_t)||^2 in this run */
        gsl_rng *r = nso_rng_indexed(seed, pc_fmt("lower/b3/%s", name), (uint64_t)rep);
        nso_optimizer *opt = nso_engine((size_t)d + 1, sigma, k, a0, mode);
        opt->sample_seed = nso_stream_id(seed, pc_fmt("lower/b3/%s/oracle", name), (uint64_t)rep);
        W[0] = 0;
        for (long i = 1; i <= d; i++) W[i] = w0;
        for (long t = 0; t <= T; t++) {
            double e0 = ds_expect(dgp, ng, W[0], sigma, a0, mode), nrm = e0 * e0;
            for (long i = 1; i <= d; i++) nrm += C * C * W[i] * W[i];
            s1[t] += nrm, s2[t] += nrm * nrm;
            if (t > 0) tavg += nrm / (double)T;
            if (rep == 0 && t > 0) { /* eq. (47): correct exponent t-1-i vs the printed one */
                double dc = 0, dp = 0;
                for (long i = 0; i < t; i++) {
                    double base = pow(1 - rho, (double)t) * w0;
                    double wc = base - pow(1 - rho, (double)(t - 1 - i)) * eta * xib[i];
                    double wp = base - pow(1 - rho, (double)(t - 2 - i)) * eta * xib[i];
                    dc = fmax(dc, fabs(W[i + 1] - wc)), dp = fmax(dp, fabs(W[i + 1] - wp));
                }
                o.dev_correct = fmax(o.dev_correct, dc / w0), o.dev_printed = fmax(o.dev_printed, dp / w0);
            }
            if (t == T) break;
            /* one step of Algorithm 1 (the engine); the oracle adds +-sigma_g on e_{t+1} per pair */
            if (nso_opt_step(opt, obj, W, eta, r) != NSO_OK) pc_check_finite(NAN, "the Lemma B.3 iterates");
            xib[t] = xi_bar(opt, (uint64_t)t, k, sigma_g);
        }
        ta1 += tavg, ta2 += tavg * tavg;
        nso_optimizer_free(opt);
        gsl_rng_free(r);
    }
    /* min_t of the exact E||grad F(W_t)||^2; the MC means are checked against it
     * pointwise (a min over t of noisy means would be biased low) */
    o.mc_min = INFINITY, o.exact_min = INFINITY, o.max_z = 0;
    double exavg = 0;
    for (long t = 1; t <= T; t++) {
        pc_ci ci = pc_ci_sums(s1[t], s2[t], (size_t)reps);
        double ex = C * D * D * pow(1 - rho, 2.0 * (double)t);
        for (long i = 0; i < t; i++) ex += C * C * eta * eta * sigma_g * sigma_g / sk * pow(1 - rho, 2.0 * (double)(t - 1 - i));
        if (ex < o.exact_min) o.exact_min = ex, o.mc_min = ci.mean, o.mc_min_se = ci.se;
        exavg += ex / (double)T;
    }
    /* MC check on the time average (one number per run, so the interval is honest) */
    pc_ci ta = pc_ci_sums(ta1, ta2, (size_t)reps);
    o.max_z = fabs(ta.mean - exavg) / fmax(ta.se, 1e-14 * exavg);
    nso_obj_free(obj);
    free(W), free(xib), free(s1), free(s2);
    return o;
}

int main(int argc, char **argv)
{
    pc_ctx c = {.seed = 20240601, .profile = "quick", .out = "out/quick/proofs", .ledger = "out/quick/claims.tsv"};
    double C = 1.0, D = 1.0, sigma_g = 1.0, sigma = 1.0;
    long Tmax = 0, dflag = 0, reps = 0;
    nso_arg_spec specs[] = {
        {"seed", NSO_ARG_U64, &c.seed, 0, 1.8e19, "random seed"},
        {"profile", NSO_ARG_STRING, &c.profile, 0, 0, "quick or full"},
        {"out", NSO_ARG_STRING, &c.out, 0, 0, "output directory"},
        {"ledger", NSO_ARG_STRING, &c.ledger, 0, 0, "claims ledger (TSV)"},
        {"C", NSO_ARG_DOUBLE, &C, 1e-6, 1e6, "gradient-Lipschitz constant C"},
        {"D", NSO_ARG_DOUBLE, &D, 1e-6, 1e6, "initial gap bound D"},
        {"sigma-g", NSO_ARG_DOUBLE, &sigma_g, 1e-9, 1e6, "oracle noise level sigma_g (the theorem's sigma)"},
        {"sigma", NSO_ARG_DOUBLE, &sigma, 1e-9, 10, "weight-perturbation std before truncation"},
        {"T", NSO_ARG_INT, &Tmax, 0, 1e6, "largest T simulated (0 = profile default)"},
        {"d", NSO_ARG_INT, &dflag, 0, 1e7, "dimension (0 = T + 1); must be >= T + 1"},
        {"reps", NSO_ARG_INT, &reps, 0, 1e7, "Monte Carlo repetitions (0 = profile default)"},
    };
    size_t ns = sizeof specs / sizeof specs[0];
    nso_cli_parse(argc, argv, specs, ns, "proofs_lower_bound: Theorem 4.5 constructions (Lemmas B.2, B.3)");
    pc_setup(&c, argc, argv);
    if (Tmax == 0) Tmax = c.full ? 1000 : 300;
    if (reps == 0) reps = c.full ? 100 : 12;
    if (Tmax < 2) nso_die("--T: expected an integer in [2, 1e6], got %ld", Tmax);
    if (reps < 2) nso_die("--reps: expected an integer in [2, 1e7], got %ld", reps);
    if (dflag != 0 && dflag < Tmax + 1)
        nso_die("--d: the construction uses e_0..e_T, so d must be >= T + 1 = %ld; got %ld", Tmax + 1, dflag);
    if (sigma_g / C > 1e6) /* the largest truncation level, eta sigma_g with eta <= 1/C */
        nso_die("--sigma-g/--C: sigma_g / C must be <= 1e6 (the engine's truncation range), got %g", sigma_g / C);
    nso_cli_format(specs, ns, c.params, sizeof c.params);
    pc_begin(&c);
    double LBc = sqrt(C * sigma_g * sigma_g / 32.0);

    long Ts[8], nT = 0;
    for (long T = 10; T <= Tmax; T *= 10) Ts[nT++] = T;
    if (Ts[nT - 1] != Tmax) Ts[nT++] = Tmax;
    long ks[2] = {1, 4};
    const char *cfgs[3] = {"const", "const_0.3", "decay"};

    char p2[1024];
    snprintf(p2, sizeof p2, "%s", pc_path(&c, "lower_b2.csv"));
    nso_csv *csv = nso_csv_open(p2, "proofs_lower_bound", c.params, c.seed,
                                "T,k,config,min_gradF2,bound,ratio,G,init_gap_over_D2,max_dev_eq42,felt_frac,quad_check");
    if (!csv) exit(2);
    double worst_ratio = INFINITY, worst_dev = 0, worst_gap = 0, worst_q = 0, worst_lip = 0;
    nso_progress pr;
    nso_progress_begin(&pr, "lower bound B.2", (size_t)(nT * 2 * 3), 0);
    size_t done = 0;
    for (long iT = 0; iT < nT; iT++)
        for (int ik = 0; ik < 2; ik++)
            for (int ic = 0; ic < 3; ic++) {
                long T = Ts[iT], k = ks[ik];
                double *eta = nso_xmalloc((size_t)T * sizeof(double));
                double emax = fmin(1.0 / C, sqrt((double)k * D * D / (2 * C * sigma_g * sigma_g * (double)T)));
                double h = 0;
                for (long i = 0; i < T; i++) h += 1.0 / (double)(i + 1);
                for (long i = 0; i < T; i++) {
                    if (ic == 0) eta[i] = emax;
                    else if (ic == 1) eta[i] = 0.3 * emax;
                    else /* sum eta^2 = k D^2 / (2 C sigma^2) */
                        eta[i] = fmin(1.0 / C, sqrt((double)k * D * D / (2 * C * sigma_g * sigma_g) / h / (double)(i + 1)));
                }
                b2_cfg cfg = {C, D, sigma_g, sigma, k, T, T + 1, NSO_TRUNC_TWO_SIDED, eta,
                              T >= 1000 ? (reps + 3) / 4 : reps, pc_fmt("T%ld_k%ld_%s", T, k, cfgs[ic])};
                b2_res r;
                b2_run(&cfg, c.seed, &r);
                double mn = INFINITY;
                for (long t = 1; t <= T; t++) mn = fmin(mn, r.gf2[t] / (double)cfg.reps);
                double lb = D * LBc / sqrt((double)(k * T)), ratio = mn / lb;
                for (long i = 0; i < T; i += T / 10 + 1) worst_lip = fmax(worst_lip, lipschitz_ratio(2 * eta[i] * sigma_g / sqrt((double)k), C, 0));
                nso_csv_printf(csv, "%ld,%ld,%s,%.8e,%.8e,%.6f,%.6g,%.6f,%.3e,%.3e,%.2e\n", T, k, cfgs[ic], mn, lb, ratio, r.G,
                               r.init_gap / (D * D), r.max_dev42, r.felt, r.qcheck);
                worst_ratio = fmin(worst_ratio, ratio);
                worst_dev = fmax(worst_dev, r.max_dev42);
                worst_gap = fmax(worst_gap, r.init_gap / (D * D));
                worst_q = fmax(worst_q, r.qcheck);
                free(r.gf2), free(r.gf2_sq), free(eta);
                nso_progress_update(&pr, ++done);
            }
    nso_progress_end(&pr);
    pc_commit(csv); /* after the ledger rows (pc_claims_md) */

    /* ---- Lemma B.3: fixed large eta on the chain eq. (45) ---- */
    char p3[1024];
    snprintf(p3, sizeof p3, "%s", pc_path(&c, "lower_b3.csv"));
    nso_csv *c3 = nso_csv_open(p3, "proofs_lower_bound", c.params, c.seed,
                               "T,k,eta,rho,mc_at_argmin,mc_se,exact_min_gradF2,bound32,ratio_exact,init_gap_over_D2,"
                               "dev_eq47_correct,dev_eq47_printed,max_z_mc_vs_exact");
    if (!c3) exit(2);
    double b3_maxz = 0, b3_worst = INFINITY, b3_gap_max = 0, b3_gap_min = INFINITY, dc = 0, dp = INFINITY, lipg = 0;
    for (long iT = 0; iT < nT; iT++)
        for (int ik = 0; ik < 2; ik++) {
            long T = Ts[iT], k = ks[ik];
            double emin = sqrt(D * D * (double)k / (2 * sigma_g * sigma_g * C * (double)T));
            for (double eta = emin; eta < 1.0 / C; eta *= 3.0) {
                double e = fmin(eta, 0.95 / C);
                b3_res o = b3_run(C, D, sigma_g, sigma, k, T, e, T >= 1000 ? (reps + 3) / 4 : reps, NSO_TRUNC_TWO_SIDED,
                                  c.seed, pc_fmt("T%ld_k%ld_eta%.4g", T, k, e));
                double lb = D * LBc / sqrt((double)(k * T)), lo = o.exact_min / lb;
                double alpha = (1 - pow(C * e, (double)T)) / (1 - C * e) * 2 * e * sigma_g;
                lipg = fmax(lipg, lipschitz_ratio(alpha, C, 1));
                nso_csv_printf(c3, "%ld,%ld,%.6g,%.6g,%.8e,%.3e,%.8e,%.8e,%.5f,%.5f,%.2e,%.2e,%.2f\n", T, k, e, C * e, o.mc_min,
                               o.mc_min_se, o.exact_min, lb, lo, o.init_gap / (D * D), o.dev_correct, o.dev_printed, o.max_z);
                b3_worst = fmin(b3_worst, lo);
                b3_maxz = fmax(b3_maxz, o.max_z);
                b3_gap_max = fmax(b3_gap_max, o.init_gap / (D * D));
                b3_gap_min = fmin(b3_gap_min, o.init_gap / (D * D));
                dc = fmax(dc, o.dev_correct), dp = fmin(dp, o.dev_printed);
                if (e != eta) break;
            }
        }
    pc_commit(c3); /* after the ledger rows (pc_claims_md) */

    /* ---- truncation erratum: one-sided min(U, a) vs two-sided |U| <= a ---- */
    long Te = 50;
    char pe[1024];
    snprintf(pe, sizeof pe, "%s", pc_path(&c, "lower_truncation.csv"));
    nso_csv *ce = nso_csv_open(pe, "proofs_lower_bound", c.params, c.seed,
                               "mode,t,mean_gradF2,bound,trunc_mean_over_a");
    if (!ce) exit(2);
    double *eta = nso_xmalloc((size_t)Te * sizeof(double));
    double emax = fmin(1.0 / C, sqrt(D * D / (2 * C * sigma_g * sigma_g * (double)Te)));
    for (long i = 0; i < Te; i++) eta[i] = emax;
    b2_res tr[2];
    const int modes[2] = {NSO_TRUNC_TWO_SIDED, NSO_TRUNC_ONE_SIDED};
    const char *mname[2] = {"two_sided", "one_sided"};
    double lbE = D * LBc / sqrt((double)Te), minr[2];
    for (int m = 0; m < 2; m++) {
        b2_cfg cfg = {C, D, sigma_g, sigma, 1, Te, Te + 1, modes[m], eta, c.full ? 200 : 40, pc_fmt("trunc_%s", mname[m])};
        b2_run(&cfg, c.seed, &tr[m]);
        minr[m] = INFINITY;
        double a1 = emax * sigma_g;
        for (long t = 0; t <= Te; t++) {
            double v = tr[m].gf2[t] / (double)cfg.reps;
            if (t) minr[m] = fmin(minr[m], v / lbE);
            nso_csv_printf(ce, "%s,%ld,%.8e,%.8e,%.5f\n", mname[m], t, v, lbE, ds_trunc_mean(sigma, a1, modes[m]) / a1);
        }
        nso_csv_printf(ce, "\n\n");
    }
    pc_commit(ce); /* after the ledger rows (pc_claims_md) */
    double a1 = emax * sigma_g, mean1 = ds_trunc_mean(sigma, a1, NSO_TRUNC_ONE_SIDED);

    pc_claim(&c, "thm4.5.lipschitz", "Sec 4: each h_i (and Lemma B.3's g) has a C-Lipschitz derivative",
             pc_fmt("max |h'(x)-h'(y)|/(C|x-y|) = %.6f, g: %.6f (dense grid, every alpha used); 1/(CG) <= 1", worst_lip, lipg),
             "ratio <= 1 + 1e-9", worst_lip <= 1 + 1e-9 && lipg <= 1 + 1e-9, p2);
    pc_claim(&c, "thm4.5.init_gap", "Assumption 4.2: F(W_0) - min F <= D^2 for the eq. (8) construction",
             pc_fmt("B.2: max over T, k, schedules of (F(W0)-min F)/D^2 = %.6f (= 1/2 + C sigma^2 sum eta^2/(k D^2))", worst_gap),
             "ratio <= 1", worst_gap <= 1 + 1e-12, p2);
    pc_claim(&c, "thm4.5.init_gap.B3", "Lemma B.3: F(W_0) - min F <= D^2 for the chain eq. (45) with alpha as written",
             pc_fmt("(F(W0)-min F)/D^2 = %.4f..%.4f over the eta grid (c = 1 forced by E xi^2 = sigma^2, |xi| <= c sigma); "
                    "g never moves (W_t0 = 0), so alpha -> 0 restores 1/2 without changing the bound",
                    b3_gap_min, b3_gap_max),
             "every ratio <= 1", b3_gap_max <= 1 + 1e-12, p3);
    pc_claim(&c, "thm4.5.dynamics_eq42", "Lemma B.2 eq (42): coordinates 1.. never feel a gradient",
             pc_fmt("max |W_t - eq.(42)| / scale = %.2e over every T, k, schedule (two-sided truncation); "
                    "nonzero h' evaluations: 0; closed-form vs GSL quadrature max diff %.1e", worst_dev, worst_q),
             "relative deviation <= 1e-12", worst_dev <= 1e-12, p2);
    pc_claim(&c, "thm4.5.lower_holds.B2", "Lemma B.2: min_t E||grad F(W_t)||^2 >= D sqrt(C sigma^2/(32 k T))",
             pc_fmt("min over T in [10,%ld], k in {1,4}, 3 schedules of measured/bound = %.3f (deterministic given "
                    "eq. 42: E||grad F||^2 = (W_t0/G)^2, zero MC spread)", Tmax, worst_ratio),
             "ratio >= 1", worst_ratio >= 1.0, p2);
    pc_claim(&c, "thm4.5.lower_holds.B3", "Lemma B.3: fixed eta >= sqrt(D^2 k/(2 sigma^2 C T)): min_t E||grad F||^2 >= bound",
             pc_fmt("min over T, k, eta grid of min_t E||grad F||^2 / bound = %.3f (exact second moments; MC time-averages "
                    "agree, max |z| = %.2f); eq (47) with exponent t-1-i: dev %.1e, as printed: dev >= %.2f",
                    b3_worst, b3_maxz, dc, dp),
             "ratio >= 1 and MC agrees with the exact moments (max |z| <= 5)", b3_worst >= 1.0 && b3_maxz <= 5, p3);
    pc_claim(&c, "errata.truncation", "Sec 4 / App B.2 write min(U_i, a_i); the proof needs |U_i| <= a_i",
             pc_fmt("one-sided: E[U]/a = %.3f, %.1f%% of h' evaluations nonzero, eq.(42) deviation %.2e, min_t ratio %.3f; "
                    "two-sided: E[U] = 0, 0%% nonzero, deviation %.1e, ratio %.3f (T = %ld)",
                    mean1 / a1, 100 * tr[1].felt, tr[1].max_dev42, minr[1], tr[0].max_dev42, minr[0], Te),
             "holds = erratum confirmed: two-sided keeps eq. (42) exact, one-sided breaks it",
             tr[0].max_dev42 <= 1e-12 && tr[1].max_dev42 > 1e-6, pe);
    pc_claims_md(&c, "lower_bound");
    for (int m = 0; m < 2; m++) free(tr[m].gf2), free(tr[m].gf2_sq);
    free(eta);
    return 0;
}
