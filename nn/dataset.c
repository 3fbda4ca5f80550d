/* dataset.c - validated IDX loading, class-balanced splits, batches.
 * IDX format (LeCun et al.): big-endian magic 0x00000803 (uint8, 3 dims) for
 * images, 0x00000801 (uint8, 1 dim) for labels, then the dimensions, then the
 * data.  Files may be gzip-compressed (zlib reads plain files as-is). */
#include "dataset.h"
#include "corpus.h"
#include "graphs.h"
#include "io.h"
#include "rng.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <stdarg.h>

static int fail(char *err, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static int fail(char *err, size_t len, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return code;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void nn_dataset_free(nn_dataset *d)
{
    free(d->pixels);
    free(d->labels);
    free(d->tokens);
    memset(d, 0, sizeof *d);
}

int nn_idx_parse(const uint8_t *img, size_t nimg, const uint8_t *lab, size_t nlab, int nclass,
                 const char *wi, const char *wl, nn_dataset *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (nimg < 16)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated header (%zu bytes, need 16)", wi,
                    nimg);
    if (nlab < 8)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated header (%zu bytes, need 8)", wl,
                    nlab);
    uint32_t mi = be32(img), ml = be32(lab);
    if (mi != 0x803)
        return fail(err, errlen, NN_DATA_EFORMAT,
                    "%s: bad magic number 0x%08x (an IDX image file has 0x00000803)", wi, mi);
    if (ml != 0x801)
        return fail(err, errlen, NN_DATA_EFORMAT,
                    "%s: bad magic number 0x%08x (an IDX label file has 0x00000801)", wl, ml);
    uint32_t n = be32(img + 4), h = be32(img + 8), w = be32(img + 12), nl = be32(lab + 4);
    if (n == 0 || n > (1u << 28))
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: image count %u outside [1, 2^28]", wi, n);
    if (h == 0 || w == 0 || h > NN_IDX_MAX_SIDE || w > NN_IDX_MAX_SIDE)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: image size %ux%u outside [1, %d]^2", wi,
                    h, w, NN_IDX_MAX_SIDE);
    if (nl != n)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: %u labels but %s has %u images", wl, nl,
                    wi, n);
    size_t per = (size_t)h * w, need = (size_t)n * per;
    if (need > NN_IDX_MAX_BYTES)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: %zu pixel bytes exceed the limit %zu", wi,
                    need, NN_IDX_MAX_BYTES);
    if (nimg - 16 < need)
        return fail(err, errlen, NN_DATA_EFORMAT,
                    "%s: truncated: %u images of %ux%u need %zu data bytes, file has %zu", wi, n,
                    h, w, need, nimg - 16);
    if (nimg - 16 > need)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: %zu bytes of trailing data after %u images",
                    wi, nimg - 16 - need, n);
    if (nlab - 8 < n)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated: %u labels expected, file has %zu",
                    wl, n, nlab - 8);
    if (nlab - 8 > n)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: %zu bytes of trailing data after %u labels",
                    wl, nlab - 8 - n, n);
    for (uint32_t i = 0; i < n; i++)
        if (lab[8 + i] >= nclass)
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: label %u of example %u outside [0, %d]",
                        wl, lab[8 + i], i, nclass - 1);
    out->pixels = malloc(need);
    out->labels = malloc(n);
    if (!out->pixels || !out->labels) {
        nn_dataset_free(out);
        return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", wi);
    }
    memcpy(out->pixels, img + 16, need);
    memcpy(out->labels, lab + 8, n);
    out->n = (int)n;
    out->c = 1;
    out->h = (int)h;
    out->w = (int)w;
    out->nclass = nclass;
    return NN_DATA_OK;
}

int nn_read_file(const char *path, uint8_t **buf, size_t *n, char *err, size_t errlen)
{
    *buf = NULL;
    *n = 0;
    FILE *probe = fopen(path, "rb");
    if (!probe) return fail(err, errlen, NN_DATA_EIO, "%s: cannot open: %s", path, strerror(errno));
    fclose(probe);
    gzFile g = gzopen(path, "rb");
    if (!g) return fail(err, errlen, NN_DATA_EIO, "%s: cannot open", path);
    size_t cap = 1 << 20, len = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= NN_IDX_MAX_BYTES + 64) {
                gzclose(g);
                free(b);
                return fail(err, errlen, NN_DATA_EFORMAT, "%s: larger than %zu bytes", path,
                            NN_IDX_MAX_BYTES);
            }
            cap *= 2;
            uint8_t *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                gzclose(g);
                return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", path);
            }
            b = nb;
        }
        int chunk = (int)(cap - len > (1u << 30) ? (1u << 30) : cap - len);
        int r = gzread(g, b + len, (unsigned)chunk);
        if (r < 0) {
            int code;
            const char *msg = gzerror(g, &code);
            char m[200];
            snprintf(m, sizeof m, "%s", msg);
            gzclose(g);
            free(b);
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: corrupt gzip stream: %s", path, m);
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    int code;
    const char *msg = gzerror(g, &code);
    if (code != Z_OK && code != Z_BUF_ERROR) {
        char m[200];
        snprintf(m, sizeof m, "%s", msg);
        gzclose(g);
        free(b);
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: corrupt gzip stream: %s", path, m);
    }
    if (gzclose(g) != Z_OK) {
        free(b);
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated or corrupt gzip stream", path);
    }
    *buf = b;
    *n = len;
    return NN_DATA_OK;
}

int nn_idx_load(const char *images, const char *labels, int nclass, nn_dataset *out, char *err,
                size_t errlen)
{
    uint8_t *a = NULL, *b = NULL;
    size_t na, nb;
    memset(out, 0, sizeof *out);
    int rc = nn_read_file(images, &a, &na, err, errlen);
    if (rc == NN_DATA_OK) rc = nn_read_file(labels, &b, &nb, err, errlen);
    if (rc == NN_DATA_OK) rc = nn_idx_parse(a, na, b, nb, nclass, images, labels, out, err, errlen);
    free(a);
    free(b);
    return rc;
}

static int write_atomic(const char *path, const uint8_t *h, size_t nh, const uint8_t *d, size_t nd,
                        char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    nso_tmp_register(tmp); /* removed on exit or a signal if we stop before the rename */
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        nso_tmp_unregister(tmp);
        return fail(err, errlen, NN_DATA_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    int ok = fwrite(h, 1, nh, f) == nh && fwrite(d, 1, nd, f) == nd;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        nso_tmp_unregister(tmp);
        return fail(err, errlen, NN_DATA_EIO, "%s: write failed", path);
    }
    nso_tmp_unregister(tmp);
    return NN_DATA_OK;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

int nn_idx_write(const char *images, const char *labels, const nn_dataset *d, char *err,
                 size_t errlen)
{
    uint8_t hi[16], hl[8];
    put32(hi, 0x803);
    put32(hi + 4, d->n);
    put32(hi + 8, d->h);
    put32(hi + 12, d->w);
    put32(hl, 0x801);
    put32(hl + 4, d->n);
    int rc = write_atomic(images, hi, 16, d->pixels, (size_t)d->n * d->h * d->w, err, errlen);
    if (rc == NN_DATA_OK) rc = write_atomic(labels, hl, 8, d->labels, d->n, err, errlen);
    return rc;
}

/* ---- the npm package's JSON --------------------------------------- */

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

int nn_mnist_json_parse(const char *text, size_t len, int label, const char *what, nn_dataset *d,
                        char *err, size_t errlen)
{
    const char *p = text, *e = text + len;
    static const char key[] = "\"data\"";
    p = skip_ws(p, e);
    if (p >= e || *p != '{')
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: expected '{' at byte %zu", what,
                    (size_t)(p - text));
    p = skip_ws(p + 1, e);
    if ((size_t)(e - p) < sizeof key - 1 || memcmp(p, key, sizeof key - 1) != 0)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: expected key \"data\" at byte %zu", what,
                    (size_t)(p - text));
    p = skip_ws(p + sizeof key - 1, e);
    if (p >= e || *p != ':')
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: expected ':' at byte %zu", what,
                    (size_t)(p - text));
    p = skip_ws(p + 1, e);
    if (p >= e || *p != '[')
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: expected '[' at byte %zu", what,
                    (size_t)(p - text));
    p = skip_ws(p + 1, e);
    size_t cap = 784 * 64, nv = 0;
    uint8_t *vals = malloc(cap);
    if (!vals) return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
    int closed = 0;
    while (p < e) {
        if (*p == ']' && nv == 0) {
            closed = 1;
            p++;
            break;
        }
        char num[32];
        size_t k = 0;
        while (p < e && k < sizeof num - 1 &&
               ((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' || *p == 'e' ||
                *p == 'E'))
            num[k++] = *p++;
        num[k] = 0;
        char *end;
        errno = 0;
        double v = k ? strtod(num, &end) : 0;
        if (k == 0 || *end || errno || !(v >= 0 && v <= 1)) {
            free(vals);
            return fail(err, errlen, NN_DATA_EFORMAT,
                        "%s: value %zu ('%s') is not a number in [0, 1]", what, nv, num);
        }
        if (nv == cap) {
            cap *= 2;
            uint8_t *nb = realloc(vals, cap);
            if (!nb) {
                free(vals);
                return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
            }
            vals = nb;
        }
        vals[nv++] = (uint8_t)(v * 255 + 0.5);
        p = skip_ws(p, e);
        if (p < e && *p == ',') {
            p = skip_ws(p + 1, e);
            continue;
        }
        if (p < e && *p == ']') {
            closed = 1;
            p++;
            break;
        }
        free(vals);
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: expected ',' or ']' at byte %zu", what,
                    (size_t)(p - text));
    }
    p = skip_ws(p, e);
    if (!closed || p >= e || *p != '}') {
        free(vals);
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated (no closing ']' and '}')", what);
    }
    p = skip_ws(p + 1, e);
    if (p != e) {
        free(vals);
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: trailing data at byte %zu", what,
                    (size_t)(p - text));
    }
    if (nv == 0 || nv % 784) {
        free(vals);
        return fail(err, errlen, NN_DATA_EFORMAT,
                    "%s: %zu values is not a positive multiple of 784 (28x28 images)", what, nv);
    }
    int add = (int)(nv / 784);
    uint8_t *np = realloc(d->pixels, (size_t)(d->n + add) * 784);
    uint8_t *nl = np ? realloc(d->labels, (size_t)(d->n + add)) : NULL;
    if (np) d->pixels = np;
    if (nl) d->labels = nl;
    if (!np || !nl) {
        free(vals);
        return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
    }
    memcpy(d->pixels + (size_t)d->n * 784, vals, nv);
    memset(d->labels + d->n, label, add);
    d->n += add;
    d->c = 1;
    d->h = d->w = 28;
    d->nclass = 10;
    free(vals);
    return NN_DATA_OK;
}

/* ---- splits and batches -------------------------------------------- */

int nn_split_balanced(const nn_dataset *d, uint64_t seed, const int *sizes, int nparts,
                      nn_dataset *parts, char *err, size_t errlen)
{
    int C = d->nclass, per_img = d->c * d->h * d->w;
    int *count = calloc(C, sizeof(int)), **idx = calloc(C, sizeof(int *));
    for (int i = 0; i < d->n; i++) count[d->labels[i]]++;
    int rc = NN_DATA_OK;
    for (int c = 0; c < C; c++) {
        idx[c] = malloc(sizeof(int) * (count[c] ? count[c] : 1));
        int k = 0;
        for (int i = 0; i < d->n; i++)
            if (d->labels[i] == c) idx[c][k++] = i;
        gsl_rng *r = nso_rng_indexed(seed, "nn/split", (uint64_t)c);
        for (int i = count[c] - 1; i > 0; i--) { /* Fisher-Yates */
            int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1);
            int t = idx[c][i];
            idx[c][i] = idx[c][j];
            idx[c][j] = t;
        }
        gsl_rng_free(r);
        int need = 0;
        for (int p = 0; p < nparts; p++) need += sizes[p] / C + (c < sizes[p] % C);
        if (need > count[c] && rc == NN_DATA_OK)
            rc = fail(err, errlen, NN_DATA_EFORMAT,
                      "class %d has %d examples, the requested split needs %d", c, count[c], need);
    }
    if (rc == NN_DATA_OK) {
        int *used = calloc(C, sizeof(int));
        for (int p = 0; p < nparts; p++) {
            nn_dataset *o = &parts[p];
            *o = (nn_dataset){sizes[p], d->c, d->h, d->w, C,
                              d->tokens ? NULL : malloc((size_t)sizes[p] * per_img + 1),
                              malloc((size_t)sizes[p] + 1),
                              d->tokens ? malloc(((size_t)sizes[p] * per_img + 1) * sizeof(int32_t))
                                        : NULL};
            int k = 0;
            /* interleave classes so a prefix of a part is still nearly balanced */
            int maxper = sizes[p] / C + 1;
            for (int r = 0; r < maxper; r++)
                for (int c = 0; c < C; c++) {
                    int want = sizes[p] / C + (c < sizes[p] % C);
                    if (r >= want) continue;
                    int src = idx[c][used[c] + r];
                    if (d->tokens)
                        memcpy(o->tokens + (size_t)k * per_img, d->tokens + (size_t)src * per_img,
                               per_img * sizeof(int32_t));
                    else
                        memcpy(o->pixels + (size_t)k * per_img, d->pixels + (size_t)src * per_img,
                               per_img);
                    o->labels[k++] = (uint8_t)c;
                }
            for (int c = 0; c < C; c++) used[c] += sizes[p] / C + (c < sizes[p] % C);
        }
        free(used);
    }
    for (int c = 0; c < C; c++) free(idx[c]);
    free(idx);
    free(count);
    return rc;
}

void nn_dataset_batch(const nn_dataset *d, const int *idx, int B, float *x, uint8_t *y)
{
    size_t per = (size_t)d->c * d->h * d->w;
    if (d->tokens) { /* token ids, exact in float (< 2^24) */
        for (int b = 0; b < B; b++) {
            const int32_t *t = d->tokens + (size_t)idx[b] * per;
            for (size_t i = 0; i < per; i++) x[(size_t)b * per + i] = (float)t[i];
            y[b] = d->labels[idx[b]];
        }
        return;
    }
    for (int b = 0; b < B; b++) {
        const uint8_t *p = d->pixels + (size_t)idx[b] * per;
        for (size_t i = 0; i < per; i++) x[(size_t)b * per + i] = p[i] * (1.0f / 255);
        y[b] = d->labels[idx[b]];
    }
}

/* passages of the Brown corpus as a token data set: which = NULL, all the
 * labelled passages ("brown"); else the part of the split by text
 * (NN_BROWN_PRE: every passage of the pretraining texts, label 0 of 1 class;
 * NN_BROWN_FT_TRAIN / _TEST: the held-out texts' passages, 4 classes) */
static int brown_open(const char *cache, const int *which, uint64_t split_seed, nn_dataset *out, char *err,
                      size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", cache, NN_BROWN_FILE);
    memset(out, 0, sizeof *out);
    if (access(path, R_OK) != 0)
        return fail(err, errlen, NN_DATA_EIO, "%s: missing; run 'make text-data' first", path);
    nn_corpus c;
    nn_vocab v;
    nn_textset s;
    int rc = nn_brown_load(path, &c, err, errlen);
    if (rc) return rc;
    unsigned char *keep = NULL;
    if (which) {
        keep = malloc((size_t)c.ntexts);
        rc = !keep ? fail(err, errlen, NN_DATA_EIO, "out of memory (split)")
                   : nn_brown_split(&c, split_seed, NN_BROWN_FT_TRAIN_TEXTS, NN_BROWN_FT_TEST_TEXTS, keep,
                                    err, errlen);
        for (int t = 0; !rc && t < c.ntexts; t++) keep[t] = keep[t] == *which;
    }
    if (!rc) rc = nn_vocab_build(&c, NN_BROWN_VOCAB, &v, err, errlen);
    if (!rc) {
        rc = nn_text_passages(&c, &v, NN_BROWN_SEQ, keep, !which || *which != NN_BROWN_PRE, &s, err, errlen);
        nn_vocab_free(&v);
    }
    free(keep);
    nn_corpus_free(&c);
    if (rc) return rc;
    *out = (nn_dataset){s.n, 1, 1, s.L, s.nclass, NULL, s.label, s.tok};
    if (which && *which == NN_BROWN_PRE) { /* no class: masked-language-model pretraining */
        memset(out->labels, 0, (size_t)s.n);
        out->nclass = 1;
    }
    free(s.text);
    return NN_DATA_OK;
}

int nn_dataset_open(const char *name, const char *cache, nn_dataset *out, char *err, size_t errlen)
{
    return nn_dataset_open_seeded(name, cache, NN_BROWN_SPLIT_SEED, out, err, errlen);
}

int nn_dataset_open_seeded(const char *name, const char *cache, uint64_t split_seed, nn_dataset *out, char *err,
                           size_t errlen)
{
    char a[4200], b[4200];
    if (strcmp(name, "fashion") == 0 || strcmp(name, "fashion-test") == 0) {
        const char *pre = strcmp(name, "fashion") == 0 ? "train" : "t10k";
        snprintf(a, sizeof a, "%s/%s-images-idx3-ubyte.gz", NN_FASHION_DIR, pre);
        snprintf(b, sizeof b, "%s/%s-labels-idx1-ubyte.gz", NN_FASHION_DIR, pre);
        if (access(a, R_OK) != 0)
            return fail(err, errlen, NN_DATA_EIO,
                        "%s: missing; install it with 'apt-get install dataset-fashion-mnist' "
                        "(or 'make nn-data')", a);
    } else if (strcmp(name, "mnist") == 0) {
        snprintf(a, sizeof a, "%s/mnist/mnist-images.idx", cache);
        snprintf(b, sizeof b, "%s/mnist/mnist-labels.idx", cache);
        if (access(a, R_OK) != 0)
            return fail(err, errlen, NN_DATA_EIO, "%s: missing; run 'make nn-data' first", a);
    } else if (strcmp(name, "brown") == 0)
        return brown_open(cache, NULL, 0, out, err, errlen);
    else if (!strcmp(name, "brown-pre") || !strcmp(name, "brown-ft") || !strcmp(name, "brown-ft-test")) {
        const int which = !strcmp(name, "brown-pre") ? NN_BROWN_PRE
                          : !strcmp(name, "brown-ft") ? NN_BROWN_FT_TRAIN
                                                      : NN_BROWN_FT_TEST;
        return brown_open(cache, &which, split_seed, out, err, errlen);
    } else if (strcmp(name, "graphs") == 0) {
        snprintf(a, sizeof a, "%s/%s", cache, NN_GRAPH_FILE);
        memset(out, 0, sizeof *out);
        if (access(a, R_OK) != 0)
            return fail(err, errlen, NN_DATA_EIO, "%s: missing; run 'make graph-data' first", a);
        nn_graphset g;
        int rc = nn_graphs_load(a, &g, err, errlen);
        if (rc) return rc;
        rc = nn_graphs_dataset(&g, a, out, err, errlen);
        nn_graphset_free(&g);
        return rc;
    } else
        return fail(err, errlen, NN_DATA_EFORMAT,
                    "unknown data set '%s' (accepted: fashion, fashion-test, mnist, brown, brown-pre, brown-ft, "
                    "brown-ft-test, graphs)", name);
    return nn_idx_load(a, b, 10, out, err, errlen);
}
