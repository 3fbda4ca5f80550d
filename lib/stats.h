/* stats.h - statistics over seeds for the experiment tables: mean +- sample
 * standard deviation, paired differences with a Student-t interval and a
 * paired t-test, Spearman rank correlation (ties by average ranks), Holm's
 * step-down adjustment of several p-values.
 *
 * Paper Sec. 3 reports mean +- std over 5 seeds and claims statistically
 * significant gains; these are the tools behind those statements in the
 * fine-tuning tables (ISSUE 8).  Library code: every function returns NSO_OK
 * or NSO_EINVAL / NSO_ENOMEM with a one-line reason in msg (never prints).
 * Non-finite inputs are rejected. */
#ifndef NSO_STATS_H
#define NSO_STATS_H
#include <stddef.h>

typedef struct {
    size_t n;
    double mean; /* arithmetic mean (corrected two-pass) */
    double sd;   /* sample standard deviation, divisor n - 1 */
} nso_meansd;

/* mean and sample standard deviation of x[0..n), n >= 2 */
int nso_mean_sd(const double *x, size_t n, nso_meansd *out, char *msg, size_t len);

typedef struct {
    size_t n;        /* pairs */
    double mean;     /* mean of d_i = a_i - b_i */
    double sd;       /* sample std of the d_i */
    double se;       /* sd / sqrt(n) */
    double df;       /* n - 1 */
    double tcrit;    /* Student t quantile at 1 - (1 - level)/2 */
    double lo, hi;   /* mean -+ tcrit * se: the two-sided `level` interval */
    double t;        /* mean / se (+-inf when sd = 0 and mean != 0; 0 when both are 0) */
    double p;        /* two-sided p-value of H0: E d = 0 (1 when mean = sd = 0) */
} nso_paired;

/* Paired comparison of a against b (d_i = a_i - b_i), n >= 2 pairs,
 * level in (0, 1) (0.95 for a 95% interval). */
int nso_paired_t(const double *a, const double *b, size_t n, double level, nso_paired *out,
                 char *msg, size_t len);

/* 1-based ranks of x[0..n) with ties given their average rank (n >= 1). */
int nso_ranks(const double *x, size_t n, double *rank, char *msg, size_t len);

/* Spearman's rho: Pearson correlation of the average ranks of x and y
 * (n >= 2).  NSO_EINVAL when either sample is constant (rho undefined). */
int nso_spearman(const double *x, const double *y, size_t n, double *rho, char *msg, size_t len);

/* Holm (1979) step-down adjusted p-values of m tests, in the input order:
 * adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)) over the sorted p.
 * p must lie in [0, 1]. */
int nso_holm(const double *p, size_t m, double *adj, char *msg, size_t len);

#endif
