/* ft_report - aggregate the fine-tuning result files (ISSUE 8) into the
 * paper's tables, the figure data and the claims ledger.
 *
 *   ft_report --indir DIR --outdir OUT --ledger LEDGER [--profile quick|full] [--command CMD]
 *   ft_report --select --indir DIR --task T --method M [--law L]
 *
 * Reads every *.csv under --indir (one ft_run result each, contract in
 * docs/finetune_plan.md section 4), refusing the whole set (exit 2, message
 * naming the file) when one is malformed or unsealed.  Selection (plan
 * section 3): per task the SGD lr with the best mean validation accuracy over
 * seeds 1-2 at the last epoch; then per method, at that lr, the setting with
 * the best mean validation accuracy over seeds 1-2; ties go to the smaller
 * perturbation.  --select prints the chosen "tag=... lr=... sigma=... rho=...
 * ls=..." for the manifest generator (scripts/ft_manifest.sh).
 *
 * Writes into --outdir (atomically): table1.md, table3.md, ablation.md,
 * fig4.md, thm22.md, selection.md (markdown fragments for the report),
 * fig1.csv (test loss + trace per task for SGD, SAM, NSO), fig5.csv (lambda_1),
 * fig2.csv (per-epoch test loss and gap, SGD vs NSO sigma 0.01), fig4.csv
 * (regularisers alone vs + NSO), and the ledger rows table1.*, table3.*,
 * fig2.gap_reduction, ablation.*, fig4.*, thm2.2.*.
 *
 * Statistics over seeds only: no paper equation is implemented here (the
 * Theorem 2.2 bound is computed by ft_run; this program compares it). */
#include "cli.h"
#include "io.h"
#include "report.h"
#include "stats.h"
#include "tasks.h"
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT 3
static const char *TASKS[NT] = {"fashion59-1000", "mnist-1000", "mnist-200"};
#define NM 8
static const char *T3M[NM] = {"gd", "ls", "sam", "asam", "rsam", "bsam", "wpgd", "nso"};
static const char *T3N[NM] = {"SGD", "label smoothing", "SAM", "ASAM", "RSAM", "bSAM", "WP-SGD", "NSO"};
#define NLAW 4
static const char *LAWS[NLAW] = {"laplace", "uniform", "binomial4_uncentred", "binomial"};
static const char *LAWN[NLAW] = {"Laplace", "uniform", "Binomial(4,1/2), uncentred (authors')",
                                 "binomial, centred"};
#define NREG 3
static const char *REGS[NREG] = {"wd", "l2sp", "aug"};
static const char *REGN[NREG] = {"weight decay 5e-4", "L2-SP 0.01", "augmentation"};
static const char *REGL[NREG] = {"weight decay", "L2-SP", "augmentation"}; /* figure labels */
static const int SEL[2] = {1, 2};

typedef struct {
    int have;       /* the task's lr was selected */
    double lr;
    long m[NM];     /* chosen group per Table 3 method, or -1 */
    long law[NLAW]; /* chosen WP-SGD group per law */
    long noneg, k2, k3;
    long combo[NREG][2]; /* [reg][0 alone, 1 with NSO] */
    long nso01;          /* NSO at sigma 0.01 (Fig. 2) */
} task_sel;

typedef struct {
    ft_results R;
    task_sel t[NT];
    const char *outdir, *ledger, *profile, *command, *indir;
    int quick;
    char data[600];
} ctx;

static const char *me = "ft_report";
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", me);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static const ft_group *G(const ctx *c, long i) { return i >= 0 ? &c->R.g[i] : NULL; }

/* choose the task's lr, then every method's setting at that lr */
static void select_all(ctx *c)
{
    char msg[512];
    for (int ti = 0; ti < NT; ti++) {
        task_sel *s = &c->t[ti];
        memset(s, 0, sizeof *s);
        long g = ft_select(&c->R, TASKS[ti], "gd", FT_ROLE_MAIN, NULL, NAN, SEL, 2, msg, sizeof msg);
        s->nso01 = s->noneg = s->k2 = s->k3 = -1;
        for (int m = 0; m < NM; m++) s->m[m] = -1;
        for (int l = 0; l < NLAW; l++) s->law[l] = -1;
        for (int r = 0; r < NREG; r++) s->combo[r][0] = s->combo[r][1] = -1;
        if (g < 0) continue;
        s->have = 1;
        s->lr = c->R.g[g].lr;
        for (int m = 0; m < NM; m++)
            s->m[m] = ft_select(&c->R, TASKS[ti], T3M[m], FT_ROLE_MAIN, NULL, s->lr, SEL, 2, msg, sizeof msg);
        for (int l = 0; l < NLAW; l++)
            s->law[l] = ft_select(&c->R, TASKS[ti], "wpgd", FT_ROLE_LAW, LAWS[l], s->lr, SEL, 2, msg, sizeof msg);
        s->noneg = ft_select(&c->R, TASKS[ti], "nso", FT_ROLE_NONEG, NULL, s->lr, SEL, 2, msg, sizeof msg);
        s->k2 = ft_select(&c->R, TASKS[ti], "nso", FT_ROLE_K2, NULL, s->lr, SEL, 2, msg, sizeof msg);
        s->k3 = ft_select(&c->R, TASKS[ti], "nso", FT_ROLE_K3, NULL, s->lr, SEL, 2, msg, sizeof msg);
        for (size_t j = 0; j < c->R.ng; j++) {
            const ft_group *h = &c->R.g[j];
            if (strcmp(h->task, TASKS[ti]) != 0 || fabs(h->lr - s->lr) > 1e-12 * s->lr) continue;
            if (h->role == FT_ROLE_COMBO)
                for (int r = 0; r < NREG; r++)
                    if (strcmp(h->reg, REGS[r]) == 0) {
                        int w = strcmp(h->method, "nso") == 0 ? 1 : strcmp(h->method, "gd") == 0 ? 0 : -1;
                        if (w >= 0 && (s->combo[r][w] < 0 || h->nseeds > c->R.g[s->combo[r][w]].nseeds))
                            s->combo[r][w] = (long)j;
                    }
            if (h->role == FT_ROLE_MAIN && strcmp(h->method, "nso") == 0 && fabs(h->sigma - 0.01) < 1e-12)
                s->nso01 = (long)j;
        }
    }
}

/* ---- text helpers ------------------------------------------------------- */
typedef struct {
    char *b;
    size_t n, cap;
} sbuf;
static void sb(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb(sbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if (s->n + (size_t)k + 1 > s->cap) {
        size_t c = s->cap ? s->cap : 4096;
        while (c < s->n + (size_t)k + 1) c *= 2;
        char *q = realloc(s->b, c);
        if (!q) die("out of memory");
        s->b = q;
        s->cap = c;
    }
    va_start(ap, fmt);
    vsnprintf(s->b + s->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    s->n += (size_t)k;
}

static void write_md(const ctx *c, const char *name, sbuf *s)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", c->outdir, name);
    nso_csv *f = nso_atomic_open(path);
    if (!f) die("--outdir: cannot write '%s'", path);
    nso_csv_printf(f, "<!-- ft_report from %s (git %s) -->\n%s", c->indir, nso_git_rev(), s->b ? s->b : "");
    if (nso_csv_commit(f) != 0) die("--outdir: cannot write '%s'", path);
    free(s->b);
    memset(s, 0, sizeof *s);
}

/* "mean +- sd" of a group's quantity, scaled */
static const char *ms(const ft_group *g, const char *name, double scale, const char *fmt, char *buf,
                      size_t len)
{
    nso_meansd m;
    char msg[256];
    if (!g) return snprintf(buf, len, "n/a"), buf;
    if (ft_group_stat(g, name, &m, msg, sizeof msg) != FT_OK) {
        /* one seed (the supplement): its value, marked; else n/a */
        double v = NAN;
        int n = 0;
        for (int s = 0; s < FT_MAX_SEED; s++)
            if (g->seed[s] && isfinite(ft_value(g->seed[s], name))) v = ft_value(g->seed[s], name), n++;
        if (n != 1) return snprintf(buf, len, "n/a"), buf;
        char f1[64];
        snprintf(f1, sizeof f1, "%s (1 seed)", fmt);
        snprintf(buf, len, f1, scale * v);
        return buf;
    }
    char f2[64];
    snprintf(f2, sizeof f2, "%s +- %s", fmt, fmt);
    snprintf(buf, len, f2, scale * m.mean, scale * m.sd);
    return buf;
}

static const char *pstr(const ft_group *a, const ft_group *b, const char *name, double scale,
                        char *buf, size_t len)
{
    nso_paired p;
    char msg[256];
    if (!a || !b) return snprintf(buf, len, "n/a"), buf;
    if (ft_group_paired(a, b, name, 0, &p, msg, sizeof msg) != FT_OK)
        return snprintf(buf, len, "n/a"), buf;
    int sig = p.lo > 0 || p.hi < 0;
    snprintf(buf, len, "%+.2f [%+.2f, %+.2f], p = %.3g%s", scale * p.mean, scale * p.lo, scale * p.hi,
             p.p, sig ? " **sig.**" : "");
    return buf;
}

/* best other Table 3 method than `skip` by mean test accuracy */
static long best_other(const ctx *c, int ti, int skip)
{
    long best = -1;
    double bv = -INFINITY;
    char msg[256];
    for (int m = 0; m < NM; m++) {
        nso_meansd s;
        if (m == skip || c->t[ti].m[m] < 0) continue;
        if (ft_group_stat(G(c, c->t[ti].m[m]), "test_acc", &s, msg, sizeof msg) != FT_OK) continue;
        if (s.mean > bv) {
            bv = s.mean;
            best = m;
        }
    }
    return best;
}

static const char *EQUAL =
    "Equal compute: SGD, label smoothing and WP-SGD use 1 gradient per step; NSO (k = 1) and every "
    "SAM variant use 2; the 'grads/step' column gives each run's count and all runs of a task take "
    "the same number of steps.";

/* ---- ledger ------------------------------------------------------------- */
static void put(const ctx *c, const char *id, const char *paper, const char *meas, const char *crit,
                int ok, const char *missing)
{
    char m[2048];
    const char *pre = c->quick ? "[quick-profile evidence: 1 task, 2 seeds, short runs] " : "";
    if (missing) snprintf(m, sizeof m, "%smissing evidence: %s", pre, missing);
    else snprintf(m, sizeof m, "%s%s", pre, meas);
    nso_claim cl = {id, paper, m, crit, nso_verdict(missing ? 0 : ok), c->data, c->command};
    if (nso_ledger_put(c->ledger, &cl) != 0) die("--ledger: cannot write '%s'", c->ledger);
}

/* ---- Table 1 -------------------------------------------------------------- */
static void table1(const ctx *c)
{
    sbuf s = {0};
    char b1[64], b2[64], b3[160];
    sb(&s, "%s\n\n", EQUAL);
    int any = 0;
    /* rows */
    int wp_ok = 1, wp_n = 0, la_ok = 1, la_n = 0, col_ok = 1, col_n = 0, cb_ok = 1, cb_n = 0;
    char wp_m[1024] = "", la_m[1024] = "", col_m[1024] = "", cb_m[1024] = "";
    for (int ti = 0; ti < NT; ti++) {
        const task_sel *t = &c->t[ti];
        if (!t->have) continue;
        any = 1;
        const ft_group *sgd = G(c, t->m[0]), *wp = G(c, t->m[6]);
        sb(&s, "**%s** (lr %g)\n\n| method | P | setting | grads/step | train acc (%%) | test acc (%%) | test acc vs SGD (pp, 95%% CI) |\n|---|---|---|---|---|---|---|\n",
           TASKS[ti], t->lr);
        if (sgd)
            sb(&s, "| SGD | none | %s | %d | %s | %s | |\n", sgd->tag, sgd->gps,
               ms(sgd, "train_acc", 100, "%.1f", b1, sizeof b1), ms(sgd, "test_acc", 100, "%.1f", b2, sizeof b2));
        if (wp)
            sb(&s, "| WP-SGD | Gaussian | %s | %d | %s | %s | %s |\n", wp->tag, wp->gps,
               ms(wp, "train_acc", 100, "%.1f", b1, sizeof b1), ms(wp, "test_acc", 100, "%.1f", b2, sizeof b2),
               pstr(wp, sgd, "test_acc", 100, b3, sizeof b3));
        for (int l = 0; l < NLAW; l++) {
            const ft_group *g = G(c, t->law[l]);
            if (!g) continue;
            sb(&s, "| WP-SGD | %s | %s | %d | %s | %s | %s |\n", LAWN[l], g->tag, g->gps,
               ms(g, "train_acc", 100, "%.1f", b1, sizeof b1), ms(g, "test_acc", 100, "%.1f", b2, sizeof b2),
               pstr(g, sgd, "test_acc", 100, b3, sizeof b3));
        }
        sb(&s, "\n");
        char msg[256];
        nso_paired p;
        size_t o;
        if (sgd && wp && ft_group_paired(wp, sgd, "test_acc", 0, &p, msg, sizeof msg) == FT_OK) {
            wp_n++;
            wp_ok &= fabs(p.mean) <= 0.005 && p.lo >= -0.01 && p.hi <= 0.01;
            o = strlen(wp_m);
            snprintf(wp_m + o, sizeof wp_m - o, "%s%s: %+.2f pp [%+.2f, %+.2f] (n=%zu)", o ? "; " : "",
                     TASKS[ti], 100 * p.mean, 100 * p.lo, 100 * p.hi, p.n);
        }
        for (int l = 0; l < 2; l++) {
            const ft_group *g = G(c, t->law[l]);
            if (!g || !wp || ft_group_paired(g, wp, "test_acc", 0, &p, msg, sizeof msg) != FT_OK) continue;
            la_n++;
            la_ok &= fabs(p.mean) <= 0.005 || (p.lo <= 0 && p.hi >= 0);
            o = strlen(la_m);
            snprintf(la_m + o, sizeof la_m - o, "%s%s %s-Gaussian: %+.2f pp [%+.2f, %+.2f]", o ? "; " : "",
                     TASKS[ti], LAWS[l], 100 * p.mean, 100 * p.lo, 100 * p.hi);
        }
        const ft_group *bu = G(c, t->law[2]), *bc = G(c, t->law[3]);
        nso_meansd tr, te;
        if (bu && ft_group_stat(bu, "train_acc", &tr, msg, sizeof msg) == FT_OK &&
            ft_group_stat(bu, "test_acc", &te, msg, sizeof msg) == FT_OK) {
            double chance = 1.0 / ft_task_classes(TASKS[ti]);
            col_n++;
            col_ok &= tr.mean <= chance + 0.05 && te.mean <= chance + 0.05;
            o = strlen(col_m);
            snprintf(col_m + o, sizeof col_m - o, "%s%s: train %.1f%%, test %.1f%% (chance %.0f%%)",
                     o ? "; " : "", TASKS[ti], 100 * tr.mean, 100 * te.mean, 100 * chance);
        }
        if (bc && wp && ft_group_paired(bc, wp, "test_acc", 0, &p, msg, sizeof msg) == FT_OK) {
            cb_n++;
            cb_ok &= fabs(p.mean) <= 0.005;
            o = strlen(cb_m);
            snprintf(cb_m + o, sizeof cb_m - o, "%s%s centred binomial - Gaussian: %+.2f pp [%+.2f, %+.2f]",
                     o ? "; " : "", TASKS[ti], 100 * p.mean, 100 * p.lo, 100 * p.hi);
        }
    }
    if (!any) sb(&s, "_No SGD runs with seeds 1-2 found: no task could be reported._\n");
    write_md(c, "table1.md", &s);
    put(c, "table1.wp_vs_sgd", "Table 1: WP-SGD (Gaussian) within 0.5% of SGD in test accuracy",
        wp_m, "paired WP-SGD - SGD test accuracy per task: |mean| <= 0.5 pp and 95% interval within +-1 pp",
        wp_ok, wp_n ? NULL : "no task with both SGD and Gaussian WP-SGD on >= 2 common seeds");
    put(c, "table1.laws_agree", "Table 1: Laplace and uniform WP-SGD comparable to Gaussian",
        la_m, "paired Laplace/uniform - Gaussian test accuracy: every |mean| <= 0.5 pp or 95% interval contains 0",
        la_ok, la_n ? NULL : "no Laplace or uniform WP-SGD runs paired with Gaussian WP-SGD");
    put(c, "table1.binomial_collapse", "Table 1: Binomial WP-SGD collapses (11.3% / 10.7% train / test on Aircrafts)",
        col_m, "uncentred Binomial(4,1/2) WP-SGD: mean train and test accuracy <= chance + 5 pp",
        col_ok, col_n ? NULL : "no uncentred-binomial WP-SGD runs (>= 2 seeds)");
    put(c, "table1.centred_binomial_ok",
        "Table 1 (ours): the collapse is the binomial's mean 2 sigma, not its shape",
        cb_m, "paired centred binomial - Gaussian WP-SGD test accuracy: |mean| <= 0.5 pp", cb_ok,
        cb_n ? NULL : "no centred-binomial WP-SGD runs paired with Gaussian WP-SGD");
}

/* ---- Table 3 + Figures 1, 5 ------------------------------------------------ */
static void table3(const ctx *c)
{
    sbuf s = {0};
    char b1[64], b2[64], b3[64], b4[160], b5[160], b6[32];
    sb(&s, "%s Differences are paired over seeds (same split, head and minibatch order); "
           "**sig.** = the 95%% t-interval excludes 0; p: paired t-test (Holm-adjusted over the "
           "methods of a task in the last column).\n\n", EQUAL);
    double gain_sum = 0, gain_max = -INFINITY, tr_sum = 0, l1_sum = 0;
    int gain_n = 0, gain_sig = 0, tr_n = 0, l1_n = 0, tr_ok = 1, l1_ok = 1;
    char gain_m[1024] = "", tr_m[1024] = "", l1_m[1024] = "", gmax_task[32] = "";
    for (int ti = 0; ti < NT; ti++) {
        const task_sel *t = &c->t[ti];
        char id[96], meas[512], why[256];
        snprintf(id, sizeof id, "table3.%s.nso_vs_best", TASKS[ti]);
        if (!t->have) {
            put(c, id, "Table 3: NSO beats the best baseline (up to +1.8%, statistically significant)", "",
                "paired NSO - best other method test accuracy: 95% interval > 0", 0,
                "no SGD runs with seeds 1-2 for this task");
            continue;
        }
        const ft_group *sgd = G(c, t->m[0]);
        double praw[NM], padj[NM];
        int pidx[NM], np = 0;
        for (int m = 1; m < NM; m++) {
            nso_paired p;
            char msg[256];
            if (sgd && t->m[m] >= 0 &&
                ft_group_paired(G(c, t->m[m]), sgd, "test_acc", 0, &p, msg, sizeof msg) == FT_OK) {
                praw[np] = p.p;
                pidx[np++] = m;
            }
        }
        double holm[NM];
        for (int m = 0; m < NM; m++) holm[m] = NAN;
        char msg[256];
        if (np > 0 && nso_holm(praw, (size_t)np, padj, msg, sizeof msg) == 0)
            for (int i = 0; i < np; i++) holm[pidx[i]] = padj[i];
        sb(&s, "**%s** (lr %g, chosen on validation with SGD)\n\n| method | setting | grads/step | seeds | train acc (%%) | test acc (%%) | trace | lambda_1 | vs SGD (pp, 95%% CI) | vs best other (pp, 95%% CI) | Holm p vs SGD |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
           TASKS[ti], t->lr);
        for (int m = 0; m < NM; m++) {
            const ft_group *g = G(c, t->m[m]);
            if (!g) continue;
            long bo = best_other(c, ti, m);
            char b0[64];
            sb(&s, "| %s | %s | %d | %zu | %s | %s | %s | %s | %s | %s%s%s | %s |\n", T3N[m], g->tag, g->gps, g->nseeds,
               ms(g, "train_acc", 100, "%.2f", b0, sizeof b0), ms(g, "test_acc", 100, "%.2f", b1, sizeof b1), ms(g, "trace", 1, "%.4g", b2, sizeof b2),
               ms(g, "lambda1", 1, "%.4g", b3, sizeof b3),
               m ? pstr(g, sgd, "test_acc", 100, b4, sizeof b4) : "",
               bo >= 0 ? T3N[bo] : "", bo >= 0 ? ": " : "",
               bo >= 0 ? pstr(g, G(c, t->m[bo]), "test_acc", 100, b5, sizeof b5) : "n/a",
               isnan(holm[m]) ? "" : (snprintf(b6, sizeof b6, "%.3g", holm[m]), b6));
        }
        sb(&s, "\n");
        /* NSO vs best other */
        const ft_group *nso = G(c, t->m[7]);
        long bo = best_other(c, ti, 7);
        nso_paired p;
        if (!nso || bo < 0 || ft_group_paired(nso, G(c, t->m[bo]), "test_acc", 0, &p, msg, sizeof msg) != FT_OK) {
            snprintf(why, sizeof why, "%s", !nso ? "no NSO runs with seeds 1-2" : bo < 0 ? "no other method" : msg);
            put(c, id, "Table 3: NSO beats the best baseline (up to +1.8%, statistically significant)", "",
                "paired NSO - best other method test accuracy: 95% interval > 0", 0, why);
            continue;
        }
        snprintf(meas, sizeof meas, "NSO (%s) - %s (%s): %+.2f pp [%+.2f, %+.2f], p = %.3g, n = %zu seeds",
                 nso->tag, T3N[bo], G(c, t->m[bo])->tag, 100 * p.mean, 100 * p.lo, 100 * p.hi, p.p, p.n);
        put(c, id, "Table 3: NSO beats the best baseline (up to +1.8%, statistically significant)", meas,
            "paired NSO - best other method test accuracy: 95% interval > 0", p.lo > 0, NULL);
        size_t o = strlen(gain_m);
        snprintf(gain_m + o, sizeof gain_m - o, "%s%s %+.2f pp", o ? ", " : "", TASKS[ti], 100 * p.mean);
        gain_sum += p.mean;
        gain_n++;
        gain_sig += p.lo > 0;
        if (p.mean > gain_max) {
            gain_max = p.mean;
            snprintf(gmax_task, sizeof gmax_task, "%s", TASKS[ti]);
        }
        /* trace and lambda_1 vs the best baseline with measured Hessians (by test accuracy) */
        long bm = -1;
        double bmv = -INFINITY;
        for (int m = 0; m < 7; m++) {
            nso_meansd a1, a2;
            const ft_group *h = G(c, t->m[m]);
            if (h && ft_group_stat(h, "trace", &a1, msg, sizeof msg) == FT_OK &&
                ft_group_stat(h, "test_acc", &a2, msg, sizeof msg) == FT_OK && a2.mean > bmv) {
                bmv = a2.mean;
                bm = m;
            }
        }
        if (bm < 0) continue;
        bo = bm;
        const ft_group *b = G(c, t->m[bo]);
        for (int q = 0; q < 2; q++) {
            const char *nm = q ? "lambda1" : "trace";
            nso_meansd a, bb;
            nso_paired lp;
            if (ft_group_stat(nso, nm, &a, msg, sizeof msg) != FT_OK ||
                ft_group_stat(b, nm, &bb, msg, sizeof msg) != FT_OK ||
                ft_group_paired(nso, b, nm, 1, &lp, msg, sizeof msg) != FT_OK)
                continue;
            double red = (bb.mean - a.mean) / bb.mean;
            char *mm = q ? l1_m : tr_m;
            o = strlen(mm);
            snprintf(mm + o, 1024 - o, "%s%s vs %s: %.1f%% (log ratio %+.3f [%+.3f, %+.3f])", o ? "; " : "",
                     TASKS[ti], T3N[bo], 100 * red, lp.mean, lp.lo, lp.hi);
            if (q) { l1_sum += red; l1_n++; l1_ok &= lp.hi < 0; }
            else { tr_sum += red; tr_n++; tr_ok &= lp.hi < 0; }
        }
    }
    write_md(c, "table3.md", &s);
    char meas[1400];
    snprintf(meas, sizeof meas, "mean NSO - best other over %d task(s): %+.2f pp; largest %+.2f pp (%s); %d task(s) significant; per task: %s",
             gain_n, gain_n ? 100 * gain_sum / gain_n : NAN, 100 * gain_max, gmax_task, gain_sig, gain_m);
    put(c, "table3.accuracy_gain", "Table 3: NSO up to +1.8% (0.9% on average) over the best baseline",
        meas, "mean gain over tasks > 0 and at least one task's 95% interval > 0", gain_n && gain_sum > 0 && gain_sig > 0,
        gain_n ? NULL : "no task with NSO and another method on >= 2 common seeds");
    snprintf(meas, sizeof meas, "mean trace reduction vs the most accurate other method with a measured Hessian, over %d task(s): %.1f%%; %s", tr_n,
             tr_n ? 100 * tr_sum / tr_n : NAN, tr_m);
    put(c, "table3.trace_reduction", "Table 3: NSO reduces the Hessian trace by 17.7% on average vs the baselines",
        meas, "vs the most accurate baseline with a measured Hessian: mean reduction > 0 and, per task, paired 95% interval of log trace(NSO) - log trace(best) < 0",
        tr_n && tr_sum > 0 && tr_ok, tr_n ? NULL : "no measured Hessian traces for NSO and the best baseline (>= 2 seeds)");
    snprintf(meas, sizeof meas, "mean lambda_1 reduction vs the most accurate other method with a measured Hessian, over %d task(s): %.1f%%; %s", l1_n,
             l1_n ? 100 * l1_sum / l1_n : NAN, l1_m);
    put(c, "table3.lambda1_reduction", "Table 3: NSO reduces lambda_1 by 12.8% on average vs the baselines",
        meas, "vs the most accurate baseline with a measured Hessian: mean reduction > 0 and, per task, paired 95% interval of log lambda_1(NSO) - log lambda_1(best) < 0",
        l1_n && l1_sum > 0 && l1_ok, l1_n ? NULL : "no measured lambda_1 for NSO and the best baseline (>= 2 seeds)");

    /* Figure 1 / 5 data: per task, SGD SAM NSO */
    static const int FM[3] = {0, 2, 7};
    const char *qs[3] = {"test_loss", "trace", "lambda1"};
    char path[700];
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/%s", c->outdir, f ? "fig5.csv" : "fig1.csv");
        const char *cols = f ? "task,sgd_l1,sgd_l1_sd,sam_l1,sam_l1_sd,nso_l1,nso_l1_sd"
                             : "task,sgd_loss,sgd_loss_sd,sam_loss,sam_loss_sd,nso_loss,nso_loss_sd,"
                               "sgd_tr,sgd_tr_sd,sam_tr,sam_tr_sd,nso_tr,nso_tr_sd";
        nso_csv *cf = nso_csv_open(path, "ft_report", c->indir, 0, cols);
        if (!cf) die("--outdir: cannot write '%s'", path);
        for (int ti = 0; ti < NT; ti++) {
            if (!c->t[ti].have) continue;
            nso_csv_printf(cf, "%s", TASKS[ti]);
            for (int q = f ? 2 : 0; q < (f ? 3 : 2); q++)
                for (int k = 0; k < 3; k++) {
                    nso_meansd m;
                    char msg[256];
                    const ft_group *g = G(c, c->t[ti].m[FM[k]]);
                    if (g && ft_group_stat(g, qs[q], &m, msg, sizeof msg) == FT_OK)
                        nso_csv_printf(cf, ",%.6g,%.6g", m.mean, m.sd);
                    else nso_csv_printf(cf, ",NaN,NaN");
                }
            nso_csv_printf(cf, "\n");
        }
        if (nso_csv_commit(cf) != 0) die("--outdir: cannot write '%s'", path);
    }
}

/* ---- Figure 2 -------------------------------------------------------------- */
/* a run that evaluated more than its last epoch */
static int logs_curve(const ft_result *r)
{
    size_t n = 0;
    for (size_t e = 0; e < r->nep; e++) n += isfinite(r->ep_test_loss[e]) != 0;
    return n > 1;
}

static void fig2(const ctx *c)
{
    int ti = 2; /* mnist-200 first, else any task with both */
    for (int k = 0; k < NT && !(c->t[ti].have && c->t[ti].m[0] >= 0 && c->t[ti].nso01 >= 0); k++) ti = k;
    const ft_group *sgd = c->t[ti].have ? G(c, c->t[ti].m[0]) : NULL;
    const ft_group *nso = c->t[ti].have ? G(c, c->t[ti].nso01) : NULL;
    char path[700];
    snprintf(path, sizeof path, "%s/fig2.csv", c->outdir);
    nso_csv *cf = nso_csv_open(path, "ft_report", c->indir, 0,
                               "epoch,sgd_test_loss,sgd_test_loss_sd,nso_test_loss,nso_test_loss_sd,sgd_gap,sgd_gap_sd,nso_gap,nso_gap_sd,sgd_trace,sgd_trace_sd,nso_trace,nso_trace_sd");
    if (!cf) die("--outdir: cannot write '%s'", path);
    nso_csv_printf(cf, "# task: %s\n", sgd && nso ? TASKS[ti] : "none");
    nso_csv_printf(cf, "# per epoch, mean and sd over the seeds that logged the curve (>= 2; nan otherwise): "
                       "test loss and gap = test - training loss, both eval-mode batch norm on the whole parts; "
                       "trace: deflated Hutchinson on the run's Hessian set (--trace-every)\n");
    if (sgd && nso) {
        size_t ne = SIZE_MAX;
        const ft_group *gs[2] = {sgd, nso};
        for (int k = 0; k < 2; k++)
            for (int s = 0; s < FT_MAX_SEED; s++)
                if (gs[k]->seed[s] && gs[k]->seed[s]->nep < ne) ne = gs[k]->seed[s]->nep;
        for (size_t e = 0; ne != SIZE_MAX && e < ne; e++) {
            double v[12];
            int any = 0;
            for (int q = 0; q < 3; q++)
                for (int k = 0; k < 2; k++) {
                    double x[FT_MAX_SEED];
                    size_t n = 0;
                    for (int s = 0; s < FT_MAX_SEED; s++) {
                        const ft_result *r = gs[k]->seed[s];
                        /* one set of seeds for every epoch: the runs that logged
                         * the curve (selection runs evaluate the last epoch only) */
                        if (!r || !logs_curve(r)) continue;
                        double y = q == 0 ? r->ep_test_loss[e]
                                   : q == 1 ? r->ep_test_loss[e] - r->ep_train_eval_loss[e]
                                            : r->ep_trace[e];
                        if (isfinite(y)) x[n++] = y;
                    }
                    nso_meansd m;
                    char msg[128];
                    v[q * 4 + k * 2] = v[q * 4 + k * 2 + 1] = NAN;
                    if (n >= 2 && nso_mean_sd(x, n, &m, msg, sizeof msg) == 0) {
                        v[q * 4 + k * 2] = m.mean;
                        v[q * 4 + k * 2 + 1] = m.sd;
                        any = 1;
                    }
                }
            if (any) {
                nso_csv_printf(cf, "%zu", e + 1);
                for (int j = 0; j < 12; j++) nso_csv_printf(cf, ",%.6g", v[j]);
                nso_csv_printf(cf, "\n");
            }
        }
    }
    if (nso_csv_commit(cf) != 0) die("--outdir: cannot write '%s'", path);
    nso_paired p;
    nso_meansd a, b;
    char msg[256], meas[512];
    int ok = sgd && nso && ft_group_paired(nso, sgd, "gen_gap", 0, &p, msg, sizeof msg) == FT_OK &&
             ft_group_stat(nso, "gen_gap", &a, msg, sizeof msg) == FT_OK &&
             ft_group_stat(sgd, "gen_gap", &b, msg, sizeof msg) == FT_OK;
    double red = ok ? 1 - a.mean / b.mean : NAN;
    if (ok)
        snprintf(meas, sizeof meas, "%s, last epoch (eval-mode BN): gap SGD %.4f +- %.4f, NSO(sigma 0.01) %.4f +- %.4f; reduction %.1f%%; paired NSO - SGD %+.4f [%+.4f, %+.4f], p = %.3g, n = %zu",
                 TASKS[ti], b.mean, b.sd, a.mean, a.sd, 100 * red, p.mean, p.lo, p.hi, p.p, p.n);
    put(c, "fig2.gap_reduction", "Fig. 2 / Sec. 2.2: NSO's generalisation gap over 20% lower than SGD's", meas,
        "relative reduction of the mean gap (test - train loss) >= 20% and paired 95% interval of NSO - SGD < 0",
        ok && b.mean > 0 && red >= 0.2 && p.hi < 0,
        ok ? NULL : (sgd && nso ? msg : "no SGD and NSO (sigma 0.01) runs on >= 2 common seeds"));
}

/* ---- ablations ------------------------------------------------------------- */
static void ablation(const ctx *c)
{
    sbuf s = {0};
    char b1[64], b2[160];
    sb(&s, "Equal compute: every variant takes the same number of gradients in all: NSO k = 1 and no-negative use 2 per step over all epochs; k = 2 uses 4 per step over half the epochs, k = 3 uses 6 per step over a third (the 'grads/step' and 'steps' columns).\n\n");
    sb(&s, "| task | variant | setting | grads/step | steps | seeds | test acc (%%) | vs NSO k = 1 (pp, 95%% CI) |\n|---|---|---|---|---|---|---|---|\n");
    struct { const char *id, *paper, *crit; double sum; int n, nsig, nneg; char m[1024]; } row[3] = {
        {"ablation.negative", "Sec. 3.2: the negative point adds +1.8% test accuracy on average",
         "NSO - no-negative paired per task: mean over tasks > 0 and every task's 95% interval > 0", 0, 0, 0, 0, ""},
        {"ablation.k2", "Sec. 3.2: k = 2 (half the epochs) adds +1.2% over k = 1 on average",
         "NSO k=2 - k=1 paired per task: mean over tasks > 0 and every task's 95% interval > 0", 0, 0, 0, 0, ""},
        {"ablation.k3plus", "Sec. 3.2: k >= 3 brings no further gain over k = 2",
         "NSO k=3 - k=2 paired per task: every task's 95% interval contains 0 or lies below 0", 0, 0, 0, 0, ""}};
    for (int ti = 0; ti < NT; ti++) {
        const task_sel *t = &c->t[ti];
        if (!t->have) continue;
        const ft_group *k1 = G(c, t->m[7]), *nn = G(c, t->noneg), *k2 = G(c, t->k2), *k3 = G(c, t->k3);
        const ft_group *v[4] = {k1, nn, k2, k3};
        const char *vn[4] = {"NSO k = 1", "no negative point", "k = 2", "k = 3"};
        for (int i = 0; i < 4; i++) {
            if (!v[i]) continue;
            long steps = 0;
            for (int q = 0; q < FT_MAX_SEED && !steps; q++) if (v[i]->seed[q]) steps = v[i]->seed[q]->steps;
            sb(&s, "| %s | %s | %s | %d | %ld | %zu | %s | %s |\n", TASKS[ti], vn[i], v[i]->tag, v[i]->gps, steps,
               v[i]->nseeds, ms(v[i], "test_acc", 100, "%.2f", b1, sizeof b1),
               i ? pstr(v[i], k1, "test_acc", 100, b2, sizeof b2) : "");
        }
        const ft_group *pa[3][2] = {{k1, nn}, {k2, k1}, {k3, k2}};
        for (int r = 0; r < 3; r++) {
            nso_paired p;
            char msg[256];
            if (!pa[r][0] || !pa[r][1] || ft_group_paired(pa[r][0], pa[r][1], "test_acc", 0, &p, msg, sizeof msg) != FT_OK)
                continue;
            row[r].sum += p.mean;
            row[r].n++;
            row[r].nsig += p.lo > 0;
            row[r].nneg += p.hi < 0;
            size_t o = strlen(row[r].m);
            snprintf(row[r].m + o, sizeof row[r].m - o, "%s%s %+.2f pp [%+.2f, %+.2f] p=%.3g", o ? "; " : "",
                     TASKS[ti], 100 * p.mean, 100 * p.lo, 100 * p.hi, p.p);
        }
    }
    write_md(c, "ablation.md", &s);
    for (int r = 0; r < 3; r++) {
        char meas[1400];
        snprintf(meas, sizeof meas, "mean over %d task(s) %+.2f pp; %s", row[r].n,
                 row[r].n ? 100 * row[r].sum / row[r].n : NAN, row[r].m);
        int ok = r < 2 ? row[r].sum > 0 && row[r].nsig == row[r].n : row[r].nsig == 0;
        put(c, row[r].id, row[r].paper, meas, row[r].crit, row[r].n && ok,
            row[r].n ? NULL : "no paired runs of the two variants (>= 2 common seeds)");
    }
}

/* ---- Figure 4 -------------------------------------------------------------- */
static void fig4(const ctx *c)
{
    sbuf s = {0};
    char b1[64], b2[64], b3[64], b4[160];
    char path[700];
    snprintf(path, sizeof path, "%s/fig4.csv", c->outdir);
    nso_csv *cf = nso_csv_open(path, "ft_report", c->indir, 0,
                               "reg,alone_loss,alone_loss_sd,nso_loss,nso_loss_sd,alone_tr,alone_tr_sd,nso_tr,nso_tr_sd");
    if (!cf) die("--outdir: cannot write '%s'", path);
    sb(&s, "Regulariser strengths are fixed (not tuned). The regulariser alone runs with SGD (1 gradient per step), with NSO it uses 2 gradients per step.\n\n");
    sb(&s, "| task | regulariser | with | grads/step | seeds | test loss | trace | test acc (%%) | test loss, +NSO - alone (95%% CI) |\n|---|---|---|---|---|---|---|---|---|\n");
    double rt = 0, rl = 0;
    int nt = 0, nl = 0, allt = 1, alll = 1;
    char mt[1024] = "", mlm[1024] = "";
    for (int ti = 0; ti < NT; ti++) {
        const task_sel *t = &c->t[ti];
        if (!t->have) continue;
        for (int r = 0; r < NREG; r++) {
            const ft_group *a = G(c, t->combo[r][0]), *n = G(c, t->combo[r][1]);
            if (!a && !n) continue;
            for (int w = 0; w < 2; w++) {
                const ft_group *g = w ? n : a;
                if (!g) continue;
                sb(&s, "| %s | %s | %s | %d | %zu | %s | %s | %s | %s |\n", TASKS[ti], REGN[r], w ? "NSO" : "SGD",
                   g->gps, g->nseeds, ms(g, "test_loss", 1, "%.4f", b1, sizeof b1), ms(g, "trace", 1, "%.4g", b2, sizeof b2),
                   ms(g, "test_acc", 100, "%.2f", b3, sizeof b3), w && a ? pstr(n, a, "test_loss", 1, b4, sizeof b4) : "");
            }
            nso_meansd v[4];
            char msg[256];
            int okv[4];
            okv[0] = a && ft_group_stat(a, "test_loss", &v[0], msg, sizeof msg) == FT_OK;
            okv[1] = n && ft_group_stat(n, "test_loss", &v[1], msg, sizeof msg) == FT_OK;
            okv[2] = a && ft_group_stat(a, "trace", &v[2], msg, sizeof msg) == FT_OK;
            okv[3] = n && ft_group_stat(n, "trace", &v[3], msg, sizeof msg) == FT_OK;
            nso_csv_printf(cf, "%s", REGL[r]);
            for (int q = 0; q < 4; q++)
                if (okv[q]) nso_csv_printf(cf, ",%.6g,%.6g", v[q].mean, v[q].sd);
                else nso_csv_printf(cf, ",NaN,NaN");
            nso_csv_printf(cf, "\n");
            size_t o;
            if (okv[0] && okv[1]) {
                double ch = v[1].mean / v[0].mean - 1;
                rl += ch; nl++; alll &= ch < 0;
                o = strlen(mlm);
                snprintf(mlm + o, sizeof mlm - o, "%s%s %s %+.1f%%", o ? ", " : "", TASKS[ti], REGS[r], 100 * ch);
            }
            if (okv[2] && okv[3]) {
                double ch = v[3].mean / v[2].mean - 1;
                rt += ch; nt++; allt &= ch < 0;
                o = strlen(mt);
                snprintf(mt + o, sizeof mt - o, "%s%s %s %+.1f%%", o ? ", " : "", TASKS[ti], REGS[r], 100 * ch);
            }
        }
    }
    if (nso_csv_commit(cf) != 0) die("--outdir: cannot write '%s'", path);
    write_md(c, "fig4.md", &s);
    char meas[1400];
    snprintf(meas, sizeof meas, "mean relative change of the trace with NSO vs the regulariser alone over %d regulariser(s): %+.1f%%; %s",
             nt, nt ? 100 * rt / nt : NAN, mt);
    put(c, "fig4.combo_trace", "Fig. 4: adding NSO to a regulariser lowers the Hessian trace by 13.6% on average",
        meas, "mean relative change < 0 and every regulariser's change < 0 (seed means)", nt && allt && rt < 0,
        nt ? NULL : "no measured traces for a regulariser alone and with NSO (>= 2 seeds)");
    snprintf(meas, sizeof meas, "mean relative change of the test loss with NSO vs the regulariser alone over %d regulariser(s): %+.1f%%; %s",
             nl, nl ? 100 * rl / nl : NAN, mlm);
    put(c, "fig4.combo_loss", "Fig. 4: adding NSO to a regulariser lowers the test loss by 16.3% on average",
        meas, "mean relative change < 0 and every regulariser's change < 0 (seed means)", nl && alll && rl < 0,
        nl ? NULL : "no runs of a regulariser alone and with NSO (>= 2 seeds)");
}

/* ---- Theorem 2.2 ------------------------------------------------------------ */
static void thm22(const ctx *c)
{
    sbuf s = {0};
    sb(&s, "The bound is the computable part of eq. (3) with Q = N(W, s^2 I), P = N(W_0, s^2 I) and beta, s from eqs. (20)-(21) (ft_run's header says exactly which terms); it bounds the population loss, so it is compared with the test loss. alpha is the largest per-example trace found (a lower estimate of the maximum).\n\n");
    sb(&s, "| task | method | models | n | r = \\|W - W_0\\| | C | alpha | leading sqrt(C alpha r^2/n) | bound | test loss | gap (test - train) | bound >= test loss |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    size_t nmod = 0, nhold = 0;
    double lead[NT * NM], gap[NT * NM];
    size_t np = 0;
    char worst[256] = "";
    for (size_t i = 0; i < c->R.nr; i++) {
        const ft_result *r = &c->R.r[i];
        if (!r->measured || r->role == FT_ROLE_SOURCE) continue;
        nmod++;
        if (r->bound >= r->test_loss) nhold++;
        else if (!worst[0])
            snprintf(worst, sizeof worst, "; first violation: %s (bound %.4g < test loss %.4g)", r->path, r->bound, r->test_loss);
    }
    for (int ti = 0; ti < NT; ti++)
        for (int m = 0; m < NM; m++) {
            const ft_group *g = c->t[ti].have ? G(c, c->t[ti].m[m]) : NULL;
            if (!g) continue;
            double sum[9] = {0};
            size_t k = 0, h = 0;
            for (int q = 0; q < FT_MAX_SEED; q++) {
                const ft_result *r = g->seed[q];
                if (!r || !r->measured) continue;
                double v[9] = {r->n, r->dist_w0, r->C, r->alpha_train, r->leading, r->bound, r->test_loss,
                               r->test_loss - r->train_loss, 0};
                for (int j = 0; j < 8; j++) sum[j] += v[j];
                k++;
                h += r->bound >= r->test_loss;
            }
            if (!k) continue;
            for (int j = 0; j < 8; j++) sum[j] /= (double)k;
            sb(&s, "| %s | %s | %zu | %.0f | %.4g | %.4g | %.4g | %.4g | %.4g | %.4f | %.4f | %zu/%zu |\n", TASKS[ti],
               T3N[m], k, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7], h, k);
            lead[np] = sum[4];
            gap[np++] = sum[7];
        }
    write_md(c, "thm22.md", &s);
    char meas[600];
    snprintf(meas, sizeof meas, "bound >= test loss for %zu of %zu measured models%s", nhold, nmod, worst);
    put(c, "thm2.2.bound_holds", "Thm 2.2 / eq. (3): the PAC-Bayes bound holds for the fine-tuned models", meas,
        "bound on L(W) >= measured test loss for every measured final model", nmod && nhold == nmod,
        nmod ? NULL : "no measured final models");
    double rho = NAN;
    char msg[256];
    int ok = np >= 3 && nso_spearman(lead, gap, np, &rho, msg, sizeof msg) == 0;
    double pv = NAN;
    if (ok) {
        double tt = fabs(rho) < 1 ? rho * sqrt((double)(np - 2) / (1 - rho * rho)) : copysign(INFINITY, rho);
        pv = 2 * gsl_cdf_tdist_Q(fabs(tt), (double)(np - 2));
        snprintf(meas, sizeof meas, "Spearman rho = %.3f over n = %zu (method, task) means, t-approximation p = %.3g", rho, np, pv);
    }
    put(c, "thm2.2.ranking", "Thm 2.2: the leading term sqrt(C alpha r^2 / n) ranks methods as their generalisation gaps",
        meas, "Spearman rho > 0 between the leading term and the measured gap over (method, task)", ok && rho > 0,
        ok ? NULL : (np < 3 ? "fewer than 3 (method, task) groups with measured models" : msg));
}

static void selection_md(const ctx *c)
{
    sbuf s = {0};
    sb(&s, "Selection: per task the SGD learning rate, then per method its setting at that rate, with the best mean validation accuracy over seeds 1-2 at the last epoch (ties: the smaller perturbation). Where a method has only one setting on a task (settings reused from another task), the choice is that setting.\n\n| task | lr | method | chosen setting | seeds |\n|---|---|---|---|---|\n");
    for (int ti = 0; ti < NT; ti++) {
        if (!c->t[ti].have) continue;
        for (int m = 0; m < NM; m++) {
            const ft_group *g = G(c, c->t[ti].m[m]);
            if (g) sb(&s, "| %s | %g | %s | %s (%s) | %zu |\n", TASKS[ti], c->t[ti].lr, T3N[m], g->tag, g->setting, g->nseeds);
        }
    }
    /* every grid point of the selection (Table 3 roles), so the choice and
     * the training accuracy it reaches can be read off */
    sb(&s, "\nEvery setting tried (mean +- std over its seeds; train accuracy shows whether the over-fitting regime of the paper, 100%%, is reached):\n\n| task | method | setting | lr | seeds | train acc (%%) | val acc (%%) | test acc (%%) |\n|---|---|---|---|---|---|---|---|\n");
    for (size_t j = 0; j < c->R.ng; j++) {
        const ft_group *g = &c->R.g[j];
        if (g->role != FT_ROLE_MAIN && g->role != FT_ROLE_SUPPLEMENT) continue;
        char b0[64], b1[64], b2[64];
        sb(&s, "| %s | %s%s | %s | %g | %zu | %s | %s | %s |\n", g->task, g->method,
           g->role == FT_ROLE_SUPPLEMENT ? " (supplement)" : "", g->tag, g->lr, g->nseeds,
           ms(g, "train_acc", 100, "%.2f", b0, sizeof b0), ms(g, "val_acc", 100, "%.2f", b1, sizeof b1),
           ms(g, "test_acc", 100, "%.2f", b2, sizeof b2));
    }
    size_t nd = 0;
    for (size_t i = 0; i < c->R.nr; i++)
        if (c->R.r[i].diverged) {
            if (!nd++) sb(&s, "\nDiverged runs (left out of every statistic; a diverged setting loses the selection):\n\n");
            sb(&s, "- %s %s %s seed %d (`%s`)\n", c->R.r[i].task, c->R.r[i].method, c->R.r[i].tag, c->R.r[i].seed,
               c->R.r[i].path);
        }
    write_md(c, "selection.md", &s);
}

static void print_choice(const ft_group *g)
{
    printf("method=%s tag=%s lr=%.10g", g->method, g->tag, g->lr);
    if (!isnan(g->sigma)) printf(" sigma=%.10g", g->sigma);
    if (!isnan(g->rho)) printf(" rho=%.10g", g->rho);
    if (!isnan(g->ls)) printf(" ls=%.10g", g->ls);
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *indir = NULL, *outdir = NULL, *ledger = NULL, *profile = "quick", *command = "";
    const char *task = NULL, *method = NULL, *law = NULL;
    int select = 0;
    nso_arg_spec specs[] = {
        {"indir", NSO_ARG_STRING, &indir, 0, 0, "directory holding the result files (searched recursively)"},
        {"outdir", NSO_ARG_STRING, &outdir, 0, 0, "where to write tables, figure data"},
        {"ledger", NSO_ARG_STRING, &ledger, 0, 0, "claims ledger to update"},
        {"profile", NSO_ARG_STRING, &profile, 0, 0, "quick or full (recorded in the ledger rows)"},
        {"command", NSO_ARG_STRING, &command, 0, 0, "command recorded in the ledger"},
        {"select", NSO_ARG_FLAG, &select, 0, 0, "print the chosen setting of --task/--method and exit"},
        {"task", NSO_ARG_STRING, &task, 0, 0, "with --select: the task"},
        {"method", NSO_ARG_STRING, &method, 0, 0, "with --select: the method (gd: the lr; best-baseline: the best of ls, asam, rsam, bsam, wpgd)"},
        {"law", NSO_ARG_STRING, &law, 0, 0, "with --select --method wpgd: a non-Gaussian noise law"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof specs[0],
                  "ft_report: fine-tuning tables, figure data and ledger rows from ft_run results");
    if (!indir) die("--indir: required (a directory of result files)");
    if (strcmp(profile, "quick") != 0 && strcmp(profile, "full") != 0)
        die("--profile: expected quick or full, got '%s'", profile);
    if (select) {
        if (!task || !method) die("--select: --task and --method are required");
    } else {
        if (!outdir) die("--outdir: required");
        if (!ledger) die("--ledger: required");
        nso_check_ledger("ledger", ledger);
    }
    ctx c;
    memset(&c, 0, sizeof c);
    char msg[1024];
    if (ft_results_load(indir, &c.R, msg, sizeof msg) != FT_OK) die("--indir: %s", msg);
    if (!select) { /* the inputs are valid: now the folder */
        char probe[4200];
        if (nso_mkdirs(outdir) != 0) die("--outdir: cannot create '%s'", outdir);
        snprintf(probe, sizeof probe, "%s/x", outdir);
        nso_check_writable("outdir", probe);
    }
    if (select) {
        char m2[512];
        long g = ft_select(&c.R, task, "gd", FT_ROLE_MAIN, NULL, NAN, SEL, 2, m2, sizeof m2);
        if (g >= 0 && strcmp(method, "best-baseline") == 0) {
            /* the baseline other than SGD, SAM and NSO with the best selection validation accuracy */
            static const char *bl[] = {"ls", "asam", "rsam", "bsam", "wpgd"};
            double lr = c.R.g[g].lr, bv = -INFINITY;
            long bg = -1;
            for (size_t i = 0; i < sizeof bl / sizeof bl[0]; i++) {
                long h = ft_select(&c.R, task, bl[i], FT_ROLE_MAIN, NULL, lr, SEL, 2, m2, sizeof m2);
                if (h < 0) continue;
                double v = (c.R.g[h].seed[1]->val_acc + c.R.g[h].seed[2]->val_acc) / 2;
                if (v > bv) { bv = v; bg = h; }
            }
            g = bg;
            if (g < 0) snprintf(m2, sizeof m2, "no baseline of task %s has seeds 1-2", task);
        } else if (g >= 0 && strcmp(method, "gd") != 0)
            g = ft_select(&c.R, task, method, law ? FT_ROLE_LAW : FT_ROLE_MAIN, law, c.R.g[g].lr, SEL, 2, m2, sizeof m2);
        if (g < 0) {
            fprintf(stderr, "%s: --select: %s\n", me, m2);
            ft_results_free(&c.R);
            return 1;
        }
        print_choice(&c.R.g[g]);
        ft_results_free(&c.R);
        return 0;
    }
    c.outdir = outdir;
    c.ledger = ledger;
    c.profile = profile;
    c.command = command;
    c.indir = indir;
    c.quick = strcmp(profile, "quick") == 0;
    snprintf(c.data, sizeof c.data, "%s (tables, fig*.csv) from %s", outdir, indir);
    select_all(&c);
    selection_md(&c);
    table1(&c);
    table3(&c);
    fig2(&c);
    ablation(&c);
    fig4(&c);
    thm22(&c);
    printf("ft_report: %zu results in %zu groups from %s; tables and figure data in %s; ledger %s\n", c.R.nr,
           c.R.ng, indir, outdir, ledger);
    ft_results_free(&c.R);
    return 0;
}
