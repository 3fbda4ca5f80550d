/* bench_sensing.c - performance figures of the matrix-sensing passes (issue:
 * core toolkit).  In one run on this machine it times, side by side:
 *   - one plain cblas_dgemv over the m x p training array (memory-read floor),
 *   - pass 1 and pass 2 serving one evaluation point,
 *   - a GD step (1 gradient) and an NSO k=1 step (2 gradients sharing passes),
 *   - the batched sweep step (GD + 6 WP-GD + 6 NSO = 19 points per pass),
 * and prints ratios.  Rows are appended to --tsv (metric, value, unit, target). */
#include "cli.h"
#include "io.h"
#include "nso_error.h"
#include "progress.h"
#include "rng.h"
#include "sensing.h"
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void bench_fn(void *ctx);

/* median of `reps` timings of fn (after one warm-up) */
static double time_median(bench_fn *fn, void *ctx, int reps)
{
    double t[64];
    fn(ctx);
    for (int i = 0; i < reps; i++) {
        double t0 = nso_now();
        fn(ctx);
        t[i] = nso_now() - t0;
    }
    for (int i = 1; i < reps; i++)
        for (int j = i; j > 0 && t[j] < t[j - 1]; j--) { double x = t[j]; t[j] = t[j - 1]; t[j - 1] = x; }
    return t[reps / 2];
}

typedef struct {
    nso_sensing *s;
    double *x, *y, *U, *G, *S;
    size_t nb;
} ctx_t;

static void f_dgemv(void *c)
{
    ctx_t *b = c;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)b->s->m[0], (int)b->s->p, 1.0, b->s->A[0],
                (int)b->s->p, b->x, 1, 0.0, b->y, 1);
}
static void f_pass1(void *c) { ctx_t *b = c; nso_sensing_pass1(b->s, 0, 1, b->x, b->y); }
static void f_pass2(void *c) { ctx_t *b = c; nso_sensing_pass2(b->s, 1, b->y, b->x); }
static void f_grad(void *c) { ctx_t *b = c; nso_sensing_grad(b->s, b->nb, b->U, b->G, NULL); }
static void f_fused(void *c)
{
    ctx_t *b = c;
    nso_sensing_fused(b->s, 1, b->x, b->s->y[0], b->y, b->S, 1.0, b->s->Sthr, b->s->nthreads);
}

/* run the full-size Fig. 3 sweep of one seed for `steps` steps in a child
 * process; returns wall seconds, peak RSS (MB) in *rss */
static double run_sweep(const char *bin, long steps, double *rss)
{
    char st[32], dir[64];
    snprintf(st, sizeof st, "%ld", steps);
    snprintf(dir, sizeof dir, "/tmp/nso_bench_sweep_%ld_%ld", (long)getpid(), steps);
    double t0 = nso_now();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execl(bin, bin, "--d", "100", "--r", "5", "--steps", st, "--seed", "1", "--outdir", dir,
              (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        nso_die("--sweep-bin: could not run '%s'", bin);
    double t = nso_now() - t0;
    *rss = (double)ru.ru_maxrss / 1024.0;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench: could not remove %s\n", dir);
    return t;
}

int main(int argc, char **argv)
{
    long d = 100, r = 5, m = 2500, reps = 9;
    uint64_t seed = 1;
    const char *tsv = "data/bench.tsv", *sweep_bin = "build/bin/sensing_fig3";
    nso_arg_spec specs[] = {
        {"d", NSO_ARG_INT, &d, 2, 400, "matrix side d"},
        {"r", NSO_ARG_INT, &r, 1, 400, "rank of X*"},
        {"m", NSO_ARG_INT, &m, 1, 100000, "training measurements"},
        {"reps", NSO_ARG_INT, &reps, 3, 63, "timed repetitions (median reported)"},
        {"seed", NSO_ARG_U64, &seed, 0, 1e18, "random seed"},
        {"tsv", NSO_ARG_STRING, &tsv, 0, 0, "append rows to this TSV"},
        {"sweep-bin", NSO_ARG_STRING, &sweep_bin, 0, 0, "sensing_fig3 binary for the sweep timing (none: skip)"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof *specs,
                  "bench_sensing: time the matrix-sensing passes against a plain dgemv");
    if (r > d) nso_die("--r: must be in [1, d = %ld], got %ld", d, r);
    nso_check_writable("tsv", tsv);
    nso_sensing_params sp = {.d = (size_t)d, .r = (size_t)r, .m = {(size_t)m, 0, 0}, .seed = seed};
    char smsg[256];
    nso_sensing *s = nso_sensing_alloc(&sp, smsg, sizeof smsg);
    if (!s) nso_die("--d/--r/--m: %s", smsg);
    size_t dd = (size_t)(d * d);
    ctx_t c = {.s = s, .nb = 1};
    c.x = nso_xmalloc(s->p * sizeof(double));
    c.y = nso_xmalloc((size_t)m * sizeof(double));
    c.U = nso_xmalloc(19 * dd * sizeof(double));
    c.G = nso_xmalloc(19 * dd * sizeof(double));
    c.S = nso_xmalloc(s->p * sizeof(double));
    gsl_rng *rg = nso_rng_named(seed, "bench");
    for (size_t i = 0; i < s->p; i++) c.x[i] = gsl_ran_gaussian(rg, 1.0);
    for (size_t i = 0; i < (size_t)m; i++) c.y[i] = gsl_ran_gaussian(rg, 1.0);
    for (size_t i = 0; i < 19 * dd; i++) c.U[i] = gsl_ran_gaussian(rg, 1.0);
    gsl_rng_free(rg);

    /* fused path first, after a pause: idle multi-threaded OpenBLAS workers
     * left spinning by earlier BLAS calls would otherwise steal the cores
     * from its OpenMP workers (a steady-state run has no such calls) */
    usleep(200000);
    nso_sensing_use_fused = 1;
    double t_fused = time_median(f_fused, &c, (int)reps);
    c.nb = 1;
    double t_gd = time_median(f_grad, &c, (int)reps);
    c.nb = 2;
    double t_nso = time_median(f_grad, &c, (int)reps);
    c.nb = 1;
    nso_sensing_use_fused = 0;
    double t_gd_blas = time_median(f_grad, &c, (int)reps);
    c.nb = 2;
    double t_nso_blas = time_median(f_grad, &c, (int)reps);
    nso_sensing_use_fused = 1;
    double t_gemv = time_median(f_dgemv, &c, (int)reps);
    double t_p1 = time_median(f_pass1, &c, (int)reps);
    double t_p2 = time_median(f_pass2, &c, (int)reps);

    c.nb = 19;
    double t_sweep = time_median(f_grad, &c, (int)reps);
    double t_sep = 19 * t_gd;

    double mb = (double)m * (double)s->p * 8 / 1e6;
    printf("# matrix sensing passes: d=%ld r=%ld m=%ld, array %.0f MB, median of %ld, this 2-core machine,\n"
           "# %d thread(s) in the fused pass; load average now: see /proc/loadavg\n", d, r, m, mb, reps,
           s->nthreads);
    printf("dgemv over the array (floor)   %8.2f ms  (%.1f GB/s)\n", 1e3 * t_gemv, mb / 1e3 / t_gemv);
    printf("pass 1, one point              %8.2f ms  ratio %.2f (target <= 1.2)\n", 1e3 * t_p1, t_p1 / t_gemv);
    printf("pass 2, one point              %8.2f ms  ratio %.2f (target <= 1.2)\n", 1e3 * t_p2, t_p2 / t_gemv);
    printf("fused pass (1 + 2), one point  %8.2f ms  ratio %.2f (target <= 1.2; serves a whole gradient)\n",
           1e3 * t_fused, t_fused / t_gemv);
    printf("GD step, two BLAS passes       %8.2f ms\n", 1e3 * t_gd_blas);
    printf("NSO k=1 step, two BLAS passes  %8.2f ms  ratio to GD %.2f\n", 1e3 * t_nso_blas, t_nso_blas / t_gd_blas);
    printf("GD step, fused pass            %8.2f ms\n", 1e3 * t_gd);
    printf("NSO k=1 step, fused pass       %8.2f ms  ratio to GD %.2f (target <= 1.3)\n", 1e3 * t_nso, t_nso / t_gd);
    printf("sweep step, 19 points batched  %8.2f ms  vs 19 separate %.2f ms (x%.1f faster)\n",
           1e3 * t_sweep, 1e3 * t_sep, t_sep / t_sweep);
    printf("projected 10,000-step sweep    %8.1f s (training passes only)\n", 1e4 * t_sweep);

    double sweep_s = NAN, rss = NAN, rss2;
    if (strcmp(sweep_bin, "none") != 0) {
        /* two short full-size sweeps; the per-step cost is their difference */
        double ta = run_sweep(sweep_bin, 200, &rss2), tb = run_sweep(sweep_bin, 600, &rss);
        double per = (tb - ta) / 400.0;
        sweep_s = ta + per * (10000 - 200);
        rss = rss > rss2 ? rss : rss2;
        printf("Fig. 3 sweep, one seed, d=100  %8.1f s projected for 10,000 steps (200 steps: %.1f s, 600: %.1f s; target < 300 s)\n",
               sweep_s, ta, tb);
        printf("peak memory of the sweep       %8.0f MB (target < 2048 MB)\n", rss);
    }
    FILE *f = fopen(tsv, "a");
    if (!f) nso_die("--tsv: cannot append to '%s'", tsv);
    fprintf(f, "sensing.dgemv_ms\t%.3f\tms\tfloor (2 cores)\n", 1e3 * t_gemv);
    fprintf(f, "sensing.pass1_over_dgemv\t%.3f\tratio\t<= 1.2\n", t_p1 / t_gemv);
    fprintf(f, "sensing.pass2_over_dgemv\t%.3f\tratio\t<= 1.2\n", t_p2 / t_gemv);
    fprintf(f, "sensing.fused_pass_over_dgemv\t%.3f\tratio\t<= 1.2\n", t_fused / t_gemv);
    fprintf(f, "sensing.gd_step_ms\t%.3f\tms\t(fused pass)\n", 1e3 * t_gd);
    fprintf(f, "sensing.nso_step_over_gd_step\t%.3f\tratio\t<= 1.3\n", t_nso / t_gd);
    fprintf(f, "sensing.nso_step_over_gd_step_blas\t%.3f\tratio\t(two BLAS passes, for comparison)\n",
            t_nso_blas / t_gd_blas);
    fprintf(f, "sensing.sweep_step_ms\t%.3f\tms\t(19 points per pass)\n", 1e3 * t_sweep);
    if (strcmp(sweep_bin, "none") != 0) {
        fprintf(f, "sensing.sweep_one_seed_s\t%.1f\ts (projected from 200/600 steps)\t< 300\n", sweep_s);
        fprintf(f, "sensing.sweep_peak_rss_mb\t%.0f\tMB\t< 2048\n", rss);
    }
    fclose(f);
    free(c.x); free(c.y); free(c.S); free(c.U); free(c.G);
    nso_sensing_free(s);
    return 0;
}
