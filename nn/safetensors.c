/* safetensors.c - safetensors reader/writer with full validation (see
 * safetensors.h).  The JSON subset parsed is exactly what the format allows:
 * one object of string keys whose values are tensor objects or the
 * "__metadata__" string map. */
#include "safetensors.h"
#include "dataset.h"
#include "io.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int err(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int err(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return 5;
}

typedef struct {
    const char *p, *e, *start;
    char *msg;
    size_t mlen;
} js;

static void ws(js *j)
{
    while (j->p < j->e && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static int expect(js *j, char c)
{
    ws(j);
    if (j->p >= j->e || *j->p != c)
        return err(j->msg, j->mlen, "header: expected '%c' at byte %zu", c,
                   (size_t)(j->p - j->start));
    j->p++;
    return 0;
}

static int peek(js *j, char c)
{
    ws(j);
    return j->p < j->e && *j->p == c;
}

/* a JSON string without escapes other than \" \\ \/ (enough for names) */
static int str(js *j, char *out, size_t cap)
{
    if (expect(j, '"')) return 5;
    size_t k = 0;
    while (j->p < j->e && *j->p != '"') {
        char c = *j->p++;
        if ((unsigned char)c < 0x20) return err(j->msg, j->mlen, "header: control character in string");
        if (c == '\\') {
            if (j->p >= j->e) break;
            c = *j->p++;
            if (c != '"' && c != '\\' && c != '/')
                return err(j->msg, j->mlen, "header: unsupported escape '\\%c'", c);
        }
        if (k + 1 >= cap) return err(j->msg, j->mlen, "header: string longer than %zu bytes", cap - 1);
        out[k++] = c;
    }
    if (j->p >= j->e) return err(j->msg, j->mlen, "header: unterminated string");
    j->p++;
    out[k] = 0;
    return 0;
}

static int juint(js *j, uint64_t *v)
{
    ws(j);
    if (j->p >= j->e || *j->p < '0' || *j->p > '9')
        return err(j->msg, j->mlen, "header: expected a non-negative integer at byte %zu",
                   (size_t)(j->p - j->start));
    uint64_t x = 0;
    while (j->p < j->e && *j->p >= '0' && *j->p <= '9') {
        if (x > (UINT64_MAX - 9) / 10) return err(j->msg, j->mlen, "header: integer overflow");
        x = x * 10 + (uint64_t)(*j->p++ - '0');
    }
    *v = x;
    return 0;
}

static int uint_array(js *j, uint64_t *v, int cap, int *n)
{
    if (expect(j, '[')) return 5;
    *n = 0;
    if (peek(j, ']')) {
        j->p++;
        return 0;
    }
    for (;;) {
        if (*n >= cap) return err(j->msg, j->mlen, "header: array longer than %d", cap);
        if (juint(j, &v[(*n)++])) return 5;
        if (peek(j, ',')) {
            j->p++;
            continue;
        }
        return expect(j, ']');
    }
}

static int dtype_of(const char *s, int *dt, int *size)
{
    if (!strcmp(s, "F32")) *dt = 0, *size = 4;
    else if (!strcmp(s, "I64")) *dt = 1, *size = 8;
    else if (!strcmp(s, "F64")) *dt = 2, *size = 8;
    else return 1;
    return 0;
}

static int cmp_begin(const void *a, const void *b)
{
    const nn_st_entry *x = *(nn_st_entry *const *)a, *y = *(nn_st_entry *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

int nn_st_parse(const uint8_t *buf, size_t len, nn_st_file *f, char *msg, size_t mlen)
{
    memset(f, 0, sizeof *f);
    if (len < 8) return err(msg, mlen, "file of %zu bytes is shorter than the 8-byte header length", len);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | buf[i];
    if (hl < 2 || hl > NN_ST_MAX_HEADER)
        return err(msg, mlen, "header length %llu outside [2, %u]", (unsigned long long)hl,
                   NN_ST_MAX_HEADER);
    if (hl > len - 8)
        return err(msg, mlen, "truncated: header length %llu but only %zu bytes follow",
                   (unsigned long long)hl, len - 8);
    js j = {(const char *)buf + 8, (const char *)buf + 8 + hl, (const char *)buf + 8, msg, mlen};
    if (expect(&j, '{')) return 5;
    int first = 1;
    while (!peek(&j, '}')) {
        if (!first && expect(&j, ',')) return 5;
        first = 0;
        char key[NN_NAME];
        if (str(&j, key, sizeof key) || expect(&j, ':')) return 5;
        if (!strcmp(key, "__metadata__")) {
            if (expect(&j, '{')) return 5;
            int f2 = 1;
            while (!peek(&j, '}')) {
                if (!f2 && expect(&j, ',')) return 5;
                f2 = 0;
                if (f->nmeta >= 16) return err(msg, mlen, "header: more than 16 metadata entries");
                if (str(&j, f->meta_key[f->nmeta], NN_NAME) || expect(&j, ':') ||
                    str(&j, f->meta_val[f->nmeta], NN_NAME))
                    return 5;
                f->nmeta++;
            }
            j.p++;
            continue;
        }
        for (int i = 0; i < f->n; i++)
            if (!strcmp(f->t[i].name, key)) return err(msg, mlen, "header: duplicate tensor '%s'", key);
        if (f->n >= NN_ST_MAX_TENSORS)
            return err(msg, mlen, "header: more than %d tensors", NN_ST_MAX_TENSORS);
        nn_st_entry *t = &f->t[f->n];
        snprintf(t->name, NN_NAME, "%s", key);
        if (expect(&j, '{')) return 5;
        int have = 0, f3 = 1, size = 0;
        while (!peek(&j, '}')) {
            if (!f3 && expect(&j, ',')) return 5;
            f3 = 0;
            char fk[32];
            if (str(&j, fk, sizeof fk) || expect(&j, ':')) return 5;
            if (!strcmp(fk, "dtype")) {
                char dt[16];
                if (str(&j, dt, sizeof dt)) return 5;
                if (dtype_of(dt, &t->dtype, &size))
                    return err(msg, mlen, "tensor '%s': unsupported dtype '%s' (F32, F64, I64)", key, dt);
                have |= 1;
            } else if (!strcmp(fk, "shape")) {
                uint64_t s[8];
                if (uint_array(&j, s, 8, &t->ndim)) return 5;
                for (int i = 0; i < t->ndim; i++) {
                    if (s[i] > (1u << 30)) return err(msg, mlen, "tensor '%s': dimension %llu too large", key, (unsigned long long)s[i]);
                    t->shape[i] = (int64_t)s[i];
                }
                have |= 2;
            } else if (!strcmp(fk, "data_offsets")) {
                uint64_t o[2];
                int k;
                if (uint_array(&j, o, 2, &k)) return 5;
                if (k != 2) return err(msg, mlen, "tensor '%s': data_offsets needs 2 entries", key);
                t->begin = o[0];
                t->end = o[1];
                have |= 4;
            } else
                return err(msg, mlen, "tensor '%s': unknown field '%s'", key, fk);
        }
        j.p++;
        if (have != 7) return err(msg, mlen, "tensor '%s': needs dtype, shape and data_offsets", key);
        uint64_t cnt = 1;
        for (int i = 0; i < t->ndim; i++) {
            cnt *= (uint64_t)t->shape[i];
            if (cnt > ((uint64_t)1 << 32)) return err(msg, mlen, "tensor '%s': too many elements", key);
        }
        if (t->end < t->begin || t->end - t->begin != cnt * (uint64_t)size)
            return err(msg, mlen, "tensor '%s': data_offsets [%llu, %llu] do not hold %llu x %d bytes",
                       key, (unsigned long long)t->begin, (unsigned long long)t->end,
                       (unsigned long long)cnt, size);
        f->n++;
    }
    j.p++;
    ws(&j);
    if (j.p != j.e) return err(msg, mlen, "header: trailing characters after the JSON object");
    f->data = buf + 8 + hl;
    f->data_len = len - 8 - hl;
    /* the buffer must be covered exactly: sorted, contiguous, no overlap, no hole */
    nn_st_entry **s = malloc(sizeof(*s) * (f->n ? f->n : 1));
    for (int i = 0; i < f->n; i++) s[i] = &f->t[i];
    qsort(s, f->n, sizeof *s, cmp_begin);
    uint64_t pos = 0;
    int rc = 0;
    for (int i = 0; i < f->n && !rc; i++) {
        if (s[i]->begin != pos)
            rc = err(msg, mlen, "tensor '%s' starts at %llu, expected %llu (%s)", s[i]->name,
                     (unsigned long long)s[i]->begin, (unsigned long long)pos,
                     s[i]->begin < pos ? "overlap" : "hole");
        pos = s[i]->end;
    }
    if (!rc && pos != f->data_len)
        rc = err(msg, mlen, "byte buffer is %llu bytes but the tensors cover %llu (%s)",
                 (unsigned long long)f->data_len, (unsigned long long)pos,
                 pos > f->data_len ? "truncated" : "trailing data");
    free(s);
    return rc;
}

const char *nn_st_meta(const nn_st_file *f, const char *key)
{
    for (int i = 0; i < f->nmeta; i++)
        if (!strcmp(f->meta_key[i], key)) return f->meta_val[i];
    return NULL;
}

/* ---- writing ----------------------------------------------------------- */

static int is_le(void)
{
    uint16_t x = 1;
    return *(uint8_t *)&x == 1;
}

int nn_st_save(const char *path, const nn_model_f32 *m, char *msg, size_t mlen)
{
    if (!is_le()) return err(msg, mlen, "big-endian hosts are not supported");
    size_t cap = 4096 + (size_t)m->ntensors * 256, hl = 0;
    char *h = malloc(cap);
    const nn_config *c = &m->cfg;
    hl += snprintf(h + hl, cap - hl,
                   "{\"__metadata__\":{\"format\":\"pt\",\"nn.arch\":\"%s\",\"nn.depth\":\"%d\","
                   "\"nn.hidden\":\"%d\",\"nn.nclass\":\"%d\",\"nn.in\":\"%dx%dx%d\",\"nn.act\":\"%s\"",
                   nn_arch_name(c->arch), c->depth, c->hidden, c->nclass, c->in_c, c->in_h, c->in_w,
                   c->act == NN_ACT_SOFTPLUS ? "softplus" : c->act == NN_ACT_GELU ? "gelu" : "relu");
    if (c->arch == NN_ARCH_TRANSFORMER || c->arch == NN_ARCH_MLM) /* for a reader building the torch module */
        hl += snprintf(h + hl, cap - hl,
                       ",\"nn.vocab\":\"%d\",\"nn.heads\":\"%d\",\"nn.seq\":\"%d\",\"nn.ffn\":\"%d\"",
                       c->in_c, c->in_h, c->in_w, NN_TF_FFN_MULT * c->hidden);
    if (c->arch == NN_ARCH_GCN) /* node features, largest graph, adjacency entries */
        hl += snprintf(h + hl, cap - hl, ",\"nn.features\":\"%d\",\"nn.max_nodes\":\"%d\",\"nn.max_nnz\":\"%d\"",
                       c->in_c, c->in_h, c->in_w);
    hl += snprintf(h + hl, cap - hl, "}");
    uint64_t off = 0;
    for (int i = 0; i < m->ntensors; i++) {
        const nn_tensor *t = &m->tensors[i];
        uint64_t bytes = t->buffer == 2 ? 8 : t->n * 4;
        hl += snprintf(h + hl, cap - hl, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", t->name,
                       t->buffer == 2 ? "I64" : "F32");
        for (int d = 0; d < t->ndim; d++)
            hl += snprintf(h + hl, cap - hl, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        hl += snprintf(h + hl, cap - hl, "],\"data_offsets\":[%llu,%llu]}",
                       (unsigned long long)off, (unsigned long long)(off + bytes));
        off += bytes;
    }
    hl += snprintf(h + hl, cap - hl, "}");
    while (hl % 8) h[hl++] = ' '; /* pad so the buffer is 8-byte aligned */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    nso_tmp_register(tmp); /* removed on exit or a signal if we stop before the rename */
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        nso_tmp_unregister(tmp);
        free(h);
        return err(msg, mlen, "%s: cannot write: %s", path, strerror(errno));
    }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(h, 1, hl, f) == hl;
    for (int i = 0; i < m->ntensors && ok; i++) {
        const nn_tensor *t = &m->tensors[i];
        if (t->buffer == 2) {
            int64_t v = m->num_batches_tracked;
            ok = fwrite(&v, 8, 1, f) == 1;
        } else {
            const float *src = (t->buffer == 0 ? m->params : m->stats) + t->off;
            ok = fwrite(src, 4, t->n, f) == t->n;
        }
    }
    ok = (fclose(f) == 0) && ok;
    free(h);
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        nso_tmp_unregister(tmp);
        return err(msg, mlen, "%s: write failed", path);
    }
    nso_tmp_unregister(tmp);
    return 0;
}

static int read_whole(const char *path, uint8_t **buf, size_t *len, char *msg, size_t mlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) return err(msg, mlen, "%s: cannot open: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0 || n > (1L << 31)) {
        fclose(f);
        return err(msg, mlen, "%s: unreadable size", path);
    }
    *buf = malloc(n ? n : 1);
    *len = fread(*buf, 1, n, f);
    fclose(f);
    if (*len != (size_t)n) {
        free(*buf);
        return err(msg, mlen, "%s: read failed", path);
    }
    return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *e;
    long v = s ? strtol(s, &e, 10) : 0;
    if (!s || !*s || *e || v < lo || v > hi) return 1;
    *out = (int)v;
    return 0;
}

int nn_st_config(const char *path, nn_config *cfg, char *msg, size_t mlen)
{
    uint8_t *buf;
    size_t len;
    if (read_whole(path, &buf, &len, msg, mlen)) return 5;
    nn_st_file *f = malloc(sizeof *f);
    char m2[400];
    int rc = nn_st_parse(buf, len, f, m2, sizeof m2);
    if (rc) err(msg, mlen, "%s: %s", path, m2);
    if (!rc) {
        const char *a = nn_st_meta(f, "nn.arch"), *in = nn_st_meta(f, "nn.in");
        memset(cfg, 0, sizeof *cfg);
        if (!a || (strcmp(a, "mlp") && strcmp(a, "resnet") && strcmp(a, "transformer") && strcmp(a, "gcn") &&
                   strcmp(a, "mlm")) ||
            parse_int(nn_st_meta(f, "nn.depth"), 0, 1000, &cfg->depth) ||
            parse_int(nn_st_meta(f, "nn.hidden"), 0, 1 << 20, &cfg->hidden) ||
            parse_int(nn_st_meta(f, "nn.nclass"), 2, 255, &cfg->nclass) || !in ||
            sscanf(in, "%dx%dx%d", &cfg->in_c, &cfg->in_h, &cfg->in_w) != 3)
            rc = err(msg, mlen, "%s: metadata lacks a valid nn.arch/nn.depth/nn.hidden/nn.nclass/nn.in "
                     "(not written by this engine?)", path);
        else {
            cfg->arch = !strcmp(a, "mlp")      ? NN_ARCH_MLP
                        : !strcmp(a, "resnet") ? NN_ARCH_RESNET
                        : !strcmp(a, "gcn")    ? NN_ARCH_GCN
                        : !strcmp(a, "mlm")    ? NN_ARCH_MLM
                                               : NN_ARCH_TRANSFORMER;
            const char *act = nn_st_meta(f, "nn.act"); /* optional, default relu */
            if (act && strcmp(act, "relu") && strcmp(act, "softplus") && strcmp(act, "gelu"))
                rc = err(msg, mlen, "%s: unknown activation '%s' in metadata", path, act);
            cfg->act = !act                      ? NN_ACT_RELU
                       : !strcmp(act, "softplus") ? NN_ACT_SOFTPLUS
                       : !strcmp(act, "gelu")     ? NN_ACT_GELU
                                                  : NN_ACT_RELU;
        }
    }
    free(f);
    free(buf);
    return rc;
}

int nn_st_load(const char *path, nn_model_f32 *m, const char *skip, char *msg, size_t mlen)
{
    uint8_t *buf;
    size_t len;
    if (read_whole(path, &buf, &len, msg, mlen)) return 5;
    int rc = nn_st_load_buffer(buf, len, path, m, skip, msg, mlen);
    free(buf);
    return rc;
}

int nn_st_load_buffer(const uint8_t *buf, size_t len, const char *path, nn_model_f32 *m,
                      const char *skip, char *msg, size_t mlen)
{
    nn_st_file *f = malloc(sizeof *f);
    char m2[400];
    int rc = nn_st_parse(buf, len, f, m2, sizeof m2);
    if (rc) err(msg, mlen, "%s: %s", path, m2);
    size_t sl = skip ? strlen(skip) : 0;
    /* check everything first, then copy: a failed load leaves m untouched */
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (int i = 0; i < m->ntensors && !rc; i++) {
            const nn_tensor *t = &m->tensors[i];
            if (sl && !strncmp(t->name, skip, sl) && (t->name[sl] == '.' || !t->name[sl])) continue;
            const nn_st_entry *e = NULL;
            for (int k = 0; k < f->n; k++)
                if (!strcmp(f->t[k].name, t->name)) e = &f->t[k];
            if (!e) {
                if (t->buffer == 2) continue; /* optional counter */
                rc = err(msg, mlen, "%s: tensor '%s' missing", path, t->name);
                break;
            }
            int want = t->buffer == 2 ? 1 : 0;
            if (e->dtype != want) {
                rc = err(msg, mlen, "%s: tensor '%s' has dtype %s, expected %s", path, t->name,
                         e->dtype == 0 ? "F32" : e->dtype == 1 ? "I64" : "F64", want ? "I64" : "F32");
                break;
            }
            int same = e->ndim == t->ndim;
            for (int d = 0; same && d < t->ndim; d++) same = e->shape[d] == t->shape[d];
            if (!same) {
                char a[96] = "", b[96] = "";
                for (int d = 0; d < e->ndim; d++)
                    snprintf(a + strlen(a), sizeof a - strlen(a), "%s%lld", d ? "," : "", (long long)e->shape[d]);
                for (int d = 0; d < t->ndim; d++)
                    snprintf(b + strlen(b), sizeof b - strlen(b), "%s%lld", d ? "," : "", (long long)t->shape[d]);
                rc = err(msg, mlen, "%s: tensor '%s' has shape [%s], the model needs [%s]", path,
                         t->name, a, b);
                break;
            }
            if (pass == 1) {
                if (t->buffer == 2) {
                    int64_t v;
                    memcpy(&v, f->data + e->begin, 8);
                    m->num_batches_tracked = v;
                } else {
                    float *dst = (t->buffer == 0 ? m->params : m->stats) + t->off;
                    memcpy(dst, f->data + e->begin, t->n * 4);
                }
            }
        }
        if (pass == 0 && !rc)
            for (int k = 0; k < f->n && !rc; k++) {
                int found = 0;
                for (int i = 0; i < m->ntensors; i++)
                    if (!strcmp(f->t[k].name, m->tensors[i].name)) found = 1;
                if (!found && !(sl && !strncmp(f->t[k].name, skip, sl)))
                    rc = err(msg, mlen, "%s: tensor '%s' is not part of this model", path, f->t[k].name);
            }
    }
    if (!rc)
        for (size_t i = 0; i < m->nparams; i++)
            if (m->params[i] != m->params[i]) {
                rc = err(msg, mlen, "%s: parameters contain NaN", path);
                break;
            }
    free(f);
    return rc;
}
