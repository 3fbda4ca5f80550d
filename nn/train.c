/* train.c - minibatch SGD (see train.h).  Shuffling: a fresh permutation per
 * epoch from the stream (seed, "nn/shuffle", epoch). */
#include "train.h"
#include "rng.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

const nn_train_params nn_train_default = {0.02, 32, 30, 10, 0.1, 0.0, 0.0, 1};

double nn_train_lr(const nn_train_params *p, int epoch)
{
    return p->decay_every > 0 ? p->lr * pow(p->decay, epoch / p->decay_every) : p->lr;
}

int nn_train_epoch(nn_model_f32 *m, const nn_dataset *d, int epoch, const nn_train_params *p,
                   float *vel, double *loss, double *acc)
{
    int n = d->n, B = p->batch < m->maxB ? p->batch : m->maxB;
    int *perm = malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) perm[i] = i;
    gsl_rng *r = nso_rng_indexed(p->seed, "nn/shuffle", (uint64_t)epoch);
    for (int i = n - 1; i > 0; i--) {
        int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    gsl_rng_free(r);
    size_t per = (size_t)d->c * d->h * d->w;
    float *x = malloc(sizeof(float) * per * B);
    uint8_t *y = malloc(B);
    double lr = nn_train_lr(p, epoch), L = 0;
    long ok = 0, seen = 0;
    int rc = 0;
    m->bn_mode = NN_BN_TRAIN;
    for (int s = 0; s + B <= n; s += B) { /* drop the last partial batch */
        nn_dataset_batch(d, perm + s, B, x, y);
        nn_set_input_f32(m, x, B);
        int c;
        double l = nn_forward_f32(m, y, &c);
        if (!isfinite(l)) {
            rc = 4;
            break;
        }
        nn_backward_f32(m, y);
        float *w = m->params, *g = m->grads;
        const float a = (float)lr, mu = (float)p->momentum, wd = (float)p->weight_decay;
        if (vel && p->momentum > 0)
            for (size_t i = 0; i < m->nparams; i++) {
                vel[i] = mu * vel[i] + g[i] + wd * w[i];
                w[i] -= a * vel[i];
            }
        else
            for (size_t i = 0; i < m->nparams; i++) w[i] -= a * (g[i] + wd * w[i]);
        L += l * B;
        ok += c;
        seen += B;
    }
    if (rc == 0)
        for (size_t i = 0; i < m->nparams; i++)
            if (!isfinite(m->params[i])) {
                rc = 4;
                break;
            }
    *loss = seen ? L / seen : NAN;
    *acc = seen ? (double)ok / seen : NAN;
    free(perm);
    free(x);
    free(y);
    return rc;
}

double nn_evaluate(nn_model_f32 *m, const nn_dataset *d, int n, double *acc)
{
    if (n > d->n || n <= 0) n = d->n;
    int B = m->maxB, mode = m->bn_mode;
    size_t per = (size_t)d->c * d->h * d->w;
    float *x = malloc(sizeof(float) * per * B);
    uint8_t *y = malloc(B);
    int *idx = malloc(sizeof(int) * B);
    double L = 0;
    long ok = 0;
    m->bn_mode = NN_BN_EVAL;
    for (int s = 0; s < n; s += B) {
        int b = n - s < B ? n - s : B, c;
        for (int i = 0; i < b; i++) idx[i] = s + i;
        nn_dataset_batch(d, idx, b, x, y);
        L += nn_loss_f32(m, x, y, b, &c) * b;
        ok += c;
    }
    m->bn_mode = mode;
    free(x);
    free(y);
    free(idx);
    if (acc) *acc = (double)ok / n;
    return L / n;
}
