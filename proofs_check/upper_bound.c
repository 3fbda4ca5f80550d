/* upper_bound.c - Theorem 4.3 (eq. 6), @paper thm:4.3
 * E||grad F(W_t)||^2 of Algorithm 1's random iterate (Lemma B.1: t uniform in
 * 0..T-1 for a constant step) is at most
 *   sqrt(2 C D^2 (sigma_g^2 + C^2 H(P)) / (k T)) + 2 C D^2 / T,
 * on the registry problem sepcos (d = 10): f = sum lam w^2/2 + beta (1 -
 * cos(omega w)) whose Gaussian smoothing F and grad F are closed-form (the
 * objective's smoothed / smoothed_grad), C = lam + beta omega^2 (its
 * lipschitz), W_0 its initial point (1.3 * ones), D^2 = F(W_0) - min F = F(W_0)
 * - F(0) exactly, an additive Gaussian oracle with E||z||^2 = sigma_g^2 (one z
 * per +-U pair), perturbation N(0, sigma^2 I), every run through the engine
 * (thm43.h: registry optimizer "nso", nso_opt_step), and the proof's step
 * (App. B.1, eqs. 35-39):
 *   Delta = (sigma_g^2 + C^2 H)/k;  eta = sqrt(2 D^2/(C Delta T)) if Delta >= 2CD^2/T, else 1/C.
 * One job per k (--k K, file upper_k<K>.csv); --pool pools the jobs into the
 * ledger rows (rates in T and k, tightness) and the markdown table.
 *
 * Other symmetric laws P (the theorem allows any P symmetric at zero; issue 10):
 * --law L --k K runs the same check with U ~ L (unit variance times sigma, so
 * H(P) = d sigma^2 for every law) and writes upper_<L>_k<K>.csv; sepcos's F and
 * grad F under L come from L's characteristic function (lib/prob_cosquad.c), D^2 =
 * F_L(W_0) - F_L(0) exactly (min F_L is at 0 because E cos(omega U_i) > 0 here).
 * --pool-laws pools k in {1, 4} of every symmetric law (the Gaussian's are the
 * upper_k1/upper_k4 jobs) into the rows thm4.3.upper_holds.laws and
 * thm4.3.rate_T.laws, upper_laws.csv and upper_laws.md. */
#include "cli.h"
#include "noise.h"
#include "nso_error.h"
#include "pc_util.h"
#include "progress.h"
#include "rng.h"
#include "thm43.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM 10
static const long KS[] = {1, 2, 4, 8, 16};
#define NK 5

typedef struct {
    const nso_noise_law *law; /* perturbation law P */
    double C, D2, H, sigma, sigma_g;
    nso_objective *f, *oracle; /* registry sepcos, and behind the additive oracle */
    double *w0;       /* its initial point */
} prob;

static prob setup_prob(const nso_noise_law *law, double sigma, double sigma_g)
{
    prob p;
    p.law = law;
    char msg[256];
    nso_problem_params pp = {.dim = DIM, .scale = 1.0};
    p.f = nso_problem_sepcos.create(&pp, msg, sizeof msg);
    nso_objective *inner = p.f ? nso_problem_sepcos.create(&pp, msg, sizeof msg) : NULL;
    if (!p.f || !inner) nso_die("sepcos: %s", msg);
    p.oracle = nso_obj_additive_noise(inner, sigma_g);
    if (!p.oracle) nso_die("--sigma-g: the additive oracle could not be built");
    p.w0 = nso_xmalloc(DIM * sizeof(double));
    nso_problem_sepcos.init(p.f, p.w0, NULL);
    double *zero = nso_xcalloc(DIM, sizeof(double));
    p.C = p.f->lipschitz;
    /* min F is at 0 (lib/prob_cosquad.c: beta e >= 0; main checks e > 0 for the law) */
    p.D2 = p.f->smoothed(p.f->ctx, p.w0, law, sigma) - p.f->smoothed(p.f->ctx, zero, law, sigma);
    free(zero);
    p.H = (double)DIM * sigma * sigma; /* E||U||^2: every law has unit variance */
    p.sigma = sigma, p.sigma_g = sigma_g;
    return p;
}

static double upper_bound_eq6(const prob *p, long k, long T)
{
    return sqrt(2 * p->C * p->D2 * (p->sigma_g * p->sigma_g + p->C * p->C * p->H) / ((double)k * (double)T)) +
           2 * p->C * p->D2 / (double)T;
}

static double proof_eta(const prob *p, long k, long T, int *regime)
{
    double Delta = (p->sigma_g * p->sigma_g + p->C * p->C * p->H) / (double)k;
    *regime = Delta >= 2 * p->C * p->D2 / (double)T;
    return *regime ? sqrt(2 * p->D2 / (p->C * Delta * (double)T)) : 1.0 / p->C;
}

/* the job file of (law, k): the Gaussian's keep their name upper_k<K>.csv */
static const char *job_name(const nso_noise_law *law, long k)
{
    return law == &nso_noise_gaussian ? pc_fmt("upper_k%ld.csv", k) : pc_fmt("upper_%s_k%ld.csv", law->name, k);
}

static void run_k(pc_ctx *c, const prob *p, long k, long Tmax, long reps)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", pc_path(c, job_name(p->law, k)));
    nso_csv *csv = nso_csv_open(path, "proofs_upper_bound", c->params, c->seed,
                                "k,T,eta,noise_regime,mean,se,lo,hi,bound,ratio,random_iter_mean,random_iter_se");
    if (!csv) exit(2);
    double *avg = nso_xmalloc((size_t)reps * 2 * sizeof(double)), *atr = avg + reps;
    long nT = 0;
    for (long T = 10; T <= Tmax; T *= 10) nT++;
    nso_progress pr;
    nso_progress_begin(&pr, pc_fmt("thm4.3 %s k=%ld", p->law->name, k), (size_t)nT, 0);
    long it = 0;
    for (long T = 10; T <= Tmax; T *= 10) {
        int regime;
        t43_cfg cfg = {p->f, p->oracle, p->law, p->sigma, proof_eta(p, k, T, &regime), k, T};
        /* the Gaussian's stream names are those of the original jobs (same numbers) */
        const char *name = p->law == &nso_noise_gaussian ? pc_fmt("thm4.3/k%ld/T%ld", k, T)
                                                         : pc_fmt("thm4.3/%s/k%ld/T%ld", p->law->name, k, T);
        t43_run(&cfg, p->w0, c->seed, name, 0, reps, avg, atr);
        pc_ci a = pc_ci_of(avg, (size_t)reps), b = pc_ci_of(atr, (size_t)reps);
        double bd = upper_bound_eq6(p, k, T);
        /* throughput is measured by proofs_bench, not here: outputs depend on the seed only */
        nso_csv_printf(csv, "%ld,%ld,%.6g,%d,%.8e,%.3e,%.8e,%.8e,%.8e,%.5f,%.8e,%.3e\n", k, T, cfg.eta, regime,
                       a.mean, a.se, a.lo, a.hi, bd, a.mean / bd, b.mean, b.se);
        nso_progress_update(&pr, (size_t)++it);
    }
    nso_progress_end(&pr);
    if (nso_csv_commit(csv) != NSO_OK) exit(2);
    free(avg);
}

/* what an upper_k<K>.csv depends on besides k: pooling needs them equal */
static const char *const JOB_KEYS[] = {"seed", "T-max", "reps", "sigma", "sigma-g", NULL};

/* a job file of (law, k), checked like pc_read_job plus its law: a file that
 * records no --law was written before the flag existed, i.e. is Gaussian */
static nso_table *read_law_job(const pc_ctx *c, const nso_noise_law *law, long k, const char **path_out)
{
    const char *path = pc_path(c, job_name(law, k));
    nso_table *tb = pc_read_job(c, path, NULL, JOB_KEYS);
    const char *params = nso_table_meta(tb, "params");
    char have[64];
    const char *lw = params ? nso_params_get(params, "law", have, sizeof have) : NULL;
    if (strcmp(lw ? lw : "gaussian", law->name) != 0)
        nso_die("'%s': --law is '%s' in the file, '%s' expected; delete it to recompute", path, lw ? lw : "gaussian",
                law->name);
    *path_out = path;
    return tb;
}

static void summary(pc_ctx *c, const prob *p)
{
    double worst_hi = 0, worst_ratio = 0, worst_ratio_hi = 0;
    double sl[NK], slo[NK], shi[NK], lastT = 0;
    double kx[NK], ky[NK], kw[NK];
    nso_csv *md = pc_md_open(c, pc_path(c, "upper_table.md"), "proofs_upper_bound");
    nso_csv_printf(md, "\n| k | T | eta | E‖∇F(W_t)‖² (95%% CI) | bound (6) | ratio |\n|---|---|---|---|---|---|\n");
    for (int ik = 0; ik < NK; ik++) {
        const char *path = pc_path(c, pc_fmt("upper_k%ld.csv", KS[ik]));
        nso_table *tb = pc_read_job(c, path, NULL, JOB_KEYS);
        size_t nr = tb->nrows, nc = tb->ncols;
        const double *x = tb->v;
        size_t cT = pc_col(tb, "T", path), cm = pc_col(tb, "mean", path), cs = pc_col(tb, "se", path),
               cb = pc_col(tb, "bound", path), ce = pc_col(tb, "eta", path);
        double lx[16], ly[16], lw[16];
        size_t nf = 0;
        for (size_t i = 0; i < nr; i++) {
            double T = x[i * nc + cT], m = x[i * nc + cm], se = x[i * nc + cs], b = x[i * nc + cb];
            worst_hi = fmax(worst_hi, (m + 1.96 * se) / b);
            if (m / b > worst_ratio) worst_ratio = m / b, worst_ratio_hi = (m + 1.96 * se) / b;
            if (T >= 1000) lx[nf] = log(T), ly[nf] = log(m), lw[nf] = (m / se) * (m / se), nf++;
            nso_csv_printf(md, "| %ld | %.0f | %.4g | %.4g [%.4g, %.4g] | %.4g | %.3f |\n", KS[ik], T, x[i * nc + ce], m,
                           m - 1.96 * se, m + 1.96 * se, b, m / b);
            if (i == nr - 1) {
                kx[ik] = log((double)KS[ik]), ky[ik] = log(m), kw[ik] = (m / se) * (m / se), lastT = T;
            }
        }
        pc_fit f = pc_wls(lx, ly, lw, nf);
        sl[ik] = f.slope, slo[ik] = f.lo, shi[ik] = f.hi;
        nso_table_free(tb);
    }
    pc_md_commit(md);
    pc_fit fk = pc_wls(kx, ky, kw, NK);
    const char *data = pc_path(c, "upper_k*.csv");
    pc_claim(c, "thm4.3.upper_holds", "Thm 4.3 eq (6): E||grad F(W_t)||^2 <= sqrt(2CD^2(s^2+C^2H)/(kT)) + 2CD^2/T",
             pc_fmt("max over T in [10, %.0f], k in {1..16} of (upper 95%% CI)/bound = %.3f", lastT, worst_hi),
             "upper end of every 95% CI <= bound", worst_hi <= 1.0, data);
    char m[1024];
    size_t u = 0;
    int ok = 1;
    for (int ik = 0; ik < NK; ik++) {
        u += (size_t)snprintf(m + u, sizeof m - u, "%sk=%ld %.3f [%.3f,%.3f]", ik ? "; " : "", KS[ik], sl[ik], slo[ik], shi[ik]);
        ok &= fabs(sl[ik] + 0.5) <= 0.1;
    }
    pc_claim(c, "thm4.3.rate_T", "Thm 4.3: rate T^{-1/2} where the noise term dominates",
             pc_fmt("slope of log E||grad F||^2 vs log T (T >= 1000): %s", m), "|slope + 0.5| <= 0.1 for every k", ok, data);
    pc_claim(c, "thm4.3.rate_k", "Thm 4.3: the noise term scales as k^{-1/2}",
             pc_fmt("slope in k at T = %.0f: %.3f [%.3f, %.3f]", lastT, fk.slope, fk.lo, fk.hi),
             "|slope + 0.5| <= 0.15", fabs(fk.slope + 0.5) <= 0.15, data);
    pc_claim(c, "thm4.3.tightness", "Thm 4.3 vs Thm 4.5: how close the upper bound is",
             pc_fmt("max measured/bound = %.3f (upper CI %.3f); D^2 = %.4g, C = %.3g, H(P) = %.3g, sigma_g^2 = %.3g",
                    worst_ratio, worst_ratio_hi, p->D2, p->C, p->H, p->sigma_g * p->sigma_g),
             "informational: ratio <= 1 (the bound is valid); nearer 1 is tighter", worst_ratio_hi <= 1.0, data);
    /* proof algebra (eqs. 35-38): min over eta of 2D^2/(T eta) + C eta Delta is 2 sqrt(2 C D^2 Delta / T) */
    double Delta = (p->sigma_g * p->sigma_g + p->C * p->C * p->H), T = 1e5, best = INFINITY;
    for (int i = 0; i < 200001; i++) {
        double eta = 1.0 / p->C * pow(10.0, -6.0 * i / 200000.0);
        best = fmin(best, 2 * p->D2 / (T * eta) + p->C * eta * Delta);
    }
    double stated = sqrt(2 * p->C * p->D2 * Delta / T);
    pc_claim(c, "errata.thm4.3_constant", "App B.1 eq (37): min over eta of (35) equals sqrt(2CD^2 Delta/T)",
             pc_fmt("numerical min over eta of 2D^2/(T eta) + C eta Delta = %.4f x the stated sqrt(2CD^2 Delta/T) (k = 1, T = 1e5)",
                    best / stated),
             "holds = erratum confirmed: the minimum is 2 sqrt(2CD^2 Delta/T) (ratio 2 +- 1e-6), so eq (6) needs a factor 2 the proof does not give",
             fabs(best / stated - 2) <= 1e-6, data);
    /* ---- sandwich: upper-bound runs (k = 1) and the eq. (8) construction at the
     * same C, D, sigma = sigma_g, k = 1 (min_t E||grad F||^2 from eq. (42), which
     * proofs_lower_bound verifies by simulation) ---- */
    {
        const char *path = pc_path(c, "upper_k1.csv");
        nso_table *tb = pc_read_job(c, path, NULL, JOB_KEYS);
        size_t nr = tb->nrows, nc = tb->ncols;
        const double *x = tb->v;
        size_t cT = pc_col(tb, "T", path), cm = pc_col(tb, "mean", path), cs = pc_col(tb, "se", path);
        char sp[1024];
        snprintf(sp, sizeof sp, "%s", pc_path(c, "sandwich.csv"));
        nso_csv *sc = nso_csv_open(sp, "proofs_upper_bound", c->params, c->seed,
                                   "T,upper_measured,upper_se,upper_bound,lower_construction,lower_bound,bound_ratio,measured_ratio");
        if (!sc) exit(2);
        double D = sqrt(p->D2), sg2 = p->sigma_g * p->sigma_g, minbr = INFINITY, lastbr = 0, lastmr = 0;
        int ok = 1;
        for (size_t i = 0; i < nr; i++) {
            double T = x[i * nc + cT], um = x[i * nc + cm], use = x[i * nc + cs], ub = upper_bound_eq6(p, 1, (long)T);
            double lb = D * sqrt(p->C * sg2 / (32.0 * T));
            double eta = fmin(1.0 / p->C, sqrt(p->D2 / (2 * p->C * sg2 * T))), G = fmax(1.0 / p->C, 2 * T * eta);
            double lc = p->D2 / G * pow(1 - eta / G, 2 * T);
            nso_csv_printf(sc, "%.0f,%.8e,%.3e,%.8e,%.8e,%.8e,%.5f,%.5f\n", T, um, use, ub, lc, lb, ub / lb, um / lc);
            minbr = fmin(minbr, ub / lb);
            lastbr = ub / lb, lastmr = um / lc;
            ok &= um + 1.96 * use <= ub && lc >= lb && ub >= lb;
        }
        pc_commit(sc); /* after the ledger rows (pc_claims_md) */
        pc_claim(c, "thm4.5.sandwich_ratio", "Thm 4.3 vs Thm 4.5: the rates match (upper/lower bound ratio is constant in T)",
                 pc_fmt("upper/lower bound ratio at the largest T = %.2f (min over T %.2f; limit 8 sqrt(1 + C^2 H/sigma^2) = %.2f); "
                        "measured upper-run / lower-construction = %.2f",
                        lastbr, minbr, 8 * sqrt(1 + p->C * p->C * p->H / sg2), lastmr),
                 "upper run <= upper bound, construction >= lower bound, lower <= upper at every T", ok, sp);
        nso_table_free(tb);
    }
    pc_claims_md(c, "upper_bound");
}

/* ---- every symmetric law: k in {1, 4}, T on the jobs' grid ---- */
static const long KL[] = {1, 4};
#define NKL 2

/* the symmetric laws with a closed-form smoothing of sepcos (characteristic function) */
static int law_usable(const nso_noise_law *law) { return law->symmetric && !isnan(nso_noise_cf(law, 1.0)); }

static void summary_laws(pc_ctx *c, double sigma, double sigma_g)
{
    char pl[1024];
    snprintf(pl, sizeof pl, "%s", pc_path(c, "upper_laws.csv"));
    /* one gnuplot block (index) per (law, k), in the order of nso_noise_laws */
    nso_csv *csv = nso_csv_open(pl, "proofs_upper_bound", c->params, c->seed,
                                "law_index,k,T,eta,mean,se,bound,ratio,ratio_hi,D2");
    if (!csv) exit(2);
    nso_csv *md = pc_md_open(c, pc_path(c, "upper_laws.md"), "proofs_upper_bound");
    nso_csv_printf(md, "\n| law P | D² | k | (upper 95%% CI)/bound, max over T | slope in T (T ≥ 1000) [95%% CI] |\n"
                       "|---|---|---|---|---|\n");
    char hold[1024], rate[1024];
    size_t uh = 0, ur = 0;
    double worst = 0, lastT = 0;
    const char *worst_law = "";
    int ok_rate = 1, nlaw = 0;
    for (size_t il = 0; nso_noise_laws[il]; il++) {
        const nso_noise_law *law = nso_noise_laws[il];
        if (!law_usable(law)) continue;
        prob p = setup_prob(law, sigma, sigma_g);
        double lw = 0;
        for (int ik = 0; ik < NKL; ik++) {
            const char *path;
            nso_table *tb = read_law_job(c, law, KL[ik], &path);
            size_t nr = tb->nrows, nc = tb->ncols;
            const double *x = tb->v;
            size_t cT = pc_col(tb, "T", path), cm = pc_col(tb, "mean", path), cs = pc_col(tb, "se", path),
                   ce = pc_col(tb, "eta", path), cb = pc_col(tb, "bound", path);
            double lx[16], ly[16], lwt[16], wk = 0;
            size_t nf = 0;
            for (size_t i = 0; i < nr; i++) {
                double T = x[i * nc + cT], m = x[i * nc + cm], se = x[i * nc + cs], b = upper_bound_eq6(&p, KL[ik], (long)T);
                /* the job's bound column must be this law's bound (same D^2, C, H) */
                if (fabs(x[i * nc + cb] - b) > 1e-6 * b)
                    nso_die("'%s': bound %.8g at T = %.0f, this law's eq. (6) gives %.8g; delete it to recompute", path,
                            x[i * nc + cb], T, b);
                double hi = (m + 1.96 * se) / b;
                wk = fmax(wk, hi);
                if (T >= 1000 && nf < 16) lx[nf] = log(T), ly[nf] = log(m), lwt[nf] = (m / se) * (m / se), nf++;
                nso_csv_printf(csv, "%zu,%ld,%.0f,%.6g,%.8e,%.3e,%.8e,%.5f,%.5f,%.6g\n", il, KL[ik], T, x[i * nc + ce], m, se,
                               b, m / b, hi, p.D2);
                lastT = fmax(lastT, T);
            }
            nso_csv_printf(csv, "\n\n");
            pc_fit f = pc_wls(lx, ly, lwt, nf);
            ok_rate &= nf >= 2 && fabs(f.slope + 0.5) <= 0.1;
            ur += (size_t)snprintf(rate + ur, sizeof rate - ur, "%s%s k=%ld %.3f [%.3f,%.3f]", ur ? "; " : "", law->name,
                                   KL[ik], f.slope, f.lo, f.hi);
            nso_csv_printf(md, "| %s | %.4g | %ld | %.3f | %.3f [%.3f, %.3f] |\n", law->name, p.D2, KL[ik], wk, f.slope,
                           f.lo, f.hi);
            lw = fmax(lw, wk);
            nso_table_free(tb);
        }
        uh += (size_t)snprintf(hold + uh, sizeof hold - uh, "%s%s %.3f", uh ? ", " : "", law->name, lw);
        if (lw > worst) worst = lw, worst_law = law->name;
        nlaw++;
        nso_obj_free(p.f), nso_obj_free(p.oracle), free(p.w0);
    }
    pc_md_commit(md);
    pc_commit(csv); /* after the ledger rows (pc_claims_md) */
    pc_claim(c, "thm4.3.upper_holds.laws",
             "Thm 4.3: 'let P be a distribution that is symmetric at zero': eq. (6) for any symmetric P",
             pc_fmt("%d symmetric laws (unit variance x sigma = %g, H(P) = d sigma^2), k in {1, 4}, T in [10, %.0f], "
                    "D^2 = F_P(W_0) - min F_P per law: max over T, k of (upper 95%% CI)/bound: %s (worst %s)",
                    nlaw, sigma, lastT, hold, worst_law),
             "upper end of every 95% CI <= bound (6), for every law", worst <= 1.0, pl);
    pc_claim(c, "thm4.3.rate_T.laws", "Thm 4.3: rate T^{-1/2} where the noise term dominates, for any symmetric P",
             pc_fmt("slope of log E||grad F||^2 vs log T (T >= 1000): %s", rate), "|slope + 0.5| <= 0.1 for every law and k",
             ok_rate, pl);
    pc_claims_md(c, "upper_laws");
}

int main(int argc, char **argv)
{
    pc_ctx c = {.seed = 20240601, .profile = "quick", .out = "out/quick/proofs", .ledger = "out/quick/claims.tsv"};
    long k = 1, Tmax = 0, reps = 0;
    int pool = 0, pool_laws = 0;
    double sigma = 0.1, sigma_g = 3.0;
    const char *law_name = "gaussian";
    nso_arg_spec specs[] = {
        {"seed", NSO_ARG_U64, &c.seed, 0, 1.8e19, "random seed"},
        {"profile", NSO_ARG_STRING, &c.profile, 0, 0, "quick or full"},
        {"out", NSO_ARG_STRING, &c.out, 0, 0, "output directory"},
        {"ledger", NSO_ARG_STRING, &c.ledger, 0, 0, "claims ledger (TSV)"},
        {"k", NSO_ARG_INT, &k, 1, 1024, "perturbations per step (one job per k)"},
        {"pool", NSO_ARG_FLAG, &pool, 0, 0, "pool the k = 1..16 jobs into ledger rows, tables and the sandwich"},
        {"law", NSO_ARG_STRING, &law_name, 0, 0, "perturbation law P (symmetric: gaussian, laplace, uniform, binomial, rademacher)"},
        {"pool-laws", NSO_ARG_FLAG, &pool_laws, 0, 0, "pool the k = 1, 4 jobs of every symmetric law into ledger rows"},
        {"T-max", NSO_ARG_INT, &Tmax, 0, 1e8, "largest T (powers of 10 from 10; 0 = profile default)"},
        {"reps", NSO_ARG_INT, &reps, 0, 1e8, "independent runs per (k, T) (0 = profile default)"},
        {"sigma", NSO_ARG_DOUBLE, &sigma, 1e-9, 10, "weight-perturbation std (of the law P)"},
        {"sigma-g", NSO_ARG_DOUBLE, &sigma_g, 0, 1e3, "oracle noise: E||z||^2 = sigma_g^2"},
    };
    size_t ns = sizeof specs / sizeof specs[0];
    nso_cli_parse(argc, argv, specs, ns, "proofs_upper_bound: Theorem 4.3 upper bound (one job per k; --pool pools)");
    pc_setup(&c, argc, argv);
    if (Tmax == 0) Tmax = c.full ? 100000 : 10000;
    if (reps == 0) reps = c.full ? 256 : 48;
    if (Tmax < 10) nso_die("--T-max: expected an integer in [10, 1e8], got %ld", Tmax);
    if (reps < 2) nso_die("--reps: expected an integer in [2, 1e8], got %ld", reps);
    const nso_noise_law *law = nso_noise_find(law_name);
    if (!law || !law_usable(law))
        nso_die("--law: expected a symmetric law (gaussian, laplace, uniform, binomial, rademacher), got '%s'", law_name);
    /* min F at 0 needs beta E cos(omega U_i) > 0 (sepcos: omega = 2) */
    if (!(nso_noise_cf(law, 2.0 * sigma) > 0))
        nso_die("--sigma: E cos(2 U_i) = %g <= 0 for the %s law at sigma = %g, so min F is not at 0; use a smaller sigma",
                nso_noise_cf(law, 2.0 * sigma), law->name, sigma);
    if (pool && pool_laws) nso_die("--pool-laws: give either --pool or --pool-laws, not both");
    if ((pool || pool_laws) && law != &nso_noise_gaussian)
        nso_die("--law: the pools read every law's jobs themselves; got '%s' with --pool%s", law_name, pool_laws ? "-laws" : "");
    if (pool_laws)
        for (size_t i = 0; nso_noise_laws[i]; i++)
            if (law_usable(nso_noise_laws[i]) && !(nso_noise_cf(nso_noise_laws[i], 2.0 * sigma) > 0))
                nso_die("--sigma: E cos(2 U_i) <= 0 for the %s law at sigma = %g; use a smaller sigma",
                        nso_noise_laws[i]->name, sigma);
    nso_cli_format(specs, ns, c.params, sizeof c.params);
    pc_begin(&c);
    if (pool_laws) {
        summary_laws(&c, sigma, sigma_g);
        return 0;
    }
    prob p = setup_prob(law, sigma, sigma_g);
    if (pool) summary(&c, &p);
    else run_k(&c, &p, k, Tmax, reps);
    nso_obj_free(p.f);
    nso_obj_free(p.oracle);
    free(p.w0);
    return 0;
}
