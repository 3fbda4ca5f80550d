/* sensing_fig3.c - the matrix-sensing simulation of paper Sec. 3.1 / Fig. 3,
 * one seed per invocation (one job).  @paper sec:3.1
 *
 * Runs GD, WP-GD at every sigma and NSO (Algorithm 1, k draws) at every sigma
 * from the same U_0, in lock-step: at every step the gradient points of all
 * runs (GD: 1, WP-GD: 1, NSO: 2k each) are evaluated together, sharing the two
 * passes over the training measurements (sensing.h).  Every --log-every steps
 * it records train / validation / test relative MSE and ||UU^T - X*||_F/||X*||_F;
 * every --hess-every steps the closed-form Hessian trace and the top Hessian
 * eigenvalue (Lanczos, lock-step over runs).
 *
 * Output: <outdir>/seed<S>/<run>.csv and <run>_hess.csv per run, written
 * atomically at the end.  Runs whose files exist are skipped when the files
 * record the same parameters (--d --r --m --steps --eta --log-every
 * --hess-every --lanczos --seed, --k for NSO) and are complete; a file with
 * other parameters is refused (exit 2, before anything is computed).  The
 * state of the unfinished runs is checkpointed (lib/ckpt.h: named records,
 * checksummed) every --ckpt-every steps and once more when every log is
 * complete, to <outdir>/seed<S>/checkpoint.bin, so an
 * interrupted job resumes where it stopped, also when it was stopped while
 * committing its files (the rest are then written from the checkpoint).
 *
 * Each run's top eigenvalue starts its Lanczos iteration from a vector drawn
 * from its own stream (seed, "fig3/lanczos/<run>", step), so it does not
 * depend on which runs share the lock-step batch; the batched passes over
 * the data sum in an order that depends on the batch size, which changes
 * the numbers only at rounding level (tests/reliab checks 1e-9 relative).
 * A run that diverges (NaN/Inf) is stopped, reported on stderr, and its file
 * says "# status: diverged at step N" with no data rows (never plotted).
 *
 * Runs beyond the paper's three methods (issue 10's Fig. 3 supplements):
 *   --wpgd-k K1,K2,..   WP-GD averaging K one-point draws per step (run
 *                       wpgd_k<K>_s<sigma>; K = 1 is WP-GD itself, run
 *                       wpgd_s<sigma>).  An even K is the registry's NSO with
 *                       --no-negative and k = K/2: K independent draws U_j,
 *                       W <- W - eta (1/K) sum_j g(W + U_j), exactly WP-GD's
 *                       estimate averaged over K draws.
 *   --nso-iso C1,C2,..  NSO plus an isotropic noise of C times the variance of
 *                       WP-GD's extra noise (method nsoiso, lib/opt_nsoiso.c;
 *                       run nso_iso<C>_s<sigma>); C = 0 is NSO (run nso_s<sigma>).
 *   --plateau P         a run stops once its best validation error has improved
 *                       by less than --plateau-tol (relative) over the last P
 *                       steps, checked at the Hessian steps; its files then say
 *                       "# status: plateau at step N" and hold the rows up to N.
 *   --done FILE         once every run's files are committed (or were already
 *                       complete), write FILE listing the runs: the RESULT of a
 *                       job manifest line (scripts/job.sh). */
#include "ckpt.h"
#include "cli.h"
#include "hessian.h"
#include "io.h"
#include "nso_error.h"
#include "optimizer.h"
#include "progress.h"
#include "rng.h"
#include "sensing.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXRUNS 64
#define LOGCOLS 6 /* step, train, val, test, dist, loss */
#define HCOLS 3   /* step, trace, lambda1 */

typedef struct {
    char name[48], path[4096], hpath[4096];
    const nso_opt_type *type;
    double sigma;
    nso_optimizer *o;
    gsl_rng *r;
    double *w;
    int skip, diverged, plateau; /* plateau: stopped by --plateau at div_step */
    int uses_k;                  /* the run's result depends on --k (NSO, nsoiso) */
    nso_param_set ps;            /* the run's method parameters */
    long div_step;
    size_t nlog, nh;
    double *log, *hlog;
} run_t;

/* the flags a run's result depends on (besides --run / --sigma): a result
 * file or checkpoint recorded with other values is not this run's */
static const char *const RUN_KEYS[] = {"d", "r", "m", "steps", "eta", "log-every", "hess-every", "lanczos",
                                       "seed", "run", "sigma", NULL};
static const char *const NSO_KEYS[] = {"k", NULL};

/* rows a complete run writes: metrics at every t in [0, steps] with
 * t % log_every == 0 or t == steps; Hessian rows at those of them with
 * t % hess_every == 0 or t == steps.  A run stopped by --plateau at step
 * end < steps holds the rows of t <= end. */
static void expected_rows_to(long end, long steps, long log_every, long hess_every, size_t *nlog, size_t *nh)
{
    *nlog = *nh = 0;
    for (long t = 0; t <= end; t++)
        if (t % log_every == 0 || t == steps) {
            ++*nlog;
            if (t % hess_every == 0 || t == steps) ++*nh;
        }
}
static void expected_rows(long steps, long log_every, long hess_every, size_t *nlog, size_t *nh)
{
    expected_rows_to(steps, steps, log_every, hess_every, nlog, nh);
}

/* the --plateau rule a file was computed with ("0" when it records none:
 * files written before the flag existed ran every step) */
static void plateau_of(const char *params, char *buf, size_t len)
{
    char p[64], tol[64];
    if (!nso_params_get(params, "plateau", p, sizeof p) || strcmp(p, "0") == 0) {
        snprintf(buf, len, "0");
        return;
    }
    snprintf(buf, len, "%s tol %s", p, nso_params_get(params, "plateau-tol", tol, sizeof tol) ? tol : "?");
}

/* run geometry for check_done: steps, log and Hessian intervals */
static long g_steps, g_log_every, g_hess_every;

/* a run's existing file: 1 when it is this run's complete result, dies when
 * it belongs to other parameters or is damaged (naming the file) */
static void check_done(const char *path, const char *cols, const char *want, int is_nso, size_t rows, int hess)
{
    char msg[1024];
    nso_table_opts o = {.columns = cols};
    nso_table *t = nso_result_read(path, &o, "sensing_fig3", want, RUN_KEYS, msg, sizeof msg);
    if (t && is_nso) {
        const char *have = nso_table_meta(t, "params");
        char why[600];
        if (nso_params_diff(have ? have : "", want, NSO_KEYS, why, sizeof why)) {
            snprintf(msg, sizeof msg, "'%s' holds a result computed with other parameters (%s)", path, why);
            nso_table_free(t);
            t = NULL;
        }
    }
    if (t) { /* the stopping rule: a run stopped early is not a run of every step */
        const char *have = nso_table_meta(t, "params");
        char a[160], b[160];
        plateau_of(have ? have : "", a, sizeof a);
        plateau_of(want, b, sizeof b);
        if (strcmp(a, b) != 0) {
            snprintf(msg, sizeof msg, "'%s' holds a result computed with other parameters (--plateau is '%s' in the file, '%s' expected)",
                     path, a, b);
            nso_table_free(t);
            t = NULL;
        }
    }
    if (!t) nso_die("--outdir: %s; delete it (or use another --outdir) to recompute", msg);
    const char *st = nso_table_meta(t, "status");
    int ok = st && strncmp(st, "ok", 2) == 0, div = st && strncmp(st, "diverged", 8) == 0;
    int plat = st && strncmp(st, "plateau at step ", 16) == 0;
    if (plat) { /* rows up to the recorded step, which a plateau run stops at */
        char *end;
        long n = strtol(st + 16, &end, 10);
        if (end == st + 16 || *end || n < 0 || n >= g_steps || n % g_hess_every || n % g_log_every) {
            nso_table_free(t);
            nso_die("--outdir: '%s' has a malformed '# status: plateau at step N' line; delete it to recompute", path);
        }
        size_t nl, nh;
        expected_rows_to(n, g_steps, g_log_every, g_hess_every, &nl, &nh);
        rows = hess ? nh : nl;
        ok = 1;
    }
    if (!ok && !div) {
        nso_table_free(t);
        nso_die("--outdir: '%s' has no '# status: ok' or '# status: diverged' line (cut short?); delete it to recompute", path);
    }
    if (ok && t->nrows != rows) {
        size_t n = t->nrows;
        nso_table_free(t);
        nso_die("--outdir: '%s' has %zu data rows, a complete run has %zu (cut short?); delete it to recompute",
                path, n, rows);
    }
    nso_table_free(t);
}

/* the checkpoint: every active run's optimizer state and this program's
 * record of it in the extras: diverged, div_step, nlog, nh, the metric rows,
 * the Hessian rows */
static void pack(run_t *u, double *x, size_t *nx)
{
    x[0] = u->diverged ? 1 : u->plateau ? 2 : 0;
    x[1] = (double)u->div_step;
    x[2] = (double)u->nlog;
    x[3] = (double)u->nh;
    memcpy(x + 4, u->log, u->nlog * LOGCOLS * sizeof(double));
    memcpy(x + 4 + u->nlog * LOGCOLS, u->hlog, u->nh * HCOLS * sizeof(double));
    *nx = 4 + u->nlog * LOGCOLS + u->nh * HCOLS;
}

static int unpack(run_t *u, const double *x, size_t nx, size_t nlogmax, size_t nhmax)
{
    if (nx < 4 || (x[0] != 0 && x[0] != 1 && x[0] != 2) || !(x[2] >= 0 && x[2] <= (double)nlogmax) ||
        !(x[3] >= 0 && x[3] <= (double)nhmax) || x[2] != (double)(size_t)x[2] || x[3] != (double)(size_t)x[3] ||
        !(fabs(x[1]) < 1e15))
        return NSO_EFORMAT;
    size_t nlog = (size_t)x[2], nh = (size_t)x[3];
    if (nx != 4 + nlog * LOGCOLS + nh * HCOLS) return NSO_EFORMAT;
    u->diverged = x[0] == 1;
    u->plateau = x[0] == 2;
    u->div_step = (long)x[1];
    u->nlog = nlog;
    u->nh = nh;
    memcpy(u->log, x + 4, nlog * LOGCOLS * sizeof(double));
    memcpy(u->hlog, x + 4 + nlog * LOGCOLS, nh * HCOLS * sizeof(double));
    return NSO_OK;
}

static int save_ckpt(const char *path, uint64_t sig, long step, run_t *runs, size_t nr, size_t xcap)
{
    nso_ckpt_run cr[MAXRUNS];
    size_t n = 0;
    double *xs = nso_xmalloc(nr * xcap * sizeof(double));
    for (size_t i = 0; i < nr; i++) {
        run_t *u = &runs[i];
        if (u->skip) continue;
        snprintf(cr[n].name, sizeof cr[n].name, "%s", u->name);
        cr[n].o = u->o;
        cr[n].w = u->w;
        cr[n].r = u->r;
        cr[n].x = xs + n * xcap;
        pack(u, cr[n].x, &cr[n].nx);
        n++;
    }
    char msg[1024];
    int rc = nso_ckpt_save(path, sig, (uint64_t)step, cr, n, msg, sizeof msg);
    if (rc != NSO_OK) fprintf(stderr, "%s: warning: checkpoint not written: %s\n", nso_progname(), msg);
    free(xs);
    return rc;
}

/* the step to resume at: 0 when there is no usable checkpoint (the runs are
 * then reset by the caller), steps + 1 when every log is complete */
static long load_ckpt(const char *path, uint64_t sig, run_t *runs, size_t nr, size_t xcap, size_t nlogmax,
                      size_t nhmax, long steps)
{
    if (!nso_file_exists(path)) return 0;
    nso_ckpt_run cr[MAXRUNS];
    size_t n = 0, map[MAXRUNS];
    double *xs = nso_xmalloc(nr * xcap * sizeof(double));
    for (size_t i = 0; i < nr; i++) {
        run_t *u = &runs[i];
        if (u->skip) continue;
        snprintf(cr[n].name, sizeof cr[n].name, "%s", u->name);
        cr[n].o = u->o;
        cr[n].w = u->w;
        cr[n].r = u->r;
        cr[n].x = xs + n * xcap;
        cr[n].nx = xcap;
        map[n++] = i;
    }
    char msg[1024];
    uint64_t step = 0;
    int rc = nso_ckpt_load(path, sig, &step, cr, n, msg, sizeof msg);
    for (size_t k = 0; rc == NSO_OK && k < n; k++)
        if (unpack(&runs[map[k]], cr[k].x, cr[k].nx, nlogmax, nhmax) != NSO_OK) {
            snprintf(msg, sizeof msg, "'%s': run '%s': inconsistent log record", path, cr[k].name);
            rc = NSO_EFORMAT;
        }
    if (rc == NSO_OK && step > (uint64_t)steps + 1) {
        snprintf(msg, sizeof msg, "'%s': step %llu is past --steps %ld", path, (unsigned long long)step, steps);
        rc = NSO_EFORMAT;
    }
    free(xs);
    if (rc != NSO_OK) {
        fprintf(stderr, "%s: checkpoint not used (%s); starting over\n", nso_progname(), msg);
        return -1;
    }
    return (long)step;
}

/* --done: the job's run list, written once every run's files are committed
 * (0, or 2 when it cannot be written) */
static int write_done(const char *done, const char *params, uint64_t seed, const run_t *runs, size_t nr)
{
    if (!*done) return 0;
    nso_csv *c = nso_csv_open(done, "sensing_fig3", params, seed, "run,file");
    if (!c) return 2;
    for (size_t i = 0; i < nr; i++) nso_csv_printf(c, "%s,%s\n", runs[i].name, runs[i].path);
    return nso_csv_commit(c) == NSO_OK ? 0 : 2;
}

int main(int argc, char **argv)
{
    long d = 100, r = 5, m = 0, steps = 10000, k = 1, log_every = 20, hess_every = 200;
    long lanczos = 20, ckpt_every = 500, stop_after = 0, plateau = 0;
    double eta = 0.0025, plateau_tol = 0.01;
    uint64_t seed = 1;
    const char *sigmas_s = "0.001,0.002,0.004,0.008,0.01,0.016", *outdir = "out/quick/sensing";
    const char *methods = "gd,wpgd,nso", *wpgd_k_s = "1", *nso_iso_s = "0", *done = "";
    nso_arg_spec specs[] = {
        {"d", NSO_ARG_INT, &d, 2, 400, "matrix side d (paper: 100)"},
        {"r", NSO_ARG_INT, &r, 1, 400, "rank r of X* (paper: 5)"},
        {"m", NSO_ARG_INT, &m, 0, 1000000, "measurements per set: train, validation, test (0: 5 d r)"},
        {"steps", NSO_ARG_INT, &steps, 1, 10000000, "steps (paper: 10,000)"},
        {"eta", NSO_ARG_DOUBLE, &eta, 1e-9, 10, "step size (paper: 0.0025)"},
        {"sigmas", NSO_ARG_STRING, &sigmas_s, 0, 0, "comma-separated sigma grid for WP-GD and NSO"},
        {"k", NSO_ARG_INT, &k, 1, 64, "NSO perturbations per step (paper: 1)"},
        {"methods", NSO_ARG_STRING, &methods, 0, 0, "subset of gd,wpgd,nso"},
        {"log-every", NSO_ARG_INT, &log_every, 1, 1000000, "metrics every this many steps"},
        {"hess-every", NSO_ARG_INT, &hess_every, 1, 10000000, "Hessian trace / top eigenvalue every this many steps"},
        {"lanczos", NSO_ARG_INT, &lanczos, 2, 500, "Lanczos iterations for the top eigenvalue"},
        {"ckpt-every", NSO_ARG_INT, &ckpt_every, 1, 10000000, "checkpoint every this many steps"},
        {"seed", NSO_ARG_U64, &seed, 0, 1.8e19, "seed: data, U_0 and every run's noise stream"},
        {"outdir", NSO_ARG_STRING, &outdir, 0, 0, "output directory (a seed<S>/ folder is made in it)"},
        {"wpgd-k", NSO_ARG_STRING, &wpgd_k_s, 0, 0,
         "WP-GD runs: one-point draws averaged per step, comma-separated (1, or even up to 128)"},
        {"nso-iso", NSO_ARG_STRING, &nso_iso_s, 0, 0,
         "NSO runs: added isotropic noise as a multiple of WP-GD's extra-noise variance, comma-separated (0: NSO)"},
        {"plateau", NSO_ARG_INT, &plateau, 0, 10000000,
         "stop a run when its best validation error improved by < --plateau-tol over this many steps (0: never)"},
        {"plateau-tol", NSO_ARG_DOUBLE, &plateau_tol, 0, 1, "relative improvement that counts for --plateau"},
        {"done", NSO_ARG_STRING, &done, 0, 0, "write this run list once every run is committed (a manifest job's RESULT)"},
        /* keep last: not part of the checkpoint signature */
        {"stop-after", NSO_ARG_INT, &stop_after, 0, 10000000, "testing: stop after this many steps (at a checkpoint), as if interrupted (0: never)"},
    };
    size_t ns = sizeof specs / sizeof *specs;
    nso_cli_parse(argc, argv, specs, ns,
                  "sensing_fig3: GD, WP-GD and NSO on matrix sensing (paper Sec. 3.1, Fig. 3), one seed");
    if (r > d) nso_die("--r: must be in [1, d = %ld], got %ld", d, r);
    if (m == 0) m = 5 * d * r;
    double sig[16], isov[16];
    long wkv[16];
    size_t nsig = nso_cli_list("sigmas", sigmas_s, sig, 16, 0.0, 1.0);
    size_t nwk = nso_cli_int_list("wpgd-k", wpgd_k_s, wkv, 16, 1, 128);
    for (size_t i = 0; i < nwk; i++)
        if (wkv[i] > 1 && wkv[i] % 2)
            nso_die("--wpgd-k: expected 1 or an even number of draws (2..128), got %ld", wkv[i]);
    size_t niso = nso_cli_list("nso-iso", nso_iso_s, isov, 16, 0.0, 1e6);
    if (plateau && plateau % hess_every)
        nso_die("--plateau: must be a multiple of --hess-every (%ld; the rule is checked at the Hessian steps), got %ld",
                hess_every, plateau);
    if (plateau && hess_every % log_every)
        nso_die("--hess-every: with --plateau it must be a multiple of --log-every (%ld), got %ld", log_every, hess_every);
    char donedir[4096] = "";
    if (*done) { /* its folder is made with the output folder, once every input is valid */
        struct stat dst;
        if (stat(done, &dst) == 0 && S_ISDIR(dst.st_mode)) nso_die("--done: '%s' is a directory", done);
        const char *sl = strrchr(done, '/');
        if (sl) snprintf(donedir, sizeof donedir, "%.*s", (int)(sl - done), done);
        if (!sl || !donedir[0]) snprintf(donedir, sizeof donedir, "%s", sl ? "/" : ".");
    }
    g_steps = steps;
    g_log_every = log_every;
    g_hess_every = hess_every;
    int use[3] = {0, 0, 0};
    {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", methods);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            if (strcmp(tok, "gd") == 0) use[0] = 1;
            else if (strcmp(tok, "wpgd") == 0) use[1] = 1;
            else if (strcmp(tok, "nso") == 0) use[2] = 1;
            else nso_die("--methods: unknown method '%s' (accepted: gd, wpgd, nso)", tok);
        }
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/seed%llu", outdir, (unsigned long long)seed);
    char params[2048];
    nso_cli_format(specs, ns, params, sizeof params);
    size_t rows_log, rows_h;
    expected_rows(steps, log_every, hess_every, &rows_log, &rows_h);

    /* the runs */
    run_t runs[MAXRUNS];
    size_t nr = 0;
    memset(runs, 0, sizeof runs);
    if (use[0]) { snprintf(runs[nr].name, 48, "gd"); runs[nr].type = nso_opt_gd; nr++; }
    for (int meth = 1; meth <= 2; meth++) {
        if (!use[meth]) continue;
        size_t nv = meth == 1 ? nwk : niso;
        if (nr + nsig * nv > MAXRUNS)
            nso_die("--sigmas/--wpgd-k/--nso-iso: at most %d runs per job, asked for more", MAXRUNS);
        for (size_t j = 0; j < nsig; j++)
            for (size_t v = 0; v < nv; v++) {
                run_t *u = &runs[nr++];
                u->sigma = sig[j];
                nso_params_clear(&u->ps);
                nso_params_set(&u->ps, "sigma", sig[j]);
                if (meth == 1 && wkv[v] == 1) { /* WP-GD */
                    snprintf(u->name, 48, "wpgd_s%g", sig[j]);
                    u->type = nso_opt_wpgd;
                } else if (meth == 1) { /* WP-GD averaging K draws: NSO --no-negative, k = K/2 */
                    snprintf(u->name, 48, "wpgd_k%ld_s%g", wkv[v], sig[j]);
                    u->type = nso_opt_nso;
                    nso_params_set(&u->ps, "k", (double)(wkv[v] / 2));
                    nso_params_set(&u->ps, "no-negative", 1);
                } else if (isov[v] == 0) { /* NSO */
                    snprintf(u->name, 48, "nso_s%g", sig[j]);
                    u->type = nso_opt_nso;
                    nso_params_set(&u->ps, "k", (double)k);
                    u->uses_k = 1;
                } else { /* NSO + isotropic noise */
                    snprintf(u->name, 48, "nso_iso%g_s%g", isov[v], sig[j]);
                    u->type = nso_opt_nsoiso;
                    nso_params_set(&u->ps, "k", (double)k);
                    nso_params_set(&u->ps, "iso-noise", isov[v]);
                    u->uses_k = 1;
                }
                for (size_t q = 0; q + 1 < nr; q++)
                    if (!strcmp(runs[q].name, u->name)) nso_die("--sigmas/--wpgd-k/--nso-iso: run '%s' asked for twice", u->name);
            }
    }
    size_t nact = 0;
    for (size_t i = 0; i < nr; i++) {
        snprintf(runs[i].path, sizeof runs[i].path, "%s/%s.csv", dir, runs[i].name);
        snprintf(runs[i].hpath, sizeof runs[i].hpath, "%s/%s_hess.csv", dir, runs[i].name);
        runs[i].skip = nso_file_exists(runs[i].path) && nso_file_exists(runs[i].hpath);
        if (runs[i].skip) { /* a finished run: only when it is this run's complete result */
            char want[2600];
            snprintf(want, sizeof want, "%s --run %s --sigma %g", params, runs[i].name, runs[i].sigma);
            int is_nso = runs[i].uses_k;
            check_done(runs[i].path, "step,train_relmse,val_relmse,test_relmse,dist,loss", want, is_nso, rows_log, 0);
            check_done(runs[i].hpath, "step,trace,lambda1", want, is_nso, rows_h, 1);
        }
        if (!runs[i].skip) nact++;
    }
    if (nact == 0) {
        fprintf(stderr, "%s: %s: all %zu runs already done\n", nso_progname(), dir, nr);
        if (*done && (nso_mkdirs(donedir) != NSO_OK || access(donedir, W_OK) != 0))
            nso_die("--done: cannot create or write the folder '%s'", donedir);
        return write_done(done, params, seed, runs, nr);
    }

    nso_sensing_params sp = {.d = (size_t)d, .r = (size_t)r, .m = {(size_t)m, (size_t)m, (size_t)m},
                             .seed = seed};
    char smsg[256];
    nso_sensing *s = nso_sensing_alloc(&sp, smsg, sizeof smsg);
    if (!s) nso_die("--d/--r/--m: %s", smsg);
    size_t dd = (size_t)(d * d);
    double *U0 = nso_xmalloc(dd * sizeof(double));
    gsl_rng *ri = nso_rng_named(seed, "sensing/init");
    for (size_t i = 0; i < dd; i++) U0[i] = gsl_ran_gaussian(ri, 1.0); /* U_0 ~ N(0,1) */
    gsl_rng_free(ri);
    size_t nlogmax = rows_log, nhmax = rows_h, xcap = 4 + nlogmax * LOGCOLS + nhmax * HCOLS;
    size_t maxpts = 0;
    for (size_t i = 0; i < nr; i++) {
        run_t *u = &runs[i];
        if (u->skip) continue;
        char msg[256];
        u->o = nso_optimizer_alloc(u->type, dd, u->type == nso_opt_gd ? NULL : &u->ps, NULL, msg, sizeof msg);
        if (!u->o) nso_die("--sigmas/--k/--wpgd-k/--nso-iso: %s", msg);
        char nm[96];
        snprintf(nm, sizeof nm, "fig3/%s", u->name);
        u->r = nso_rng_named(seed, nm);
        u->w = nso_xmalloc(dd * sizeof(double));
        memcpy(u->w, U0, dd * sizeof(double));
        u->log = nso_xmalloc(nlogmax * LOGCOLS * sizeof(double));
        u->hlog = nso_xmalloc(nhmax * HCOLS * sizeof(double));
        maxpts += u->o->maxpts;
    }
    /* every input is valid: now the folder */
    if (nso_mkdirs(dir) != NSO_OK || access(dir, W_OK) != 0)
        nso_die("--outdir: cannot create or write '%s'", dir);
    if (*done && (nso_mkdirs(donedir) != NSO_OK || access(donedir, W_OK) != 0))
        nso_die("--done: cannot create or write the folder '%s'", donedir);
    /* the checkpoint must match the parameters the runs depend on; its
     * records are named, so it serves any subset of its runs */
    char sigstr[2600] = "fig3";
    for (size_t i = 0; RUN_KEYS[i]; i++) {
        char v[256];
        if (!strcmp(RUN_KEYS[i], "run") || !strcmp(RUN_KEYS[i], "sigma")) continue;
        size_t u = strlen(sigstr);
        snprintf(sigstr + u, sizeof sigstr - u, "|%s=%s", RUN_KEYS[i], nso_params_get(params, RUN_KEYS[i], v, sizeof v) ? v : "");
    }
    {
        char v[256];
        size_t u = strlen(sigstr);
        snprintf(sigstr + u, sizeof sigstr - u, "|k=%s", nso_params_get(params, "k", v, sizeof v) ? v : "");
        if (plateau) { /* only then: checkpoints of runs without the rule keep their signature */
            u = strlen(sigstr);
            snprintf(sigstr + u, sizeof sigstr - u, "|plateau=%ld|tol=%.17g", plateau, plateau_tol);
        }
    }
    uint64_t sighash = nso_hash_str(sigstr);
    char ckpt[4200];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.bin", dir);
    long t0 = load_ckpt(ckpt, sighash, runs, nr, xcap, nlogmax, nhmax, steps);
    if (t0 < 0) {
        t0 = 0;
        for (size_t i = 0; i < nr; i++) {
            run_t *u = &runs[i];
            if (u->skip) continue;
            char nm[96];
            snprintf(nm, sizeof nm, "fig3/%s", u->name);
            nso_rng_reseed(u->r, seed, nm, 0);
            memcpy(u->w, U0, dd * sizeof(double));
            u->o->step = 0;
            u->nlog = u->nh = 0;
            u->diverged = u->plateau = 0;
        }
    } else if (t0 > steps) {
        fprintf(stderr, "%s: %s: every run finished before the interruption; writing the files from the checkpoint\n",
                nso_progname(), dir);
    } else if (t0 > 0) {
        fprintf(stderr, "%s: %s: resuming at step %ld\n", nso_progname(), dir, t0);
    }

    nso_objective *obj = nso_sensing_objective(s, 0);
    nso_driver *drv = nso_driver_alloc(nr, dd, maxpts);
    if (!obj || !drv) nso_die("out of memory");
    nso_optimizer *ov[MAXRUNS];
    double *wv[MAXRUNS], etav[MAXRUNS];
    gsl_rng *rv[MAXRUNS];
    int stv[MAXRUNS];
    size_t map[MAXRUNS];
    double *Ub = nso_xmalloc(nr * dd * sizeof(double));
    double *res = nso_xmalloc(nr * (size_t)m * sizeof(double));
    double *rel = nso_xmalloc(3 * nr * sizeof(double)), *lam = nso_xmalloc(nr * sizeof(double));
    size_t *idx = nso_xmalloc(nr * sizeof(size_t));
    double *q0 = nso_xmalloc(nr * dd * sizeof(double));
    char label[128];
    snprintf(label, sizeof label, "fig3 seed %llu", (unsigned long long)seed);
    nso_progress pr;
    nso_progress_begin(&pr, label, (size_t)steps, (size_t)t0);
    double tstart = nso_now();
    int stopped = 0;
    for (long t = t0; t <= steps; t++) {
        /* active (not skipped, not diverged) runs */
        size_t na = 0;
        for (size_t i = 0; i < nr; i++) if (!runs[i].skip && !runs[i].diverged && !runs[i].plateau) idx[na++] = i;
        if (na == 0) break;
        int do_log = t % log_every == 0 || t == steps, do_h = t % hess_every == 0 || t == steps;
        if (do_log) {
            for (size_t a = 0; a < na; a++) memcpy(Ub + a * dd, runs[idx[a]].w, dd * sizeof(double));
            nso_sensing_residuals(s, NSO_SET_TRAIN, na, Ub, res, rel);
            nso_sensing_residuals(s, NSO_SET_VAL, na, Ub, NULL, rel + nr);
            nso_sensing_residuals(s, NSO_SET_TEST, na, Ub, NULL, rel + 2 * nr);
            for (size_t a = 0; a < na; a++) {
                run_t *u = &runs[idx[a]];
                double *row = u->log + u->nlog * LOGCOLS;
                row[0] = (double)t;
                row[1] = rel[a];
                row[2] = rel[nr + a];
                row[3] = rel[2 * nr + a];
                row[4] = nso_sensing_dist(s, u->w);
                row[5] = rel[a] * s->ymsq[0] / 4.0;
                if (!isfinite(row[1]) || !isfinite(row[4])) {
                    u->diverged = 1;
                    u->div_step = t;
                    continue;
                }
                u->nlog++;
            }
            if (do_h) {
                nso_sensing_hess h;
                nso_sensing_hess_prepare(s, na, Ub, res, &h); /* residuals from above */
                /* each run's start vector from its own stream: its lambda_1
                 * does not depend on the other runs in the batch */
                for (size_t a = 0; a < na; a++) {
                    char nm[96];
                    snprintf(nm, sizeof nm, "fig3/lanczos/%s", runs[idx[a]].name);
                    gsl_rng *rl = nso_rng_indexed(seed, nm, (uint64_t)t);
                    for (size_t i = 0; i < dd; i++) q0[a * dd + i] = gsl_ran_gaussian(rl, 1.0);
                    gsl_rng_free(rl);
                    lam[a] = NAN;
                }
                nso_linop op = nso_sensing_hess_linop(&h);
                nso_lanczos_top_from(&op, (size_t)lanczos, 1, q0, lam);
                nso_sensing_hess_free(&h);
                for (size_t a = 0; a < na; a++) {
                    run_t *u = &runs[idx[a]];
                    if (u->diverged) continue;
                    double *row = u->hlog + u->nh * HCOLS;
                    row[0] = (double)t;
                    row[1] = nso_sensing_trace(s, u->w, res + a * (size_t)m);
                    row[2] = lam[a];
                    u->nh++;
                    /* --plateau: best validation now against the best up to
                     * t - plateau (both rows of step t are logged) */
                    if (plateau && t >= plateau && t < steps && t % hess_every == 0) {
                        double bnow = INFINITY, bold = INFINITY;
                        for (size_t q = 0; q < u->nlog; q++) {
                            double v = u->log[q * LOGCOLS + 2];
                            if (v < bnow) bnow = v;
                            if (u->log[q * LOGCOLS] <= (double)(t - plateau) && v < bold) bold = v;
                        }
                        if (!(bnow < bold * (1.0 - plateau_tol))) {
                            u->plateau = 1;
                            u->div_step = t;
                        }
                    }
                }
            }
        }
        if (t == steps) break;
        /* one lock-step step of every live run (the driver pools their
         * points into batched passes over the data) */
        size_t nl = 0;
        for (size_t a = 0; a < na; a++) {
            run_t *u = &runs[idx[a]];
            if (u->diverged) continue;
            ov[nl] = u->o;
            wv[nl] = u->w;
            rv[nl] = u->r;
            etav[nl] = eta;
            map[nl++] = idx[a];
        }
        int drc = nso_driver_step(drv, ov, obj, wv, etav, rv, nl, stv);
        if (drc != NSO_OK && drc != NSO_EDIVERGE) nso_die("step %ld: the driver failed (status %d)", t + 1, drc);
        for (size_t a = 0; a < nl; a++)
            if (stv[a] != NSO_OK) {
                runs[map[a]].diverged = 1;
                runs[map[a]].div_step = t + 1;
            }
        if ((t + 1) % ckpt_every == 0 && t + 1 < steps) {
            if (save_ckpt(ckpt, sighash, t + 1, runs, nr, xcap) == NSO_OK && stop_after && t + 1 - t0 >= stop_after) {
                fprintf(stderr, "%s: stopped at step %ld (checkpoint written); run again to resume\n",
                        nso_progname(), t + 1);
                stopped = 1;
                break;
            }
        }
        nso_progress_update(&pr, (size_t)t + 1);
    }
    nso_progress_end(&pr);
    double elapsed = nso_now() - tstart;

    /* every log is complete: a checkpoint past the last step, so that an
     * interruption while the files are committed loses nothing */
    if (!stopped && t0 <= steps) save_ckpt(ckpt, sighash, steps + 1, runs, nr, xcap);
    int rc = stopped ? 3 : 0;
    for (size_t i = 0; i < nr && !stopped; i++) {
        run_t *u = &runs[i];
        if (u->skip) continue;
        char p2[2600];
        snprintf(p2, sizeof p2, "%s --run %s --sigma %g", params, u->name, u->sigma);
        nso_csv *c = nso_csv_open(u->path, "sensing_fig3", p2, seed,
                                  u->diverged ? NULL : "step,train_relmse,val_relmse,test_relmse,dist,loss");
        nso_csv *ch = nso_csv_open(u->hpath, "sensing_fig3", p2, seed,
                                   u->diverged ? NULL : "step,trace,lambda1");
        if (!c || !ch) {
            rc = 2;
            nso_csv_abort(c);
            nso_csv_abort(ch);
            break;
        }
        if (u->diverged) {
            fprintf(stderr, "%s: run %s (seed %llu) diverged (NaN/Inf) at step %ld; not plotted\n",
                    nso_progname(), u->name, (unsigned long long)seed, u->div_step);
            nso_csv_printf(c, "# status: diverged at step %ld\n", u->div_step);
            nso_csv_printf(ch, "# status: diverged at step %ld\n", u->div_step);
        } else {
            if (u->plateau) {
                nso_csv_printf(c, "# status: plateau at step %ld\n", u->div_step);
                nso_csv_printf(ch, "# status: plateau at step %ld\n", u->div_step);
            } else {
                nso_csv_printf(c, "# status: ok\n");
                nso_csv_printf(ch, "# status: ok\n");
            }
            for (size_t j = 0; j < u->nlog; j++) {
                double *row = u->log + j * LOGCOLS;
                nso_csv_printf(c, "%.0f,%.10g,%.10g,%.10g,%.10g,%.10g\n", row[0], row[1], row[2],
                               row[3], row[4], row[5]);
            }
            for (size_t j = 0; j < u->nh; j++) {
                double *row = u->hlog + j * HCOLS;
                nso_csv_printf(ch, "%.0f,%.10g,%.10g\n", row[0], row[1], row[2]);
            }
        }
        /* the hess file first: a run counts as done only when both exist */
        int c1 = nso_csv_commit(ch), c2 = nso_csv_commit(c);
        if (c1 != NSO_OK || c2 != NSO_OK) {
            rc = 2;
            break; /* a full disk: the checkpoint keeps the rest */
        }
    }
    if (rc == 0) unlink(ckpt);
    if (rc == 0 && !stopped) rc = write_done(done, params, seed, runs, nr);
    if (!stopped)
        fprintf(stderr, "%s: %s: %zu runs, %ld steps in %.1f s\n", nso_progname(), dir, nact,
                t0 > steps ? 0 : steps - t0, elapsed);
    for (size_t i = 0; i < nr; i++) {
        if (runs[i].skip) continue;
        nso_optimizer_free(runs[i].o);
        gsl_rng_free(runs[i].r);
        free(runs[i].w); free(runs[i].log); free(runs[i].hlog);
    }
    nso_driver_free(drv);
    nso_obj_free(obj);
    free(Ub); free(res); free(rel); free(lam); free(idx); free(U0); free(q0);
    nso_sensing_free(s);
    return rc;
}
