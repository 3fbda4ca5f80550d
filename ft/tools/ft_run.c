/* ft_run.c - one fine-tuning job of the ISSUE 8 protocol (docs/finetune_plan.md;
 * result file format: docs/ft_results.md).
 *
 *   ft_run --task source --seed S --epochs E --lr LR --save SRC.safetensors --out R.csv
 *       pretrains a ResNet (--depth, default 8) from scratch on the source task
 *       (Fashion-MNIST 0-4, ALWAYS the seed-0 split; --seed sets the
 *       initialisation and the minibatch order) with SGD (or --opt).
 *   ft_run --task mnist-200 --seed S --source SRC.safetensors --opt nso --sigma 0.01
 *          --lr LR --steps 960 --out R.csv [--save M.safetensors] [--measure]
 *       loads the source backbone, replaces the head (fc with the task's
 *       classes, initialised from stream (seed, "ft/head")) and fine-tunes every
 *       parameter with the method of the registry and its flags.
 *
 * Recipe: batch 32 (last partial batch dropped: nb = floor(n / 32) steps per
 * epoch), lr x0.1 at 1/3 and 2/3 of the steps (the trainer's decay_thirds),
 * optional --momentum / --weight-decay (composition, PyTorch convention),
 * --label-smoothing a (training loss only; every reported loss and every
 * Hessian is the plain cross-entropy), --l2sp lambda (adds lambda ||W - W_0||^2
 * over the backbone, i.e. every parameter except fc, to the training
 * objective; its gradient 2 lambda (W - W_0) is added to every oracle call,
 * perturbed points included; the reported training loss is the data loss).
 * --steps S runs ceil(S / nb) epochs (whole epochs; the file records the
 * actual step count), so n = 200 (nb = 6) runs 160 epochs = 960 steps and
 * n = 1000 (nb = 31) 31 epochs = 961 steps.
 *
 * Paired design: under one seed every method sees the same split (ft/ tasks),
 * the same initial head (stream (seed, "ft/head")) and the same minibatch
 * order (the trainer's stream (seed, "nn/shuffle", epoch)); the methods'
 * perturbations come from (seed, "nn/opt") and the measurements' probes from
 * (seed, "ft/measure") and, per epoch, (seed, "ft/trace-epoch").
 * --probe-seed P replaces seed by P in those two probe streams only (the
 * same model and evaluation sets, other probes; default: --seed, so a file
 * without it is as before; the flag is recorded in # params when given).
 *
 * Per epoch: lr at the epoch's first step, the trainer's tally (mean
 * minibatch loss / accuracy at W seen during the epoch) and the eval-mode
 * test loss / accuracy every --eval-every epochs (nan otherwise; 0 = about
 * ten evaluations, always the last epoch).
 * Final: eval-mode loss / accuracy on the whole train, validation and test
 * parts; ||W - W_0|| over all parameters.
 *
 * --measure (on the last-epoch model, batch norm in eval mode, all
 * parameters, plain cross-entropy):
 *   trace    Hutchinson, exactly --probes Rademacher probes, over the first
 *            --hess-n examples of the training part (a fixed set per seed);
 *   lambda1  the top Ritz value after --lanczos Lanczos steps on the same set;
 *   alpha    the largest per-example Hessian trace found among the first
 *            --alpha-n examples of the training part (alpha_train) and of the
 *            validation part (alpha_heldout), each per-example trace by
 *            Hutchinson with --alpha-probes probes.  This is an ESTIMATE of
 *            the theorem's alpha (a max over the hypothesis space and the
 *            distribution): the subset makes it a lower bound of the max over
 *            the data, the noise of few probes biases a max of estimates up;
 *   C        the largest per-example loss on the whole training part (the
 *            theorem assumes the loss bounded by C; cross-entropy is not, so
 *            the empirical max stands in);
 *   Theorem 2.2 (ft/thm22.c): leading term sqrt(C alpha_train r^2 / n),
 *            r = ||W - W_0||, and the bound on L(W) of eq. (20) with sigma^2
 *            from eq. (21) (Q = N(W, sigma^2 I), P = N(W_0, sigma^2 I)),
 *            beta = --thm-beta (the paper: "a fixed value close to 1"),
 *            delta = --thm-delta, without the unknown-constant terms
 *            (C_1 sigma^3, Lemma A.5's C_2, C_3 term).  It bounds the
 *            population loss: compare it with final.test_loss
 *            (final.thm22_gap_bound = bound - train loss bounds final.gen_gap).
 *
 * Bad input: one line naming the flag, exit 2, before anything is written
 * (the task, the data, the source checkpoint's shape and the method's
 * parameters are all checked before training).  A run whose loss becomes
 * NaN/Inf writes its header with "# status: diverged" and exits 0.
 * Progress with ETA on a terminal only.  Deterministic for a fixed seed and
 * OMP_NUM_THREADS; no wall time in the result.
 * --augment: every training minibatch is augmented (nn_objective_set_augment:
 * random shifts of up to 2 pixels, zero fill; horizontal flips with
 * probability 1/2 on the Fashion-MNIST tasks only), from stream
 * (seed, "nn/augment", step); evaluation and measurement never are. */
#include "cli.h"
#include "dataset.h"
#include "hess.h"
#include "io.h"
#include "nso_error.h"
#include "optimizer.h"
#include "progress.h"
#include "rng.h"
#include "run.h"
#include "safetensors.h"
#include "tasks.h"
#include "train.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *task = "", *cache = "data/cache", *source = "", *save = "", *out = "",
                  *optname = "gd", *tag = "";
static long depth = 8, epochs = 0, steps = 0, batch = 32, eval_every = 0, subset = 0, eval_n = 0,
            probes = 16, lanczos = 20, hess_n = 1000, alpha_n = 200, alpha_probes = 8, chunk = 50,
            trace_every = 0, trace_probes = 8, trace_lanczos = 5;
static double lr = 0.05, momentum = 0, wd = 0, smoothing = 0, l2sp = 0, thm_beta = 0.9,
              thm_delta = 0.05;
static int measure = 0, augment = 0;
static uint64_t seed = 1;
static const char *probe_seed_s = NULL; /* NULL: the probes follow --seed */

static nso_arg_spec base_specs[] = {
    {"task", NSO_ARG_STRING, &task, 0, 0, "source, fashion59-1000, mnist-1000 or mnist-200"},
    {"seed", NSO_ARG_U64, &seed, 0, 1e18, "split (targets; source: always split 0), head, batches, noise, probes"},
    {"cache", NSO_ARG_STRING, &cache, 0, 0, "data cache (make nn-data)"},
    {"source", NSO_ARG_STRING, &source, 0, 0, "targets: the pretrained source checkpoint (safetensors)"},
    {"save", NSO_ARG_STRING, &save, 0, 0, "write the final model here (required for --task source)"},
    {"out", NSO_ARG_STRING, &out, 0, 0, "the result file (written atomically)"},
    {"tag", NSO_ARG_STRING, &tag, 0, 0, "short id of the setting (default: from the flags given, or base)"},
    {"depth", NSO_ARG_INT, &depth, 8, 20, "source: ResNet depth 6n+2"},
    {"opt", NSO_ARG_STRING, &optname, 0, 0, "method of the registry (its flags below, tagged [method])"},
    {"lr", NSO_ARG_DOUBLE, &lr, 1e-8, 10, "base learning rate (x0.1 at 1/3 and 2/3 of the steps)"},
    {"epochs", NSO_ARG_INT, &epochs, 0, 100000, "epochs (0: from --steps, or 30)"},
    {"steps", NSO_ARG_INT, &steps, 0, 10000000, "total steps, rounded up to whole epochs (0: use --epochs)"},
    {"batch", NSO_ARG_INT, &batch, 1, 1024, "minibatch size"},
    {"momentum", NSO_ARG_DOUBLE, &momentum, 0, 0.999, "heavy-ball momentum around the method"},
    {"weight-decay", NSO_ARG_DOUBLE, &wd, 0, 1, "weight decay (coupled, PyTorch SGD)"},
    {"label-smoothing", NSO_ARG_DOUBLE, &smoothing, 0, 0.99, "label smoothing of the training loss"},
    {"l2sp", NSO_ARG_DOUBLE, &l2sp, 0, 100, "targets: lambda of lambda ||W - W_0||^2 over the backbone"},
    {"augment", NSO_ARG_FLAG, &augment, 0, 1, "random shifts up to 2 px (+ horizontal flips on Fashion tasks)"},
    {"eval-every", NSO_ARG_INT, &eval_every, 0, 100000, "test evaluation every this many epochs (0: ~10 in all)"},
    {"subset", NSO_ARG_INT, &subset, 0, 100000, "smoke tests: train on the first N of the training part (0: all)"},
    {"eval-n", NSO_ARG_INT, &eval_n, 0, 100000, "smoke tests: first N of validation and test (0: all)"},
    {"measure", NSO_ARG_FLAG, &measure, 0, 1, "measure trace, lambda_1 and the Theorem 2.2 quantities"},
    {"probes", NSO_ARG_INT, &probes, 1, 10000, "measure: Hutchinson probes of the trace"},
    {"lanczos", NSO_ARG_INT, &lanczos, 2, 1000, "measure: Lanczos steps (lambda_1; the deflated trace)"},
    {"hess-n", NSO_ARG_INT, &hess_n, 1, 100000, "measure: training examples of trace and lambda_1"},
    {"alpha-n", NSO_ARG_INT, &alpha_n, 1, 100000, "measure: examples per part for alpha"},
    {"alpha-probes", NSO_ARG_INT, &alpha_probes, 1, 10000, "measure: probes per per-example trace"},
    {"trace-every", NSO_ARG_INT, &trace_every, 0, 100000, "Fig. 2: the trace every this many epochs and at the last (0: never)"},
    {"trace-probes", NSO_ARG_INT, &trace_probes, 1, 10000, "--trace-every: Hutchinson probes (deflated)"},
    {"trace-lanczos", NSO_ARG_INT, &trace_lanczos, 1, 1000, "--trace-every: Lanczos steps deflated"},
    {"chunk", NSO_ARG_INT, &chunk, 1, 1024, "measure/eval: examples per pass (memory)"},
    {"thm-beta", NSO_ARG_DOUBLE, &thm_beta, 1e-6, 0.999999, "Theorem 2.2: beta of eq. (20)"},
    {"thm-delta", NSO_ARG_DOUBLE, &thm_delta, 1e-12, 0.999999, "Theorem 2.2: delta (confidence 1 - delta)"},
    {"probe-seed", NSO_ARG_STRING, &probe_seed_s, 0, 0,
     "measure/trace-every: seed of the probes only, 0..1e18 (default: --seed)"},
};
#define NBASE (sizeof base_specs / sizeof *base_specs)
#define MAXSPECS (NBASE + 64)
static nso_arg_spec specs[MAXSPECS];
static const char *opt_texts[64];
static size_t nspecs;

static const char *usage =
    "ft_run: one fine-tuning job (ISSUE 8; docs/finetune_plan.md, docs/ft_results.md).\n"
    "  ft_run --task source --seed 0 --epochs 12 --lr 0.05 --save src.safetensors --out src.csv\n"
    "  ft_run --task mnist-200 --seed 1 --source src.safetensors --opt nso --sigma 0.01 \\\n"
    "         --lr 0.05 --steps 960 --measure --out r.csv";

/* ---- the oracle wrapper: counts gradients, adds the L2-SP term ---------- */
static int (*inner_sgrad)(void *, const double *, double *, const nso_sample *);
static long ngrads;
static const double *w0;
static size_t nbackbone; /* parameters [0, nbackbone) are the backbone (fc comes last) */

static int wrap_sgrad(void *ctx, const double *w, double *g, const nso_sample *s)
{
    ngrads++;
    int rc = inner_sgrad(ctx, w, g, s);
    if (rc == NSO_OK && l2sp > 0)
        for (size_t i = 0; i < nbackbone; i++) g[i] += 2 * l2sp * (w[i] - w0[i]);
    return rc;
}

/* ---- helpers ---------------------------------------------------------------- */

/* the first n examples of d (a view: shares the buffers) */
static nn_dataset prefix(const nn_dataset *d, long n)
{
    nn_dataset v = *d;
    if (n > 0 && n < d->n) v.n = (int)n;
    return v;
}

/* largest per-example cross-entropy over d (eval-mode batch norm) */
static double max_example_loss(nn_model_f32 *m, const nn_dataset *d)
{
    int B = m->maxB, mode = m->bn_mode, K = m->cfg.nclass;
    size_t per = (size_t)d->c * d->h * d->w;
    float *x = malloc(sizeof(float) * per * B);
    uint8_t *y = malloc(B);
    int *idx = malloc(sizeof(int) * B);
    double mx = -INFINITY;
    if (!x || !y || !idx) mx = NAN;
    m->bn_mode = NN_BN_EVAL;
    for (int s = 0; x && y && idx && s < d->n; s += B) {
        int b = d->n - s < B ? d->n - s : B;
        for (int i = 0; i < b; i++) idx[i] = s + i;
        nn_dataset_batch(d, idx, b, x, y);
        nn_loss_f32(m, x, y, b, NULL);
        const float *z = nn_logits_f32(m); /* K x b */
        for (int i = 0; i < b; i++) {
            double zm = -INFINITY, se = 0;
            for (int k = 0; k < K; k++) zm = fmax(zm, z[(size_t)k * b + i]);
            for (int k = 0; k < K; k++) se += exp(z[(size_t)k * b + i] - zm);
            double l = zm + log(se) - z[(size_t)y[i] * b + i];
            if (!(l <= mx)) mx = l; /* NaN propagates */
        }
    }
    m->bn_mode = mode;
    free(x);
    free(y);
    free(idx);
    return mx;
}

/* the trace (deflated: tr_deflated.c, an exact m-step Lanczos part plus
 * `np` Hutchinson probes on the rest) and lambda_1 of the Hessian over the
 * first hn examples of d, batch norm in eval mode, all parameters */
static void hess_trace(nn_model_f32 *m, const nn_dataset *d, int hn, long m_lanczos, long np, gsl_rng *r,
                       nso_hess_cb lcb, nso_hess_cb pcb, nso_trace_est *est, double *l1, double *top,
                       size_t *kdef)
{
    char msg[256];
    int *idx = malloc(sizeof(int) * (size_t)hn);
    if (!idx) nso_die("out of memory");
    for (int i = 0; i < hn; i++) idx[i] = i;
    nn_model_op mo;
    if (nn_model_op_init(&mo, m, d, idx, hn, (int)chunk, "all", msg, sizeof msg)) nso_die("--measure: %s", msg);
    nso_linop op = nn_model_op_linop(&mo);
    nso_hutch_opts ho = {(size_t)np, (size_t)np, 0, NULL, 0, pcb};
    memset(est, 0, sizeof *est);
    /* a non-finite trace is written as it is */
    nso_trace_deflated(&op, (size_t)m_lanczos, &ho, r, est, l1, top, kdef, &lcb);
    nn_model_op_free(&mo);
    free(idx);
}

/* largest per-example Hutchinson trace over the first n examples of d */
static double alpha_max(nn_model_f32 *m, const nn_dataset *d, int n, gsl_rng *r, nso_progress *pg,
                        size_t *done)
{
    char msg[256];
    int *ids = calloc((size_t)n + 1, sizeof(int));
    if (!ids) nso_die("out of memory (alpha)");
    for (int i = 0; i < n; i++) ids[i] = i;
    nn_model_op mo;
    if (nn_model_op_init(&mo, m, d, ids, 1, 1, "all", msg, sizeof msg)) nso_die("--measure: %s", msg);
    nso_linop op = nn_model_op_linop(&mo);
    double mx = -INFINITY;
    for (int i = 0; i < n; i++) {
        mo.idx = ids + i; /* the operator over example i alone */
        nso_hutch_opts ho = {(size_t)alpha_probes, (size_t)alpha_probes, 0, NULL, 0, {NULL, NULL}};
        nso_trace_est te;
        memset(&te, 0, sizeof te);
        nso_hutchinson(&op, &ho, r, &te);
        if (!(te.mean <= mx)) mx = te.mean;
        nso_progress_update(pg, ++*done);
    }
    nn_model_op_free(&mo);
    free(ids);
    return mx;
}

/* the setting string, the tag and the method name of the header */
static void describe(const nso_opt_type *ot, const double *vals, char *setting, size_t slen,
                     char *tagbuf, size_t tlen, const char **method)
{
    char p[1024] = "";
    nso_params_format(ot, vals, p, sizeof p);
    size_t u = (size_t)snprintf(setting, slen, "%s", p);
    char t[512] = "";
    size_t tu = 0;
    for (size_t i = NBASE; i < nspecs; i++) {
        /* a method flag given (e.g. --no-negative) tags as its name */
        const char *v = specs[i].type == NSO_ARG_FLAG ? (*(int *)specs[i].ptr ? "" : NULL) : opt_texts[i - NBASE];
        if (v && tu < sizeof t)
            tu += (size_t)snprintf(t + tu, sizeof t - tu, "%s%s%s", tu ? "-" : "", specs[i].name, v);
    }
#define EXTRA(cond, key, fmt, v)                                                                   \
    if (cond) {                                                                                    \
        if (u < slen) u += (size_t)snprintf(setting + u, slen - u, "%s" key "=" fmt, u ? " " : "", v); \
        if (tu < sizeof t) tu += (size_t)snprintf(t + tu, sizeof t - tu, "%s" key fmt, tu ? "-" : "", v); \
    }
    EXTRA(smoothing > 0, "ls", "%g", smoothing)
    EXTRA(wd > 0, "wd", "%g", wd)
    EXTRA(momentum > 0, "mom", "%g", momentum)
    EXTRA(l2sp > 0, "l2sp", "%g", l2sp)
    EXTRA(augment, "aug", "%d", 1)
#undef EXTRA
    if (!setting[0]) snprintf(setting, slen, "none");
    snprintf(tagbuf, tlen, "%s", *tag ? tag : tu ? t : "base");
    *method = (!strcmp(ot->name, "gd") && smoothing > 0) ? "ls" : ot->name;
}

int main(int argc, char **argv)
{
    nso_set_progname("ft_run");
    memcpy(specs, base_specs, sizeof base_specs);
    nspecs = NBASE + nso_opt_cli_specs(specs + NBASE, MAXSPECS - NBASE, opt_texts);
    for (size_t i = NBASE; i < nspecs; i++)
        for (size_t j = 0; j < NBASE; j++)
            if (!strcmp(specs[i].name, base_specs[j].name))
                nso_die("internal: method parameter --%s collides with a flag of ft_run", specs[i].name);
    nso_cli_parse(argc, argv, specs, nspecs, usage);
    char prm[4096];
    nso_cli_format(specs, nspecs, prm, sizeof prm); /* the flags as given, before derived values */

    /* ---- validate everything before training ---- */
    char msg[1024];
    const ft_task *t = ft_task_find(task);
    if (!*task) nso_die("--task: required (accepted: %s)", ft_task_names());
    if (!t) nso_die("--task: unknown task '%s' (accepted: %s)", task, ft_task_names());
    int is_source = t == ft_task_list[0];
    const nso_opt_type *ot = nso_opt_find(optname);
    if (!ot) nso_die("--opt: unknown optimizer '%s' (one of: %s)", optname, nso_opt_names());
    nso_param_set ps;
    nso_params_clear(&ps);
    nso_opt_cli_apply(ot, opt_texts, &ps);
    if (!*out) nso_die("--out: the result file path is required");
    uint64_t probe_seed = probe_seed_s ? nso_cli_u64("probe-seed", probe_seed_s, 1e18) : seed;
    if (epochs && steps) nso_die("--steps: give --epochs or --steps, not both");
    if (is_source) {
        if (*source) nso_die("--source: not used by --task source (it pretrains from scratch)");
        if (!*save) nso_die("--save: required for --task source (the checkpoint to write)");
        if (l2sp > 0) nso_die("--l2sp: only for target tasks (no W_0 backbone for --task source)");
        if ((depth - 2) % 6) nso_die("--depth: expected 8, 14 or 20, got %ld", depth);
    } else if (!*source)
        nso_die("--source: a source checkpoint is required for --task %s", task);
    nso_check_writable("out", out);
    if (*save) nso_check_writable("save", save);
    nn_config cfg = {NN_ARCH_RESNET, (int)depth, 128, 1, 28, 28, 0, NN_ACT_RELU};
    char src_sha[65] = "";
    if (!is_source) {
        if (nn_st_config(source, &cfg, msg, sizeof msg)) nso_die("--source: %s", msg);
        if (cfg.arch != NN_ARCH_RESNET || cfg.in_c != 1 || cfg.in_h != 28 || cfg.in_w != 28)
            nso_die("--source: expected a ResNet on 1x28x28 inputs, got %s on %dx%dx%d",
                    nn_arch_name(cfg.arch), cfg.in_c, cfg.in_h, cfg.in_w);
        if (ft_sha256_file(source, src_sha)) nso_die("--source: cannot read '%s'", source);
    }
    uint64_t split_seed = is_source ? 0 : seed;
    ft_split sp;
    if (ft_task_load(t, split_seed, cache, &sp, msg, sizeof msg)) nso_die("--cache: %s", msg);
    if (subset && (subset < batch || subset > sp.train.n))
        nso_die("--subset: expected an integer in [--batch = %ld, %d], got %ld", batch, sp.train.n, subset);
    if (batch > sp.train.n) nso_die("--batch: must be <= the training part (%d), got %ld", sp.train.n, batch);
    nn_dataset tr = prefix(&sp.train, subset), va = prefix(&sp.val, eval_n), te = prefix(&sp.test, eval_n);
    long nb = tr.n / batch;
    if (steps) epochs = (steps + nb - 1) / nb;
    if (!epochs) epochs = 30;
    cfg.nclass = t->class_hi - t->class_lo + 1;
    /* the data must fit the model (a cache of other images would overflow its buffers) */
    if (sp.train.c != cfg.in_c || sp.train.h != cfg.in_h || sp.train.w != cfg.in_w || sp.train.nclass != cfg.nclass)
        nso_die("--cache: task %s has %dx%dx%d images and %d classes, but the model%s takes %dx%dx%d inputs and has "
                "%d classes", t->name, sp.train.c, sp.train.h, sp.train.w, sp.train.nclass, is_source ? "" : " (--source)",
                cfg.in_c, cfg.in_h, cfg.in_w, cfg.nclass);
    int maxB = (int)(batch > chunk ? batch : chunk);
    gsl_rng *ir = nso_rng_named(seed, is_source ? "nn/init" : "ft/head");
    nn_model_f32 *m = nn_model_create_f32(&cfg, maxB, ir, msg, sizeof msg);
    gsl_rng_free(ir);
    if (!m) nso_die("--source: %s", msg);
    if (!is_source && nn_st_load(source, m, "fc", msg, sizeof msg)) nso_die("--source: %s", msg);
    size_t np = m->nparams;
    nbackbone = np;
    for (int i = 0; i < m->ntensors; i++)
        if (!m->tensors[i].buffer && !strncmp(m->tensors[i].name, "fc", 2) && m->tensors[i].off < nbackbone)
            nbackbone = m->tensors[i].off;
    double *W0 = malloc(np * sizeof(double));
    if (!W0) nso_die("out of memory");
    for (size_t i = 0; i < np; i++) W0[i] = m->params[i];
    w0 = W0;
    m->label_smoothing = smoothing;
    nn_train_params tp = {lr, (int)batch, (int)epochs, 0, 0.1, 1, momentum, wd, seed};
    nn_trainer *T = nn_trainer_alloc(m, &tr, &tp, ot, &ps, msg, sizeof msg);
    if (!T) nso_die("--opt %s: %s", optname, msg);
    if (augment && nn_objective_set_augment(T->obj, 2, !strcmp(t->pool, "fashion")))
        nso_die("--augment: cannot set up the augmentation (out of memory)");
    inner_sgrad = T->obj->sgrad;
    T->obj->sgrad = wrap_sgrad;

    char setting[2048], tagbuf[512];
    const char *method;
    describe(ot, T->opt->vals, setting, sizeof setting, tagbuf, sizeof tagbuf, &method);

    /* ---- train ---- */
    long every = eval_every ? eval_every : (epochs + 9) / 10;
    size_t rowcap = (size_t)epochs * 200 + 64, rowlen = 0;
    char *rows = malloc(rowcap);
    if (!rows) nso_die("out of memory");
    rows[0] = 0;
    nso_progress pg;
    nso_progress_begin(&pg, "ft_run train", (size_t)epochs, 0);
    int diverged = 0;
    gsl_rng *trr = trace_every ? nso_rng_named(probe_seed, "ft/trace-epoch") : NULL;
    int thn = hess_n < tr.n ? (int)hess_n : tr.n;
    for (long e = 0; e < epochs; e++) {
        double L, A;
        int rc = nn_trainer_epoch(T, &L, &A);
        if (rc == NSO_EDIVERGE) {
            diverged = 1;
            break;
        }
        if (rc != NSO_OK) nso_die("training failed in epoch %ld (status %d)", e + 1, rc);
        double tl = NAN, ta = NAN, trl = NAN, trace_e = NAN;
        if ((e + 1) % every == 0 || e + 1 == epochs) {
            /* eval-mode batch norm: no running statistic changes, params as trained */
            m->label_smoothing = 0;
            tl = nn_evaluate(m, &te, te.n, &ta);
            double tra;
            trl = nn_evaluate(m, &tr, tr.n, &tra);
            m->label_smoothing = smoothing;
        }
        if (trace_every && ((e + 1) % trace_every == 0 || e + 1 == epochs)) {
            nso_trace_est te_;
            hess_trace(m, &tr, thn, trace_lanczos, trace_probes, trr, (nso_hess_cb){NULL, NULL},
                       (nso_hess_cb){NULL, NULL}, &te_, NULL, NULL, NULL);
            trace_e = te_.mean;
        }
        rowlen += (size_t)snprintf(rows + rowlen, rowcap - rowlen, "%ld,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n",
                                   e + 1, nn_trainer_lr(T, (uint64_t)e * (uint64_t)nb), L, A, tl, ta, trl,
                                   trace_e);
        nso_progress_update(&pg, (size_t)e + 1);
    }
    nso_progress_end(&pg);
    if (trr) gsl_rng_free(trr);
    long nsteps = (long)T->opt->step;
    double gps = nsteps ? (double)ngrads / nsteps : 0;

    nso_csv *c = nso_csv_open(out, "ft_run", prm, seed, NULL);
    if (!c) exit(2);
    nso_csv_printf(c, "# task: %s\n# method: %s\n# setting: %s\n# tag: %s\n", t->name, method, setting, tagbuf);
    nso_csv_printf(c, "# lr: %.9g\n# epochs: %ld\n# steps: %ld\n# grads_per_step: %.9g\n", lr, epochs,
                   diverged ? epochs * nb : nsteps, gps);
    nso_csv_printf(c, "# split: tr=%016llx va=%016llx te=%016llx\n",
                   (unsigned long long)ft_fingerprint(sp.itrain, tr.n),
                   (unsigned long long)ft_fingerprint(sp.ival, va.n),
                   (unsigned long long)ft_fingerprint(sp.itest, te.n));
    if (is_source) nso_csv_printf(c, "# source: none\n");
    else nso_csv_printf(c, "# source: %s sha256=%s\n", source, src_sha);
    nso_csv_printf(c, "# ntrain: %d\n# nval: %d\n# ntest: %d\n", tr.n, va.n, te.n);
    if (diverged) {
        nso_csv_printf(c, "# status: diverged\n");
        if (nso_csv_commit(c)) exit(2);
        fprintf(stderr, "ft_run: training diverged (NaN/Inf) at step %ld; --lr %g; wrote %s\n", nsteps, lr, out);
        return 0;
    }
    nso_csv_printf(c, "epoch,lr,train_loss,train_acc,test_loss,test_acc,train_eval_loss,trace\n%s", rows);

    /* ---- final evaluation ---- */
    m->label_smoothing = 0;
    double a_tr, a_va, a_te;
    double l_tr = nn_evaluate(m, &tr, tr.n, &a_tr), l_va = nn_evaluate(m, &va, va.n, &a_va),
           l_te = nn_evaluate(m, &te, te.n, &a_te), d2 = 0;
    for (size_t i = 0; i < np; i++) d2 += (T->w[i] - W0[i]) * (T->w[i] - W0[i]);
    double r = sqrt(d2);
    nso_csv_printf(c, "# final.train_loss: %.9g\n# final.train_acc: %.9g\n", l_tr, a_tr);
    nso_csv_printf(c, "# final.val_loss: %.9g\n# final.val_acc: %.9g\n", l_va, a_va);
    nso_csv_printf(c, "# final.test_loss: %.9g\n# final.test_acc: %.9g\n", l_te, a_te);
    nso_csv_printf(c, "# final.dist_w0: %.9g\n# final.gen_gap: %.9g\n", r, l_te - l_tr);
    nso_csv_printf(c, "# final.measured: %d\n", measure);
    if (*save && nn_st_save(save, m, msg, sizeof msg)) {
        nso_csv_abort(c);
        nso_die("--save: %s", msg);
    }

    /* ---- Hessian and Theorem 2.2 ---- */
    if (measure) {
        gsl_rng *mr = nso_rng_named(probe_seed, "ft/measure");
        int hn = hess_n < tr.n ? (int)hess_n : tr.n;
        int an_tr = alpha_n < tr.n ? (int)alpha_n : tr.n, an_va = alpha_n < va.n ? (int)alpha_n : va.n;
        size_t total = (size_t)(lanczos + probes + an_tr + an_va), done = 0;
        nso_progress_begin(&pg, "ft_run measure", total, 0);
        nso_progress_at lc = {&pg, 0}, pc = {&pg, (size_t)lanczos};
        nso_trace_est est;
        double l1 = NAN, top = NAN;
        size_t kdef = 0;
        hess_trace(m, &tr, hn, lanczos, probes, mr, (nso_hess_cb){nso_progress_at_cb, &lc},
                   (nso_hess_cb){nso_progress_at_cb, &pc}, &est, &l1, &top, &kdef);
        done = (size_t)(lanczos + probes);
        double al_tr = alpha_max(m, &tr, an_tr, mr, &pg, &done);
        double al_va = alpha_max(m, &va, an_va, mr, &pg, &done);
        nso_progress_end(&pg);
        double Cmax = max_example_loss(m, &tr);
        ft_thm22_in ti = {l_tr, Cmax, al_tr, r, tr.n, thm_beta, thm_delta};
        ft_thm22_out to;
        ft_thm22(&ti, &to, msg, sizeof msg); /* out of range (alpha <= 0): nan, written as it is */
        nso_csv_printf(c, "# final.trace: %.9g\n# final.trace_se: %.9g\n# final.trace_ci95: %.9g\n"
                          "# final.trace_probes: %zu\n# final.hess_n: %d\n"
                          "# final.trace_method: deflated\n# final.trace_deflated_k: %zu\n"
                          "# final.trace_exact_part: %.9g\n",
                       est.mean, est.se, est.ci95, est.probes, hn, kdef, top);
        nso_csv_printf(c, "# final.lambda1: %.9g\n# final.lanczos_steps: %ld\n", l1, lanczos);
        nso_csv_printf(c, "# final.alpha_train: %.9g\n# final.alpha_heldout: %.9g\n"
                          "# final.alpha_probes: %ld\n# final.alpha_n: %d\n# final.alpha_heldout_n: %d\n",
                       al_tr, al_va, alpha_probes, an_tr, an_va);
        nso_csv_printf(c, "# final.C: %.9g\n# final.n: %d\n", Cmax, tr.n);
        nso_csv_printf(c, "# final.thm22_leading: %.9g\n# final.thm22_bound: %.9g\n"
                          "# final.thm22_gap_bound: %.9g\n# final.thm22_beta: %.9g\n"
                          "# final.thm22_delta: %.9g\n# final.thm22_sigma: %.9g\n",
                       to.leading, to.bound, to.bound - l_tr, thm_beta, thm_delta, sqrt(to.sigma2));
        gsl_rng_free(mr);
    }
    if (nso_csv_commit(c)) exit(2);
    nn_trainer_free(T);
    nn_model_free_f32(m);
    ft_split_free(&sp);
    free(W0);
    free(rows);
    return 0;
}
