/* nn_fig2text.c - Fig. 2's text panel (issue 9): SGD vs NSO fine-tuning the
 * MLM-pretrained mini-BERT of Table 2 (nn_table2's transformer row: 2 layers,
 * width 32, 2 heads, GELU) on the genres of held-out Brown texts, with the
 * test loss, the generalisation gap (test - training loss) and the Hessian
 * trace per epoch.
 *
 * @paper fig:2
 *
 * One job = one fine-tuning run (--mode run): a method (gd = SGD, or nso with
 * --sigma, k = 1) and a seed, from the pretrained encoder
 * (--pretrained: <ckdir>/mlm_32x2.safetensors, which `make table2` writes;
 * this program does not pretrain: one recipe, one cache, one place) and a new
 * head.  Data: brown-ft split once (split seed 1, class-balanced) into
 * --ntrain training passages and --nval validation passages (disjoint
 * passages of the same texts); --eval val evaluates on the validation part
 * (the sigma selection), --eval test on brown-ft-test (other texts).  The
 * seed drives the head's initialisation, the minibatch order (the same for
 * every method at one seed) and NSO's perturbations.  Recipe of nn_table2's
 * transformer row: batch 32, step size --lr (0.2) x0.1 after 2/3 of the
 * epochs, no momentum.  Per epoch (and at epoch 0): training loss and
 * accuracy over the whole training part and eval loss / accuracy over the
 * evaluation part (nn_evaluate), gap = eval - training loss; every
 * --trace-every epochs (and the last) Hutchinson's trace of the full-set
 * Hessian over the first --nhess training passages (nn/hess.h operator,
 * --probes Rademacher probes of stream (seed, "fig2text/trace"), the same
 * probes at every measurement) with its standard error.  The run file
 * records the checkpoint's path and its FNV-1a 64 fingerprint
 * (pretrained_fnv1a64); select and report refuse runs whose fingerprints
 * differ (runs that record none are accepted).
 *
 * --mode select reads the validation runs of a sigma grid (one seed) and
 * writes the sigma whose run has the lowest last-epoch validation loss
 * (select.csv); --mode run --sigma-from select.csv trains with it.
 * --mode report reads the final runs (gd, nso at 0.01, nso at the chosen
 * sigma; --seeds), writes summary.csv (per method and epoch mean and sd over
 * seeds), a markdown table and the ledger row fig2.text.gap_reduction, with
 * ft_report's criterion for the image panel (fig2.gap_reduction): relative
 * reduction of the mean last-epoch gap >= 20% and paired 95% interval of NSO -
 * SGD < 0, here for NSO at sigma 0.01.
 */
#include "cli.h"
#include "corpus.h"
#include "dataset.h"
#include "hess.h"
#include "hessian.h"
#include "io.h"
#include "nn.h"
#include "nso_error.h"
#include "optimizer.h"
#include "rng.h"
#include "safetensors.h"
#include "stats.h"
#include "train.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "nn_fig2text"
#define COLS "epoch,lr,train_loss,train_acc,eval_loss,eval_acc,gap,trace,trace_se"
#define MAXE 1000
#define MAXS 16
#define WIDTH 32
#define DEPTH 2

static const char *mode = "run", *method = "gd", *eval_on = "test", *profile = "quick", *cache = "data/cache",
                  *pretrained = "", *out = "", *sigma_from = "", *indir = "", *seeds_opt = "1,2,3",
                  *ledger = "", *md = "", *summary = "", *command = "make fig2text", *grid_opt = "";
static uint64_t seed = 1;
static double sigma = 0.01, lr = 0.2;
static long epochs = 0, ntrain = 0, nval = 0, trace_every = 0, probes = 0, nhess = 0;

typedef struct {
    long epochs, ntrain, nval, trace_every, probes, nhess;
} profile_t;
static const profile_t P_FULL = {45, 512, 256, 5, 16, 128}, P_QUICK = {4, 64, 64, 2, 8, 32};

static void run_params(char *buf, size_t len, double sg)
{
    snprintf(buf, len,
             "method=%s sigma=%.6g eval=%s epochs=%ld ntrain=%ld nval=%ld lr=%g batch=32 decay=0.1@2/3 "
             "trace_every=%ld probes=%ld nhess=%ld width=%d depth=%d split_seed=1",
             method, !strcmp(method, "gd") ? 0.0 : sg, eval_on, epochs, ntrain, nval, lr, trace_every, probes, nhess,
             WIDTH, DEPTH);
}

/* the sigma chosen in a select.csv (validated) */
static double read_selected(const char *path)
{
    char msg[1024];
    nso_table_opts o = {.columns = "sigma,val_loss,chosen"};
    nso_table *t = nso_result_read(path, &o, PROG, NULL, NULL, msg, sizeof msg);
    if (!t) nso_die("--sigma-from: %s", msg);
    double s = NAN;
    for (size_t i = 0; i < t->nrows; i++)
        if (NSO_T(t, i, 2) == 1) s = NSO_T(t, i, 0);
    nso_table_free(t);
    if (!(s > 0 && s <= 1)) nso_die("--sigma-from: '%s' has no chosen sigma in (0, 1]", path);
    return s;
}

static void run(void)
{
    char msg[1024], params[1024];
    if (*sigma_from) sigma = read_selected(sigma_from);
    run_params(params, sizeof params, sigma);
    const nso_opt_type *t = nso_opt_find(method);
    nso_param_set ps;
    nso_params_clear(&ps);
    if (t == nso_opt_nso && nso_params_set(&ps, "sigma", sigma)) nso_die("--sigma: not accepted by nso");

    nn_dataset pool, parts[2], test;
    if (nn_dataset_open("brown-ft", cache, &pool, msg, sizeof msg)) nso_die("--cache: %s", msg);
    int sizes[2] = {(int)ntrain, (int)nval};
    if (nn_split_balanced(&pool, 1, sizes, 2, parts, msg, sizeof msg))
        nso_die("--ntrain/--nval: %s", msg);
    nn_dataset_free(&pool);
    const nn_dataset *ev = &parts[1];
    if (!strcmp(eval_on, "test")) {
        if (nn_dataset_open("brown-ft-test", cache, &test, msg, sizeof msg)) nso_die("--cache: %s", msg);
        ev = &test;
    }
    nn_config cfg = {NN_ARCH_TRANSFORMER, DEPTH, WIDTH, NN_BROWN_VOCAB, 2, NN_BROWN_SEQ, NN_TEXT_NCLASS, NN_ACT_GELU};
    gsl_rng *ri = nso_rng_named(seed, "fig2text/init");
    nn_model_f32 *m = nn_model_create_f32(&cfg, 100, ri, msg, sizeof msg);
    gsl_rng_free(ri);
    if (!m) nso_die("%s", msg);
    if (nn_st_load(pretrained, m, "fc", msg, sizeof msg)) nso_die("--pretrained: %s", msg);
    uint64_t pre_hash; /* the run file records which checkpoint it started from */
    if (nso_file_fnv1a64(pretrained, &pre_hash)) nso_die("--pretrained: cannot read '%s'", pretrained);
    if (nn_data_fits(m, &parts[0], msg, sizeof msg) || nn_data_fits(m, ev, msg, sizeof msg))
        nso_die("--cache: %s", msg);

    nn_train_params tp = nn_train_default;
    tp.lr = lr;
    tp.momentum = 0;
    tp.epochs = (int)epochs;
    tp.decay_every = 2 * epochs / 3 > 0 ? (int)(2 * epochs / 3) : 1;
    tp.seed = seed;
    nn_trainer *T = nn_trainer_alloc(m, &parts[0], &tp, t, &ps, msg, sizeof msg);
    if (!T) nso_die("%s", msg);
    int nh = (int)(nhess < parts[0].n ? nhess : parts[0].n);
    int *idx = malloc(sizeof(int) * (size_t)nh);
    if (!idx) nso_die("out of memory");
    for (int i = 0; i < nh; i++) idx[i] = i;
    nn_model_op mo;
    if (nn_model_op_init(&mo, m, &parts[0], idx, nh, 32, "all", msg, sizeof msg)) nso_die("%s", msg);

    nso_csv *c = nso_csv_open(out, PROG, params, seed, COLS);
    if (!c) exit(2);
    nso_csv_printf(c, "# pretrained: %s\n", pretrained);
    nso_csv_printf(c, "# pretrained_fnv1a64: %016llx\n", (unsigned long long)pre_hash);
    for (long ep = 0; ep <= epochs; ep++) {
        if (ep > 0 && nn_trainer_epoch(T, NULL, NULL)) {
            nso_csv_printf(c, "# status: diverged in epoch %ld\n", ep);
            break;
        }
        double tra, eva, trl = nn_evaluate(m, &parts[0], 0, &tra), evl = nn_evaluate(m, ev, 0, &eva);
        double tr = NAN, se = NAN;
        if (ep % trace_every == 0 || ep == epochs) {
            nso_linop op = nn_model_op_linop(&mo);
            gsl_rng *rh = nso_rng_named(seed, "fig2text/trace");
            nso_trace_est te = {0};
            nso_hutch_opts ho = {.min_probes = (size_t)probes, .max_probes = (size_t)probes};
            if (nso_hutchinson(&op, &ho, rh, &te) == NSO_OK) tr = te.mean, se = te.se;
            gsl_rng_free(rh);
        }
        double lrn = nn_trainer_lr(T, (uint64_t)(ep > 0 ? ep - 1 : 0) * (uint64_t)T->nb);
        nso_csv_printf(c, "%ld,%g,%.8g,%.6g,%.8g,%.6g,%.8g,%.8g,%.6g\n", ep, lrn, trl, tra, evl, eva, evl - trl, tr, se);
    }
    nn_model_op_free(&mo);
    free(idx);
    nn_trainer_free(T);
    nn_model_free_f32(m);
    nn_dataset_free(&parts[0]);
    nn_dataset_free(&parts[1]);
    if (!strcmp(eval_on, "test")) nn_dataset_free(&test);
    if (nso_csv_commit(c)) exit(2);
}

/* ---- select / report ---------------------------------------------------- */

/* a run's result file, validated against the recorded parameters */
static nso_table *read_run(const char *path, const char *meth, double sg, const char *ev, uint64_t sd)
{
    char msg[1200], want[1024];
    const char *saved_m = method, *saved_e = eval_on;
    method = meth, eval_on = ev;
    run_params(want, sizeof want, sg);
    method = saved_m, eval_on = saved_e;
    static const char *const keys[] = {"method", "sigma", "eval", "epochs", "ntrain", "nval", "lr",
                                       "trace_every", "probes", "nhess", NULL};
    nso_table_opts o = {.columns = COLS, .nrows = (size_t)epochs + 1};
    nso_table *t = nso_result_read(path, &o, PROG, want, keys, msg, sizeof msg);
    if (!t) nso_die("--indir: %s", msg);
    const char *s = nso_table_meta(t, "seed");
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)sd);
    if (!s || strcmp(s, buf)) nso_die("--indir: '%s' records seed %s, expected %s", path, s ? s : "?", buf);
    for (size_t i = 0; i < t->nrows; i++)
        if (NSO_T(t, i, 0) != (double)i) nso_die("--indir: '%s' row %zu is epoch %g, expected %zu", path, i + 1,
                                                 NSO_T(t, i, 0), i);
    /* every run that records its checkpoint's fingerprint must record the same
     * one (runs written before the fingerprint existed record none) */
    static char first[32], first_path[4200];
    const char *fp = nso_table_meta(t, "pretrained_fnv1a64");
    if (fp && !*first) {
        snprintf(first, sizeof first, "%s", fp);
        snprintf(first_path, sizeof first_path, "%s", path);
    } else if (fp && strcmp(fp, first))
        nso_die("--indir: '%s' was fine-tuned from another checkpoint than '%s' (pretrained_fnv1a64 %s, not %s)",
                path, first_path, fp, first);
    return t;
}

static void run_name(char *buf, size_t len, const char *meth, double sg, const char *ev, uint64_t sd)
{
    if (!strcmp(meth, "gd")) snprintf(buf, len, "%s/%s_gd_seed%llu.csv", indir, ev, (unsigned long long)sd);
    else snprintf(buf, len, "%s/%s_nso_s%g_seed%llu.csv", indir, ev, sg, (unsigned long long)sd);
}

static double grid[MAXS];
static size_t ngrid;

static void do_select(void)
{
    char path[4200];
    double best = INFINITY, bs = NAN, vl[MAXS];
    for (size_t i = 0; i < ngrid; i++) {
        run_name(path, sizeof path, "nso", grid[i], "val", seed);
        nso_table *t = read_run(path, "nso", grid[i], "val", seed);
        vl[i] = NSO_T(t, epochs, 4);
        if (isfinite(vl[i]) && vl[i] < best) best = vl[i], bs = grid[i];
        nso_table_free(t);
    }
    if (!isfinite(best)) nso_die("--indir: no validation run of the grid has a finite loss");
    nso_csv *c = nso_csv_open(out, PROG, "mode=select", seed, "sigma,val_loss,chosen");
    if (!c) exit(2);
    nso_csv_printf(c, "# NSO's sigma chosen by the last-epoch validation loss (one seed)\n");
    for (size_t i = 0; i < ngrid; i++) nso_csv_printf(c, "%g,%.8g,%d\n", grid[i], vl[i], grid[i] == bs);
    if (nso_csv_commit(c)) exit(2);
}

#define NM 3
static void do_report(void)
{
    long sl[MAXS];
    size_t ns = nso_cli_int_list("seeds", seeds_opt, sl, MAXS, 0, 1000000000);
    if (ns < 2) nso_die("--seeds: expected at least 2 seeds, got %zu", ns);
    double sbest = read_selected(sigma_from);
    const char *mname[NM] = {"gd", "nso", "nso"};
    const char *label[NM] = {"SGD", "NSO sigma 0.01", "NSO best sigma"};
    double msig[NM] = {0, 0.01, sbest};
    nso_table *t[NM][MAXS];
    char path[4200];
    for (int k = 0; k < NM; k++)
        for (size_t s = 0; s < ns; s++) {
            if (k == 2) /* the chosen sigma's runs (make fig2text: a copy of the 0.01 run when it is chosen) */
                snprintf(path, sizeof path, "%s/best_seed%ld.csv", indir, sl[s]);
            else run_name(path, sizeof path, mname[k], msig[k], "test", (uint64_t)sl[s]);
            t[k][s] = read_run(path, mname[k], msig[k], "test", (uint64_t)sl[s]);
            if (t[k][s]->diverged) nso_die("--indir: '%s' diverged", path);
        }
    /* per method and epoch: mean and sd over seeds of test loss, gap, trace */
    char params[256];
    snprintf(params, sizeof params, "mode=report seeds=%s sigma_best=%g epochs=%ld", seeds_opt, sbest, epochs);
    nso_csv *c = nso_csv_open(summary, PROG, params, 0,
                              "method,sigma,epoch,test_loss,test_loss_sd,gap,gap_sd,trace,trace_sd,trace_se");
    if (!c) exit(2);
    nso_csv_printf(c, "# method 0 = SGD, 1 = NSO sigma 0.01, 2 = NSO at the sigma chosen on validation (one block per "
                      "method); mean and sd over the seeds; trace (nan between measurements), trace_se: mean of the "
                      "runs' Hutchinson standard errors\n");
    double lastgap[NM][MAXS], lasttr[NM][MAXS];
    nso_meansd G[NM], TR[NM], TL[NM];
    char msg[256];
    for (int k = 0; k < NM; k++) {
        for (long e = 0; e <= epochs; e++) {
            double x[3][MAXS], sev = 0;
            for (size_t s = 0; s < ns; s++) {
                x[0][s] = NSO_T(t[k][s], e, 4);
                x[1][s] = NSO_T(t[k][s], e, 6);
                x[2][s] = NSO_T(t[k][s], e, 7);
                sev += NSO_T(t[k][s], e, 8) / (double)ns;
            }
            nso_meansd r[3];
            for (int q = 0; q < 3; q++)
                if (nso_mean_sd(x[q], ns, &r[q], msg, sizeof msg)) r[q].mean = r[q].sd = NAN;
            nso_csv_printf(c, "%d,%g,%ld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", k, msig[k], e, r[0].mean, r[0].sd,
                           r[1].mean, r[1].sd, r[2].mean, r[2].sd, sev);
        }
        nso_csv_printf(c, "\n\n"); /* gnuplot index per method */
        double tl[MAXS];
        for (size_t s = 0; s < ns; s++) {
            lastgap[k][s] = NSO_T(t[k][s], epochs, 6);
            lasttr[k][s] = NSO_T(t[k][s], epochs, 7);
            tl[s] = NSO_T(t[k][s], epochs, 4);
        }
        if (nso_mean_sd(lastgap[k], ns, &G[k], msg, sizeof msg) || nso_mean_sd(lasttr[k], ns, &TR[k], msg, sizeof msg) ||
            nso_mean_sd(tl, ns, &TL[k], msg, sizeof msg))
            nso_die("--indir: last epoch of %s: %s", label[k], msg);
    }
    nso_paired p;
    int okp = nso_paired_t(lastgap[1], lastgap[0], ns, 0.95, &p, msg, sizeof msg) == 0;
    double red = 1 - G[1].mean / G[0].mean;
    int holds = okp && G[0].mean > 0 && red >= 0.2 && p.hi < 0;
    if (*md) {
        nso_csv *f = nso_atomic_open(md);
        if (!f) exit(2);
        nso_csv_printf(f, "| method | test loss | gap (test - train) | trace (Hutchinson, %ld probes) |\n"
                          "|---|---|---|---|\n", probes);
        for (int k = 0; k < NM; k++)
            nso_csv_printf(f, "| %s | %.4f +- %.4f | %.4f +- %.4f | %.4g +- %.2g |\n", label[k], TL[k].mean, TL[k].sd, G[k].mean, G[k].sd, TR[k].mean, TR[k].sd);
        nso_csv_printf(f, "\nLast epoch (%ld) of fine-tuning the mini-BERT on %ld passages of held-out Brown texts, "
                          "mean +- sd over %zu seeds; sigma chosen on validation: %g.\n", epochs, ntrain, ns, sbest);
        if (nso_csv_commit(f)) exit(2);
    }
    if (*ledger) {
        char meas[1024];
        snprintf(meas, sizeof meas,
                 "mini-BERT on Brown genres, last epoch %ld, %zu seeds: gap SGD %.4f +- %.4f, NSO(0.01) %.4f +- %.4f "
                 "(reduction %.1f%%, paired NSO - SGD %+.4f [%+.4f, %+.4f]), NSO(best %g) %.4f +- %.4f; trace SGD "
                 "%.4g +- %.2g, NSO(0.01) %.4g +- %.2g, NSO(best) %.4g +- %.2g",
                 epochs, ns, G[0].mean, G[0].sd, G[1].mean, G[1].sd, 100 * red, okp ? p.mean : NAN,
                 okp ? p.lo : NAN, okp ? p.hi : NAN, sbest, G[2].mean, G[2].sd, TR[0].mean, TR[0].sd, TR[1].mean,
                 TR[1].sd, TR[2].mean, TR[2].sd);
        nso_claim cl = {"fig2.text.gap_reduction",
                        "Fig. 2 / Sec. 2.2 (text panel): NSO's generalisation gap over 20% lower than SGD's", meas,
                        "relative reduction of the mean last-epoch gap (test - train loss) of NSO sigma 0.01 >= 20% "
                        "and paired 95% interval of NSO - SGD < 0",
                        nso_verdict(holds), summary, command};
        if (nso_ledger_put(ledger, &cl)) exit(1);
    }
    if (nso_csv_commit(c)) exit(2); /* the make target, after the ledger row */
    for (int k = 0; k < NM; k++)
        for (size_t s = 0; s < ns; s++) nso_table_free(t[k][s]);
}

int main(int argc, char **argv)
{
    nso_set_progname(PROG);
    nso_arg_spec specs[] = {
        {"mode", NSO_ARG_STRING, &mode, 0, 0, "run (one fine-tuning job), select (sigma on validation) or report"},
        {"profile", NSO_ARG_STRING, &profile, 0, 0, "quick or full: defaults of the sizes below"},
        {"method", NSO_ARG_STRING, &method, 0, 0, "run: gd (SGD) or nso"},
        {"sigma", NSO_ARG_DOUBLE, &sigma, 1e-6, 1, "run: NSO's perturbation scale"},
        {"sigma-from", NSO_ARG_STRING, &sigma_from, 0, 0, "run/report: take NSO's sigma from this select.csv"},
        {"eval", NSO_ARG_STRING, &eval_on, 0, 0, "run: val (validation part of brown-ft) or test (brown-ft-test)"},
        {"pretrained", NSO_ARG_STRING, &pretrained, 0, 0,
         "run: the MLM-pretrained 2x32 encoder (make table2: data/cache/table2-PROFILE/mlm_32x2.safetensors)"},
        {"cache", NSO_ARG_STRING, &cache, 0, 0, "data cache directory (make text-data)"},
        {"out", NSO_ARG_STRING, &out, 0, 0, "run/select: the result file to write"},
        {"epochs", NSO_ARG_INT, &epochs, 0, MAXE, "epochs (0: profile default)"},
        {"ntrain", NSO_ARG_INT, &ntrain, 0, 2000, "training passages (0: profile default)"},
        {"nval", NSO_ARG_INT, &nval, 0, 1000, "validation passages (0: profile default)"},
        {"lr", NSO_ARG_DOUBLE, &lr, 1e-6, 10, "step size (x0.1 after 2/3 of the epochs)"},
        {"trace-every", NSO_ARG_INT, &trace_every, 0, MAXE, "measure the trace every this many epochs (0: profile)"},
        {"probes", NSO_ARG_INT, &probes, 0, 10000, "Hutchinson probes (0: profile default)"},
        {"nhess", NSO_ARG_INT, &nhess, 0, 2000, "training passages of the Hessian (0: profile default)"},
        {"indir", NSO_ARG_STRING, &indir, 0, 0, "select/report: directory of the run files"},
        {"grid", NSO_ARG_STRING, &grid_opt, 0, 0, "select: NSO's sigma grid (comma list)"},
        {"seeds", NSO_ARG_STRING, &seeds_opt, 0, 0, "report: seeds of the final runs"},
        {"summary", NSO_ARG_STRING, &summary, 0, 0, "report: summary CSV to write"},
        {"md", NSO_ARG_STRING, &md, 0, 0, "report: markdown table to write (empty: none)"},
        {"ledger", NSO_ARG_STRING, &ledger, 0, 0, "report: claims ledger to update (empty: none)"},
        {"command", NSO_ARG_STRING, &command, 0, 0, "report: command recorded in the ledger"},
        {"seed", NSO_ARG_U64, &seed, 0, 1e9, "run: head init, minibatch order, NSO noise; select: the grid's seed"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof *specs,
                  "nn_fig2text: Fig. 2's text panel, SGD vs NSO fine-tuning the MLM-pretrained mini-BERT on Brown "
                  "genres (test loss, gap, trace per epoch).");
    const profile_t *pr = NULL;
    if (!strcmp(profile, "quick")) pr = &P_QUICK;
    else if (!strcmp(profile, "full")) pr = &P_FULL;
    else nso_die("--profile: expected quick or full, got '%s'", profile);
    if (!epochs) epochs = pr->epochs;
    if (!ntrain) ntrain = pr->ntrain;
    if (!nval) nval = pr->nval;
    if (!trace_every) trace_every = pr->trace_every;
    if (!probes) probes = pr->probes;
    if (!nhess) nhess = pr->nhess;
    if (ntrain < 32) nso_die("--ntrain: expected at least 32 (one minibatch), got %ld", ntrain);
    if (nval < 4) nso_die("--nval: expected at least 4 (one per class), got %ld", nval);
    if (strcmp(method, "gd") && strcmp(method, "nso")) nso_die("--method: expected gd or nso, got '%s'", method);
    if (strcmp(eval_on, "val") && strcmp(eval_on, "test")) nso_die("--eval: expected val or test, got '%s'", eval_on);
    if (!strcmp(mode, "run")) {
        if (!*out) nso_die("--out: required with --mode run");
        if (!*pretrained) nso_die("--pretrained: required with --mode run (make table2 PROFILE=%s writes it)", profile);
        if (!nso_file_exists(pretrained))
            nso_die("--pretrained: '%s' does not exist (make table2 PROFILE=%s writes it)", pretrained, profile);
        if (*sigma_from && strcmp(method, "nso")) nso_die("--sigma-from: only with --method nso");
        if (*sigma_from) read_selected(sigma_from);
        nso_check_writable("out", out);
        run();
    } else if (!strcmp(mode, "select")) {
        if (!*out) nso_die("--out: required with --mode select");
        if (!*indir) nso_die("--indir: required with --mode select");
        if (!*grid_opt) nso_die("--grid: required with --mode select");
        ngrid = nso_cli_list("grid", grid_opt, grid, MAXS, 1e-6, 1);
        method = "nso", eval_on = "val";
        nso_check_writable("out", out);
        do_select();
    } else if (!strcmp(mode, "report")) {
        if (!*indir) nso_die("--indir: required with --mode report");
        if (!*sigma_from) nso_die("--sigma-from: required with --mode report (the select.csv of the validation runs)");
        if (!*summary) nso_die("--summary: required with --mode report");
        long sl[MAXS];
        nso_cli_int_list("seeds", seeds_opt, sl, MAXS, 0, 1000000000);
        read_selected(sigma_from);
        nso_check_writable("summary", summary);
        if (*md) nso_check_writable("md", md);
        if (*ledger) nso_check_ledger("ledger", ledger);
        do_report();
    } else
        nso_die("--mode: expected run, select or report, got '%s'", mode);
    return 0;
}
