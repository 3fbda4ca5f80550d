/* nn_speed.c - one engine workload timed in a fresh process, the C side of
 * the side-by-side comparison with PyTorch (bench/torch_bench.py runs this
 * program and the same workload in PyTorch alternately, round after round,
 * so both see the same machine load).
 *
 *   --what train   ResNet-8 training step (batch-statistics BN, SGD update)
 *          grad    loss + gradient of one batch, eval-mode BN
 *          hvp     one exact Hessian-vector product (R-operator), eval-mode BN
 *          hvp8    8 HVPs sharing one forward/backward (nn_hvp_multi), per HVP
 *          hutch   Hutchinson trace, --probes probes over --examples examples
 *                  in chunks of 100 (as nn_bench / nn_cli hessian)
 *
 * ResNet-8 (16-32-64), 28x28x1 inputs, 10 classes, batch --batch.  Prints
 * "<what>\t<wall s per step>\t<steps>\t<checksum>\t<CPU s per step>" (hutch:
 * totals) on stdout.
 * Threads: OMP_NUM_THREADS (the engine parallelises over the batch). */
#include "cli.h"
#include "dataset.h"
#include "hess.h"
#include "nn.h"
#include "nso_error.h"
#include "progress.h"
#include "rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *what = "train";
static long steps = 40, warmup = 5, batch = 32, probes = 100, nex = 1000;
static uint64_t seed = 1;

/* CPU seconds of the whole process (all threads): on a shared machine the
 * wall time depends on the other jobs, the CPU time much less */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static nn_model_f32 *resnet8(int B)
{
    nn_config cfg = {NN_ARCH_RESNET, 8, 0, 1, 28, 28, 10, NN_ACT_RELU};
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "bench/init");
    nn_model_f32 *m = nn_model_create_f32(&cfg, B, r, msg, sizeof msg);
    gsl_rng_free(r);
    if (!m) nso_die("%s", msg);
    return m;
}

int main(int argc, char **argv)
{
    nso_set_progname("nn_speed");
    nso_arg_spec specs[] = {
        {"what", NSO_ARG_STRING, &what, 0, 0, "train | grad | hvp | hvp8 | hutch"},
        {"steps", NSO_ARG_INT, &steps, 1, 1e6, "timed steps"},
        {"warmup", NSO_ARG_INT, &warmup, 0, 1e6, "untimed steps first"},
        {"batch", NSO_ARG_INT, &batch, 1, 4096, "batch size"},
        {"probes", NSO_ARG_INT, &probes, 1, 10000, "Hutchinson probes (hutch)"},
        {"examples", NSO_ARG_INT, &nex, 1, 100000, "Hutchinson examples (hutch)"},
        {"seed", NSO_ARG_U64, &seed, 0, 1e18, "seed of weights, data and probes"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof *specs,
                  "nn_speed: time one engine workload (ResNet-8, 28x28x1).");
    int w = !strcmp(what, "train") ? 0 : !strcmp(what, "grad") ? 1 : !strcmp(what, "hvp") ? 2
          : !strcmp(what, "hvp8") ? 3 : !strcmp(what, "hutch") ? 4 : -1;
    if (w < 0) nso_die("--what: expected train, grad, hvp, hvp8 or hutch, got '%s'", what);
    gsl_rng *r = nso_rng_named(seed, "bench/data");
    if (w == 4) {
        nn_model_f32 *m = resnet8(100);
        nn_dataset d = {(int)nex, 1, 28, 28, 10, malloc(nex * 784), malloc(nex), NULL};
        for (long i = 0; i < nex * 784; i++) d.pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
        for (long i = 0; i < nex; i++) d.labels[i] = (uint8_t)(i % 10);
        int *idx = malloc(sizeof(int) * nex);
        for (long i = 0; i < nex; i++) idx[i] = (int)i;
        nn_model_op mo;
        char msg[200];
        if (nn_model_op_init(&mo, m, &d, idx, (int)nex, 100, "all", msg, sizeof msg))
            nso_die("%s", msg);
        nso_linop op = nn_model_op_linop(&mo);
        nso_trace_est res = {0};
        nso_hutch_opts ho = {.min_probes = (size_t)probes, .max_probes = (size_t)probes};
        double t = nso_now(), c = cpu_now();
        if (nso_hutchinson(&op, &ho, r, &res)) nso_die("hutchinson: non-finite trace");
        t = nso_now() - t;
        c = cpu_now() - c;
        printf("hutch\t%.6f\t%ld\t%.6g\t%.6f\n", t, probes, res.mean, c);
        nn_model_op_free(&mo);
        nn_model_free_f32(m);
        nn_dataset_free(&d);
        free(idx);
        gsl_rng_free(r);
        return 0;
    }
    const int B = (int)batch;
    nn_model_f32 *m = resnet8(B);
    float *x = malloc(sizeof(float) * B * 784);
    uint8_t *y = malloc(B);
    for (int i = 0; i < B * 784; i++) x[i] = (float)gsl_rng_uniform(r);
    for (int b = 0; b < B; b++) y[b] = (uint8_t)(b % 10);
    size_t n = m->nparams;
    float *v[8], *hv[8];
    for (int j = 0; j < 8; j++) {
        v[j] = malloc(sizeof(float) * n);
        hv[j] = malloc(sizeof(float) * n);
        for (size_t i = 0; i < n; i++) v[j][i] = gsl_rng_uniform(r) < 0.5 ? -1.f : 1.f;
    }
    m->bn_mode = w == 0 ? NN_BN_TRAIN : NN_BN_EVAL;
    double t = 0, c = 0;
    for (long s = 0; s < warmup + steps; s++) {
        if (s == warmup) {
            t = nso_now();
            c = cpu_now();
        }
        if (w == 0) {
            nn_loss_grad_f32(m, x, y, B);
            for (size_t i = 0; i < n; i++) m->params[i] -= 0.01f * m->grads[i];
        } else if (w == 1)
            nn_loss_grad_f32(m, x, y, B);
        else if (w == 2)
            nn_hvp_f32(m, x, y, B, v[0], hv[0]);
        else
            nn_hvp_multi_f32(m, x, y, B, 8, (const float *const *)v, hv);
    }
    t = (nso_now() - t) / steps / (w == 3 ? 8 : 1);
    c = (cpu_now() - c) / steps / (w == 3 ? 8 : 1);
    double chk = 0;
    for (size_t i = 0; i < n; i++) chk += fabs(w >= 2 ? hv[0][i] : m->grads[i]);
    printf("%s\t%.6f\t%ld\t%.6g\t%.6f\n", what, t, steps, chk, c);
    for (int j = 0; j < 8; j++) {
        free(v[j]);
        free(hv[j]);
    }
    free(x);
    free(y);
    nn_model_free_f32(m);
    gsl_rng_free(r);
    return 0;
}
