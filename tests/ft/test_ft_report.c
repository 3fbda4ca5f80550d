/* test_ft_report.c - CUnit tests of the fine-tuning aggregator (ft/report.c):
 * synthetic result files in the ft_run contract with known numbers; means and
 * standard deviations against hand computation; the paired 95% t-interval and
 * p-value against the closed form of Student's t with 2 degrees of freedom
 * (F(t) = 1/2 + t / (2 sqrt(2 + t^2)), so no GSL in the expected values);
 * the selection rule (best mean validation accuracy over seeds 1-2, ties to
 * the smaller perturbation, the lr restriction, incomplete groups excluded);
 * the role classification of settings; malformed, truncated and unsealed
 * files refused with a message naming the file. */
#include "../cunit_run.h"
#include "report.h"
#include "tasks.h"
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_CLOSE(a, b, tol)                                                               \
    do {                                                                                     \
        double a_ = (a), b_ = (b);                                                           \
        if (!(fabs(a_ - b_) <= (tol)))                                                       \
            fprintf(stderr, "\n  %s:%d: %s = %.12g, expected %.12g +- %.3g\n", __FILE__,     \
                    __LINE__, #a, a_, b_, (double)(tol));                                    \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                   \
    } while (0)

static char dir[256];

typedef struct {
    const char *task, *method, *setting, *tag;
    int seed;
    double lr, val_acc, test_acc, trace;
    int measured, epochs;
} spec;

/* write a result file the way ft_run + job.sh do; returns its path (static) */
static const char *write_result(const char *sub, const spec *s)
{
    static char path[512];
    char d[400];
    snprintf(d, sizeof d, "%s/%s", dir, sub);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d);
    if (system(cmd) != 0) return NULL;
    snprintf(path, sizeof path, "%s/seed%d.csv", d, s->seed);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    int E = s->epochs ? s->epochs : 3;
    fprintf(f, "# program: ft_run\n# params: test\n# seed: %d\n# git: test\n", s->seed);
    fprintf(f, "# task: %s\n# method: %s\n# setting: %s\n# tag: %s\n# lr: %g\n# epochs: %d\n# steps: %d\n",
            s->task, s->method, s->setting, s->tag, s->lr, E, 32 * E);
    fprintf(f, "# grads_per_step: %d\n# split: tr=1 va=2 te=3\n# source: none\n",
            strcmp(s->method, "nso") == 0 ? 2 : 1);
    /* odd seeds: today's 8 columns (train_eval_loss 0.9/e, the trace 100 + e
     * at even epochs); even seeds: the six columns of older files */
    if (s->seed % 2) {
        fprintf(f, "epoch,lr,train_loss,train_acc,test_loss,test_acc,train_eval_loss,trace\n");
        for (int e = 1; e <= E; e++)
            fprintf(f, "%d,%g,%g,%g,%g,%g,%g,%s\n", e, s->lr, 1.0 / e, 0.5 + 0.1 * e, 1.5 / e, s->test_acc,
                    0.9 / e, e % 2 ? "nan" : (e == 2 ? "102" : "104"));
    } else {
        fprintf(f, "epoch,lr,train_loss,train_acc,test_loss,test_acc\n");
        for (int e = 1; e <= E; e++)
            fprintf(f, "%d,%g,%g,%g,%g,%g\n", e, s->lr, 1.0 / e, 0.5 + 0.1 * e, 1.5 / e, s->test_acc);
    }
    fprintf(f, "# final.train_loss: 0.01\n# final.train_acc: 1\n# final.val_loss: 0.5\n# final.val_acc: %.17g\n",
            s->val_acc);
    fprintf(f, "# final.test_loss: 0.6\n# final.test_acc: %.17g\n# final.dist_w0: 2\n# final.measured: %d\n",
            s->test_acc, s->measured);
    if (s->measured)
        fprintf(f, "# final.trace: %.17g\n# final.trace_ci95: 1\n# final.lambda1: 10\n# final.thm22_leading: 0.3\n"
                   "# final.thm22_bound: 0.9\n# final.gen_gap: 0.59\n# final.C: 3\n# final.alpha_train: 1\n# final.n: 200\n",
                s->trace);
    fprintf(f, "# job: complete bytes=1 sha256=%064d cmd=0 seconds=1 host=test\n", 0);
    fclose(f);
    return path;
}

static void clean(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", dir);
    CU_ASSERT(system(cmd) == 0);
}

/* SGD test acc {0.80, 0.82, 0.81}; NSO {0.83, 0.86, 0.82}: d = {0.03, 0.04, 0.01} */
static void test_means_and_paired(void)
{
    clean();
    const double sgd[3] = {0.80, 0.82, 0.81}, nso[3] = {0.83, 0.86, 0.82};
    for (int s = 1; s <= 3; s++) {
        spec a = {"mnist-200", "gd", "none", "base", s, 0.05, 0.7, sgd[s - 1], 100 + s, 1, 0};
        spec b = {"mnist-200", "nso", "sigma=0.01 noise=gaussian k=1 no-negative=0", "sigma0.01", s, 0.05, 0.7,
                  nso[s - 1], 80 + s, 1, 0};
        CU_ASSERT_PTR_NOT_NULL(write_result("mnist-200/gd", &a));
        CU_ASSERT_PTR_NOT_NULL(write_result("mnist-200/nso", &b));
    }
    ft_results R;
    char msg[512];
    int rc = ft_results_load(dir, &R, msg, sizeof msg);
    CU_ASSERT_EQUAL_FATAL(rc, FT_OK);
    CU_ASSERT_EQUAL(R.nr, 6);
    CU_ASSERT_EQUAL_FATAL(R.ng, 2);
    const ft_group *g = strcmp(R.g[0].method, "gd") == 0 ? &R.g[0] : &R.g[1];
    const ft_group *h = g == &R.g[0] ? &R.g[1] : &R.g[0];
    CU_ASSERT_EQUAL(g->nseeds, 3);
    /* per-epoch columns: both formats read; NAN where absent */
    CU_ASSERT(g->seed[1]->nep == 3 && g->seed[1]->ep_trace[1] == 102 && isnan(g->seed[1]->ep_trace[0]));
    CU_ASSERT(fabs(g->seed[1]->ep_train_eval_loss[2] - 0.3) < 1e-12);
    CU_ASSERT(isnan(g->seed[2]->ep_trace[1]) && isnan(g->seed[2]->ep_train_eval_loss[1]));
    nso_meansd m;
    CU_ASSERT_EQUAL(ft_group_stat(g, "test_acc", &m, msg, sizeof msg), FT_OK);
    CHECK_CLOSE(m.mean, 0.81, 1e-12);  /* (0.80 + 0.82 + 0.81) / 3 */
    CHECK_CLOSE(m.sd, 0.01, 1e-12);    /* sqrt((1e-4 + 1e-4 + 0) / 2) */
    CU_ASSERT_EQUAL(ft_group_stat(g, "trace", &m, msg, sizeof msg), FT_OK);
    CHECK_CLOSE(m.mean, 102, 1e-12);
    CHECK_CLOSE(m.sd, 1, 1e-12);
    nso_paired p;
    CU_ASSERT_EQUAL_FATAL(ft_group_paired(h, g, "test_acc", 0, &p, msg, sizeof msg), FT_OK);
    /* by hand: mean d = 0.08/3, sd = sqrt(sum (d - mean)^2 / 2), se = sd / sqrt 3 */
    double md = 0.08 / 3, sd = sqrt((pow(0.03 - md, 2) + pow(0.04 - md, 2) + pow(0.01 - md, 2)) / 2);
    double se = sd / sqrt(3.0), tq = 4.302652729911275; /* t_{0.975, 2} (textbook table: 4.303) */
    CU_ASSERT_EQUAL(p.n, 3);
    CHECK_CLOSE(p.mean, md, 1e-12);
    CHECK_CLOSE(p.sd, sd, 1e-12);
    CHECK_CLOSE(p.lo, md - tq * se, 1e-9);
    CHECK_CLOSE(p.hi, md + tq * se, 1e-9);
    double t = md / se;
    CHECK_CLOSE(p.t, t, 1e-9);
    CHECK_CLOSE(p.p, 1 - t / sqrt(2 + t * t), 1e-9); /* two-sided, df = 2 closed form */
    CU_ASSERT(p.lo < 0 && p.hi > 0);                 /* 0.0267 [-0.011, 0.065]: not significant */
    /* log-scale trace: log(81..83) - log(101..103) */
    CU_ASSERT_EQUAL(ft_group_paired(h, g, "trace", 1, &p, msg, sizeof msg), FT_OK);
    CHECK_CLOSE(p.mean, (log(81.0 / 101) + log(82.0 / 102) + log(83.0 / 103)) / 3, 1e-12);
    ft_results_free(&R);
}

static void put_sel(const char *method, const char *setting, const char *tag, double lr, int seed, double val)
{
    spec s = {"mnist-200", method, setting, tag, seed, lr, val, 0.8, 0, 0, 0};
    char sub[128];
    snprintf(sub, sizeof sub, "mnist-200/%s-%s-%g", method, tag, lr);
    CU_ASSERT_PTR_NOT_NULL(write_result(sub, &s));
}

static long sel(const ft_results *R, const char *method, double lr)
{
    static const int seeds[2] = {1, 2};
    char msg[256];
    return ft_select(R, "mnist-200", method, FT_ROLE_MAIN, NULL, lr, seeds, 2, msg, sizeof msg);
}

static void test_selection(void)
{
    clean();
    /* sigma 0.008 and 0.01 tie at mean 0.81 -> the smaller sigma; 0.012 lower */
    put_sel("nso", "sigma=0.008 noise=gaussian", "s8", 0.05, 1, 0.80);
    put_sel("nso", "sigma=0.008 noise=gaussian", "s8", 0.05, 2, 0.82);
    put_sel("nso", "sigma=0.01 noise=gaussian", "s10", 0.05, 1, 0.82);
    put_sel("nso", "sigma=0.01 noise=gaussian", "s10", 0.05, 2, 0.80);
    put_sel("nso", "sigma=0.012 noise=gaussian", "s12", 0.05, 1, 0.79);
    put_sel("nso", "sigma=0.012 noise=gaussian", "s12", 0.05, 2, 0.80);
    /* only seed 1, very high: not eligible */
    put_sel("nso", "sigma=0.011 noise=gaussian", "s11", 0.05, 1, 0.99);
    /* another lr, higher: excluded by the lr restriction, chosen without it */
    put_sel("nso", "sigma=0.012 noise=gaussian", "s12", 0.1, 1, 0.90);
    put_sel("nso", "sigma=0.012 noise=gaussian", "s12", 0.1, 2, 0.90);
    /* SGD lr selection, tie between 0.1 and 0.05 -> 0.05; 0.02 lower */
    put_sel("gd", "none", "base", 0.1, 1, 0.7);
    put_sel("gd", "none", "base", 0.1, 2, 0.8);
    put_sel("gd", "none", "base", 0.05, 1, 0.8);
    put_sel("gd", "none", "base", 0.05, 2, 0.7);
    put_sel("gd", "none", "base", 0.02, 1, 0.6);
    put_sel("gd", "none", "base", 0.02, 2, 0.7);
    ft_results R;
    char msg[512];
    CU_ASSERT_EQUAL_FATAL(ft_results_load(dir, &R, msg, sizeof msg), FT_OK);
    long g = sel(&R, "nso", 0.05);
    CU_ASSERT_FATAL(g >= 0);
    CU_ASSERT_STRING_EQUAL(R.g[g].tag, "s8");
    CHECK_CLOSE(R.g[g].sigma, 0.008, 0);
    g = sel(&R, "nso", NAN);
    CU_ASSERT_FATAL(g >= 0);
    CHECK_CLOSE(R.g[g].lr, 0.1, 0);
    g = sel(&R, "gd", NAN);
    CU_ASSERT_FATAL(g >= 0);
    CHECK_CLOSE(R.g[g].lr, 0.05, 0);
    CU_ASSERT(sel(&R, "sam", 0.05) < 0);
    ft_results_free(&R);
    /* the tie broken the other way when 0.01 is strictly better */
    put_sel("nso", "sigma=0.01 noise=gaussian", "s10", 0.05, 2, 0.8000001);
    CU_ASSERT_EQUAL_FATAL(ft_results_load(dir, &R, msg, sizeof msg), FT_OK);
    g = sel(&R, "nso", 0.05);
    CU_ASSERT_FATAL(g >= 0);
    CU_ASSERT_STRING_EQUAL(R.g[g].tag, "s10");
    ft_results_free(&R);
}

static void test_classify(void)
{
    ft_result r;
    memset(&r, 0, sizeof r);
    ft_classify("mnist-200", "nso", "sigma=0.01 noise=gaussian trunc=0 one-sided=0 k=1 no-negative=0", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_MAIN);
    CU_ASSERT_EQUAL(r.k, 1);
    ft_classify("mnist-200", "nso", "sigma=0.01 noise=gaussian k=1 no-negative=1", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_NONEG);
    ft_classify("mnist-200", "nso", "sigma=0.01 noise=gaussian k=2 no-negative=0", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_K2);
    ft_classify("mnist-200", "nso", "sigma=0.01 k=3", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_K3);
    ft_classify("mnist-200", "nso", "sigma=0.05 noise=gaussian k=1", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_SUPPLEMENT);
    ft_classify("mnist-200", "wpgd", "sigma=0.01 noise=laplace", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_LAW);
    CU_ASSERT_STRING_EQUAL(r.law, "laplace");
    ft_classify("mnist-200", "wpgd", "sigma=0.012 noise=gaussian", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_MAIN);
    ft_classify("mnist-200", "gd", "none wd=0.0005", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_COMBO);
    CU_ASSERT_STRING_EQUAL(r.reg, "wd");
    ft_classify("mnist-200", "nso", "sigma=0.01 k=1 aug=1", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_COMBO);
    CU_ASSERT_STRING_EQUAL(r.reg, "aug");
    /* bSAM: the code's default initial precision s0 = 1 is the paper's
     * method; another s0 is a labelled supplement */
    ft_classify("mnist-200", "bsam", "rho=0.05 b1=0.9 b2=0.999 prior-prec=25 damping=0.1 s0=1 ndata=0", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_MAIN);
    ft_classify("mnist-200", "bsam", "rho=0.05 b1=0.9 b2=0.999 prior-prec=25 damping=0.1 s0=50 ndata=0", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_SUPPLEMENT);
    ft_classify("mnist-200", "ls", "ls=0.2", &r);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_MAIN);
    CHECK_CLOSE(r.ls, 0.2, 0);
    ft_classify("mnist-200", "rsam", "rho=0.02 sigma=0.01", &r);
    CHECK_CLOSE(r.rho, 0.02, 0);
    CHECK_CLOSE(r.sigma, 0.01, 0);
    CU_ASSERT_EQUAL(r.role, FT_ROLE_MAIN);
}

/* load must fail, with the message naming `bad` and containing `what` */
static void expect_refused(const char *bad, const char *what)
{
    ft_results R;
    char msg[512] = "";
    int rc = ft_results_load(dir, &R, msg, sizeof msg);
    CU_ASSERT_EQUAL(rc, FT_EDATA);
    if (!strstr(msg, bad) || !strstr(msg, what))
        fprintf(stderr, "\n  message '%s' should name '%s' and say '%s'\n", msg, bad, what);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, bad));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, what));
}

static void rewrite(const char *path, const char *from, const char *to)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "sed -i 's/%s/%s/' '%s'", from, to, path);
    CU_ASSERT(system(cmd) == 0);
}

static void test_malformed(void)
{
    spec ok = {"mnist-200", "gd", "none", "base", 1, 0.05, 0.7, 0.8, 100, 1, 0};
    char path[512];
    /* truncated mid-file (what a cut copy looks like): refused, named */
    clean();
    write_result("a", &ok);
    snprintf(path, sizeof path, "%s", write_result("b", &ok));
    CU_ASSERT(truncate(path, 400) == 0);
    expect_refused(path, "");
    /* complete rows and finals but no seal (an unfinished job) */
    clean();
    write_result("a", &ok);
    snprintf(path, sizeof path, "%s", write_result("b", &ok));
    rewrite(path, "^# job: complete.*$", "# note: none");
    expect_refused(path, "seal");
    /* a final line missing */
    clean();
    snprintf(path, sizeof path, "%s", write_result("b", &ok));
    rewrite(path, "^# final.val_acc.*$", "# note: x");
    expect_refused(path, "final.val_acc");
    /* measured = 1 without the trace */
    clean();
    snprintf(path, sizeof path, "%s", write_result("b", &ok));
    rewrite(path, "^# final.trace: .*$", "# note: x");
    expect_refused(path, "final.trace");
    /* wrong columns */
    clean();
    snprintf(path, sizeof path, "%s", write_result("b", &ok));
    rewrite(path, "^epoch,lr,", "epoch,rate,");
    expect_refused(path, "");
    /* fewer epoch rows than the header says */
    clean();
    ok.epochs = 4;
    snprintf(path, sizeof path, "%s", write_result("b", &ok));
    rewrite(path, "^epochs: 4", "epochs: 4");
    rewrite(path, "^# epochs: 4", "# epochs: 5");
    expect_refused(path, "epoch rows");
    ok.epochs = 0;
    /* a missing header key */
    clean();
    snprintf(path, sizeof path, "%s", write_result("b", &ok));
    rewrite(path, "^# tag: .*$", "# note: x");
    expect_refused(path, "tag");
    /* an empty directory */
    clean();
    expect_refused(dir, "no result files");
    /* one tag, two settings: two groups (the setting is the key; files
     * written before 2026-11-27 tagged --no-negative as nothing), and the
     * no-negative one is named in its display tag */
    clean();
    write_result("a", &ok);
    spec other = ok;
    other.seed = 2;
    other.method = "nso";
    other.setting = "sigma=0.01 k=1 no-negative=0";
    write_result("b", &other);
    other.setting = "sigma=0.01 k=1 no-negative=1";
    write_result("c", &other);
    {
        ft_results R2;
        char m2[512];
        CU_ASSERT_EQUAL_FATAL(ft_results_load(dir, &R2, m2, sizeof m2), FT_OK);
        CU_ASSERT_EQUAL(R2.ng, 3);
        int named = 0;
        for (size_t j = 0; j < R2.ng; j++)
            if (R2.g[j].role == FT_ROLE_NONEG) named = strcmp(R2.g[j].tag, "base-no-negative") == 0;
        CU_ASSERT(named);
        ft_results_free(&R2);
    }
}

/* a sealed diverged run: read, no statistics, loses the selection */
static void test_diverged(void)
{
    clean();
    put_sel("nso", "sigma=0.01 noise=gaussian", "s10", 0.05, 1, 0.70);
    put_sel("nso", "sigma=0.01 noise=gaussian", "s10", 0.05, 2, 0.70);
    put_sel("nso", "sigma=0.012 noise=gaussian", "s12", 0.05, 1, 0.95);
    char path[512];
    snprintf(path, sizeof path, "%s/mnist-200/div/seed2.csv", dir);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/mnist-200/div'", dir);
    CU_ASSERT(system(cmd) == 0);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "# program: ft_run\n# params: x\n# seed: 2\n# git: x\n# task: mnist-200\n# method: nso\n"
               "# setting: sigma=0.012 noise=gaussian\n# tag: s12\n# lr: 0.05\n# epochs: 3\n# steps: 96\n"
               "# grads_per_step: 2\n# status: diverged\n# job: complete bytes=1 sha256=0 cmd=0 seconds=1 host=x\n");
    fclose(f);
    ft_results R;
    char msg[512];
    int rc = ft_results_load(dir, &R, msg, sizeof msg);
    if (rc) fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_EQUAL_FATAL(rc, FT_OK);
    long g = sel(&R, "nso", 0.05);
    CU_ASSERT_FATAL(g >= 0);
    CU_ASSERT_STRING_EQUAL(R.g[g].tag, "s10"); /* s12: (0.95 + 0) / 2 < 0.70 */
    for (size_t j = 0; j < R.ng; j++)
        if (strcmp(R.g[j].tag, "s12") == 0) {
            nso_meansd m;
            CU_ASSERT(R.g[j].seed[2] && R.g[j].seed[2]->diverged);
            CU_ASSERT_EQUAL(ft_group_stat(&R.g[j], "test_acc", &m, msg, sizeof msg), FT_EDATA);
        }
    ft_results_free(&R);
}

/* a duplicate (group, seed): the measured result wins */
static void test_duplicate_prefers_measured(void)
{
    clean();
    spec a = {"mnist-200", "gd", "none", "base", 1, 0.05, 0.7, 0.8, 100, 0, 0};
    write_result("a", &a);
    a.measured = 1;
    a.trace = 123;
    write_result("b", &a);
    a.measured = 0;
    write_result("c", &a);
    ft_results R;
    char msg[512];
    CU_ASSERT_EQUAL_FATAL(ft_results_load(dir, &R, msg, sizeof msg), FT_OK);
    CU_ASSERT_EQUAL(R.ng, 1);
    CU_ASSERT_EQUAL(R.g[0].nseeds, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(R.g[0].seed[1]);
    CU_ASSERT_EQUAL(R.g[0].seed[1]->measured, 1);
    CHECK_CLOSE(ft_value(R.g[0].seed[1], "trace"), 123, 0);
    ft_results_free(&R);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test_ft_report.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 2;
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("ft_report", NULL, NULL);
    CU_add_test(s, "means and paired intervals vs hand computation", test_means_and_paired);
    CU_add_test(s, "selection rule: best mean val acc, ties to the smaller perturbation", test_selection);
    CU_add_test(s, "roles from settings", test_classify);
    CU_add_test(s, "malformed / truncated / unsealed files refused, named", test_malformed);
    CU_add_test(s, "diverged runs: kept out of statistics, lose the selection", test_diverged);
    CU_add_test(s, "duplicate seeds: the measured result wins", test_duplicate_prefers_measured);
    int rc = nso_cunit_run("test_ft_report");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 2;
    return rc;
}
