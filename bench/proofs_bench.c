/* proofs_bench.c - throughput of the Theorem 4.3 Monte Carlo (proofs_check/thm43.c,
 * Algorithm 1 through the engine):
 * trajectory-steps per second (one step = one NSO update of one d = 10 run with
 * k perturbations, 2k oracle calls) for k = 1, 4, 16, and the wall-clock the full
 * profile's upper-bound jobs need at that rate.  Appends
 * metric<TAB>value<TAB>unit<TAB>target rows to --tsv. */
#include "cli.h"
#include "io.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "progress.h"
#include "thm43.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const char *tsv = "data/bench.tsv";
    uint64_t seed = 1;
    long T = 20000, R = 16;
    nso_arg_spec specs[] = {
        {"tsv", NSO_ARG_STRING, &tsv, 0, 0, "append rows to this TSV"},
        {"seed", NSO_ARG_U64, &seed, 0, 1.8e19, "random seed"},
        {"T", NSO_ARG_INT, &T, 10, 1e8, "steps per run"},
        {"reps", NSO_ARG_INT, &R, 1, 1e6, "runs per k"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof specs[0],
                  "proofs_bench: trajectory-steps/s of the Theorem 4.3 runs");
    nso_check_writable("tsv", tsv);
    nso_problem_params pp = {.dim = 10, .scale = 1.0};
    char msg[256];
    nso_objective *f = nso_problem_sepcos.create(&pp, msg, sizeof msg);
    nso_objective *fn = f ? nso_obj_additive_noise(nso_problem_sepcos.create(&pp, msg, sizeof msg), 3.0) : NULL;
    if (!f || !fn) nso_die("sepcos: %s", msg);
    double *w0 = nso_xmalloc(10 * sizeof(double)), *avg = nso_xmalloc((size_t)R * 2 * sizeof(double));
    nso_problem_sepcos.init(f, w0, NULL);
    const long ks[3] = {1, 4, 16};
    double rate[3];
    for (int i = 0; i < 3; i++) {
        t43_cfg c = {f, fn, &nso_noise_gaussian, 0.1, 1e-3, ks[i], T};
        double t0 = nso_now();
        t43_run(&c, w0, seed, "bench", 0, R, avg, avg + R);
        rate[i] = (double)R * (double)T / (nso_now() - t0);
        printf("thm4.3 k=%-2ld  %.3g trajectory-steps/s  (%.3g perturbation-steps/s)\n", ks[i], rate[i],
               rate[i] * (double)ks[i]);
    }
    /* full profile: 256 runs x sum_T T (T = 10..1e5) for each k in {1,2,4,8,16};
     * cost per step ~ a + b k, fitted from k = 1 and k = 16 */
    double b = (1 / rate[2] - 1 / rate[0]) / 15.0, a = 1 / rate[0] - b, steps = 256.0 * 111110.0, secs = 0;
    for (long k = 1; k <= 16; k *= 2) secs += steps * (a + b * (double)k);
    printf("full-profile Theorem 4.3 jobs: %.0f s of CPU at these rates\n", secs);
    FILE *fo = fopen(tsv, "a");
    if (!fo) nso_die("--tsv: cannot append to '%s'", tsv);
    for (int i = 0; i < 3; i++)
        fprintf(fo, "proofs.thm43_traj_steps_per_s_k%ld\t%.4g\tsteps/s\tinformational (d = 10, %ld oracle calls per step)\n",
                ks[i], rate[i], 2 * ks[i]);
    fprintf(fo, "proofs.thm43_full_profile_cpu_s\t%.1f\ts\t<= 600\n", secs);
    fclose(fo);
    free(avg), free(w0);
    nso_obj_free(f), nso_obj_free(fn);
    return 0;
}
