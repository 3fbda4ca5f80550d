/* bow.c - bag-of-words multinomial logistic regression, the baseline of the
 * text rows (conventions in bow.h).  No paper equation. */
#include "bow.h"
#include "corpus.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the distinct feature ids of example i (ids >= NN_TOK_SPECIAL), in ids; returns their count */
static int features(const nn_dataset *d, int i, int vocab, int *ids, unsigned char *seen)
{
    const int L = d->c * d->h * d->w;
    const int32_t *t = d->tokens + (size_t)i * L;
    int n = 0;
    for (int j = 0; j < L; j++)
        if (t[j] >= NN_TOK_SPECIAL && t[j] < vocab && !seen[t[j]]) {
            seen[t[j]] = 1;
            ids[n++] = t[j];
        }
    for (int j = 0; j < n; j++) seen[ids[j]] = 0;
    return n;
}

/* the logits of example i into z (K) */
static void logits(const nn_bow *b, const int *ids, int n, double *z)
{
    const size_t R = (size_t)b->V + 1;
    for (int k = 0; k < b->K; k++) {
        const double *wk = b->w + k * R;
        double s = wk[b->V];
        for (int j = 0; j < n; j++) s += wk[ids[j]];
        z[k] = s;
    }
}

double nn_bow_objective(const nn_bow *b, const nn_dataset *d, double l2, double *g)
{
    const size_t R = (size_t)b->V + 1;
    const int L = d->c * d->h * d->w, K = b->K;
    int *ids = malloc(sizeof(int) * (L + 1));
    unsigned char *seen = calloc((size_t)b->V, 1);
    double *z = malloc(sizeof(double) * K);
    if (!ids || !seen || !z) {
        free(ids), free(seen), free(z);
        return NAN;
    }
    if (g) memset(g, 0, sizeof(double) * K * R);
    double f = 0;
    for (int i = 0; i < d->n; i++) {
        int n = features(d, i, b->V, ids, seen);
        logits(b, ids, n, z);
        double mx = z[0], s = 0;
        for (int k = 1; k < K; k++) mx = fmax(mx, z[k]);
        for (int k = 0; k < K; k++) s += exp(z[k] - mx);
        f += mx + log(s) - z[d->labels[i]];
        if (g)
            for (int k = 0; k < K; k++) {
                double r = (exp(z[k] - mx) / s - (k == d->labels[i])) / d->n;
                double *gk = g + k * R;
                for (int j = 0; j < n; j++) gk[ids[j]] += r;
                gk[b->V] += r;
            }
    }
    f /= d->n;
    for (int k = 0; k < K; k++)
        for (int v = 0; v < b->V; v++) {
            double w = b->w[k * R + v];
            f += 0.5 * l2 * w * w;
            if (g) g[k * R + v] += l2 * w;
        }
    free(ids), free(seen), free(z);
    return f;
}

int nn_bow_fit(const nn_dataset *d, int vocab, double l2, int iters, nn_bow *out, char *msg, size_t len)
{
    memset(out, 0, sizeof *out);
    if (!d->tokens || d->n < 1 || d->nclass < 2 || vocab <= NN_TOK_SPECIAL || !(l2 >= 0) || iters < 1) {
        snprintf(msg, len, "bag of words: a token data set of >= 2 classes, vocabulary > %d, l2 >= 0 and iters >= 1 "
                 "are required", NN_TOK_SPECIAL);
        return 1;
    }
    const int L = d->c * d->h * d->w, K = d->nclass;
    const size_t R = (size_t)vocab + 1, P = (size_t)K * R;
    out->V = vocab;
    out->K = K;
    out->w = calloc(P, sizeof(double));
    double *y = calloc(P, sizeof(double)), *prev = calloc(P, sizeof(double)), *g = malloc(P * sizeof(double));
    int *ids = malloc(sizeof(int) * (L + 1));
    unsigned char *seen = calloc((size_t)vocab, 1);
    if (!out->w || !y || !prev || !g || !ids || !seen) {
        free(y), free(prev), free(g), free(ids), free(seen);
        nn_bow_free(out);
        snprintf(msg, len, "bag of words: out of memory");
        return 1;
    }
    double lip = 0;
    for (int i = 0; i < d->n; i++) lip = fmax(lip, (features(d, i, vocab, ids, seen) + 1) / 2.0);
    lip += l2;
    /* Nesterov: x_{t+1} = y_t - g(y_t) / Lip, y_{t+1} = x_{t+1} + (t / (t + 3)) (x_{t+1} - x_t) */
    nn_bow at = *out;
    for (int t = 0; t < iters; t++) {
        at.w = y;
        nn_bow_objective(&at, d, l2, g);
        memcpy(prev, out->w, P * sizeof(double));
        for (size_t j = 0; j < P; j++) out->w[j] = y[j] - g[j] / lip;
        double mom = (double)t / (t + 3);
        for (size_t j = 0; j < P; j++) y[j] = out->w[j] + mom * (out->w[j] - prev[j]);
    }
    free(y), free(prev), free(g), free(ids), free(seen);
    return 0;
}

double nn_bow_accuracy(const nn_bow *b, const nn_dataset *d)
{
    const int L = d->c * d->h * d->w;
    int *ids = malloc(sizeof(int) * (L + 1));
    unsigned char *seen = calloc((size_t)b->V, 1);
    double *z = malloc(sizeof(double) * b->K);
    long ok = 0;
    if (!ids || !seen || !z || d->n < 1) {
        free(ids), free(seen), free(z);
        return NAN;
    }
    for (int i = 0; i < d->n; i++) {
        int n = features(d, i, b->V, ids, seen), arg = 0;
        logits(b, ids, n, z);
        for (int k = 1; k < b->K; k++)
            if (z[k] > z[arg]) arg = k;
        ok += arg == d->labels[i];
    }
    free(ids), free(seen), free(z);
    return (double)ok / d->n;
}

void nn_bow_free(nn_bow *b)
{
    free(b->w);
    memset(b, 0, sizeof *b);
}
