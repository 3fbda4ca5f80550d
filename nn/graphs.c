/* graphs.c - the GCN's graph data set: the validated file reader and writer
 * and the conversion to model input records (format and features:
 * graphs.h). */
#include "graphs.h"
#include "io.h"
#include "nn.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *err, size_t len, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return code;
}

static uint64_t rd(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void nn_graphset_free(nn_graphset *g)
{
    free(g->label);
    free(g->nodes);
    free(g->eoff);
    free(g->edge);
    memset(g, 0, sizeof *g);
}

int nn_graphs_parse(const uint8_t *buf, size_t len, const char *what, nn_graphset *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    if (len < 24) return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated header (%zu bytes, need 24)", what, len);
    if (memcmp(buf, NN_GRAPH_MAGIC, 8))
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: not a graph file (magic is not %s)", what, NN_GRAPH_MAGIC);
    g->seed = rd(buf + 8, 8);
    uint64_t n = rd(buf + 16, 4), C = rd(buf + 20, 2), N = rd(buf + 22, 2);
    if (n < 1 || n > NN_GRAPH_MAX_GRAPHS)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: %llu graphs (accepted: 1..%d)", what, (unsigned long long)n,
                    NN_GRAPH_MAX_GRAPHS);
    if (C < 2 || C > 255)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: %llu classes (accepted: 2..255)", what, (unsigned long long)C);
    if (N < 1 || N > NN_GCN_MAX_NODES)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: largest graph of %llu nodes (accepted: 1..%d)", what,
                    (unsigned long long)N, NN_GCN_MAX_NODES);
    /* every graph takes >= 7 bytes: a count beyond the file is a truncation */
    if (n > (len - 24) / 7)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated (%llu graphs announced, %zu bytes)", what,
                    (unsigned long long)n, len);
    g->n = (int)n;
    g->nclass = (int)C;
    g->max_nodes = (int)N;
    g->label = malloc(n);
    g->nodes = malloc(n * sizeof(int));
    g->eoff = malloc((n + 1) * sizeof(size_t));
    size_t ne = 0, p = 24;
    /* first pass: headers and sizes (the edge array is sized from them) */
    for (uint64_t i = 0; i < n; i++) {
        if (len - p < 7) {
            nn_graphset_free(g);
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated in graph %llu", what, (unsigned long long)i);
        }
        uint64_t lab = buf[p], nv = rd(buf + p + 1, 2), m = rd(buf + p + 3, 4);
        if (lab >= C) {
            nn_graphset_free(g);
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: graph %llu has label %llu (accepted: 0..%llu)", what,
                        (unsigned long long)i, (unsigned long long)lab, (unsigned long long)C - 1);
        }
        if (nv < 1 || nv > N) {
            nn_graphset_free(g);
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: graph %llu has %llu nodes (%s; accepted: 1..%llu)", what,
                        (unsigned long long)i, (unsigned long long)nv, nv ? "too many" : "empty graph",
                        (unsigned long long)N);
        }
        if (m > nv * (nv - 1) / 2) {
            nn_graphset_free(g);
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: graph %llu has %llu edges, more than a simple graph of "
                        "%llu nodes can (%llu)", what, (unsigned long long)i, (unsigned long long)m,
                        (unsigned long long)nv, (unsigned long long)(nv * (nv - 1) / 2));
        }
        p += 7;
        if ((len - p) / 4 < m) {
            nn_graphset_free(g);
            return fail(err, errlen, NN_DATA_EFORMAT, "%s: truncated in the edges of graph %llu", what,
                        (unsigned long long)i);
        }
        g->label[i] = (uint8_t)lab;
        g->nodes[i] = (int)nv;
        g->eoff[i] = ne;
        ne += m;
        p += 4 * m;
    }
    g->eoff[n] = ne;
    if (p != len) {
        size_t extra = len - p;
        nn_graphset_free(g);
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: %zu bytes of trailing data", what, extra);
    }
    g->edge = malloc(2 * ne * sizeof(uint16_t) + 1);
    p = 24;
    for (uint64_t i = 0; i < n; i++) {
        p += 7;
        long pu = -1, pv = -1;
        for (size_t e = g->eoff[i]; e < g->eoff[i + 1]; e++, p += 4) {
            long u = (long)rd(buf + p, 2), v = (long)rd(buf + p + 2, 2);
            if (!(u < v && v < g->nodes[i]) || u < pu || (u == pu && v <= pv)) {
                fail(err, errlen, NN_DATA_EFORMAT, "%s: graph %llu, edge %zu (%ld, %ld): %s", what,
                     (unsigned long long)i, e - g->eoff[i], u, v,
                     u == v ? "a self-loop" : u > v ? "not u < v"
                     : v >= g->nodes[i] ? "node out of range" : "not in increasing order (duplicate edge?)");
                nn_graphset_free(g);
                return NN_DATA_EFORMAT;
            }
            g->edge[2 * e] = (uint16_t)u;
            g->edge[2 * e + 1] = (uint16_t)v;
            pu = u, pv = v;
        }
    }
    return NN_DATA_OK;
}

int nn_graphs_load(const char *path, nn_graphset *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    uint8_t *buf;
    size_t n;
    int rc = nn_read_file(path, &buf, &n, err, errlen); /* dataset.c's reader */
    if (rc != NN_DATA_OK) return rc;
    rc = nn_graphs_parse(buf, n, path, g, err, errlen);
    free(buf);
    return rc;
}

static void put(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int nn_graphs_write(const char *path, const nn_graphset *g, char *err, size_t errlen)
{
    size_t len = 24 + 7 * (size_t)g->n + 4 * g->eoff[g->n];
    uint8_t *b = malloc(len), *p = b + 24;
    if (!b) return fail(err, errlen, NN_DATA_EIO, "%s: out of memory", path);
    memcpy(b, NN_GRAPH_MAGIC, 8);
    put(b + 8, g->seed, 8);
    put(b + 16, (uint64_t)g->n, 4);
    put(b + 20, (uint64_t)g->nclass, 2);
    put(b + 22, (uint64_t)g->max_nodes, 2);
    for (int i = 0; i < g->n; i++) {
        size_t m = g->eoff[i + 1] - g->eoff[i];
        p[0] = g->label[i];
        put(p + 1, (uint64_t)g->nodes[i], 2);
        put(p + 3, m, 4);
        p += 7;
        for (size_t e = g->eoff[i]; e < g->eoff[i + 1]; e++, p += 4) {
            put(p, g->edge[2 * e], 2);
            put(p + 2, g->edge[2 * e + 1], 2);
        }
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    nso_tmp_register(tmp);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(b, 1, len, f) == len;
    if (f && fclose(f)) ok = 0;
    free(b);
    if (!ok || rename(tmp, path)) {
        int e = errno;
        remove(tmp);
        nso_tmp_unregister(tmp);
        return fail(err, errlen, NN_DATA_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    nso_tmp_unregister(tmp);
    return NN_DATA_OK;
}

int nn_graphs_dataset(const nn_graphset *g, const char *what, nn_dataset *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    const int N = g->max_nodes;
    size_t E = 0;
    for (int i = 0; i < g->n; i++)
        if (2 * (g->eoff[i + 1] - g->eoff[i]) > E) E = 2 * (g->eoff[i + 1] - g->eoff[i]);
    /* record size 3 + N + E rounded up to a multiple of N (the set's shape is 1 x N x W) */
    size_t W = (3 + (size_t)N + E + N - 1) / N;
    E = W * N - 3 - N;
    if (E > NN_GCN_MAX_NNZ)
        return fail(err, errlen, NN_DATA_EFORMAT, "%s: a graph has more adjacency entries than %d", what,
                    NN_GCN_MAX_NNZ);
    const size_t S = W * N;
    int32_t *rec = calloc((size_t)g->n * S, sizeof(int32_t));
    uint8_t *lab = malloc((size_t)g->n);
    int *deg = malloc(sizeof(int) * N), *fill = malloc(sizeof(int) * N);
    if (!rec || !lab || !deg || !fill) {
        free(rec), free(lab), free(deg), free(fill);
        return fail(err, errlen, NN_DATA_EIO, "%s: out of memory (%d graph records)", what, g->n);
    }
    for (int i = 0; i < g->n; i++) {
        int32_t *r = rec + (size_t)i * S, *rp = r + 2, *col = rp + N + 1;
        const int n = g->nodes[i];
        const uint16_t *e = g->edge + 2 * g->eoff[i];
        const size_t m = g->eoff[i + 1] - g->eoff[i];
        memset(deg, 0, sizeof(int) * N);
        for (size_t k = 0; k < m; k++) deg[e[2 * k]]++, deg[e[2 * k + 1]]++;
        rp[0] = 0;
        for (int v = 0; v < N; v++) rp[v + 1] = rp[v] + (v < n ? deg[v] : 0);
        for (int v = 0; v < n; v++) fill[v] = rp[v];
        /* each row's columns in increasing order: the pairs are sorted by (u, v) */
        for (size_t k = 0; k < m; k++) col[fill[e[2 * k + 1]]++] = e[2 * k];
        for (size_t k = 0; k < m; k++) col[fill[e[2 * k]]++] = e[2 * k + 1];
        r[0] = n;
        r[1] = (int32_t)(2 * m);
        lab[i] = g->label[i];
    }
    free(deg), free(fill);
    *d = (nn_dataset){g->n, 1, N, (int)W, g->nclass, NULL, lab, rec};
    return NN_DATA_OK;
}
