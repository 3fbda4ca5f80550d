/* nn_objective.c - a network + training set + minibatch sampler as an
 * objective of the optimizer engine (see nn_objective.h for the sample ->
 * minibatch map, the batch-norm modes and the bookkeeping).  No paper
 * equation: this is the oracle g_z(W) the methods of lib/opt_*.c call, with
 * z = the minibatch of the sample. */
#include "nn_objective.h"
#include "augment.h"
#include "mlm.h"
#include "nso_error.h"
#include "rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nn_model_f32 *m;
    const nn_dataset *d;
    int B;
    long nb;          /* minibatches per epoch */
    size_t per;       /* values per example */
    float *x;         /* the loaded minibatch (B x per) and its labels */
    uint8_t *y;
    int *idx;         /* its example indices */
    int have;         /* x, y, idx hold the batch of `cur` */
    nso_sample cur;
    int *perm;        /* the epoch permutation of (perm_seed, perm_epoch) */
    int have_perm;
    uint64_t perm_seed, perm_epoch;
    int *pool;        /* identity permutation: scratch of the slot > 0 draws (restored) */
    int *swp;         /* the swaps of one draw (B) */
    gsl_rng *r;       /* reseeded in place for every permutation / draw */
    int CB;           /* full-set chunk size (m->maxB) */
    float *cx;        /* full-set chunk buffers */
    uint8_t *cy;
    int *cidx;
    double *gacc;     /* full-set gradient accumulator */
    nn_obj_tally tally;
    int aug_shift, aug_flip; /* augmentation of loaded minibatches (0, 0: off) */
    float *aug_tmp;
    int mlm;          /* NN_ARCH_MLM: target slots per sequence M (0: a classifier) */
    int32_t *pos, *lab, *cpos, *clab; /* the minibatch's / a full-set chunk's MLM targets */
} nn_ctx;

static void ctx_free(void *c)
{
    nn_ctx *x = c;
    if (!x) return;
    free(x->x);
    free(x->y);
    free(x->idx);
    free(x->perm);
    free(x->pool);
    free(x->swp);
    if (x->r) gsl_rng_free(x->r);
    free(x->cx);
    free(x->cy);
    free(x->cidx);
    free(x->gacc);
    free(x->aug_tmp);
    free(x->pos);
    free(x->lab);
    free(x->cpos);
    free(x->clab);
    free(x);
}

int nn_objective_is(const nso_objective *o) { return o && o->free == ctx_free; }

/* the epoch permutation: Fisher-Yates from (seed, "nn/shuffle", epoch) */
static void epoch_perm(nn_ctx *x, uint64_t seed, uint64_t epoch)
{
    if (x->have_perm && x->perm_seed == seed && x->perm_epoch == epoch) return;
    int n = x->d->n, *p = x->perm;
    for (int i = 0; i < n; i++) p[i] = i;
    nso_rng_reseed(x->r, seed, "nn/shuffle", epoch);
    for (int i = n - 1; i > 0; i--) {
        int j = (int)gsl_rng_uniform_int(x->r, (unsigned long)i + 1), t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    x->have_perm = 1;
    x->perm_seed = seed;
    x->perm_epoch = epoch;
}

/* the B indices of sample s into idx */
static void select_batch(nn_ctx *x, const nso_sample *s, int *idx)
{
    int B = x->B, n = x->d->n;
    if (s->slot == 0) {
        uint64_t e = s->step / (uint64_t)x->nb, k = s->step % (uint64_t)x->nb;
        epoch_perm(x, s->seed, e);
        memcpy(idx, x->perm + k * (uint64_t)B, (size_t)B * sizeof(int));
        return;
    }
    /* partial Fisher-Yates on the identity pool, then the swaps undone */
    nso_rng_reseed(x->r, s->seed, "nn/minibatch", (s->step << 32) + s->slot);
    int *p = x->pool;
    for (int i = 0; i < B; i++) {
        int j = i + (int)gsl_rng_uniform_int(x->r, (unsigned long)(n - i)), t = p[i];
        p[i] = p[j];
        p[j] = t;
        x->swp[i] = j;
        idx[i] = p[i];
    }
    for (int i = B - 1; i >= 0; i--) {
        int j = x->swp[i], t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

/* load the minibatch of s (cached: the 2k points of an NSO step share it) */
static void load(nn_ctx *x, const nso_sample *s)
{
    if (x->have && x->cur.seed == s->seed && x->cur.step == s->step && x->cur.slot == s->slot)
        return;
    select_batch(x, s, x->idx);
    nn_dataset_batch(x->d, x->idx, x->B, x->x, x->y);
    if (x->mlm) /* masks of (seed, epoch, example) */
        nn_mlm_batch(x->d, x->idx, x->B, x->mlm, x->m->cfg.in_c, s->seed, s->step / (uint64_t)x->nb, x->r,
                     x->x, x->pos, x->lab);
    if (x->aug_shift || x->aug_flip) {
        nso_rng_reseed(x->r, s->seed, "nn/augment", (s->step << 32) + s->slot);
        nn_augment_batch(x->x, x->B, x->d->c, x->d->h, x->d->w, x->aug_shift, x->aug_flip, x->r,
                         x->aug_tmp);
    }
    x->cur = *s;
    x->have = 1;
}

static void set_params(nn_ctx *x, const double *w)
{
    float *p = x->m->params;
    for (size_t i = 0, n = x->m->nparams; i < n; i++) p[i] = (float)w[i];
}

/* per example, or per MLM target (the loss is then the mean over targets) */
static void count(nn_ctx *x, double L, int correct)
{
    long n = x->mlm ? x->m->mlm_count : x->B;
    x->tally.loss_sum += L * n;
    x->tally.correct += correct;
    x->tally.seen += n;
}

static int nn_sgrad(void *c, const double *w, double *g, const nso_sample *s)
{
    nn_ctx *x = c;
    nn_model_f32 *m = x->m;
    load(x, s);
    set_params(x, w);
    int mode = m->bn_mode, correct = 0;
    m->bn_mode = s->base ? NN_BN_TRAIN : NN_BN_FROZEN;
    nn_set_input_f32(m, x->x, x->B); /* B <= maxB was checked at creation */
    if (x->mlm) nn_set_mlm_targets_f32(m, x->pos, x->lab, x->B);
    double L = nn_forward_f32(m, x->y, &correct);
    if (!isfinite(L)) {
        m->bn_mode = mode;
        return NSO_EDIVERGE;
    }
    nn_backward_f32(m, x->y);
    m->bn_mode = mode;
    const float *gf = m->grads;
    for (size_t i = 0, n = m->nparams; i < n; i++) g[i] = gf[i];
    if (s->base) count(x, L, correct);
    return NSO_OK;
}

static int nn_observe(void *c, const double *w, const nso_sample *s)
{
    nn_ctx *x = c;
    nn_model_f32 *m = x->m;
    load(x, s);
    set_params(x, w);
    int mode = m->bn_mode, correct = 0;
    m->bn_mode = NN_BN_TRAIN;
    nn_set_input_f32(m, x->x, x->B);
    if (x->mlm) nn_set_mlm_targets_f32(m, x->pos, x->lab, x->B);
    double L = nn_forward_f32(m, x->y, &correct);
    m->bn_mode = mode;
    if (!isfinite(L)) return NSO_EDIVERGE;
    count(x, L, correct);
    return NSO_OK;
}

/* full training set in chunks of CB, batch norm in EVAL mode; the gradient
 * (when g != NULL) is the size-weighted mean of the chunk gradients (MLM:
 * static masks of seed 0, epoch 0, weighted by the chunks' target counts) */
static double full_pass(nn_ctx *x, const double *w, double *g)
{
    nn_model_f32 *m = x->m;
    const int n = x->d->n, CB = x->CB;
    size_t np = m->nparams;
    set_params(x, w);
    int mode = m->bn_mode;
    m->bn_mode = NN_BN_EVAL;
    double L = 0, tot = 0;
    if (g) memset(x->gacc, 0, np * sizeof(double));
    for (int s = 0; s < n; s += CB) {
        int b = n - s < CB ? n - s : CB;
        for (int i = 0; i < b; i++) x->cidx[i] = s + i;
        nn_dataset_batch(x->d, x->cidx, b, x->cx, x->cy);
        double wgt = b;
        if (x->mlm) {
            nn_mlm_batch(x->d, x->cidx, b, x->mlm, m->cfg.in_c, 0, 0, x->r, x->cx, x->cpos, x->clab);
            nn_set_input_f32(m, x->cx, b);
            nn_set_mlm_targets_f32(m, x->cpos, x->clab, b);
            wgt = m->mlm_count;
        }
        if (g) {
            L += nn_loss_grad_f32(m, x->cx, x->cy, b) * wgt;
            for (size_t i = 0; i < np; i++) x->gacc[i] += wgt * m->grads[i];
        } else
            L += nn_loss_f32(m, x->cx, x->cy, b, NULL) * wgt;
        tot += wgt;
    }
    m->bn_mode = mode;
    if (tot <= 0) tot = 1;
    if (g)
        for (size_t i = 0; i < np; i++) g[i] = x->gacc[i] / tot;
    return L / tot;
}

static double nn_value(void *c, const double *w) { return full_pass(c, w, NULL); }
static void nn_grad(void *c, const double *w, double *g) { full_pass(c, w, g); }

nso_objective *nn_objective_create(nn_model_f32 *m, const nn_dataset *d, int batch, char *msg,
                                   size_t len)
{
    if (!m || !d || d->n < 1) {
        snprintf(msg, len, "a model and a non-empty data set are required");
        return NULL;
    }
    const nn_slot *in = &m->slots[0];
    const int mlm = m->cfg.arch == NN_ARCH_MLM;
    if (d->c * d->h * d->w != in->c * in->h * in->w || (!mlm && d->nclass > m->cfg.nclass) ||
        (mlm && !d->tokens)) {
        snprintf(msg, len,
                 "data set (%dx%dx%d, %d classes) does not fit the model (%dx%dx%d inputs, %d classes)",
                 d->c, d->h, d->w, d->nclass, in->c, in->h, in->w, m->cfg.nclass);
        return NULL;
    }
    if (batch < 1 || batch > m->maxB || batch > d->n) {
        snprintf(msg, len, "batch size must be in [1, min(model batch capacity %d, %d examples)], got %d",
                 m->maxB, d->n, batch);
        return NULL;
    }
    nso_objective *o = calloc(1, sizeof *o);
    nn_ctx *x = calloc(1, sizeof *x);
    if (!o || !x) goto nomem;
    x->m = m;
    x->d = d;
    x->B = batch;
    x->nb = d->n / batch;
    x->per = (size_t)d->c * d->h * d->w;
    x->CB = m->maxB;
    x->x = malloc((size_t)batch * x->per * sizeof(float));
    x->y = malloc((size_t)batch);
    x->idx = malloc((size_t)batch * sizeof(int));
    x->swp = malloc((size_t)batch * sizeof(int));
    x->perm = malloc((size_t)d->n * sizeof(int));
    x->pool = malloc((size_t)d->n * sizeof(int));
    x->r = gsl_rng_alloc(gsl_rng_mt19937);
    x->cx = malloc((size_t)x->CB * x->per * sizeof(float));
    x->cy = malloc((size_t)x->CB);
    x->cidx = malloc((size_t)x->CB * sizeof(int));
    x->gacc = malloc(m->nparams * sizeof(double));
    if (!x->x || !x->y || !x->idx || !x->swp || !x->perm || !x->pool || !x->r || !x->cx ||
        !x->cy || !x->cidx || !x->gacc)
        goto nomem;
    if (mlm) {
        x->mlm = m->cfg.nclass;
        x->pos = malloc((size_t)batch * x->mlm * sizeof(int32_t));
        x->lab = malloc((size_t)batch * x->mlm * sizeof(int32_t));
        x->cpos = malloc((size_t)x->CB * x->mlm * sizeof(int32_t));
        x->clab = malloc((size_t)x->CB * x->mlm * sizeof(int32_t));
        if (!x->pos || !x->lab || !x->cpos || !x->clab) goto nomem;
    }
    for (int i = 0; i < d->n; i++) x->pool[i] = i;
    o->name = "nn";
    o->dim = m->nparams;
    o->ctx = x;
    o->value = nn_value;
    o->grad = nn_grad;
    o->sgrad = nn_sgrad;
    o->observe = nn_observe;
    o->free = ctx_free;
    o->noise_model = "minibatch: slot 0 = the step's batch of the epoch permutation, "
                     "slot j > 0 = an independent uniform batch";
    o->min_value = NAN;
    o->lipschitz = NAN;
    o->ndata = (size_t)d->n;
    return o;
nomem:
    ctx_free(x);
    free(o);
    snprintf(msg, len, "out of memory (network objective, %d examples)", d->n);
    return NULL;
}

int nn_objective_set_augment(nso_objective *o, int shift, int flip)
{
    if (!nn_objective_is(o)) NSO_ERROR("not a network objective", NSO_EINVAL);
    nn_ctx *x = o->ctx;
    if (shift < 0 || shift >= x->d->h || shift >= x->d->w) NSO_ERROR("augmentation shift out of range", NSO_EINVAL);
    if (!x->aug_tmp && (shift || flip)) {
        x->aug_tmp = malloc(x->per * sizeof(float));
        if (!x->aug_tmp) NSO_ERROR("out of memory (augmentation)", NSO_ENOMEM);
    }
    x->aug_shift = shift;
    x->aug_flip = flip != 0;
    x->have = 0; /* a cached batch was loaded without it */
    return NSO_OK;
}

long nn_objective_batches(const nso_objective *o)
{
    return nn_objective_is(o) ? ((const nn_ctx *)o->ctx)->nb : 0;
}

int nn_objective_indices(nso_objective *o, const nso_sample *s, int *idx)
{
    if (!nn_objective_is(o)) NSO_ERROR("not a network objective", NSO_EINVAL);
    select_batch(o->ctx, s, idx);
    return NSO_OK;
}

const int *nn_objective_last_batch(const nso_objective *o)
{
    if (!nn_objective_is(o)) return NULL;
    const nn_ctx *x = o->ctx;
    return x->have ? x->idx : NULL;
}

void nn_objective_tally(const nso_objective *o, nn_obj_tally *t)
{
    if (nn_objective_is(o)) *t = ((const nn_ctx *)o->ctx)->tally;
    else memset(t, 0, sizeof *t);
}

void nn_objective_tally_reset(nso_objective *o)
{
    if (nn_objective_is(o)) memset(&((nn_ctx *)o->ctx)->tally, 0, sizeof(nn_obj_tally));
}
