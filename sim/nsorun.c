/* nsorun.c - the teaching command line: run any optimizer of the registry on
 * any problem of the registry and write a CSV of the trajectory.
 *
 *   nsorun --problem sensing --dim 30 --opt nso --sigma 0.01 --k 2 --steps 3000 --out nso.csv
 *
 * Columns: step, eta, f (the objective), grad_norm2 (||grad f||^2), trace
 * (closed-form tr grad^2 f where the problem has one, every --hess-every
 * steps, else nan), and for matrix sensing the validation / test relative MSE
 * and ||UU^T - X*||_F / ||X*||_F.  See docs/tutorial.md. */
#include "cli.h"
#include "io.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "progress.h"
#include "rng.h"
#include "schedule.h"
#include "sensing.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *problem = "sensing", *opt = "nso", *out = NULL;
    const char *schedule = "constant", *output = "last";
    double eta = 0.0025, scale = 1.0, sigma_g = 0.0, hb = 0.0, wd = 0.0;
    long steps = 2000, log_every = 20, hess_every = 200, dim = 30, rank = 3, m = 0;
    uint64_t seed = 1;
    nso_arg_spec base[] = {
        {"problem", NSO_ARG_STRING, &problem, 0, 0, "problem from the registry (see --list)"},
        {"opt", NSO_ARG_STRING, &opt, 0, 0, "optimizer from the registry (see --list)"},
        {"eta", NSO_ARG_DOUBLE, &eta, 1e-12, 100, "base step size"},
        {"momentum", NSO_ARG_DOUBLE, &hb, 0, 0.999999, "heavy-ball momentum around any method (0: off)"},
        {"wd", NSO_ARG_DOUBLE, &wd, 0, 1e6, "decoupled weight decay around any method (0: off)"},
        {"schedule", NSO_ARG_STRING, &schedule, 0, 0, "constant | step:<every>:<factor> | milestones:<factor>:<t1,t2,...> | list:<e0,e1,...>"},
        {"steps", NSO_ARG_INT, &steps, 1, 100000000, "number of steps T"},
        {"output", NSO_ARG_STRING, &output, 0, 0, "reported point: last | random (Lemma B.1)"},
        {"sigma-g", NSO_ARG_DOUBLE, &sigma_g, 0, 1e6, "oracle noise: E||g - grad f||^2 = sigma_g^2 (additive Gaussian)"},
        {"dim", NSO_ARG_INT, &dim, 1, 1000000, "problem size (sensing: matrix side d)"},
        {"rank", NSO_ARG_INT, &rank, 1, 1000, "sensing: rank r of X*"},
        {"m", NSO_ARG_INT, &m, 0, 10000000, "sensing: measurements per set (0: 5 d r)"},
        {"scale", NSO_ARG_DOUBLE, &scale, 1e-6, 1e6, "problem scale (quadratic: top eigenvalue; cosquad: b)"},
        {"log-every", NSO_ARG_INT, &log_every, 1, 100000000, "write a row every this many steps"},
        {"hess-every", NSO_ARG_INT, &hess_every, 1, 100000000, "Hessian trace every this many steps"},
        {"seed", NSO_ARG_U64, &seed, 0, 1.8e19, "random seed (data, init and noise streams)"},
        {"out", NSO_ARG_STRING, &out, 0, 0, "output CSV (written atomically); default stdout"},
    };
    /* the method parameters (--sigma, --k, --noise, --mu, --rho, ...) come from
     * the optimizers' parameter tables */
    enum { NBASE = sizeof base / sizeof *base, MAXS = NBASE + 64 };
    nso_arg_spec specs[MAXS];
    const char *texts[64];
    memcpy(specs, base, sizeof base);
    size_t ns = NBASE + nso_opt_cli_specs(specs + NBASE, MAXS - NBASE, texts);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--list") == 0) {
            printf("problems:\n");
            for (size_t j = 0; nso_problems[j]; j++)
                printf("  %-10s %s\n", nso_problems[j]->name, nso_problems[j]->help);
            /* networks are objectives of the same engine (nn/nn_objective.h); they
             * need the data cache, so they are trained by nn_cli and ft_run */
            printf("network problems (the same optimizers and flags, through nn/nn_objective.h):\n"
                   "  %-10s MLP 784-hidden-C on Fashion-MNIST / MNIST: build/bin/nn_cli --cmd train --arch mlp --opt NAME ...\n"
                   "  %-10s CIFAR-style ResNet-8/14/20 on 28x28 images: build/bin/nn_cli --cmd train --arch resnet --opt NAME ...\n",
                   "mlp", "resnet");
            printf("optimizers (and their parameters):\n");
            nso_opt_print_list(stdout);
            printf("perturbation laws (--noise):\n");
            for (size_t j = 0; nso_noise_laws[j]; j++)
                printf("  %-20s %s\n", nso_noise_laws[j]->name, nso_noise_laws[j]->help);
            return 0;
        }
    nso_cli_parse(argc, argv, specs, ns,
                  "nsorun: run an optimizer on a problem and write the trajectory as CSV.\n"
                  "  nsorun --problem sensing --opt nso --sigma 0.01 --steps 3000 --out nso.csv\n"
                  "  nsorun --list     lists problems, optimizers (with parameters) and laws");
    const nso_problem *prob = nso_problem_find(problem);
    if (!prob) nso_die("--problem: unknown problem '%s' (one of: %s)", problem, nso_problem_names());
    const nso_opt_type *ot = nso_opt_find(opt);
    if (!ot) nso_die("--opt: unknown optimizer '%s' (one of: %s)", opt, nso_opt_names());
    nso_param_set ps;
    nso_params_clear(&ps);
    nso_opt_cli_apply(ot, texts, &ps);
    if (strcmp(output, "last") != 0 && strcmp(output, "random") != 0)
        nso_die("--output: expected last or random, got '%s'", output);
    int is_sensing = strcmp(problem, "sensing") == 0;
    if (is_sensing && rank > dim) nso_die("--rank: must be in [1, dim = %ld], got %ld", dim, rank);
    if (out) nso_check_writable("out", out);
    double listbuf[4096];
    nso_schedule sched;
    char smsg[256];
    if (nso_schedule_parse(schedule, eta, listbuf, 4096, &sched, smsg, sizeof smsg) != NSO_OK)
        nso_die("--schedule: %s", smsg);

    nso_problem_params pp = {.dim = (size_t)dim, .rank = (size_t)rank, .m = (size_t)m, .seed = seed,
                             .scale = scale};
    char msg[512];
    nso_objective *obj = prob->create(&pp, msg, sizeof msg);
    if (!obj) nso_die("--problem %s: %s (see --dim, --rank, --m, --scale)", problem, msg);
    nso_sensing *sens = is_sensing ? obj->ctx : NULL; /* before any wrapping */
    if (sigma_g > 0) obj = nso_obj_additive_noise(obj, sigma_g);
    size_t n = obj->dim;
    nso_optimizer *o = nso_optimizer_alloc(ot, n, &ps, obj, msg, sizeof msg);
    if (!o) nso_die("--opt %s: %s", opt, msg);
    if (nso_opt_compose(o, hb, wd, msg, sizeof msg)) nso_die("--momentum/--wd: %s", msg);
    o->sample_seed = nso_mix64(seed ^ nso_hash_str("oracle"));

    gsl_rng *rinit = nso_rng_named(seed, "init"), *rrun = nso_rng_named(seed, "run");
    gsl_rng *rpick = nso_rng_named(seed, "output");
    double *w = nso_xmalloc(n * sizeof(double)), *g = nso_xmalloc(n * sizeof(double));
    double *wsel = nso_xmalloc(n * sizeof(double));
    prob->init(obj, w, rinit);
    size_t pick = strcmp(output, "random") == 0 ? nso_random_iterate(&sched, (size_t)steps, rpick)
                                                : (size_t)steps;
    char params[2048];
    nso_cli_format(specs, ns, params, sizeof params);
    nso_csv *csv = NULL;
    FILE *f = stdout;
    const char *cols = "step,eta,f,grad_norm2,trace,val_relmse,test_relmse,dist";
    if (out) {
        csv = nso_csv_open(out, "nsorun", params, seed, cols);
        if (!csv) return 2;
        f = csv->f;
    } else {
        printf("# program: nsorun\n# params: %s\n# seed: %llu\n# git: %s\n%s\n", params,
               (unsigned long long)seed, nso_git_rev(), cols);
    }
    nso_progress pr;
    nso_progress_begin(&pr, "nsorun", (size_t)steps, 0);
    for (long t = 0; t <= steps; t++) {
        if ((size_t)t == pick) memcpy(wsel, w, n * sizeof(double));
        if (t % log_every == 0 || t == steps) {
            double fv = obj->value(obj->ctx, w);
            obj->grad(obj->ctx, w, g);
            double gn = 0;
            for (size_t i = 0; i < n; i++) gn += g[i] * g[i];
            double tr = (obj->hess_trace && (t % hess_every == 0 || t == steps))
                            ? obj->hess_trace(obj->ctx, w) : NAN;
            double vr = NAN, te = NAN, di = NAN;
            if (is_sensing) {
                nso_sensing_residuals(sens, NSO_SET_VAL, 1, w, NULL, &vr);
                nso_sensing_residuals(sens, NSO_SET_TEST, 1, w, NULL, &te);
                di = nso_sensing_dist(sens, w);
            }
            if (!isfinite(fv) || !isfinite(gn)) {
                if (csv) nso_csv_abort(csv);
                nso_die("diverged (NaN/Inf) at step %ld: try a smaller --eta (now %g) or --sigma", t, eta);
            }
            fprintf(f, "%ld,%.6g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", t,
                    nso_schedule_eta(&sched, (size_t)t), fv, gn, tr, vr, te, di);
        }
        if (t == steps) break;
        if (nso_opt_step(o, obj, w, nso_schedule_eta(&sched, (size_t)t), rrun) != NSO_OK) {
            if (csv) nso_csv_abort(csv);
            nso_die("diverged (NaN/Inf) at step %ld: try a smaller --eta (now %g) or --sigma", t + 1, eta);
        }
        nso_progress_update(&pr, (size_t)t + 1);
    }
    nso_progress_end(&pr);
    if (strcmp(output, "random") == 0) {
        obj->grad(obj->ctx, wsel, g);
        double gn = 0;
        for (size_t i = 0; i < n; i++) gn += g[i] * g[i];
        fprintf(f, "# random iterate (Lemma B.1): t = %zu, f = %.10g, grad_norm2 = %.10g\n", pick,
                obj->value(obj->ctx, wsel), gn);
    }
    int rc = 0;
    if (csv && nso_csv_commit(csv) != NSO_OK) rc = 2;
    nso_optimizer_free(o);
    nso_obj_free(obj);
    gsl_rng_free(rinit); gsl_rng_free(rrun); gsl_rng_free(rpick);
    free(w); free(g); free(wsel);
    return rc;
}
