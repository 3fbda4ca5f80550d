/* stats_paired.c - mean +- sample standard deviation over seeds, the paired
 * t-interval and paired t-test (Student 1908), and Holm's adjustment of
 * several p-values.  The t quantile and tail probability come from GSL
 * (gsl_cdf_tdist_Pinv, gsl_cdf_tdist_Q).  Used for the seed statistics of
 * the fine-tuning tables (paper Sec. 3: mean +- std over seeds, "statistically
 * significant" gains). */
#include "nso_error.h"
#include "stats.h"
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int bad(char *msg, size_t len, int code, const char *what)
{
    if (msg && len) snprintf(msg, len, "%s", what);
    return code;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* corrected two-pass mean and sum of squared deviations (Chan, Golub and
 * LeVeque 1983): accurate when the spread is tiny against the mean */
static void two_pass(const double *a, const double *b, size_t n, double *mean, double *ss)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += b ? a[i] - b[i] : a[i];
    double m = s / (double)n, c = 0, q = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (b ? a[i] - b[i] : a[i]) - m;
        c += d;
        q += d * d;
    }
    *mean = m + c / (double)n;
    *ss = q - c * c / (double)n;
    if (*ss < 0) *ss = 0;
}

int nso_mean_sd(const double *x, size_t n, nso_meansd *out, char *msg, size_t len)
{
    if (!x || !out) return bad(msg, len, NSO_EINVAL, "mean_sd: NULL argument");
    if (n < 2) return bad(msg, len, NSO_EINVAL, "mean_sd: a sample standard deviation needs n >= 2");
    if (!all_finite(x, n)) return bad(msg, len, NSO_EINVAL, "mean_sd: a value is NaN or infinite");
    double m, ss;
    two_pass(x, NULL, n, &m, &ss);
    *out = (nso_meansd){n, m, sqrt(ss / (double)(n - 1))};
    return NSO_OK;
}

int nso_paired_t(const double *a, const double *b, size_t n, double level, nso_paired *out,
                 char *msg, size_t len)
{
    if (!a || !b || !out) return bad(msg, len, NSO_EINVAL, "paired_t: NULL argument");
    if (n < 2) return bad(msg, len, NSO_EINVAL, "paired_t: needs n >= 2 pairs");
    if (!(level > 0 && level < 1))
        return bad(msg, len, NSO_EINVAL, "paired_t: level must lie in (0, 1)");
    if (!all_finite(a, n) || !all_finite(b, n))
        return bad(msg, len, NSO_EINVAL, "paired_t: a value is NaN or infinite");
    double m, ss;
    two_pass(a, b, n, &m, &ss);
    nso_paired r;
    r.n = n;
    r.mean = m;
    r.df = (double)(n - 1);
    r.sd = sqrt(ss / r.df);
    r.se = r.sd / sqrt((double)n);
    r.tcrit = gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, r.df);
    r.lo = m - r.tcrit * r.se;
    r.hi = m + r.tcrit * r.se;
    if (r.se > 0) {
        r.t = m / r.se;
        r.p = 2 * gsl_cdf_tdist_Q(fabs(r.t), r.df);
    } else if (m != 0) { /* every difference equal and non-zero */
        r.t = m > 0 ? INFINITY : -INFINITY;
        r.p = 0;
    } else {
        r.t = 0;
        r.p = 1;
    }
    if (r.p > 1) r.p = 1;
    *out = r;
    return NSO_OK;
}

typedef struct {
    double p;
    size_t i;
} holm_key;

static int holm_cmp(const void *x, const void *y)
{
    const holm_key *a = x, *b = y;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

int nso_holm(const double *p, size_t m, double *adj, char *msg, size_t len)
{
    if (!p || !adj || m == 0) return bad(msg, len, NSO_EINVAL, "holm: needs m >= 1 p-values");
    for (size_t i = 0; i < m; i++)
        if (!(p[i] >= 0 && p[i] <= 1)) return bad(msg, len, NSO_EINVAL, "holm: a p-value is outside [0, 1]");
    holm_key *o = malloc(m * sizeof *o);
    if (!o) return bad(msg, len, NSO_ENOMEM, "holm: out of memory");
    for (size_t i = 0; i < m; i++) o[i] = (holm_key){p[i], i};
    qsort(o, m, sizeof *o, holm_cmp);
    double run = 0;
    for (size_t j = 0; j < m; j++) {
        double v = (double)(m - j) * o[j].p;
        if (v > 1) v = 1;
        if (v > run) run = v;
        adj[o[j].i] = run;
    }
    free(o);
    return NSO_OK;
}
