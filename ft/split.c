/* split.c - class-balanced, seed-deterministic index splits of a labelled
 * pool: per class a Fisher-Yates shuffle from its own named stream, then the
 * parts are dealt out in order.  Unlike nn_split_balanced (nn/dataset.c) it
 * returns indices (so disjointness can be checked and recorded), restricts to
 * a class range, and keys its streams by pool, not by task, so tasks sharing
 * a pool share a shuffle (nested training sets, common validation and test
 * parts).  The protocol is ISSUE 8's (paper App. C: per-seed splits). */
#include "rng.h"
#include "tasks.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

int ft_split_indices(const uint8_t *labels, int n, int lo, int hi, uint64_t seed,
                     const char *stream, const int *sizes, int nparts, int **idx, char *err,
                     size_t errlen)
{
    if (!labels || n < 0 || lo < 0 || hi < lo || hi > 255 || !stream || !sizes || nparts < 1 || !idx)
        return fail(err, errlen, FT_EINVAL, "split: bad arguments (classes %d..%d, %d parts)", lo, hi,
                    nparts);
    for (int p = 0; p < nparts; p++) {
        idx[p] = NULL;
        if (sizes[p] < 0) return fail(err, errlen, FT_EINVAL, "split: part %d has size %d", p, sizes[p]);
    }
    int C = hi - lo + 1;
    int *count = calloc((size_t)C, sizeof(int));
    int **cls = calloc((size_t)C, sizeof(int *));
    int rc = (count && cls) ? FT_OK : fail(err, errlen, FT_ENOMEM, "split: out of memory");
    for (int i = 0; rc == FT_OK && i < n; i++)
        if (labels[i] >= lo && labels[i] <= hi) count[labels[i] - lo]++;
    for (int c = 0; rc == FT_OK && c < C; c++) {
        int need = 0;
        for (int p = 0; p < nparts; p++) need += sizes[p] / C + (c < sizes[p] % C);
        if (need > count[c]) {
            rc = fail(err, errlen, FT_EDATA, "class %d has %d examples in '%s', the split needs %d",
                      lo + c, count[c], stream, need);
            break;
        }
        cls[c] = malloc(sizeof(int) * (size_t)(count[c] ? count[c] : 1));
        if (!cls[c]) {
            rc = fail(err, errlen, FT_ENOMEM, "split: out of memory");
            break;
        }
        int k = 0;
        for (int i = 0; i < n; i++)
            if (labels[i] == lo + c) cls[c][k++] = i;
        gsl_rng *r = nso_rng_indexed(seed, stream, (uint64_t)(lo + c));
        for (int i = count[c] - 1; i > 0; i--) { /* Fisher-Yates */
            int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1);
            int t = cls[c][i];
            cls[c][i] = cls[c][j];
            cls[c][j] = t;
        }
        gsl_rng_free(r);
    }
    int *used = rc == FT_OK ? calloc((size_t)C, sizeof(int)) : NULL;
    if (rc == FT_OK && !used) rc = fail(err, errlen, FT_ENOMEM, "split: out of memory");
    for (int p = 0; rc == FT_OK && p < nparts; p++) {
        idx[p] = malloc(sizeof(int) * (size_t)(sizes[p] ? sizes[p] : 1));
        if (!idx[p]) {
            rc = fail(err, errlen, FT_ENOMEM, "split: out of memory");
            break;
        }
        int k = 0, maxper = sizes[p] / C + 1;
        for (int r = 0; r < maxper; r++)
            for (int c = 0; c < C; c++)
                if (r < sizes[p] / C + (c < sizes[p] % C)) idx[p][k++] = cls[c][used[c] + r];
        for (int c = 0; c < C; c++) used[c] += sizes[p] / C + (c < sizes[p] % C);
    }
    if (rc != FT_OK)
        for (int p = 0; p < nparts; p++) {
            free(idx[p]);
            idx[p] = NULL;
        }
    if (cls)
        for (int c = 0; c < C; c++) free(cls[c]);
    free(cls);
    free(count);
    free(used);
    return rc;
}
