/* lemma_a5.c - Lemma A.5 (uniform convergence of the empirical Hessian) on
 * matrix sensing, as the number of measurements n grows (issue 10).
 * @paper lemma:A.5
 *
 * Lemma A.5 (eq. 13): with probability >= 1 - delta, for every W of the
 * hypothesis set, ||(1/n) sum_i grad^2 l(W; x_i) - E grad^2 l(W; x)||_F <=
 * C_2 sqrt(log(C_3 n/delta)/n); the proof of Theorem 2.2 uses it through the
 * trace (eq. 17).  Its setting is Theorem 2.2's (fine-tuning a network with a
 * bounded loss and a Lipschitz Hessian); here it is measured on the substitute
 * of Sec. 2.1.1, matrix sensing (lib/sensing.h), where both sides are exact:
 * the empirical trace in closed form (nso_sensing_trace), the population one
 * (2d+1)||U||_F^2 - d tr X* and both Hessians as matrices (sens_pop.h).
 *
 * "Every W" is taken along a path that depends on the data: for each n and
 * each of --reps independent data sets (same X*, same U_0 for a given rep), GD
 * through the engine (registry optimizer "gd") on the n-measurement loss from
 * U_0 = --init-scale * N(0,1)^{d x d}, --steps steps of --eta, evaluated at
 * --points equally spaced iterates (the Frobenius norm at every
 * --frob-every-th of them, and at the end).  Per run: sup over the path of
 * |tr H_n - tr H| and of ||H_n - H||_F, both at U_0 (a point independent of
 * the data) and at the end of the path (the GD solution, which depends on the
 * data: where Theorem 2.2 applies the lemma).
 * The rate: weighted least squares of log E sup vs log n; the lemma's
 * sqrt(log(C_3 n/delta)/n) has local slope between -1/2 and -0.4 once
 * C_3 n/delta >= e^5.  Rows lemmaA5.trace_rate and lemmaA5.frobenius_rate. */
#include "cli.h"
#include "io.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "pc_util.h"
#include "progress.h"
#include "rng.h"
#include "sens_pop.h"
#include "sensing.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 24

typedef struct {
    double sup_tr, start_tr, end_tr, sup_fr, start_fr, end_fr, end_loss_rel;
} a5_run;

static a5_run a5_one(long d, long r, long n, long rep, long steps, double eta, long points, long frob_every,
                     double init_scale, uint64_t seed)
{
    nso_sensing_params sp = {.d = (size_t)d, .r = (size_t)r, .m = {(size_t)n, 0, 0},
                             .seed = nso_stream_id(seed, pc_fmt("lemmaA5/data/n%ld", n), (uint64_t)rep),
                             .fixed_ustar = 1, .ustar_seed = seed}; /* one X* for every n and rep */
    char msg[256];
    nso_sensing *s = nso_sensing_alloc(&sp, msg, sizeof msg);
    if (!s) nso_die("--d/--r/--ns: %s", msg);
    size_t q = (size_t)(d * d);
    double *U = nso_xmalloc(q * sizeof(double)), *res = nso_xmalloc((size_t)n * sizeof(double));
    double *Hn = nso_xmalloc(q * q * sizeof(double)), *Hp = nso_xmalloc(q * q * sizeof(double));
    gsl_rng *ri = nso_rng_indexed(seed, "lemmaA5/init", (uint64_t)rep); /* independent of n and of the data */
    for (size_t i = 0; i < q; i++) U[i] = init_scale * gsl_ran_gaussian(ri, 1.0);
    gsl_rng_free(ri);
    nso_objective *obj = nso_sensing_objective(s, 0);
    nso_param_set ps;
    nso_params_clear(&ps);
    nso_optimizer *o = nso_optimizer_alloc(nso_opt_gd, q, &ps, obj, msg, sizeof msg);
    if (!obj || !o) nso_die("--d: GD on matrix sensing could not be set up: %s", msg);
    gsl_rng *rg = nso_rng_indexed(seed, "lemmaA5/gd", (uint64_t)rep); /* GD draws nothing; the engine wants a stream */
    a5_run out = {0, 0, 0, 0, 0, 0, 0};
    long next = 0, ip = 0;
    for (long t = 0; t <= steps; t++) {
        if (t == next) {
            double rel;
            nso_sensing_residuals(s, NSO_SET_TRAIN, 1, U, res, &rel);
            double dev = fabs(nso_sensing_trace(s, U, res) - sp_pop_trace(s, U));
            pc_check_finite(dev, "the trace deviation (GD diverged: lower --eta)");
            out.sup_tr = fmax(out.sup_tr, dev);
            if (ip == 0) out.start_tr = dev;
            out.end_tr = dev;
            if (ip % frob_every == 0 || ip == points - 1) {
                sp_emp_hessian(s, U, res, Hn);
                sp_pop_hessian(s, U, Hp);
                double f2 = 0;
                for (size_t i = 0; i < q * q; i++) f2 += (Hn[i] - Hp[i]) * (Hn[i] - Hp[i]);
                out.sup_fr = fmax(out.sup_fr, sqrt(f2));
                if (ip == 0) out.start_fr = sqrt(f2);
                out.end_fr = sqrt(f2); /* the last evaluation is the end point */
            }
            out.end_loss_rel = rel;
            ip++;
            next = (long)llround((double)ip * (double)steps / (double)(points - 1));
        }
        if (t == steps) break;
        if (nso_opt_step(o, obj, U, eta, rg) != NSO_OK)
            nso_die("--eta: GD diverged on matrix sensing at n = %ld (eta = %g); lower --eta or --init-scale", n, eta);
    }
    gsl_rng_free(rg);
    nso_optimizer_free(o);
    nso_obj_free(obj);
    nso_sensing_free(s);
    free(U), free(res), free(Hn), free(Hp);
    return out;
}

/* weighted log-log fit of the means (weights (mean/se)^2) */
static pc_fit loglog(const long *ns, const double *m, const double *se, size_t k)
{
    double x[MAXN], y[MAXN], w[MAXN];
    for (size_t i = 0; i < k; i++) x[i] = log((double)ns[i]), y[i] = log(m[i]), w[i] = (m[i] / se[i]) * (m[i] / se[i]);
    return pc_wls(x, y, w, k);
}

int main(int argc, char **argv)
{
    pc_ctx c = {.seed = 20240601, .profile = "quick", .out = "out/quick/proofs", .ledger = "out/quick/claims.tsv"};
    long d = 8, r = 2, reps = 0, steps = 1000, points = 21, frob_every = 2;
    double eta = 0.005, init_scale = 0.5;
    const char *ns_s = "";
    nso_arg_spec specs[] = {
        {"seed", NSO_ARG_U64, &c.seed, 0, 1.8e19, "random seed"},
        {"profile", NSO_ARG_STRING, &c.profile, 0, 0, "quick or full"},
        {"out", NSO_ARG_STRING, &c.out, 0, 0, "output directory"},
        {"ledger", NSO_ARG_STRING, &c.ledger, 0, 0, "claims ledger (TSV)"},
        {"d", NSO_ARG_INT, &d, 2, 16, "matrix side d (the Hessian is d^2 x d^2)"},
        {"r", NSO_ARG_INT, &r, 1, 16, "rank of X* (<= d)"},
        {"ns", NSO_ARG_STRING, &ns_s, 0, 0, "comma-separated measurement counts n, ascending (empty = profile default)"},
        {"reps", NSO_ARG_INT, &reps, 0, 100000, "independent data sets per n (0 = profile default)"},
        {"steps", NSO_ARG_INT, &steps, 1, 1e7, "GD steps of the path"},
        {"eta", NSO_ARG_DOUBLE, &eta, 1e-9, 1, "GD step size"},
        {"points", NSO_ARG_INT, &points, 2, 1001, "iterates evaluated along the path (equally spaced, ends included)"},
        {"frob-every", NSO_ARG_INT, &frob_every, 1, 1001, "the Frobenius norm at every this-many-th evaluated iterate"},
        {"init-scale", NSO_ARG_DOUBLE, &init_scale, 1e-6, 10, "U_0 = init-scale * N(0,1)"},
    };
    size_t nspec = sizeof specs / sizeof specs[0];
    nso_cli_parse(argc, argv, specs, nspec, "proofs_lemma_a5: Lemma A.5 (empirical Hessian trace) on matrix sensing");
    pc_setup(&c, argc, argv);
    if (r > d) nso_die("--r: expected an integer in [1, d = %ld], got %ld", d, r);
    if (points > steps + 1) nso_die("--points: at most --steps + 1 = %ld iterates, got %ld", steps + 1, points);
    long ns[MAXN];
    size_t k;
    if (!ns_s[0]) ns_s = c.full ? "25,50,100,200,400,800,1600,3200,6400,12800,25600,51200,102400"
                                : "25,50,100,200,400,800,1600";
    k = nso_cli_int_list("ns", ns_s, ns, MAXN, 1, 10000000);
    if (k < 3) nso_die("--ns: the rate needs at least 3 values of n, got %zu", k);
    for (size_t i = 1; i < k; i++)
        if (ns[i] <= ns[i - 1]) nso_die("--ns: expected ascending values, got %ld after %ld", ns[i], ns[i - 1]);
    if (reps == 0) reps = c.full ? 32 : 12;
    if (reps < 2) nso_die("--reps: expected an integer in [2, 100000], got %ld", reps);
    nso_cli_format(specs, nspec, c.params, sizeof c.params);
    pc_begin(&c);

    char path[1024];
    snprintf(path, sizeof path, "%s", pc_path(&c, "lemma_a5.csv"));
    nso_csv *csv = nso_csv_open(path, "proofs_lemma_a5", c.params, c.seed,
                                "n,sup_trace_dev,sup_trace_se,start_trace_dev,start_trace_se,sup_frob,sup_frob_se,"
                                "start_frob,start_frob_se,end_trace_dev,end_trace_se,end_frob,end_frob_se,sqrt_n_sup_trace,end_rel_loss,"
                                "trace_at_ustar");
    if (!csv) exit(2);
    double mt[MAXN], st[MAXN], m0[MAXN], s0[MAXN], mf[MAXN], sf[MAXN], mf0[MAXN], sf0[MAXN], me[MAXN], se_[MAXN],
        mfe[MAXN], sfe[MAXN];
    double *x = nso_xmalloc((size_t)reps * 6 * sizeof(double));
    double trstar = 0;
    nso_progress pr;
    nso_progress_begin(&pr, "lemma A.5", k * (size_t)reps, 0);
    for (size_t i = 0; i < k; i++) {
        double lrel = 0;
        for (long rep = 0; rep < reps; rep++) {
            a5_run o = a5_one(d, r, ns[i], rep, steps, eta, points, frob_every, init_scale, c.seed);
            x[rep] = o.sup_tr, x[reps + rep] = o.start_tr, x[2 * reps + rep] = o.sup_fr, x[3 * reps + rep] = o.start_fr;
            x[4 * reps + rep] = o.end_tr, x[5 * reps + rep] = o.end_fr;
            lrel += o.end_loss_rel / (double)reps;
            nso_progress_update(&pr, i * (size_t)reps + (size_t)rep + 1);
        }
        pc_ci a = pc_ci_of(x, (size_t)reps), b = pc_ci_of(x + reps, (size_t)reps), f = pc_ci_of(x + 2 * reps, (size_t)reps),
              g = pc_ci_of(x + 3 * reps, (size_t)reps), e = pc_ci_of(x + 4 * reps, (size_t)reps),
              h = pc_ci_of(x + 5 * reps, (size_t)reps);
        me[i] = e.mean, se_[i] = e.se, mfe[i] = h.mean, sfe[i] = h.se;
        mt[i] = a.mean, st[i] = a.se, m0[i] = b.mean, s0[i] = b.se, mf[i] = f.mean, sf[i] = f.se, mf0[i] = g.mean,
        sf0[i] = g.se;
        if (i == 0) { /* tr H(U*) = (d+1)||U*||_F^2, the scale of the traces */
            nso_sensing_params sp = {.d = (size_t)d, .r = (size_t)r, .m = {1, 0, 0}, .seed = 1, .fixed_ustar = 1,
                                     .ustar_seed = c.seed};
            char msg[256];
            nso_sensing *s = nso_sensing_alloc(&sp, msg, sizeof msg);
            if (!s) nso_die("--d/--r: %s", msg);
            double *Us = nso_xcalloc((size_t)(d * d), sizeof(double));
            for (long a1 = 0; a1 < d; a1++)
                for (long b1 = 0; b1 < r; b1++) Us[a1 * d + b1] = s->Ustar[a1 * r + b1];
            trstar = sp_pop_trace(s, Us);
            free(Us);
            nso_sensing_free(s);
        }
        nso_csv_printf(csv, "%ld,%.8e,%.3e,%.8e,%.3e,%.8e,%.3e,%.8e,%.3e,%.8e,%.3e,%.8e,%.3e,%.6g,%.4e,%.6g\n", ns[i], a.mean,
                       a.se, b.mean, b.se, f.mean, f.se, g.mean, g.se, e.mean, e.se, h.mean, h.se,
                       sqrt((double)ns[i]) * a.mean, lrel, trstar);
    }
    nso_progress_end(&pr);
    pc_commit(csv); /* after the ledger rows (pc_claims_md) */
    pc_fit ft = loglog(ns, mt, st, k), f0 = loglog(ns, m0, s0, k), ff = loglog(ns, mf, sf, k), ff0 = loglog(ns, mf0, sf0, k);
    pc_fit fe = loglog(ns, me, se_, k), ffe = loglog(ns, mfe, sfe, k);
    double ct = exp(ft.intercept), cf = exp(ff.intercept);
    pc_claim(&c, "lemmaA5.trace_rate",
             "Lemma A.5 (through eq. 17): sup_W |tr H_n(W) - tr H(W)| <= C_2 sqrt(p log(C_3 n/delta)/n)",
             pc_fmt("matrix sensing d = %ld, r = %ld, n in [%ld, %ld], %ld data sets per n, W on the GD path (%ld "
                    "iterates of %ld steps): E sup_path |tr H_n - tr H| ~ %.3g n^%.3f, slope %.3f [%.3f, %.3f] (tr H(U*) "
                    "= %.4g); at the data-independent U_0: slope %.3f [%.3f, %.3f]; at the GD solution: slope %.3f [%.3f, %.3f]",
                    d, r, ns[0], ns[k - 1], reps, points, steps, ct, ft.slope, ft.slope, ft.lo, ft.hi, trstar, f0.slope,
                    f0.lo, f0.hi, fe.slope, fe.lo, fe.hi),
             "|slope + 0.5| <= 0.1 (the lemma's sqrt(log n / n): local slope in [-0.5, -0.4])", fabs(ft.slope + 0.5) <= 0.1,
             path);
    pc_claim(&c, "lemmaA5.frobenius_rate",
             "Lemma A.5 eq. (13): sup_W ||H_n(W) - H(W)||_F <= C_2 sqrt(log(C_3 n/delta)/n)",
             pc_fmt("matrix sensing d = %ld (Hessians %ld x %ld), n in [%ld, %ld], W on the GD path (%ld of the %ld "
                    "evaluated iterates): E sup_path ||H_n - H||_F ~ %.3g n^%.3f, slope %.3f [%.3f, %.3f]; at U_0: slope "
                    "%.3f [%.3f, %.3f]; at the GD solution: slope %.3f [%.3f, %.3f]",
                    d, d * d, d * d, ns[0], ns[k - 1], (points - 1) / frob_every + 1 + ((points - 1) % frob_every != 0),
                    points, cf, ff.slope, ff.slope, ff.lo, ff.hi, ff0.slope, ff0.lo,
                    ff0.hi, ffe.slope, ffe.lo, ffe.hi),
             "|slope + 0.5| <= 0.1", fabs(ff.slope + 0.5) <= 0.1, path);
    pc_claims_md(&c, "lemma_a5");
    free(x);
    return 0;
}
