/* stats_rank.c - average ranks with ties and Spearman's rank correlation
 * (Spearman 1904): the Pearson correlation of the average ranks, which is the
 * textbook definition when ties are present (the 1 - 6 sum d^2 / (n(n^2-1))
 * shortcut holds only without ties).  Used to ask whether the evaluated
 * Theorem 2.2 bound ranks the methods as their measured generalisation gaps
 * do (row thm2.2.ranking of ISSUE 8). */
#include "nso_error.h"
#include "stats.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double v;
    size_t i;
} keyed;

static int keyed_cmp(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

int nso_ranks(const double *x, size_t n, double *rank, char *msg, size_t len)
{
    if (!x || !rank || n == 0) {
        if (msg && len) snprintf(msg, len, "ranks: needs n >= 1 values");
        return NSO_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            if (msg && len) snprintf(msg, len, "ranks: value %zu is NaN or infinite", i);
            return NSO_EINVAL;
        }
    keyed *k = malloc(n * sizeof *k);
    if (!k) {
        if (msg && len) snprintf(msg, len, "ranks: out of memory");
        return NSO_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) k[i] = (keyed){x[i], i};
    qsort(k, n, sizeof *k, keyed_cmp);
    for (size_t s = 0; s < n;) { /* a run of ties k[s..e) shares ranks s+1..e */
        size_t e = s + 1;
        while (e < n && k[e].v == k[s].v) e++;
        double avg = 0.5 * (double)(s + 1 + e);
        for (size_t j = s; j < e; j++) rank[k[j].i] = avg;
        s = e;
    }
    free(k);
    return NSO_OK;
}

int nso_spearman(const double *x, const double *y, size_t n, double *rho, char *msg, size_t len)
{
    if (!x || !y || !rho || n < 2) {
        if (msg && len) snprintf(msg, len, "spearman: needs n >= 2 pairs");
        return NSO_EINVAL;
    }
    double *rx = malloc(2 * n * sizeof(double));
    if (!rx) {
        if (msg && len) snprintf(msg, len, "spearman: out of memory");
        return NSO_ENOMEM;
    }
    double *ry = rx + n;
    int rc = nso_ranks(x, n, rx, msg, len);
    if (rc == NSO_OK) rc = nso_ranks(y, n, ry, msg, len);
    if (rc == NSO_OK) {
        double m = 0.5 * (double)(n + 1), sxy = 0, sxx = 0, syy = 0; /* mean rank, ties or not */
        for (size_t i = 0; i < n; i++) {
            double a = rx[i] - m, b = ry[i] - m;
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        if (sxx == 0 || syy == 0) {
            if (msg && len)
                snprintf(msg, len, "spearman: undefined, %s sample is constant", sxx == 0 ? "the first" : "the second");
            rc = NSO_EINVAL;
        } else
            *rho = sxy / sqrt(sxx * syy);
    }
    free(rx);
    return rc;
}
