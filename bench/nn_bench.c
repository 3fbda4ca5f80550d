/* nn_bench.c - performance figures of the network engine (ISSUE 4), measured
 * in one run on this machine with the BLAS thread count of the environment
 * (OPENBLAS_NUM_THREADS; `make nn-bench` uses 2 = both cores):
 *   1. sgemm peak (2048^3, best of 3) in GFLOP/s;
 *   2. ResNet-8 training step (forward, backward, SGD update; batch 32;
 *      28x28x1): images/s and achieved GFLOP/s as a fraction of (1);
 *   2b. SGD on ResNet-8 through the engine (the network objective +
 *      nso_opt_step on double master weights, nn/train.h) against the
 *      benchmark's baseline, a minimal plain float loop kept in this file
 *      only (plain_sgd_epoch), on epochs of the same size: time ratio, target
 *      <= 1.05 (best of 3 alternating rounds each, so a load spike on the
 *      shared machine hits neither side alone);
 *   3. cost of one exact Hessian-vector product / one gradient, same batch;
 *   4. Hutchinson trace, 100 probes over 1,000 examples, ResNet-8: seconds;
 *   5. peak resident memory of ResNet-8 training at batch 32 (a forked child
 *      that only trains, so the other benchmarks do not inflate it);
 *   6. a sub-block Hessian (issue 12): Hutchinson on ResNet-8 with --params fc
 *      against all parameters, same probes and examples (8 x 100, one block;
 *      best of 2 alternating rounds): time ratio (the R passes start at the
 *      first selected layer, nn_hvp_multi_from), and layer3 for context.
 *   7. the transformer (issue 9: 2 layers, width 64, 2 heads, vocabulary 4096,
 *      64 tokens, 4 classes, GELU; batch 32): training examples/s and the cost
 *      of one exact HVP / one gradient, same batch (target <= 3).
 *   8. the GCN (issue 9: 2 graph convolutions of width 128, ReLU; batch 32
 *      graphs): training graphs/s and HVP / gradient cost (target <= 3).
 * --only hess-sub runs (6) alone (a few CPU seconds) and updates its rows;
 * --only transformer runs (7) alone, --only gcn (8).
 * Rows "metric<TAB>value<TAB>unit<TAB>target" are printed and upserted into
 * --tsv (other rows of that file are kept). */
#include "cli.h"
#include "hess.h"
#include "io.h"
#include "nn.h"
#include "nso_error.h"
#include "progress.h"
#include "rng.h"
#include "train.h"
#include <cblas.h>
#include <omp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *tsv = "data/bench.tsv";
static long probes = 100, nex = 1000, steps = 60;
static uint64_t seed = 1;
static const char *only = "all";

typedef struct {
    char metric[64], value[64], unit[32], target[64];
} row;
static row rows[40];
static int nrows;

static void put(const char *metric, double v, const char *unit, const char *target)
{
    row *r = &rows[nrows++];
    snprintf(r->metric, sizeof r->metric, "%s", metric);
    snprintf(r->value, sizeof r->value, "%.4g", v);
    snprintf(r->unit, sizeof r->unit, "%s", unit);
    snprintf(r->target, sizeof r->target, "%s", target);
    printf("%s\t%s\t%s\t%s\n", r->metric, r->value, r->unit, r->target);
    fflush(stdout);
}

static void write_tsv(void)
{
    char lines[256][256];
    int n = 0;
    FILE *f = fopen(tsv, "r");
    if (f) {
        char buf[256];
        while (n < 256 && fgets(buf, sizeof buf, f)) {
            char tag[64];
            snprintf(tag, sizeof tag, "# nn_bench --only %s ", only);
            int mine = !strncmp(buf, "metric\t", 7) || !strncmp(buf, tag, strlen(tag));
            for (int i = 0; i < nrows && !mine; i++) {
                size_t l = strlen(rows[i].metric);
                mine = !strncmp(buf, rows[i].metric, l) && buf[l] == '\t';
            }
            if (!mine) snprintf(lines[n++], 256, "%s", buf);
        }
        fclose(f);
    }
    nso_csv *out = nso_atomic_open(tsv);
    if (!out) exit(2);
    nso_csv_printf(out, "metric\tvalue\tunit\ttarget\n");
    for (int i = 0; i < n; i++) nso_csv_printf(out, "%s", lines[i]);
    if (strcmp(only, "all")) { /* a partial run says when and where its rows were measured */
        double la = NAN;
        FILE *lf = fopen("/proc/loadavg", "r");
        if (lf) {
            if (fscanf(lf, "%lf", &la) != 1) la = NAN;
            fclose(lf);
        }
        nso_csv_printf(out, "# nn_bench --only %s at git %s on %ld cores; load average before writing: %.2f\n", only,
                       nso_git_rev(), sysconf(_SC_NPROCESSORS_ONLN), la);
    }
    for (int i = 0; i < nrows; i++)
        nso_csv_printf(out, "%s\t%s\t%s\t%s\n", rows[i].metric, rows[i].value, rows[i].unit, rows[i].target);
    if (nso_csv_commit(out)) exit(2);
}

static double sgemm_peak(void)
{
    int n = 2048;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n),
          *c = malloc(sizeof(float) * n * n);
    for (long i = 0; i < (long)n * n; i++) a[i] = b[i] = 0.001f * (i % 1000);
    double best = 0;
    for (int k = 0; k < 4; k++) {
        double t = nso_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        t = nso_now() - t;
        if (k) best = fmax(best, 2.0 * n * n * n / t / 1e9);
    }
    free(a);
    free(b);
    free(c);
    return best;
}

/* gemm flops of one training step (forward + backward) on batch B */
static double train_flops(const nn_model_f32 *m, int B)
{
    double f = 0;
    for (int i = 0; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        double mnk;
        if (o->kind == NN_OP_CONV) {
            const nn_slot *y = &m->slots[o->y];
            mnk = 2.0 * o->cout * o->cin * o->k * o->k * (double)B * y->h * y->w;
        } else if (o->kind == NN_OP_LINEAR)
            mnk = 2.0 * o->cout * o->cin * B;
        else
            continue;
        f += mnk * (o->x == 0 ? 2 : 3); /* forward, dW, dX (not for the input layer) */
    }
    return f;
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

static void fill(float *x, uint8_t *y, int B, gsl_rng *r)
{
    for (int i = 0; i < B * 784; i++) x[i] = (float)gsl_rng_uniform(r);
    for (int b = 0; b < B; b++) y[b] = (uint8_t)(b % 10);
}

/* the benchmark's baseline: the former hand-written SGD loop (epoch
 * permutation, float batch, forward + backward, float update), one epoch */
static double plain_sgd_epoch(nn_model_f32 *m, const nn_dataset *d, int B, int epoch, float lr,
                              int *perm, float *x, uint8_t *y)
{
    int n = d->n;
    double t = nso_now();
    for (int i = 0; i < n; i++) perm[i] = i;
    gsl_rng *r = nso_rng_indexed(seed, "nn/shuffle", (uint64_t)epoch);
    for (int i = n - 1; i > 0; i--) {
        int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1), k = perm[i];
        perm[i] = perm[j];
        perm[j] = k;
    }
    gsl_rng_free(r);
    m->bn_mode = NN_BN_TRAIN;
    for (int s = 0; s + B <= n; s += B) {
        nn_dataset_batch(d, perm + s, B, x, y);
        nn_loss_grad_f32(m, x, y, B);
        for (size_t i = 0; i < m->nparams; i++) m->params[i] -= lr * m->grads[i];
    }
    return nso_now() - t;
}

/* 2b: baseline vs the engine's trainer, best of 3 alternating rounds */
static void engine_vs_plain(int B)
{
    int n = B * (int)steps;
    nn_dataset d = {n, 1, 28, 28, 10, malloc((size_t)n * 784), malloc((size_t)n), NULL};
    gsl_rng *r = nso_rng_named(seed, "bench/sgd-data");
    for (long i = 0; i < (long)n * 784; i++) d.pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    for (int i = 0; i < n; i++) d.labels[i] = (uint8_t)(i % 10);
    gsl_rng_free(r);
    nn_model_f32 *a = resnet8(B), *b = resnet8(B);
    int *perm = malloc(sizeof(int) * n);
    float *x = malloc(sizeof(float) * 784 * B);
    uint8_t *y = malloc(B);
    nn_train_params p = nn_train_default;
    p.lr = 0.01;
    p.batch = B;
    p.epochs = 1000;
    p.decay_every = 0;
    p.seed = seed;
    char msg[256];
    nn_trainer *tr = nn_trainer_alloc(b, &d, &p, nso_opt_gd, NULL, msg, sizeof msg);
    if (!tr) nso_die("%s", msg);
    double tp = 1e30, te = 1e30;
    plain_sgd_epoch(a, &d, B, 0, 0.01f, perm, x, y); /* warm-up */
    nn_trainer_epoch(tr, NULL, NULL);
    for (int k = 1; k <= 3; k++) {
        tp = fmin(tp, plain_sgd_epoch(a, &d, B, k, 0.01f, perm, x, y));
        double t = nso_now();
        if (nn_trainer_epoch(tr, NULL, NULL) != NSO_OK) nso_die("engine SGD diverged");
        te = fmin(te, nso_now() - t);
    }
    put("nn.resnet8_sgd_plain_images_per_s", n / tp, "images/s", "baseline (plain loop in nn_bench.c)");
    put("nn.resnet8_sgd_engine_images_per_s", n / te, "images/s", "reported");
    put("nn.resnet8_sgd_engine_over_plain_time", te / tp, "ratio", "<= 1.05");
    nn_trainer_free(tr);
    nn_model_free_f32(a);
    nn_model_free_f32(b);
    nn_dataset_free(&d);
    free(perm);
    free(x);
    free(y);
}

/* 6. seconds of nso_hutchinson over `params` (probes x n examples, chunk 100) */
static double hutch_time(nn_model_f32 *m, const nn_dataset *d, const int *idx, int n, int np,
                         const char *params)
{
    nn_model_op mo;
    char msg[200];
    if (nn_model_op_init(&mo, m, d, idx, n, 100, params, msg, sizeof msg)) nso_die("%s", msg);
    nso_linop op = nn_model_op_linop(&mo);
    nso_trace_est res = {0};
    nso_hutch_opts ho = {.min_probes = (size_t)np, .max_probes = (size_t)np};
    gsl_rng *r = nso_rng_named(seed, "bench/hess-sub");
    double t = nso_now();
    nso_hutchinson(&op, &ho, r, &res);
    t = nso_now() - t;
    gsl_rng_free(r);
    nn_model_op_free(&mo);
    return t;
}

static void hess_sub(void)
{
    const int n = 100, np = 8; /* one block of probes (NN_HESS_BLOCK) */
    nn_model_f32 *m = resnet8(n);
    nn_dataset d = {n, 1, 28, 28, 10, malloc((size_t)n * 784), malloc(n), NULL};
    gsl_rng *r = nso_rng_named(seed, "bench/hess-sub-data");
    for (long i = 0; i < (long)n * 784; i++) d.pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    for (int i = 0; i < n; i++) d.labels[i] = (uint8_t)(i % 10);
    gsl_rng_free(r);
    int idx[100];
    for (int i = 0; i < n; i++) idx[i] = i;
    hutch_time(m, &d, idx, n, 8, "fc"); /* warm-up (R workspace) */
    double ta = 1e30, tf = 1e30, t3 = 1e30;
    for (int k = 0; k < 2; k++) {
        ta = fmin(ta, hutch_time(m, &d, idx, n, np, "all"));
        tf = fmin(tf, hutch_time(m, &d, idx, n, np, "fc"));
        t3 = fmin(t3, hutch_time(m, &d, idx, n, np, "layer3"));
    }
    double la = NAN;
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf", &la) != 1) la = NAN;
        fclose(lf);
    }
    char tgt[64];
    snprintf(tgt, sizeof tgt, "<= 0.25 (Hutchinson --params fc / all; load %.1f)", la);
    put("nn.hess_fc_over_all_time", tf / ta, "ratio", tgt);
    put("nn.hess_layer3_over_all_time", t3 / ta, "ratio", "reported (--params layer3 / all)");
    nn_model_free_f32(m);
    nn_dataset_free(&d);
}

static double train_steps(nn_model_f32 *m, const float *x, const uint8_t *y, int B, int n)
{
    m->bn_mode = NN_BN_TRAIN;
    double t = nso_now();
    for (int s = 0; s < n; s++) {
        nn_loss_grad_f32(m, x, y, B);
        for (size_t i = 0; i < m->nparams; i++) m->params[i] -= 0.01f * m->grads[i];
    }
    return nso_now() - t;
}

/* the rows of (7) and (8): training examples/s over n steps (after 2 warm-up
 * steps), then the time of n exact HVPs (a Rademacher direction from r) over
 * n gradients of the same batch, target <= 3 */
static void speed_rows(nn_model_f32 *m, const float *x, const uint8_t *y, int B, int n, gsl_rng *r,
                       const char *train_metric, const char *unit, const char *note, const char *hvp_metric)
{
    train_steps(m, x, y, B, 2); /* warm-up */
    double t = train_steps(m, x, y, B, n);
    put(train_metric, n * B / t, unit, note);
    float *v = malloc(sizeof(float) * m->nparams), *hv = malloc(sizeof(float) * m->nparams);
    for (size_t i = 0; i < m->nparams; i++) v[i] = gsl_rng_uniform(r) < 0.5 ? -1.f : 1.f;
    nn_hvp_f32(m, x, y, B, v, hv); /* warm-up (R workspace) */
    double tg = nso_now();
    for (int k = 0; k < n; k++) nn_loss_grad_f32(m, x, y, B);
    tg = nso_now() - tg;
    double th = nso_now();
    for (int k = 0; k < n; k++) nn_hvp_f32(m, x, y, B, v, hv);
    th = nso_now() - th;
    put(hvp_metric, th / tg, "ratio", "<= 3");
    free(v);
    free(hv);
}

/* 7. the transformer: training examples/s, HVP / gradient cost */
static void transformer_bench(void)
{
    enum { B = 32, L = 64, V = 4096 };
    nn_config cfg = {NN_ARCH_TRANSFORMER, 2, 64, V, 2, L, 4, NN_ACT_GELU};
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "bench/transformer");
    nn_model_f32 *m = nn_model_create_f32(&cfg, B, r, msg, sizeof msg);
    if (!m) nso_die("%s", msg);
    float *x = malloc(sizeof(float) * B * L);
    uint8_t y[B];
    for (int b = 0; b < B; b++) { /* [CLS] then words; the last eighth [PAD] in half the rows */
        for (int t = 0; t < L; t++)
            x[b * L + t] = t == 0 ? 2.f
                         : (b % 2 && t >= L - L / 8) ? 0.f
                         : (float)(5 + gsl_rng_uniform_int(r, V - 5));
        y[b] = (uint8_t)(b % 4);
    }
    int n = (int)(steps / 4 > 5 ? steps / 4 : 5);
    speed_rows(m, x, y, B, n, r, "nn.transformer_train_examples_per_s", "examples/s",
               "reported (2 layers x 64, 64 tokens, batch 32)", "nn.transformer_hvp_over_grad_cost");
    free(x);
    nn_model_free_f32(m);
    gsl_rng_free(r);
}

/* 8. the GCN (issue 9: 2 graph convolutions of width 128, ReLU, 4 degree
 * features, 3 classes; batch 32 graphs of 30-150 nodes, circulant graphs with
 * neighbours i +- 1, 2, 5 so every node has degree 6): training examples
 * (graphs)/s and the cost of one exact HVP / one gradient (target <= 3) */
static void gcn_bench(void)
{
    enum { B = 32, NMAX = 150, NNZMAX = 6 * NMAX };
    nn_config cfg = {NN_ARCH_GCN, 2, 128, NN_GCN_FEATURES, NMAX, NNZMAX, 3, NN_ACT_RELU};
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "bench/gcn");
    nn_model_f32 *m = nn_model_create_f32(&cfg, B, r, msg, sizeof msg);
    if (!m) nso_die("%s", msg);
    const size_t S = nn_gcn_record_size(&cfg);
    float *x = calloc(S * B, sizeof(float));
    uint8_t y[B];
    static const int off[6] = {-5, -2, -1, 1, 2, 5};
    for (int b = 0; b < B; b++) {
        float *rec = x + (size_t)b * S, *rp = rec + 2, *ci = rp + NMAX + 1;
        const int n = 30 + (b * 37) % 121;
        int nnz = 0;
        for (int i = 0; i < n; i++) {
            rp[i] = (float)nnz;
            int nb[6];
            for (int k = 0; k < 6; k++) nb[k] = ((i + off[k]) % n + n) % n;
            for (int k = 1; k < 6; k++) /* sorted, as a CSR row */
                for (int j = k; j > 0 && nb[j] < nb[j - 1]; j--) { int t = nb[j]; nb[j] = nb[j - 1]; nb[j - 1] = t; }
            for (int k = 0; k < 6; k++) ci[nnz++] = (float)nb[k];
        }
        for (int i = n; i <= NMAX; i++) rp[i] = (float)nnz;
        rec[0] = (float)n;
        rec[1] = (float)nnz;
        if (nn_gcn_record_check(&cfg, rec, msg, sizeof msg)) nso_die("bench graph %d: %s", b, msg);
        y[b] = (uint8_t)(b % 3);
    }
    int n = (int)(steps > 5 ? steps : 5);
    speed_rows(m, x, y, B, n, r, "nn.gcn_train_graphs_per_s", "graphs/s",
               "reported (2 x 128, ReLU, batch 32 graphs of 30-150 nodes)", "nn.gcn_hvp_over_grad_cost");
    free(x);
    nn_model_free_f32(m);
    gsl_rng_free(r);
}

int main(int argc, char **argv)
{
    nso_set_progname("nn_bench");
    nso_arg_spec specs[] = {
        {"tsv", NSO_ARG_STRING, &tsv, 0, 0, "bench table to update (rows replaced by metric)"},
        {"probes", NSO_ARG_INT, &probes, 1, 10000, "Hutchinson probes"},
        {"examples", NSO_ARG_INT, &nex, 1, 100000, "Hutchinson evaluation-set size"},
        {"steps", NSO_ARG_INT, &steps, 5, 100000, "timed training steps"},
        {"seed", NSO_ARG_U64, &seed, 0, 1e18, "seed of weights, data and probes"},
        {"only", NSO_ARG_STRING, &only, 0, 0,
         "all; hess-sub: only the sub-block Hessian rows (6); transformer: only (7); gcn: only (8)"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof *specs,
                  "nn_bench: performance figures of the nn engine -> stdout and --tsv.");
    if (strcmp(only, "all") && strcmp(only, "hess-sub") && strcmp(only, "transformer") && strcmp(only, "gcn"))
        nso_die("--only: expected all, hess-sub, transformer or gcn, got '%s'", only);
    nso_check_writable("tsv", tsv);
    if (strcmp(only, "all")) {
        if (!strcmp(only, "hess-sub")) hess_sub();
        else if (!strcmp(only, "transformer")) transformer_bench();
        else gcn_bench();
        write_tsv();
        return 0;
    }
    const int B = 32;
    /* 5. peak memory in a child that only trains */
    int fd[2];
    if (pipe(fd)) nso_die("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        nn_model_f32 *m = resnet8(B);
        float *x = malloc(sizeof(float) * B * 784);
        uint8_t y[32];
        gsl_rng *r = nso_rng_named(seed, "bench/data");
        fill(x, y, B, r);
        train_steps(m, x, y, B, 5);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double mb = ru.ru_maxrss / 1024.0;
        if (write(fd[1], &mb, sizeof mb) != sizeof mb) _exit(1);
        _exit(0);
    }
    double peak_mb = NAN;
    close(fd[1]);
    if (read(fd[0], &peak_mb, sizeof peak_mb) != sizeof peak_mb) peak_mb = NAN;
    waitpid(pid, NULL, 0);
    printf("# machine: %ld cores online, %d OpenMP threads (batch-parallel engine, 1-thread BLAS)\n",
           sysconf(_SC_NPROCESSORS_ONLN), omp_get_max_threads());
    double la[3] = {NAN, NAN, NAN};
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf %lf %lf", &la[0], &la[1], &la[2]) != 3) la[0] = NAN;
        fclose(lf);
    }
    put("nn.bench_loadavg_1min", la[0], "processes", "context: 2 cores; > 2 means shared");
    /* peak with BLAS threads = OpenMP threads; the models then set BLAS to 1 */
    openblas_set_num_threads(omp_get_max_threads());
    double peak = sgemm_peak();
    put("nn.sgemm_peak", peak, "GFLOP/s", "reference (2048^3 sgemm)");
    nn_model_f32 *m = resnet8(B);
    float *x = malloc(sizeof(float) * B * 784);
    uint8_t y[32];
    gsl_rng *r = nso_rng_named(seed, "bench/data");
    fill(x, y, B, r);
    train_steps(m, x, y, B, 5); /* warm-up */
    double t = train_steps(m, x, y, B, (int)steps);
    double ips = steps * B / t, gf = train_flops(m, B) * steps / t / 1e9;
    put("nn.resnet8_train_images_per_s", ips, "images/s", ">= 2200");
    put("nn.resnet8_train_gflops", gf, "GFLOP/s", "reported");
    put("nn.resnet8_train_frac_of_sgemm_peak", gf / peak, "fraction", "reported");
    engine_vs_plain(B);
    /* 3. HVP vs gradient on the same batch, BN eval for both */
    m->bn_mode = NN_BN_EVAL;
    float *v = malloc(sizeof(float) * m->nparams), *hv = malloc(sizeof(float) * m->nparams);
    for (size_t i = 0; i < m->nparams; i++) v[i] = gsl_rng_uniform(r) < 0.5 ? -1.f : 1.f;
    int reps = (int)steps;
    double tg = nso_now();
    for (int k = 0; k < reps; k++) nn_loss_grad_f32(m, x, y, B);
    tg = nso_now() - tg;
    double th2 = nso_now();
    for (int k = 0; k < reps; k++) nn_hvp_f32(m, x, y, B, v, hv);
    th2 = nso_now() - th2;
    put("nn.hvp_over_grad_cost", th2 / tg, "ratio", "<= 2.5");
    /* amortised: 8 products sharing one forward/backward pass (nn_hvp_multi),
     * as Hutchinson and Lanczos blocks use it */
    {
        float *vs[8], *hs[8];
        for (int j = 0; j < 8; j++) {
            vs[j] = v;
            hs[j] = malloc(sizeof(float) * m->nparams);
        }
        int reps8 = reps / 8 > 2 ? reps / 8 : 2;
        double tm = nso_now();
        for (int k = 0; k < reps8; k++)
            nn_hvp_multi_f32(m, x, y, B, 8, (const float *const *)vs, hs);
        tm = (nso_now() - tm) / (8.0 * reps8);
        put("nn.hvp_over_grad_cost_block8", tm / (tg / reps), "ratio", "<= 2.5 (amortised)");
        for (int j = 0; j < 8; j++) free(hs[j]);
    }
    nn_model_free_f32(m);
    /* 4. Hutchinson: probes x examples on ResNet-8, chunks of 100 */
    m = resnet8(100);
    nn_dataset d = {(int)nex, 1, 28, 28, 10, malloc(nex * 784), malloc(nex), NULL};
    for (long i = 0; i < nex * 784; i++) d.pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    for (long i = 0; i < nex; i++) d.labels[i] = (uint8_t)(i % 10);
    int *idx = malloc(sizeof(int) * nex);
    for (long i = 0; i < nex; i++) idx[i] = (int)i;
    nn_model_op mo;
    char msg[200];
    if (nn_model_op_init(&mo, m, &d, idx, (int)nex, 100, "all", msg, sizeof msg)) nso_die("%s", msg);
    nso_linop op = nn_model_op_linop(&mo);
    nso_trace_est res = {0};
    nso_hutch_opts ho = {.min_probes = (size_t)probes, .max_probes = (size_t)probes};
    nso_progress pg;
    nso_progress_begin(&pg, "hutchinson", (size_t)probes, 0);
    double tt = nso_now();
    nso_hutchinson(&op, &ho, r, &res);
    tt = nso_now() - tt;
    nso_progress_end(&pg);
    char name[96];
    snprintf(name, sizeof name, "nn.hutchinson_%ldprobes_%ldex_resnet8_s", probes, nex);
    put(name, tt, "s", "< 60");
    put("nn.resnet8_train_peak_rss_b32", peak_mb, "MB", "< 300");
    hess_sub();
    transformer_bench();
    gcn_bench();
    write_tsv();
    nn_model_op_free(&mo);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
    free(idx);
    free(x);
    free(v);
    free(hv);
    gsl_rng_free(r);
    return 0;
}
