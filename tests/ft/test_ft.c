/* test_ft.c - CUnit tests of the fine-tuning infrastructure (ISSUE 8): the
 * seed statistics (lib/stats_*.c) against published worked examples and GSL,
 * and the task splits (ft/) on synthetic pools with known structure and, when
 * installed, on the real data sets.  Tolerances are written next to each
 * check; fixed seeds throughout. */
#include "../cunit_run.h"
#include "dataset.h"
#include "nso_error.h"
#include "rng.h"
#include "stats.h"
#include "tasks.h"
#include <CUnit/Basic.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_CLOSE(a, b, tol)                                                               \
    do {                                                                                     \
        double a_ = (a), b_ = (b);                                                           \
        if (!(fabs(a_ - b_) <= (tol)))                                                       \
            fprintf(stderr, "\n  %s:%d: %s = %.12g, expected %.12g +- %.3g\n", __FILE__,     \
                    __LINE__, #a, a_, b_, (double)(tol));                                    \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                   \
    } while (0)

/* ------------------------------------------------------------ statistics */

/* NIST StRD univariate summary statistics, data sets NumAcc1, NumAcc3, NumAcc4
 * (www.itl.nist.gov/div898/strd/univ): certified mean and standard deviation.
 * NumAcc1 = {10000001, 10000003, 10000002}: mean 10000002, sd 1.
 * NumAcc3 = 1000000.2 then 500 pairs 1000000.1, 1000000.3 (n = 1001): mean
 * 1000000.2, sd 0.1; NumAcc4 the same around 10000000.2.  They defeat the
 * one-pass formula; the tolerances allow the inputs' own rounding (ulp of
 * 1e7 is 1.9e-9). */
static void fill_numacc(double *x, double centre)
{
    x[0] = centre;
    for (int i = 0; i < 500; i++) {
        x[1 + 2 * i] = centre - 0.1;
        x[2 + 2 * i] = centre + 0.1;
    }
}

static void test_mean_sd_nist(void)
{
    nso_meansd r;
    char msg[200];
    double a1[3] = {10000001, 10000003, 10000002};
    CU_ASSERT_EQUAL_FATAL(nso_mean_sd(a1, 3, &r, msg, sizeof msg), NSO_OK);
    CHECK_CLOSE(r.mean, 10000002, 1e-8); /* certified, exact in double */
    CHECK_CLOSE(r.sd, 1.0, 1e-12);
    static double x[1001];
    fill_numacc(x, 1000000.2);
    CU_ASSERT_EQUAL_FATAL(nso_mean_sd(x, 1001, &r, msg, sizeof msg), NSO_OK);
    CHECK_CLOSE(r.mean, 1000000.2, 1e-9);
    CHECK_CLOSE(r.sd, 0.1, 1e-8);
    fill_numacc(x, 10000000.2);
    CU_ASSERT_EQUAL_FATAL(nso_mean_sd(x, 1001, &r, msg, sizeof msg), NSO_OK);
    CHECK_CLOSE(r.mean, 10000000.2, 1e-8);
    CHECK_CLOSE(r.sd, 0.1, 1e-7);
    CU_ASSERT(r.n == 1001);
}

static void test_mean_sd_gsl(void)
{
    gsl_rng *g = nso_rng_named(5, "test/stats");
    double x[37];
    for (int i = 0; i < 37; i++) x[i] = 3.1 + 2.385 * gsl_rng_uniform(g) - (i % 3) * 0.7;
    gsl_rng_free(g);
    nso_meansd r;
    CU_ASSERT_EQUAL_FATAL(nso_mean_sd(x, 37, &r, NULL, 0), NSO_OK);
    CHECK_CLOSE(r.mean, gsl_stats_mean(x, 1, 37), 1e-13);
    CHECK_CLOSE(r.sd, gsl_stats_sd(x, 1, 37), 1e-13);
    /* error paths */
    char msg[200] = "";
    CU_ASSERT(nso_mean_sd(x, 1, &r, msg, sizeof msg) == NSO_EINVAL && strstr(msg, "n >= 2"));
    x[4] = NAN;
    CU_ASSERT(nso_mean_sd(x, 37, &r, msg, sizeof msg) == NSO_EINVAL && strstr(msg, "NaN"));
}

/* Student's sleep data (Cushny and Peebles 1905, analysed by "Student" 1908,
 * Biometrika 6:1-25; R's datasets::sleep): extra hours of sleep of 10
 * patients under two drugs.  The paired t-test of drug 1 against drug 2, as
 * printed by R's example t.test(extra ~ group, data = sleep, paired = TRUE):
 *   mean of the differences -1.58, t = -4.0621, df = 9, p-value = 0.002833,
 *   95 percent confidence interval -2.4598858 -0.7001142.
 * Tolerances: half a unit of the last printed digit. */
static const double sleep1[10] = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
static const double sleep2[10] = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};

static void test_paired_sleep(void)
{
    nso_paired r;
    char msg[200];
    CU_ASSERT_EQUAL_FATAL(nso_paired_t(sleep1, sleep2, 10, 0.95, &r, msg, sizeof msg), NSO_OK);
    CHECK_CLOSE(r.mean, -1.58, 1e-12);
    /* sum of squared deviations of the differences is 13.616 by hand */
    CHECK_CLOSE(r.sd, sqrt(13.616 / 9), 1e-12);
    CHECK_CLOSE(r.df, 9, 0);
    CHECK_CLOSE(r.t, -4.0621, 5e-5);
    CHECK_CLOSE(r.p, 0.002833, 5e-7);
    CHECK_CLOSE(r.lo, -2.4598858, 5e-8);
    CHECK_CLOSE(r.hi, -0.7001142, 5e-8);
    /* swapping the arms flips the signs, keeps p */
    nso_paired s;
    CU_ASSERT_EQUAL_FATAL(nso_paired_t(sleep2, sleep1, 10, 0.95, &s, NULL, 0), NSO_OK);
    CHECK_CLOSE(s.lo, -r.hi, 1e-12);
    CHECK_CLOSE(s.p, r.p, 1e-15);
    /* test/interval duality: at level 1 - p the interval ends exactly at 0 */
    CU_ASSERT_EQUAL_FATAL(nso_paired_t(sleep1, sleep2, 10, 1 - r.p, &s, NULL, 0), NSO_OK);
    CHECK_CLOSE(s.hi, 0, 1e-9);
}

/* two-sided 95% Student t quantiles from the printed tables (3 decimals):
 * df 1: 12.706, df 4: 2.776, df 9: 2.262, df 30: 2.042 */
static void test_t_table(void)
{
    const double df[4] = {1, 4, 9, 30}, q[4] = {12.706, 2.776, 2.262, 2.042};
    for (int i = 0; i < 4; i++) {
        int n = (int)df[i] + 1;
        double a[31], b[31];
        for (int k = 0; k < n; k++) {
            a[k] = 1.0 + 0.37 * k + 0.1 * (k % 2); /* any non-constant differences */
            b[k] = 0.5 * k;
        }
        nso_paired r;
        CU_ASSERT_EQUAL_FATAL(nso_paired_t(a, b, (size_t)n, 0.95, &r, NULL, 0), NSO_OK);
        CHECK_CLOSE(r.tcrit, q[i], 5e-4);
        CHECK_CLOSE(r.hi - r.mean, r.tcrit * r.sd / sqrt(n), 1e-12);
    }
}

static void test_paired_edges(void)
{
    double a[5] = {1, 2, 3, 4, 5}, b[5] = {0.5, 1.5, 2.5, 3.5, 4.5};
    nso_paired r;
    char msg[200] = "";
    /* every difference 0.5: sd 0, the interval is the point, p = 0 */
    CU_ASSERT_EQUAL_FATAL(nso_paired_t(a, b, 5, 0.95, &r, msg, sizeof msg), NSO_OK);
    CU_ASSERT(r.sd == 0 && r.lo == 0.5 && r.hi == 0.5 && isinf(r.t) && r.t > 0 && r.p == 0);
    /* identical arms: t = 0, p = 1 */
    CU_ASSERT_EQUAL_FATAL(nso_paired_t(a, a, 5, 0.95, &r, msg, sizeof msg), NSO_OK);
    CU_ASSERT(r.mean == 0 && r.t == 0 && r.p == 1);
    CU_ASSERT(nso_paired_t(a, b, 1, 0.95, &r, msg, sizeof msg) == NSO_EINVAL && strstr(msg, "n >= 2"));
    CU_ASSERT(nso_paired_t(a, b, 5, 1.0, &r, msg, sizeof msg) == NSO_EINVAL && strstr(msg, "level"));
    CU_ASSERT(nso_paired_t(a, b, 5, 0.0, &r, msg, sizeof msg) == NSO_EINVAL);
    b[2] = INFINITY;
    CU_ASSERT(nso_paired_t(a, b, 5, 0.95, &r, msg, sizeof msg) == NSO_EINVAL && strstr(msg, "NaN"));
}

static void test_ranks(void)
{
    const double x[9] = {3, 1, 4, 1, 5, 9, 2, 6, 5};
    const double want[9] = {4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5}; /* by hand: ties share the mean rank */
    double r[9];
    CU_ASSERT_EQUAL_FATAL(nso_ranks(x, 9, r, NULL, 0), NSO_OK);
    for (int i = 0; i < 9; i++) CHECK_CLOSE(r[i], want[i], 0);
}

/* Spearman: (1) the IQ / hours-of-television example of the Wikipedia article
 * "Spearman's rank correlation coefficient" (no ties): sum d^2 = 194, rho =
 * 1 - 6*194/(10*99) = -29/165.  (2) ties, by hand: x = (1,2,2,3), y = (1,3,2,4)
 * have ranks (1,2.5,2.5,4) and (1,3,2,4); the Pearson correlation of the ranks
 * is 4.5 / sqrt(4.5 * 5) = sqrt(0.9).  (3) GSL's gsl_stats_spearman on tied
 * random data.  (4) a constant sample is rejected. */
static void test_spearman(void)
{
    const double iq[10] = {106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
    const double tv[10] = {7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
    double rho;
    CU_ASSERT_EQUAL_FATAL(nso_spearman(iq, tv, 10, &rho, NULL, 0), NSO_OK);
    CHECK_CLOSE(rho, -29.0 / 165.0, 1e-14);
    const double x[4] = {1, 2, 2, 3}, y[4] = {1, 3, 2, 4};
    CU_ASSERT_EQUAL_FATAL(nso_spearman(x, y, 4, &rho, NULL, 0), NSO_OK);
    CHECK_CLOSE(rho, sqrt(0.9), 1e-14);
    gsl_rng *g = nso_rng_named(9, "test/spearman");
    double a[50], b[50], work[100];
    for (int i = 0; i < 50; i++) {
        a[i] = (double)gsl_rng_uniform_int(g, 7); /* many ties */
        b[i] = a[i] * 0.3 + (double)gsl_rng_uniform_int(g, 5);
    }
    gsl_rng_free(g);
    CU_ASSERT_EQUAL_FATAL(nso_spearman(a, b, 50, &rho, NULL, 0), NSO_OK);
    CHECK_CLOSE(rho, gsl_stats_spearman(a, 1, b, 1, 50, work), 1e-13);
    CU_ASSERT(rho > 0.1); /* b depends on a: guard against a trivial agreement at 0 */
    char msg[200] = "";
    const double c[4] = {2, 2, 2, 2};
    CU_ASSERT(nso_spearman(x, c, 4, &rho, msg, sizeof msg) == NSO_EINVAL && strstr(msg, "constant"));
    CU_ASSERT(nso_spearman(x, y, 1, &rho, msg, sizeof msg) == NSO_EINVAL);
}

/* Holm: p = (0.01, 0.04, 0.03, 0.005), m = 4; sorted 0.005, 0.01, 0.03, 0.04
 * times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, running maximum 0.02, 0.03, 0.06,
 * 0.06 (by hand; R's p.adjust(..., "holm") gives the same). */
static void test_holm(void)
{
    const double p[4] = {0.01, 0.04, 0.03, 0.005}, want[4] = {0.03, 0.06, 0.06, 0.02};
    double adj[4];
    CU_ASSERT_EQUAL_FATAL(nso_holm(p, 4, adj, NULL, 0), NSO_OK);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(adj[i], want[i], 1e-15);
    const double q[2] = {0.6, 0.7};
    CU_ASSERT_EQUAL_FATAL(nso_holm(q, 2, adj, NULL, 0), NSO_OK);
    CHECK_CLOSE(adj[0], 1.0, 0); /* 2 * 0.6 capped at 1 */
    CHECK_CLOSE(adj[1], 1.0, 0);
    const double r[2] = {0.5, 1.5};
    CU_ASSERT(nso_holm(r, 2, adj, NULL, 0) == NSO_EINVAL);
}

/* ---------------------------------------------------------------- splits */

/* a synthetic pool: image i stores i in its 4 pixel bytes (so an image's
 * identity can be read back); labels cycle through 10 classes, class 9 made
 * rare (every other one dropped to class 0) */
static void synth_pool(nn_dataset *d, int n)
{
    *d = (nn_dataset){n, 1, 2, 2, 10, malloc((size_t)n * 4), malloc((size_t)n), NULL};
    for (int i = 0; i < n; i++) {
        for (int b = 0; b < 4; b++) d->pixels[4 * i + b] = (uint8_t)(i >> (8 * b));
        int l = i % 10;
        if (l == 9 && (i / 10) % 2) l = 0;
        d->labels[i] = (uint8_t)l;
    }
}

static int img_id(const nn_dataset *d, int k)
{
    const uint8_t *p = d->pixels + 4 * k;
    return p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24;
}

/* independent checks: sizes, labels relabelled, exact balance, disjointness */
static void check_independently(const ft_task *t, const ft_split *s, const nn_dataset *pool,
                                const nn_dataset *tpool)
{
    int C = t->class_hi - t->class_lo + 1;
    const nn_dataset *parts[3] = {&s->train, &s->val, &s->test};
    const int want[3] = {t->ntrain, t->nval, t->ntest};
    char *seen = calloc((size_t)pool->n, 1), *seen_t = calloc((size_t)tpool->n, 1);
    for (int p = 0; p < 3; p++) {
        const nn_dataset *d = parts[p];
        const nn_dataset *src = (p == 2) ? tpool : pool;
        char *mark = (p == 2 && tpool != pool) ? seen_t : seen;
        CU_ASSERT(d->n == want[p] && d->nclass == C);
        int cnt[10] = {0};
        for (int k = 0; k < d->n; k++) {
            int id = img_id(d, k);
            CU_ASSERT_FATAL(id >= 0 && id < src->n);
            CU_ASSERT(src->labels[id] - t->class_lo == d->labels[k]); /* relabelled */
            CU_ASSERT(mark[id] == 0);                                 /* disjoint */
            mark[id] = 1;
            cnt[d->labels[k]]++;
        }
        for (int c = 0; c < C; c++) CU_ASSERT(cnt[c] == want[p] / C + (c < want[p] % C));
    }
    free(seen);
    free(seen_t);
}

static void test_split_synthetic(void)
{
    nn_dataset pool, tpool;
    synth_pool(&pool, 3000);
    synth_pool(&tpool, 1000);
    char err[300];
    const ft_task same = {"syn", "p", NULL, 0, 9, 100, 50, 80, ""};
    const ft_task sub = {"syn59", "p", "q", 5, 9, 57, 23, 31, ""}; /* remainders */
    const ft_task *tasks[2] = {&same, &sub};
    for (int i = 0; i < 2; i++) {
        ft_split a, b, c;
        CU_ASSERT_EQUAL_FATAL(ft_task_make(tasks[i], 7, &pool, &tpool, &a, err, sizeof err), FT_OK);
        CU_ASSERT_EQUAL_FATAL(ft_task_make(tasks[i], 7, &pool, &tpool, &b, err, sizeof err), FT_OK);
        CU_ASSERT_EQUAL_FATAL(ft_task_make(tasks[i], 8, &pool, &tpool, &c, err, sizeof err), FT_OK);
        check_independently(tasks[i], &a, &pool, tasks[i]->test_pool ? &tpool : &pool);
        check_independently(tasks[i], &c, &pool, tasks[i]->test_pool ? &tpool : &pool);
        CU_ASSERT(ft_split_check(&a, &pool, &tpool, err, sizeof err) == FT_OK);
        /* deterministic per seed: the same images in the same order */
        CU_ASSERT(memcmp(a.train.pixels, b.train.pixels, (size_t)a.train.n * 4) == 0);
        CU_ASSERT(memcmp(a.test.pixels, b.test.pixels, (size_t)a.test.n * 4) == 0);
        CU_ASSERT(ft_fingerprint(a.ival, a.val.n) == ft_fingerprint(b.ival, b.val.n));
        /* different across seeds: as sets, not only as orders */
        int common = 0;
        char *in = calloc(3000, 1);
        for (int k = 0; k < a.train.n; k++) in[a.itrain[k]] = 1;
        for (int k = 0; k < c.train.n; k++) common += in[c.itrain[k]];
        free(in);
        CU_ASSERT(common < a.train.n);
        CU_ASSERT(ft_fingerprint(a.itrain, a.train.n) != ft_fingerprint(c.itrain, c.train.n));
        /* the checker catches a broken split: a repeated image, a wrong label */
        int keep = a.ival[0];
        a.ival[0] = a.itrain[0];
        memcpy(a.val.pixels, a.train.pixels, 4);
        a.val.labels[0] = a.train.labels[0];
        CU_ASSERT(ft_split_check(&a, &pool, &tpool, err, sizeof err) == FT_EDATA);
        a.ival[0] = keep;
        a.val.labels[0] = (uint8_t)((a.val.labels[0] + 1) % 5);
        CU_ASSERT(ft_split_check(&a, &pool, &tpool, err, sizeof err) == FT_EDATA);
        ft_split_free(&a);
        ft_split_free(&b);
        ft_split_free(&c);
    }
    /* nesting: a smaller training set is a prefix per class of the larger one,
     * validation and test parts are identical (the same pool shuffle) */
    const ft_task small = {"syn-small", "p", NULL, 0, 9, 20, 50, 80, ""};
    ft_split big, sm;
    CU_ASSERT_EQUAL_FATAL(ft_task_make(&same, 3, &pool, NULL, &big, err, sizeof err), FT_OK);
    CU_ASSERT_EQUAL_FATAL(ft_task_make(&small, 3, &pool, NULL, &sm, err, sizeof err), FT_OK);
    CU_ASSERT(memcmp(big.itest, sm.itest, sizeof(int) * 80) == 0);
    CU_ASSERT(memcmp(big.ival, sm.ival, sizeof(int) * 50) == 0);
    char *in = calloc(3000, 1);
    for (int k = 0; k < big.train.n; k++) in[big.itrain[k]] = 1;
    int inside = 0;
    for (int k = 0; k < sm.train.n; k++) inside += in[sm.itrain[k]];
    free(in);
    CU_ASSERT(inside == 20);
    ft_split_free(&big);
    ft_split_free(&sm);
    /* too few examples of the rare class 9 (150 in the pool): a message naming it */
    const ft_task greedy = {"syn-big", "p", NULL, 0, 9, 1500, 100, 100, ""};
    ft_split g;
    CU_ASSERT(ft_task_make(&greedy, 1, &pool, NULL, &g, err, sizeof err) == FT_EDATA);
    CU_ASSERT(strstr(err, "class 9 has 150") != NULL);
    nn_dataset_free(&pool);
    nn_dataset_free(&tpool);
}

/* the real tasks (make nn-data): every task checks for two seeds, the seeds
 * differ, the MNIST tasks nest, the Fashion targets use classes 5-9 only */
static void test_tasks_real(void)
{
    char err[512];
    nn_dataset fa, ft, mn;
    int have = 0; /* how many of the three opened (each freed on the way out) */
    if (nn_dataset_open("fashion", "data/cache", &fa, err, sizeof err) == 0) have++;
    if (have == 1 && nn_dataset_open("fashion-test", "data/cache", &ft, err, sizeof err) == 0) have++;
    if (have == 2 && nn_dataset_open("mnist", "data/cache", &mn, err, sizeof err) == 0) have++;
    if (have < 3) {
        if (have >= 2) nn_dataset_free(&ft);
        if (have >= 1) nn_dataset_free(&fa);
        printf("\n  (data sets absent, make nn-data: skipped)");
        return;
    }
    uint64_t fp[8][2];
    for (int i = 0; ft_task_list[i]; i++) {
        const ft_task *t = ft_task_list[i];
        const nn_dataset *pool = strcmp(t->pool, "mnist") == 0 ? &mn : &fa;
        for (int s = 0; s < 2; s++) {
            ft_split sp;
            CU_ASSERT_EQUAL_FATAL(ft_task_make(t, (uint64_t)s + 1, pool, &ft, &sp, err, sizeof err), FT_OK);
            CU_ASSERT(ft_split_check(&sp, pool, &ft, err, sizeof err) == FT_OK);
            int C = t->class_hi - t->class_lo + 1;
            CU_ASSERT(sp.train.n == t->ntrain && sp.train.nclass == C);
            for (int k = 0; k < sp.train.n; k++) {
                int orig = pool->labels[sp.itrain[k]];
                CU_ASSERT(orig >= t->class_lo && orig <= t->class_hi);
            }
            fp[i][s] = ft_fingerprint(sp.itrain, sp.train.n);
            ft_split_free(&sp);
        }
        CU_ASSERT(fp[i][0] != fp[i][1]);
    }
    CU_ASSERT(ft_task_find("fashion59-1000")->class_lo == 5 && ft_task_find("mnist-200")->ntrain == 200);
    ft_split a, b;
    CU_ASSERT_EQUAL_FATAL(ft_task_make(ft_task_find("mnist-1000"), 4, &mn, NULL, &a, err, sizeof err), FT_OK);
    CU_ASSERT_EQUAL_FATAL(ft_task_make(ft_task_find("mnist-200"), 4, &mn, NULL, &b, err, sizeof err), FT_OK);
    CU_ASSERT(memcmp(a.itest, b.itest, sizeof(int) * (size_t)a.test.n) == 0);
    char *in = calloc((size_t)mn.n, 1);
    for (int k = 0; k < a.train.n; k++) in[a.itrain[k]] = 1;
    int inside = 0;
    for (int k = 0; k < b.train.n; k++) inside += in[b.itrain[k]];
    free(in);
    CU_ASSERT(inside == 200);
    ft_split_free(&a);
    ft_split_free(&b);
    nn_dataset_free(&fa);
    nn_dataset_free(&ft);
    nn_dataset_free(&mn);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("ft statistics", NULL, NULL);
    CU_add_test(s, "mean, sd: NIST StRD NumAcc1/3/4", test_mean_sd_nist);
    CU_add_test(s, "mean, sd: against GSL, error paths", test_mean_sd_gsl);
    CU_add_test(s, "paired t: Student's sleep data (R)", test_paired_sleep);
    CU_add_test(s, "paired t: t-table quantiles", test_t_table);
    CU_add_test(s, "paired t: zero variance, error paths", test_paired_edges);
    CU_add_test(s, "ranks with ties", test_ranks);
    CU_add_test(s, "Spearman: textbook, ties, GSL", test_spearman);
    CU_add_test(s, "Holm adjustment", test_holm);
    CU_pSuite t = CU_add_suite("ft tasks", NULL, NULL);
    CU_add_test(t, "splits on synthetic pools", test_split_synthetic);
    CU_add_test(t, "the real tasks (when installed)", test_tasks_real);
    int rc = nso_cunit_run("test_ft");
    return rc;
}
