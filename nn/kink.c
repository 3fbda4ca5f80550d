/* kink.c - the ReLU kink term of a perturbed MLP loss and the sign changes of
 * its hidden pre-activations (see kink.h for the derivation).  A diagnostic of
 * the Table 2 analog (nn/tools/nn_table2.c); no paper equation lives here: the
 * term is what Prop. 2.1's Taylor expansion misses where relu'' = 0 a.e. */
#include "kink.h"
#include "train.h"
#include <gsl/gsl_cblas.h> /* OpenBLAS provides these symbols */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double nn_kink_psi(double a)
{
    if (a > 38) return 0; /* phi(38) ~ 1e-314 */
    return exp(-0.5 * a * a) / sqrt(2 * M_PI) - a * gsl_cdf_ugaussian_Q(a);
}

static int find_tensor(const nn_model_f32 *m, const char *name)
{
    for (int t = 0; t < m->ntensors; t++)
        if (m->tensors[t].buffer == 0 && strcmp(m->tensors[t].name, name) == 0) return t;
    return -1;
}

/* z (n x H) = x (n x D) W1^T + b1 with the parameters p */
static void preact(const nn_kink *k, const float *p, float *z)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k->n, k->H, k->D, 1.0f, k->x, k->D, p + k->w1, k->D,
                0.0f, z, k->H);
    const float *b = p + k->b1;
    for (int i = 0; i < k->n; i++)
        for (int j = 0; j < k->H; j++) z[(size_t)i * k->H + j] += b[j];
}

void nn_kink_free(nn_kink *k)
{
    free(k->x);
    free(k->z);
    free(k->zp);
    free(k->g);
    free(k->c2);
    memset(k, 0, sizeof *k);
}

int nn_kink_init(nn_kink *k, const nn_model_f32 *m, const nn_dataset *d, const int *idx, int n, char *msg,
                 size_t len)
{
    memset(k, 0, sizeof *k);
    if (m->cfg.arch != NN_ARCH_MLP || m->cfg.act != NN_ACT_RELU) {
        snprintf(msg, len, "the kink term needs a ReLU MLP (this model: %s, activation %d)", nn_arch_name(m->cfg.arch),
                 m->cfg.act);
        return 1;
    }
    if (nn_data_fits(m, d, msg, len)) return 1;
    if (n < 1 || n > d->n) {
        snprintf(msg, len, "kink term: %d examples requested, the data set has %d", n, d->n);
        return 1;
    }
    int t1w = find_tensor(m, "fc1.weight"), t1b = find_tensor(m, "fc1.bias");
    int t2w = find_tensor(m, "fc2.weight"), t2b = find_tensor(m, "fc2.bias");
    if (t1w < 0 || t1b < 0 || t2w < 0 || t2b < 0) {
        snprintf(msg, len, "kink term: the model has no fc1/fc2 weight and bias tensors");
        return 1;
    }
    k->n = n;
    k->H = (int)m->tensors[t1w].shape[0];
    k->D = (int)m->tensors[t1w].shape[1];
    k->C = (int)m->tensors[t2w].shape[0];
    k->w1 = m->tensors[t1w].off;
    k->b1 = m->tensors[t1b].off;
    size_t nh = (size_t)n * k->H;
    k->x = malloc(sizeof(float) * (size_t)n * k->D);
    k->z = malloc(sizeof(float) * nh);
    k->zp = malloc(sizeof(float) * nh);
    k->g = malloc(sizeof(double) * nh);
    k->c2 = malloc(sizeof(double) * n);
    uint8_t *y = malloc((size_t)n);
    double *o = malloc(sizeof(double) * k->C);
    if (!k->x || !k->z || !k->zp || !k->g || !k->c2 || !y || !o) {
        free(y);
        free(o);
        nn_kink_free(k);
        snprintf(msg, len, "kink term: out of memory (%d examples)", n);
        return 1;
    }
    nn_dataset_batch(d, idx, n, k->x, y);
    preact(k, m->params, k->z);
    const float *W2 = m->params + m->tensors[t2w].off, *b2 = m->params + m->tensors[t2b].off;
    double a = m->label_smoothing, loss = 0;
    for (int i = 0; i < n; i++) {
        const float *xi = k->x + (size_t)i * k->D, *zi = k->z + (size_t)i * k->H;
        double s = 1;
        for (int q = 0; q < k->D; q++) s += (double)xi[q] * xi[q];
        k->c2[i] = s;
        double mx = -INFINITY;
        for (int c = 0; c < k->C; c++) {
            double v = b2[c];
            for (int j = 0; j < k->H; j++) v += (double)W2[(size_t)c * k->H + j] * (zi[j] > 0 ? zi[j] : 0);
            o[c] = v;
            if (v > mx) mx = v;
        }
        double se = 0;
        for (int c = 0; c < k->C; c++) se += exp(o[c] - mx);
        double lse = mx + log(se);
        /* target t = (1 - a) onehot + a / C; loss = -sum t log p; dloss/do = p - t */
        for (int c = 0; c < k->C; c++) {
            double t = (c == y[i] ? 1 - a : 0) + a / k->C;
            loss -= t * (o[c] - lse);
            o[c] = exp(o[c] - lse) - t;
        }
        double *gi = k->g + (size_t)i * k->H;
        for (int j = 0; j < k->H; j++) {
            double v = 0;
            for (int c = 0; c < k->C; c++) v += (double)W2[(size_t)c * k->H + j] * o[c];
            gi[j] = v;
        }
    }
    k->loss = loss / n;
    free(y);
    free(o);
    return 0;
}

double nn_kink_term(const nn_kink *k, double sigma)
{
    double sum = 0;
    for (int i = 0; i < k->n; i++) {
        double s = sigma * sqrt(k->c2[i]), acc = 0;
        const float *zi = k->z + (size_t)i * k->H;
        const double *gi = k->g + (size_t)i * k->H;
        for (int j = 0; j < k->H; j++) acc += gi[j] * nn_kink_psi(fabs((double)zi[j]) / s);
        sum += s * acc;
    }
    return sum / k->n;
}

double nn_kink_flip_expected(const nn_kink *k, double sigma)
{
    double sum = 0;
    for (int i = 0; i < k->n; i++) {
        double s = sigma * sqrt(k->c2[i]);
        const float *zi = k->z + (size_t)i * k->H;
        for (int j = 0; j < k->H; j++) {
            double a = fabs((double)zi[j]) / s;
            if (a < 38) sum += gsl_cdf_ugaussian_Q(a);
        }
    }
    return sum / ((double)k->n * k->H);
}

double nn_kink_density0(const nn_kink *k, double h, double *p0)
{
    double d0 = 0;
    size_t cnt = 0;
    for (int i = 0; i < k->n; i++) {
        const float *zi = k->z + (size_t)i * k->H;
        const double *gi = k->g + (size_t)i * k->H;
        for (int j = 0; j < k->H; j++)
            if (fabs((double)zi[j]) < h) d0 += gi[j] * k->c2[i], cnt++;
    }
    if (p0) *p0 = (double)cnt / ((double)k->n * k->H) / (2 * h);
    return d0 / k->n / (2 * h);
}

double nn_kink_flips(nn_kink *k, const float *params)
{
    preact(k, params, k->zp);
    size_t nh = (size_t)k->n * k->H, c = 0;
    for (size_t i = 0; i < nh; i++) c += (k->z[i] > 0) != (k->zp[i] > 0);
    return (double)c / (double)nh;
}
