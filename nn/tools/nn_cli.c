/* nn_cli.c - train, evaluate, save, load and measure the Hessian of a model
 * from the command line (ISSUE 4).  One program, --cmd selects the step:
 *
 *   --cmd train    train an MLP, ResNet, transformer (issue 9; --data brown,
 *                  a token data set) or GCN (issue 9; --data graphs, graph
 *                  records) on a data set with any optimizer of
 *                  the registry (--opt, default gd = SGD, with the method's
 *                  parameters as flags: --sigma, --k, ...; --momentum and
 *                  --weight-decay compose with every method), save a
 *                  safetensors checkpoint (--out) and a per-epoch CSV (--log);
 *                  skipped if --out exists (resume rule), unless --force
 *   --cmd eval     load --model, print loss and accuracy on --data
 *   --cmd hessian  load --model and measure over --nmeas training examples
 *                  (batch norm in eval mode): --measure any of
 *                  trace (Hutchinson + 95% CI + stopping rule), layers
 *                  (per-layer traces), topk (Lanczos), density (SLQ)
 *                  -> CSV files with prefix --out
 *   --cmd info     print the model's tensors (PyTorch names and shapes)
 *
 * Text (issue 9): --arch mlm pretrains the transformer's encoder by masked
 * language modelling (BERT's recipe, nn/mlm.h) on a token data set
 * (brown-pre: the pretraining texts of the split by text, --split-seed);
 * --arch transformer --init CKPT fine-tunes from such a checkpoint (every
 * tensor but the head "fc"; the shape comes from the checkpoint), e.g. on
 * brown-ft with --test-data brown-ft-test (the held-out texts).
 *
 * The Hessian is the full-set average over the evaluation set by default;
 * --per-batch B gives the authors' convention (average over minibatches of B
 * of per-batch estimates).  --params restricts the parameters (name prefixes).
 * Paper Sec. 2.2 (trace), Table 3 (trace, lambda_1). */
#include "cli.h"
#include "corpus.h"
#include "dataset.h"
#include "hess.h"
#include "io.h"
#include "mlm.h"
#include "nso_error.h"
#include "optimizer.h"
#include "progress.h"
#include "rng.h"
#include "safetensors.h"
#include "train.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *cmd = "", *arch = "mlp", *data = "fashion", *cache = "data/cache", *out = "",
                  *model = "", *logp = "", *measure = "trace", *params = "all", *test_data = "", *act = "",
                  *optname = "gd", *init = "";
static long depth = 0, hidden = 0, heads = 2, ntrain = 5000, epochs = 10, batch = 32, nmeas = 1000,
            probes = 100, minprobes = 10, topk = 5, iters = 50, slq_runs = 3, chunk = 100,
            per_batch = 0, force = 0, neval = 0, decay_every = 0;
static int decay_thirds = 0;
static double lr = 0.02, momentum = 0, wd = 0, smoothing = 0, tol = 1e-3, decay = 0.1,
              bins_sigma = 0;
static uint64_t seed = 1, split_seed = NN_BROWN_SPLIT_SEED;
static const char *probe_seed_s = NULL; /* NULL: the probes follow --seed (recorded only when given) */

/* the program's own flags; the optimizers' parameters are appended in main()
 * (nso_opt_cli_specs), and --k is shared: hessian's number of eigenvalues,
 * train's method parameter k (NSO: perturbations per step) */
static nso_arg_spec base_specs[] = {
    {"cmd", NSO_ARG_STRING, &cmd, 0, 0, "train | eval | hessian | info"},
    {"arch", NSO_ARG_STRING, &arch, 0, 0,
     "train: mlp (784-hidden-10), resnet, transformer (classifier), gcn, or mlm (the transformer's encoder "
     "pretrained by masked language modelling, on a token data set such as brown-pre)"},
    {"init", NSO_ARG_STRING, &init, 0, 0,
     "train --arch transformer: start from this checkpoint (an mlm or transformer one: every tensor but the "
     "head fc; width, layers, heads, vocabulary and sequence length from it)"},
    {"split-seed", NSO_ARG_U64, &split_seed, 0, 1e18,
     "seed of the Brown split by text (data sets brown-pre, brown-ft, brown-ft-test; default 1)"},
    {"depth", NSO_ARG_INT, &depth, 0, 20,
     "train: ResNet depth 6n+2 (8, 14, 20; 0 = 8); transformer layers 1..8 (0 = 2); GCN graph-convolution "
     "layers 1..4 (0 = 2)"},
    {"hidden", NSO_ARG_INT, &hidden, 0, 65536,
     "train: MLP hidden width (0 = 128); transformer width (0 = 64); GCN width 1..1024 (0 = 128)"},
    {"heads", NSO_ARG_INT, &heads, 1, 1024, "train: transformer attention heads (divide the width)"},
    {"act", NSO_ARG_STRING, &act, 0, 0,
     "train: activation of the MLP (relu, softplus, gelu; default relu) or of the "
     "transformer's feed-forward (gelu, relu, softplus; default gelu) or of the GCN (relu, softplus, gelu; "
     "default relu)"},
    {"data", NSO_ARG_STRING, &data, 0, 0,
     "data set: fashion, fashion-test, mnist; brown (token passages, for the transformer), brown-pre, "
     "brown-ft, brown-ft-test (the split by text: pretraining texts, held-out fine-tuning texts); graphs (for the GCN)"},
    {"test-data", NSO_ARG_STRING, &test_data, 0, 0, "train: also report accuracy on this set"},
    {"cache", NSO_ARG_STRING, &cache, 0, 0, "data cache (make nn-data)"},
    {"ntrain", NSO_ARG_INT, &ntrain, 10, 60000, "train/hessian: class-balanced training subset size"},
    {"epochs", NSO_ARG_INT, &epochs, 1, 100000, "train: epochs"},
    {"batch", NSO_ARG_INT, &batch, 1, 4096, "train: minibatch size"},
    {"lr", NSO_ARG_DOUBLE, &lr, 1e-8, 10, "train: step size"},
    {"decay", NSO_ARG_DOUBLE, &decay, 1e-6, 1, "train: lr factor every --decay-every epochs"},
    {"decay-every", NSO_ARG_INT, &decay_every, 0, 100000, "train: 0 = never"},
    {"decay-thirds", NSO_ARG_FLAG, &decay_thirds, 0, 1,
     "train: lr x --decay at 1/3 and 2/3 of the steps instead (paper App. C)"},
    {"opt", NSO_ARG_STRING, &optname, 0, 0, "train: optimizer from the registry (--help lists its flags)"},
    {"momentum", NSO_ARG_DOUBLE, &momentum, 0, 0.999, "train: heavy-ball momentum around the method"},
    {"weight-decay", NSO_ARG_DOUBLE, &wd, 0, 1, "train: L2 coefficient (with the momentum: PyTorch SGD)"},
    {"label-smoothing", NSO_ARG_DOUBLE, &smoothing, 0, 0.99, "train/eval/hessian: smoothing a"},
    {"out", NSO_ARG_STRING, &out, 0, 0, "train: checkpoint path; hessian: CSV prefix"},
    {"force", NSO_ARG_FLAG, &force, 0, 1, "train: overwrite an existing --out"},
    {"log", NSO_ARG_STRING, &logp, 0, 0, "train: per-epoch CSV (optional)"},
    {"model", NSO_ARG_STRING, &model, 0, 0, "eval/hessian/info: checkpoint to load"},
    {"n", NSO_ARG_INT, &neval, 0, 100000, "eval: examples (0 = all)"},
    {"nmeas", NSO_ARG_INT, &nmeas, 1, 60000, "hessian: evaluation-set size (training examples)"},
    {"measure", NSO_ARG_STRING, &measure, 0, 0, "hessian: comma list of trace,layers,topk,density"},
    {"params", NSO_ARG_STRING, &params, 0, 0, "hessian: all, or parameter-name prefixes (fc,layer3)"},
    {"probes", NSO_ARG_INT, &probes, 1, 100000, "hessian: max Hutchinson probes"},
    {"min-probes", NSO_ARG_INT, &minprobes, 2, 100000, "hessian: probes before the stopping rule"},
    {"tol", NSO_ARG_DOUBLE, &tol, 0, 1, "hessian: stop once the running mean moves <= tol (relative)"},
    {"iters", NSO_ARG_INT, &iters, 2, 5000, "hessian: Lanczos steps (topk and density)"},
    {"slq-runs", NSO_ARG_INT, &slq_runs, 1, 1000, "hessian: SLQ start vectors"},
    {"bandwidth", NSO_ARG_DOUBLE, &bins_sigma, 0, 1e9, "hessian: density smoothing (0 = auto)"},
    {"chunk", NSO_ARG_INT, &chunk, 1, 4096, "hessian/eval: examples per pass (memory)"},
    {"per-batch", NSO_ARG_INT, &per_batch, 0, 60000,
     "hessian: 0 = full-set average; B = mean of per-minibatch estimates (authors')"},
    {"seed", NSO_ARG_U64, &seed, 0, 1e18, "seed of the split, init, shuffling and (by default) probes"},
    {"probe-seed", NSO_ARG_STRING, &probe_seed_s, 0, 0,
     "hessian: seed of the probes and Lanczos start vectors only, 0..1e18 (default: --seed); "
     "redraws them on the same evaluation set"},
};
#define NBASE (sizeof base_specs / sizeof *base_specs)
#define MAXSPECS (NBASE + 64)
static nso_arg_spec specs[MAXSPECS];
static const char *opt_texts[64]; /* method parameters as given (NULL: not given) */
static size_t nspecs;
#define NSPECS nspecs
static char k_help[256], opt_help[256];

/* base flags + one flag per distinct method parameter; --k is shared */
static void build_specs(void)
{
    memcpy(specs, base_specs, sizeof base_specs);
    nspecs = NBASE + nso_opt_cli_specs(specs + NBASE, MAXSPECS - NBASE, opt_texts);
    for (size_t i = 0; i < NBASE; i++)
        if (!strcmp(specs[i].name, "opt")) {
            snprintf(opt_help, sizeof opt_help,
                     "train: optimizer, one of %s (its flags below, tagged [method])", nso_opt_names());
            specs[i].help = opt_help;
        }
    for (size_t i = NBASE; i < nspecs; i++) {
        for (size_t j = 0; j < NBASE; j++)
            if (!strcmp(specs[i].name, base_specs[j].name))
                nso_die("internal: method parameter --%s collides with a flag of nn_cli", specs[i].name);
        if (!strcmp(specs[i].name, "k")) {
            snprintf(k_help, sizeof k_help,
                     "hessian: number of top eigenvalues, 1..1000 (default 5); train: %s", specs[i].help);
            specs[i].help = k_help;
        }
    }
}

/* hessian's --k from the shared flag's text */
static void hessian_k(void)
{
    for (size_t i = NBASE; i < nspecs; i++)
        if (!strcmp(specs[i].name, "k") && opt_texts[i - NBASE]) {
            char *end;
            long v = strtol(opt_texts[i - NBASE], &end, 10);
            if (*end || end == opt_texts[i - NBASE] || v < 1 || v > 1000)
                nso_die("--k: expected an integer in [1, 1000], got '%s'", opt_texts[i - NBASE]);
            topk = v;
        }
}

static const char *usage =
    "nn_cli: train / evaluate / inspect / measure the Hessian of a network.\n"
    "  nn_cli --cmd train --arch resnet --data fashion --ntrain 5000 --epochs 10 --out m.safetensors\n"
    "  nn_cli --cmd train --arch mlp --opt nso --sigma 0.01 --k 1 --epochs 10 --out m.safetensors\n"
    "  nn_cli --cmd train --arch transformer --data brown --ntrain 2000 --epochs 2 --out t.safetensors\n"
    "  nn_cli --cmd train --arch mlm --data brown-pre --ntrain 12000 --epochs 4 --out p.safetensors\n"
    "  nn_cli --cmd train --arch transformer --init p.safetensors --data brown-ft --test-data brown-ft-test "
    "--out f.safetensors\n"
    "  nn_cli --cmd train --arch gcn --data graphs --ntrain 600 --epochs 100 --out g.safetensors\n"
    "  nn_cli --cmd eval --model m.safetensors --data fashion-test\n"
    "  nn_cli --cmd hessian --model m.safetensors --measure trace,layers,topk,density --out h\n"
    "  nn_cli --cmd info --model m.safetensors";

static int has(const char *list, const char *w)
{
    size_t l = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += l)
        if ((p == list || p[-1] == ',') && (p[l] == 0 || p[l] == ',')) return 1;
    return 0;
}

static nn_model_f32 *load(int maxB)
{
    char msg[512];
    nn_config cfg;
    if (!*model) nso_die("--model: a checkpoint path is required for --cmd %s", cmd);
    if (nn_st_config(model, &cfg, msg, sizeof msg)) nso_die("--model: %s", msg);
    gsl_rng *r = nso_rng_named(seed, "nn/init");
    nn_model_f32 *m = nn_model_create_f32(&cfg, maxB, r, msg, sizeof msg);
    gsl_rng_free(r);
    if (!m) nso_die("--model: %s", msg);
    if (nn_st_load(model, m, NULL, msg, sizeof msg)) nso_die("--model: %s", msg);
    m->label_smoothing = smoothing;
    return m;
}

/* the data set must fit the model: same image shape, same number of classes
 * (one line naming both sides, before any computation) */
static void check_fit(const nn_config *cfg, const char *model_desc, const nn_dataset *d, const char *dflag,
                      const char *dname)
{
    const int tf = cfg->arch == NN_ARCH_TRANSFORMER || cfg->arch == NN_ARCH_MLM;
    if (cfg->arch == NN_ARCH_GCN) {
        if (d->tokens && d->c == 1 && d->h == cfg->in_h && (size_t)d->h * d->w == nn_gcn_record_size(cfg) &&
            d->nclass == cfg->nclass)
            return;
        nso_die("--%s: data set '%s' (%dx%dx%d, %d classes) is not a graph set of graphs up to %d nodes and %d "
                "adjacency entries with %d classes, as %s takes (--data graphs)", dflag, dname, d->c, d->h, d->w,
                d->nclass, cfg->in_h, cfg->in_w, cfg->nclass, model_desc);
    }
    if (d->tokens && d->h > 1) /* graph records (nn/graphs.h) */
        nso_die("--%s: '%s' is a graph data set, but %s is not a GCN (--arch gcn)", dflag, dname, model_desc);
    if (tf && !d->tokens)
        nso_die("--%s: %s is a transformer and needs a token data set (brown), got '%s'", dflag, model_desc, dname);
    if (!tf && d->tokens)
        nso_die("--%s: '%s' is a token data set, but %s is not a transformer (--arch transformer)", dflag, dname,
                model_desc);
    if (tf) {
        if (d->w > cfg->in_w)
            nso_die("--%s: sequences of %d tokens are longer than the model's position table (%d)", dflag, d->w,
                    cfg->in_w);
        if (d->w == cfg->in_w && (d->nclass == cfg->nclass || cfg->arch == NN_ARCH_MLM)) return;
        nso_die("--%s: data set '%s' has sequences of %d tokens and %d classes, but %s takes %d tokens and has %d "
                "classes", dflag, dname, d->w, d->nclass, model_desc, cfg->in_w, cfg->nclass);
    }
    if (d->c == cfg->in_c && d->h == cfg->in_h && d->w == cfg->in_w && d->nclass == cfg->nclass) return;
    nso_die("--%s: data set '%s' has %dx%dx%d images and %d classes, but %s takes %dx%dx%d inputs and has %d "
            "classes", dflag, dname, d->c, d->h, d->w, d->nclass, model_desc, cfg->in_c, cfg->in_h, cfg->in_w,
            cfg->nclass);
}

static nn_dataset train_subset(void)
{
    char msg[512];
    nn_dataset pool, part;
    if (nn_dataset_open_seeded(data, cache, split_seed, &pool, msg, sizeof msg)) nso_die("--data: %s", msg);
    int sizes[1] = {(int)ntrain};
    if (nn_split_balanced(&pool, seed, sizes, 1, &part, msg, sizeof msg))
        nso_die("--ntrain: %s", msg);
    nn_dataset_free(&pool);
    return part;
}


static void cmd_train(void)
{
    char msg[512], prm[4096];
    if (!*out) nso_die("--out: a checkpoint path is required for --cmd train");
    const nso_opt_type *ot = nso_opt_find(optname);
    if (!ot) nso_die("--opt: unknown optimizer '%s' (one of: %s)", optname, nso_opt_names());
    nso_param_set ps;
    nso_params_clear(&ps);
    nso_opt_cli_apply(ot, opt_texts, &ps);
    if (batch > ntrain) nso_die("--batch: must be <= --ntrain (%ld), got %ld", ntrain, batch);
    if (nso_file_exists(out) && !force) {
        fprintf(stderr, "nn_cli: %s exists; training skipped (use --force to retrain)\n", out);
        return;
    }
    nso_check_writable("out", out);
    if (*logp) nso_check_writable("log", logp);
    nn_config cfg = {0, (int)depth, (int)hidden, 1, 28, 28, 10, NN_ACT_RELU};
    if (!strcmp(arch, "mlp")) cfg.arch = NN_ARCH_MLP;
    else if (!strcmp(arch, "resnet")) cfg.arch = NN_ARCH_RESNET;
    else if (!strcmp(arch, "transformer")) cfg.arch = NN_ARCH_TRANSFORMER;
    else if (!strcmp(arch, "mlm")) cfg.arch = NN_ARCH_MLM;
    else if (!strcmp(arch, "gcn")) cfg.arch = NN_ARCH_GCN;
    else nso_die("--arch: expected mlp, resnet, transformer, mlm (text) or gcn (graphs), got '%s'", arch);
    const int tf = cfg.arch == NN_ARCH_TRANSFORMER || cfg.arch == NN_ARCH_MLM, gcn = cfg.arch == NN_ARCH_GCN;
    nn_config icfg;
    if (*init) { /* the encoder's shape from the checkpoint, checked before anything is computed */
        if (cfg.arch != NN_ARCH_TRANSFORMER)
            nso_die("--init: only --arch transformer starts from a checkpoint, got --arch %s", arch);
        if (nn_st_config(init, &icfg, msg, sizeof msg)) nso_die("--init: %s", msg);
        if (icfg.arch != NN_ARCH_MLM && icfg.arch != NN_ARCH_TRANSFORMER)
            nso_die("--init: %s is a %s checkpoint, not an mlm or transformer one", init, nn_arch_name(icfg.arch));
        if ((depth && depth != icfg.depth) || (hidden && hidden != icfg.hidden))
            nso_die("--init: %s has %d layers of width %d; --depth/--hidden say %ld/%ld (leave them out)", init,
                    icfg.depth, icfg.hidden, depth, hidden);
        cfg.depth = (int)(depth = icfg.depth);
        cfg.hidden = (int)(hidden = icfg.hidden);
        heads = icfg.in_h;
        if (!*act) act = icfg.act == NN_ACT_RELU ? "relu" : icfg.act == NN_ACT_SOFTPLUS ? "softplus" : "gelu";
    }
    if (!*act) cfg.act = tf ? NN_ACT_GELU : NN_ACT_RELU;
    else if (!strcmp(act, "softplus")) cfg.act = NN_ACT_SOFTPLUS;
    else if (!strcmp(act, "gelu")) cfg.act = NN_ACT_GELU;
    else if (strcmp(act, "relu")) nso_die("--act: expected relu, softplus or gelu, got '%s'", act);
    if (!depth) cfg.depth = tf || gcn ? 2 : 8;
    if (gcn && cfg.depth > NN_GCN_MAX_LAYERS)
        nso_die("--depth: GCN layers must be in [1, %d], got %d", NN_GCN_MAX_LAYERS, cfg.depth);
    if (gcn && cfg.hidden > NN_GCN_MAX_WIDTH)
        nso_die("--hidden: GCN width must be in [1, %d], got %d", NN_GCN_MAX_WIDTH, cfg.hidden);
    if (!hidden) cfg.hidden = tf ? 64 : 128;
    if (cfg.arch == NN_ARCH_RESNET && (cfg.depth < 8 || (cfg.depth - 2) % 6))
        nso_die("--depth: expected 8, 14 or 20, got %d", cfg.depth);
    if (tf && cfg.depth > NN_TF_MAX_LAYERS)
        nso_die("--depth: transformer layers must be in [1, %d], got %d", NN_TF_MAX_LAYERS, cfg.depth);
    if (tf && cfg.hidden > NN_TF_MAX_WIDTH)
        nso_die("--hidden: transformer width must be in [1, %d], got %d", NN_TF_MAX_WIDTH, cfg.hidden);
    if (tf && (heads > cfg.hidden || cfg.hidden % heads))
        nso_die("--heads: %ld attention heads do not divide the width %d", heads, cfg.hidden);
    nn_dataset tr = train_subset(), te = {0};
    if (tf) { /* vocabulary x heads x sequence (nn.h), classes from the data */
        if (!tr.tokens) nso_die("--data: the transformer needs a token data set (brown), got '%s'", data);
        if (tr.w > NN_TF_MAX_SEQ)
            nso_die("--data: sequences of %d tokens are longer than the position table allows (%d)",
                    tr.w, NN_TF_MAX_SEQ);
        cfg.in_c = NN_BROWN_VOCAB;
        cfg.in_h = (int)heads;
        cfg.in_w = tr.w;
        cfg.nclass = cfg.arch == NN_ARCH_MLM ? NN_MLM_SLOTS : tr.nclass;
        if (*init && (icfg.in_c != cfg.in_c || icfg.in_w != cfg.in_w))
            nso_die("--init: %s has a vocabulary of %d and %d positions; --data %s needs %d and %d", init, icfg.in_c,
                    icfg.in_w, data, cfg.in_c, cfg.in_w);
    }
    if (gcn) { /* graph records: the shape of the set (nn/graphs.h), classes from the data */
        if (!tr.tokens || tr.c != 1 || tr.h < 1)
            nso_die("--data: the GCN needs a graph data set (graphs), got '%s'", data);
        cfg.in_c = NN_GCN_FEATURES;
        cfg.in_h = tr.h;
        cfg.in_w = tr.h * tr.w - 3 - tr.h;
        cfg.nclass = tr.nclass;
    }
    check_fit(&cfg, "the model (--arch/--hidden/--depth)", &tr, "data", data);
    if (*test_data) { /* checked before training, not after it */
        if (nn_dataset_open_seeded(test_data, cache, split_seed, &te, msg, sizeof msg))
            nso_die("--test-data: %s", msg);
        check_fit(&cfg, "the model (--arch/--hidden/--depth)", &te, "test-data", test_data);
    }
    gsl_rng *r = nso_rng_named(seed, "nn/init");
    nn_model_f32 *m = nn_model_create_f32(&cfg, (int)batch, r, msg, sizeof msg);
    gsl_rng_free(r);
    if (!m) nso_die("%s", msg);
    if (*init && nn_st_load(init, m, "fc", msg, sizeof msg)) nso_die("--init: %s", msg);
    m->label_smoothing = smoothing;
    nn_train_params tp = {lr,       (int)batch, (int)epochs, (int)decay_every, decay,
                          decay_thirds, momentum, wd,          seed};
    nn_trainer *T = nn_trainer_alloc(m, &tr, &tp, ot, &ps, msg, sizeof msg);
    if (!T) nso_die("--opt %s: %s", optname, msg);
    nso_cli_format(specs, NSPECS, prm, sizeof prm);
    size_t used = strlen(prm);
    used += (size_t)snprintf(prm + used, sizeof prm - used, " (method %s: ", ot->name);
    if (used < sizeof prm) nso_params_format(ot, T->opt->vals, prm + used, sizeof prm - used);
    used = strlen(prm);
    if (used + 1 < sizeof prm) strcat(prm, ")");
    nso_csv *log = *logp ? nso_csv_open(logp, "nn_cli", prm, seed, "epoch,lr,train_loss,train_acc") : NULL;
    if (*logp && !log) exit(2);
    nso_progress pg;
    nso_progress_begin(&pg, "train", (size_t)epochs, 0);
    for (int e = 0; e < epochs; e++) {
        double L, A;
        int rc = nn_trainer_epoch(T, &L, &A);
        if (rc != NSO_OK) {
            if (log) nso_csv_abort(log);
            if (rc == NSO_EDIVERGE)
                nso_die("training diverged (NaN/Inf) in epoch %d; lower --lr (now %g)", e, lr);
            nso_die("training failed in epoch %d (status %d)", e, rc);
        }
        if (log) nso_csv_printf(log, "%d,%g,%.6g,%.5f\n", e, nn_trainer_lr(T, (uint64_t)e * T->nb), L, A);
        nso_progress_update(&pg, e + 1);
    }
    nso_progress_end(&pg);
    if (log && nso_csv_commit(log)) exit(2);
    double acc, L = nn_evaluate(m, &tr, tr.n, &acc);
    printf("train: %d examples, loss %.5g, accuracy %.4f (eval mode)\n", tr.n, L, acc);
    if (*test_data) {
        L = nn_evaluate(m, &te, te.n, &acc);
        printf("%s: %d examples, loss %.5g, accuracy %.4f\n", test_data, te.n, L, acc);
        nn_dataset_free(&te);
    }
    if (nn_st_save(out, m, msg, sizeof msg)) nso_die("--out: %s", msg);
    printf("saved %s (%zu parameters)\n", out, m->nparams);
    nn_trainer_free(T);
    nn_dataset_free(&tr);
    nn_model_free_f32(m);
}

static void cmd_eval(void)
{
    char msg[512];
    nn_model_f32 *m = load((int)chunk);
    nn_dataset d;
    if (nn_dataset_open_seeded(data, cache, split_seed, &d, msg, sizeof msg)) nso_die("--data: %s", msg);
    char desc[4200];
    snprintf(desc, sizeof desc, "the checkpoint '%s' (--model)", model);
    check_fit(&m->cfg, desc, &d, "data", data);
    double acc, L = nn_evaluate(m, &d, (int)neval, &acc);
    printf("%s: %d examples, loss %.6g, accuracy %.4f\n", data, neval && neval < d.n ? (int)neval : d.n, L, acc);
    nn_dataset_free(&d);
    nn_model_free_f32(m);
}

static void cmd_info(void)
{
    nn_model_f32 *m = load(1);
    printf("%s depth %d, %zu parameters, %zu statistics\n", nn_arch_name(m->cfg.arch), m->cfg.depth,
           m->nparams, m->nstats);
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        printf("%-36s %-5s [", T->name, T->buffer == 0 ? "param" : T->buffer == 1 ? "stat" : "count");
        for (int d = 0; d < T->ndim; d++) printf("%s%lld", d ? "," : "", (long long)T->shape[d]);
        printf("]\n");
    }
    nn_model_free_f32(m);
}

static void cmd_hessian(void)
{
    char msg[512], path[4200], prm[2048];
    if (!*out) nso_die("--out: a CSV prefix is required for --cmd hessian");
    for (const char *p = measure; *p;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (!((l == 5 && !strncmp(p, "trace", 5)) || (l == 6 && !strncmp(p, "layers", 6)) ||
              (l == 4 && !strncmp(p, "topk", 4)) || (l == 7 && !strncmp(p, "density", 7))))
            nso_die("--measure: expected a comma list of trace, layers, topk, density; got '%s'", measure);
        p += l + (c ? 1 : 0);
    }
    /* the probes' stream: (probe seed, "nn/hessian"); the probe seed is --seed
     * unless --probe-seed is given, so the default output is as before */
    uint64_t probe_seed = probe_seed_s ? nso_cli_u64("probe-seed", probe_seed_s, 1e18) : seed;
    snprintf(path, sizeof path, "%s_hessian.csv", out);
    nso_check_writable("out", path);
    if (nso_file_exists(path)) {
        fprintf(stderr, "nn_cli: %s exists; measurement skipped (delete it to redo)\n", path);
        return;
    }
    nso_cli_format(specs, NSPECS, prm, sizeof prm);
    nn_model_f32 *m = load((int)chunk);
    nn_dataset tr = train_subset();
    char desc[4200];
    snprintf(desc, sizeof desc, "the checkpoint '%s' (--model)", model);
    check_fit(&m->cfg, desc, &tr, "data", data);
    if (m->cfg.arch == NN_ARCH_MLM)
        nso_die("--model: '%s' is a masked-language model (no fixed targets to measure); fine-tune it first "
                "(--cmd train --arch transformer --init)", model);
    int nm = nmeas < tr.n ? (int)nmeas : tr.n;
    int B = per_batch > 0 ? (int)per_batch : nm;
    if (B > nm) nso_die("--per-batch: %d exceeds --nmeas %d", B, nm);
    int nb = nm / B;
    int *idx = malloc(sizeof(int) * nm);
    for (int i = 0; i < nm; i++) idx[i] = i;
    gsl_rng *r = nso_rng_named(probe_seed, "nn/hessian");
    nso_csv *c = nso_csv_open(path, "nn_cli --cmd hessian", prm, seed, "quantity,group,value,stderr,detail");
    if (!c) exit(2);
    const char *conv = per_batch > 0 ? "per_batch_mean" : "full_set";
    double loss_sum = 0, acc_sum = 0, tr_sum = 0, tr_var = 0;
    int L = m->nlayers;
    double *gm = calloc(L, sizeof(double)), *gse = calloc(L, sizeof(double));
    double *gmean = calloc(L, sizeof(double)), *gvar = calloc(L, sizeof(double));
    double *top = calloc(topk, sizeof(double));
    size_t tprobes = 0;
    nso_progress pg;
    size_t work = (size_t)nb * ((has(measure, "trace") || has(measure, "layers") ? probes : 0) +
                                (has(measure, "topk") ? iters : 0)) +
                  (has(measure, "density") ? (size_t)slq_runs * iters : 0);
    nso_progress_begin(&pg, "hessian", work, 0);
    nso_progress_at pc = {&pg, 0};
    for (int b = 0; b < nb; b++) {
        nn_model_op mo;
        if (nn_model_op_init(&mo, m, &tr, idx + (size_t)b * B, B, (int)chunk, params, msg, sizeof msg))
            nso_die("--params: %s", msg);
        double acc;
        loss_sum += nn_model_op_loss(&mo, &acc);
        acc_sum += acc;
        nso_linop op = nn_model_op_linop(&mo);
        if (has(measure, "trace") || has(measure, "layers")) {
            /* per-layer partial traces need the products H v; the total alone
             * takes the quadratic forms where the network has them (hess.c) */
            int *grp = has(measure, "layers") ? mo.group : NULL;
            nso_hutch_opts ho = {(size_t)minprobes, (size_t)probes, tol, grp, grp ? L : 1,
                                 {nso_progress_at_cb, &pc}};
            nso_trace_est res = {.group_mean = gm, .group_se = gse};
            nso_hutchinson(&op, &ho, r, &res); /* a non-finite trace is written as it is */
            pc.base += (size_t)probes;
            tr_sum += res.mean;
            tr_var += res.se * res.se;
            tprobes += res.probes;
            for (int g = 0; g < L; g++) {
                gmean[g] += gm[g];
                gvar[g] += gse[g] * gse[g];
            }
        }
        if (has(measure, "topk")) {
            double *al = malloc(sizeof(double) * iters), *be = malloc(sizeof(double) * iters),
                   *th = malloc(sizeof(double) * iters);
            size_t k;
            nso_hess_cb cb = {nso_progress_at_cb, &pc};
            nso_lanczos(&op, (size_t)iters, r, al, be, &k, &cb);
            pc.base += (size_t)iters;
            nso_tridiag_eig(k, al, be, th, NULL);
            for (long j = 0; j < topk && j < (long)k; j++) top[j] += th[k - 1 - j];
            free(al);
            free(be);
            free(th);
        }
        nn_model_op_free(&mo);
    }
    nso_csv_printf(c, "loss,all,%.9g,,%s over %d examples (eval-mode batch norm)\n", loss_sum / nb, conv, nm);
    nso_csv_printf(c, "accuracy,all,%.6f,,\n", acc_sum / nb);
    if (has(measure, "trace") || has(measure, "layers")) {
        double se = sqrt(tr_var) / nb;
        nso_csv_printf(c, "trace,%s,%.9g,%.6g,%s; %zu Rademacher probes; 95%% CI +- %.4g\n", params,
                       tr_sum / nb, se, conv, tprobes, 1.96 * se);
        printf("trace (%s, %s): %.6g +- %.3g (95%% CI, %zu probes)\n", params, conv, tr_sum / nb,
               1.96 * se, tprobes);
        if (has(measure, "layers"))
            for (int g = 0; g < L; g++)
                if (gmean[g] != 0 || gvar[g] != 0)
                    nso_csv_printf(c, "layer_trace,%s,%.9g,%.6g,%s\n", m->layer_names[g], gmean[g] / nb,
                                   sqrt(gvar[g]) / nb, conv);
    }
    if (has(measure, "topk")) {
        for (long j = 0; j < topk && j < iters; j++) {
            nso_csv_printf(c, "eigenvalue,%ld,%.9g,,%s; Lanczos %ld steps\n", j + 1, top[j] / nb, conv, iters);
            printf("lambda_%ld = %.6g\n", j + 1, top[j] / nb);
        }
    }
    if (has(measure, "density")) {
        /* SLQ over the full evaluation set: nodes and weights of each run, and
         * a Gaussian-smoothed density on a grid (Ghorbani et al. 2019) */
        nn_model_op mo;
        if (nn_model_op_init(&mo, m, &tr, idx, nm, (int)chunk, params, msg, sizeof msg)) nso_die("--params: %s", msg);
        nso_linop op = nn_model_op_linop(&mo);
        size_t cap = (size_t)slq_runs * iters;
        double *nodes = malloc(sizeof(double) * cap), *wts = malloc(sizeof(double) * cap);
        size_t nn_ = 0;
        nso_hess_cb cb = {nso_progress_at_cb, &pc};
        for (long s = 0; s < slq_runs; s++) {
            size_t k;
            if (nso_slq(&op, (size_t)iters, r, nodes + nn_, wts + nn_, &k, &cb) != NSO_OK) {
                nso_csv_abort(c);
                nso_die("--model: SLQ failed (NaN or Inf in the Hessian-vector products)");
            }
            pc.base += (size_t)iters;
            for (size_t j = 0; j < k; j++) {
                nso_csv_printf(c, "slq_node,%ld,%.9g,,weight %.9g\n", s, nodes[nn_ + j], wts[nn_ + j]);
                wts[nn_ + j] /= (double)slq_runs;
            }
            nn_ += k;
        }
        double lo = nodes[0], hi = nodes[0];
        for (size_t j = 0; j < nn_; j++) {
            lo = fmin(lo, nodes[j]);
            hi = fmax(hi, nodes[j]);
        }
        double bw = bins_sigma > 0 ? bins_sigma : (hi - lo) / 200 + 1e-12;
        snprintf(path, sizeof path, "%s_density.csv", out);
        nso_csv *dc = nso_csv_open(path, "nn_cli --cmd hessian (SLQ density)", prm, seed, "lambda,density");
        if (!dc) exit(2);
        for (int g = 0; g <= 400; g++) {
            double x = lo - 5 * bw + (hi - lo + 10 * bw) * g / 400, dsum = 0;
            for (size_t j = 0; j < nn_; j++)
                dsum += wts[j] * exp(-0.5 * pow((x - nodes[j]) / bw, 2)) / (bw * sqrt(2 * M_PI));
            nso_csv_printf(dc, "%.9g,%.9g\n", x, dsum);
        }
        if (nso_csv_commit(dc)) exit(2);
        printf("density: %zu SLQ nodes in [%.4g, %.4g] -> %s\n", nn_, lo, hi, path);
        free(nodes);
        free(wts);
        nn_model_op_free(&mo);
    }
    nso_progress_end(&pg);
    if (nso_csv_commit(c)) exit(2);
    free(gm);
    free(gse);
    free(gmean);
    free(gvar);
    free(top);
    free(idx);
    gsl_rng_free(r);
    nn_dataset_free(&tr);
    nn_model_free_f32(m);
}

int main(int argc, char **argv)
{
    nso_set_progname("nn_cli");
    build_specs();
    nso_cli_parse(argc, argv, specs, NSPECS, usage);
    if (!strcmp(cmd, "train")) cmd_train();
    else if (!strcmp(cmd, "eval")) cmd_eval();
    else if (!strcmp(cmd, "hessian")) {
        hessian_k();
        cmd_hessian();
    }
    else if (!strcmp(cmd, "info")) cmd_info();
    else nso_die("--cmd: expected train, eval, hessian or info, got '%s'", cmd);
    return 0;
}
