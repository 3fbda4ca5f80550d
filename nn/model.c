/* model.c - model construction (MLP of Table 2, CIFAR-style ResNet) and the
 * four passes over the op tape: forward, backward, R-forward, R-backward.
 *
 * The R passes implement Pearlmutter's R-operator (Neural Comput. 1994):
 * R{.} = d/dr (.)(w + r v) at r = 0, pushed forward through the forward pass
 * and then through the backward pass, so R{grad} = H v exactly (up to
 * rounding).  Batch norm is in EVAL mode during an HVP so the loss is a
 * deterministic function of the weights (reference notes, PyHessian
 * convention; paper Sec. 2.2). */
#include "nn_impl.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* from gsl_randist.h, which cannot be included next to OpenBLAS cblas.h */
double gsl_ran_gaussian(const gsl_rng *r, double sigma);
double gsl_ran_flat(const gsl_rng *r, double a, double b);

typedef NN(nn_model) model;

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s);
    if (!p) {
        fprintf(stderr, "nn: out of memory (%zu x %zu bytes)\n", n, s);
        exit(2);
    }
    return p;
}

/* ---------------- construction ------------------------------------- */

static int add_slot(model *m, int c, int h, int w)
{
    m->slots[m->nslots] = (nn_slot){c, h, w};
    return m->nslots++;
}

static int add_layer(model *m, const char *name)
{
    snprintf(m->layer_names[m->nlayers], NN_NAME, "%s", name);
    return m->nlayers++;
}

static int add_tensor(model *m, const char *layer, const char *suffix, int buffer, int layer_id,
                      int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    nn_tensor *t = &m->tensors[m->ntensors];
    snprintf(t->name, NN_NAME, "%s.%s", layer, suffix);
    t->buffer = buffer;
    t->ndim = ndim;
    int64_t d[4] = {d0, d1, d2, d3};
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = d[i];
        n *= (size_t)d[i];
    }
    t->n = buffer == 2 ? 1 : n;
    t->layer = layer_id;
    if (buffer == 0) {
        t->off = m->nparams;
        m->nparams += n;
    } else if (buffer == 1) {
        t->off = m->nstats;
        m->nstats += n;
    } else
        t->off = 0;
    return m->ntensors++;
}

static int op_conv(model *m, int x, int cout, int k, int stride, int pad, const char *name)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_CONV;
    o->x = x;
    o->cin = s.c;
    o->cout = cout;
    o->k = k;
    o->stride = stride;
    o->pad = pad;
    int L = add_layer(m, name);
    o->tw = add_tensor(m, name, "weight", 0, L, 4, cout, s.c, k, k);
    o->tb = -1;
    o->w = m->tensors[o->tw].off;
    int ho = (s.h + 2 * pad - k) / stride + 1, wo = (s.w + 2 * pad - k) / stride + 1;
    o->y = add_slot(m, cout, ho, wo);
    m->nops++;
    return o->y;
}

static int op_bn(model *m, int x, const char *name)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_BN;
    o->x = x;
    o->cin = o->cout = s.c;
    int L = add_layer(m, name);
    o->tw = add_tensor(m, name, "weight", 0, L, 1, s.c, 0, 0, 0);
    o->tb = add_tensor(m, name, "bias", 0, L, 1, s.c, 0, 0, 0);
    o->w = m->tensors[o->tw].off;
    o->b = m->tensors[o->tb].off;
    int tm = add_tensor(m, name, "running_mean", 1, L, 1, s.c, 0, 0, 0);
    add_tensor(m, name, "running_var", 1, L, 1, s.c, 0, 0, 0);
    add_tensor(m, name, "num_batches_tracked", 2, L, 0, 0, 0, 0, 0);
    o->stat = m->tensors[tm].off;
    o->y = add_slot(m, s.c, s.h, s.w);
    m->nops++;
    return o->y;
}

static int op_simple(model *m, int kind, int x, int x2)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->x = x;
    o->x2 = x2;
    o->tw = o->tb = -1;
    o->cin = o->cout = s.c;
    o->y = kind == NN_OP_GAP ? add_slot(m, s.c, 1, 1) : add_slot(m, s.c, s.h, s.w);
    m->nops++;
    return o->y;
}

static int op_linear(model *m, int x, int out, const char *name)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_LINEAR;
    o->x = x;
    o->cin = s.c * s.h * s.w;
    o->cout = out;
    int L = add_layer(m, name);
    o->tw = add_tensor(m, name, "weight", 0, L, 2, out, o->cin, 0, 0);
    o->tb = add_tensor(m, name, "bias", 0, L, 1, out, 0, 0, 0);
    o->w = m->tensors[o->tw].off;
    o->b = m->tensors[o->tb].off;
    o->y = add_slot(m, out, 1, 1);
    m->nops++;
    return o->y;
}

static void build_mlp(model *m)
{
    const nn_config *c = &m->cfg;
    int x = add_slot(m, c->in_c * c->in_h * c->in_w, 1, 1);
    int h = op_linear(m, x, c->hidden, "fc1");
    h = op_simple(m, c->act == NN_ACT_SOFTPLUS ? NN_OP_SOFTPLUS : NN_OP_RELU, h, -1);
    op_linear(m, h, c->nclass, "fc2");
}

static void build_resnet(model *m)
{
    const nn_config *c = &m->cfg;
    int nblk = (c->depth - 2) / 6;
    char nm[NN_NAME];
    int s = add_slot(m, c->in_c, c->in_h, c->in_w);
    s = op_conv(m, s, 16, 3, 1, 1, "conv1");
    s = op_bn(m, s, "bn1");
    s = op_simple(m, NN_OP_RELU, s, -1);
    int cin = 16;
    for (int st = 0; st < 3; st++) {
        int width = 16 << st;
        for (int b = 0; b < nblk; b++) {
            int stride = (st > 0 && b == 0) ? 2 : 1;
            char base[32];
            snprintf(base, sizeof base, "layer%d.%d", st + 1, b);
            snprintf(nm, sizeof nm, "%s.conv1", base);
            int a = op_conv(m, s, width, 3, stride, 1, nm);
            snprintf(nm, sizeof nm, "%s.bn1", base);
            a = op_bn(m, a, nm);
            a = op_simple(m, NN_OP_RELU, a, -1);
            snprintf(nm, sizeof nm, "%s.conv2", base);
            a = op_conv(m, a, width, 3, 1, 1, nm);
            snprintf(nm, sizeof nm, "%s.bn2", base);
            a = op_bn(m, a, nm);
            int sc = s;
            if (stride != 1 || cin != width) {
                snprintf(nm, sizeof nm, "%s.downsample.0", base);
                sc = op_conv(m, s, width, 1, stride, 0, nm);
                snprintf(nm, sizeof nm, "%s.downsample.1", base);
                sc = op_bn(m, sc, nm);
            }
            s = op_simple(m, NN_OP_ADD, a, sc);
            s = op_simple(m, NN_OP_RELU, s, -1);
            cin = width;
        }
    }
    s = op_simple(m, NN_OP_GAP, s, -1);
    op_linear(m, s, c->nclass, "fc");
}

static size_t slot_n(const model *m, int i, int B)
{
    const nn_slot *s = &m->slots[i];
    return (size_t)s->c * s->h * s->w * B;
}

static nn_conv_geom geom(const model *m, const nn_op *o)
{
    const nn_slot *x = &m->slots[o->x], *y = &m->slots[o->y];
    return (nn_conv_geom){o->cin, o->cout, x->h, x->w, y->h, y->w, o->k, o->stride, o->pad};
}

void NN(nn_model_init)(model *m, gsl_rng *r)
{
    for (int i = 0; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        real *w = m->params + o->w;
        if (o->kind == NN_OP_CONV) {
            double sd = sqrt(2.0 / ((double)o->cout * o->k * o->k)); /* kaiming, fan_out */
            size_t n = (size_t)o->cout * o->cin * o->k * o->k;
            for (size_t j = 0; j < n; j++) w[j] = (real)gsl_ran_gaussian(r, sd);
        } else if (o->kind == NN_OP_LINEAR) {
            double bnd = 1.0 / sqrt((double)o->cin); /* PyTorch nn.Linear default */
            size_t n = (size_t)o->cout * o->cin;
            for (size_t j = 0; j < n; j++) w[j] = (real)gsl_ran_flat(r, -bnd, bnd);
            for (int j = 0; j < o->cout; j++)
                m->params[o->b + j] = (real)gsl_ran_flat(r, -bnd, bnd);
        } else if (o->kind == NN_OP_BN) {
            for (int j = 0; j < o->cout; j++) {
                w[j] = 1;
                m->params[o->b + j] = 0;
                m->stats[o->stat + j] = 0;
                m->stats[o->stat + o->cout + j] = 1;
            }
        }
    }
    m->num_batches_tracked = 0;
}

int nn_config_check(const nn_config *c, char *msg, size_t len);

model *NN(nn_model_create)(const nn_config *cfg, int maxB, gsl_rng *r, char *msg, size_t len)
{
    if (nn_config_check(cfg, msg, len)) return NULL;
    if (maxB < 1) {
        snprintf(msg, len, "batch size must be >= 1, got %d", maxB);
        return NULL;
    }
    model *m = xcalloc(1, sizeof *m);
    m->cfg = *cfg;
    m->bn_momentum = 0.1;
    m->bn_eps = 1e-5;
    if (cfg->arch == NN_ARCH_MLP) build_mlp(m);
    else build_resnet(m);
    m->params = xcalloc(m->nparams, sizeof(real));
    m->grads = xcalloc(m->nparams, sizeof(real));
    m->stats = xcalloc(m->nstats, sizeof(real));
    m->maxB = maxB;
    m->act = xcalloc(m->nslots, sizeof(real *));
    m->dact = xcalloc(m->nslots, sizeof(real *));
    m->ract = xcalloc(m->nslots, sizeof(real *));
    m->rdact = xcalloc(m->nslots, sizeof(real *));
    for (int i = 0; i < m->nslots; i++) {
        m->act[i] = xcalloc(slot_n(m, i, maxB), sizeof(real));
        m->dact[i] = xcalloc(slot_n(m, i, maxB), sizeof(real));
    }
    m->bn_off = xcalloc(m->nops, sizeof(size_t));
    size_t nbn = 0, col = 1, wmax = 1;
    for (int i = 0; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        if (o->kind == NN_OP_BN) {
            m->bn_off[i] = nbn;
            nbn += o->cout;
        }
        if (o->kind == NN_OP_CONV) {
            nn_conv_geom g = geom(m, o);
            size_t c = NN(nn_conv_work_size)(&g, maxB);
            if (c > col) col = c;
        }
        if (o->kind == NN_OP_CONV || o->kind == NN_OP_LINEAR) {
            size_t nw = (size_t)o->cout * o->cin * (o->kind == NN_OP_CONV ? o->k * o->k : 1);
            if (nw > wmax) wmax = nw;
        }
    }
    m->bn_mean = xcalloc(nbn, sizeof(real));
    m->bn_invstd = xcalloc(nbn, sizeof(real));
    m->col_size = col;
    m->col = xcalloc(col, sizeof(real));
    m->colc = xcalloc(m->nops, sizeof(real *)); /* per-conv cache of im2col(x) */
    for (int i = 0; i < m->nops; i++)
        if (m->ops[i].kind == NN_OP_CONV) {
            nn_conv_geom g = geom(m, &m->ops[i]);
            m->colc[i] = xcalloc(NN(nn_conv_prep_size)(&g, maxB), sizeof(real));
        }
    m->col2 = xcalloc(wmax * NN_MAX_PARTS * 2, sizeof(real)); /* dW partials + kernel scratch */
    m->probs = xcalloc((size_t)cfg->nclass * maxB, sizeof(real));
    m->rprobs = xcalloc((size_t)cfg->nclass * maxB, sizeof(real));
    NN(nn_model_init)(m, r);
#ifdef _OPENMP
    /* the engine parallelises over the batch; BLAS inside each part must be
     * single-threaded (OpenBLAS's own threads would oversubscribe the cores) */
    if (omp_get_max_threads() > 1) openblas_set_num_threads(1);
#endif
    return m;
}

void NN(nn_model_free)(model *m)
{
    if (!m) return;
    for (int i = 0; i < m->nslots; i++) {
        free(m->act[i]);
        free(m->dact[i]);
        free(m->ract[i]);
        free(m->rdact[i]);
    }
    free(m->act);
    free(m->dact);
    free(m->ract);
    free(m->rdact);
    free(m->params);
    free(m->grads);
    free(m->stats);
    free(m->bn_off);
    free(m->bn_mean);
    free(m->bn_invstd);
    free(m->col);
    if (m->colc)
        for (int i = 0; i < m->nops; i++) free(m->colc[i]);
    free(m->colc);
    free(m->col2);
    free(m->probs);
    free(m->rprobs);
    free(m);
}

/* ---------------- passes --------------------------------------------- */

void NN(nn_set_input)(model *m, const float *x, int B)
{
    if (B < 1 || B > m->maxB) {
        fprintf(stderr, "nn: batch %d outside [1, %d]\n", B, m->maxB);
        exit(2);
    }
    m->B = B;
    const nn_slot *s = &m->slots[0];
    size_t hw = (size_t)s->h * s->w, F = s->c * hw;
    real *a = m->act[0];
    for (int c = 0; c < s->c; c++)
        for (int b = 0; b < B; b++)
            for (size_t p = 0; p < hw; p++)
                a[((size_t)c * B + b) * hw + p] = (real)x[(size_t)b * F + c * hw + p];
}

const real *NN(nn_logits)(const model *m) { return m->act[m->ops[m->nops - 1].y]; }

double NN(nn_forward)(model *m, const uint8_t *labels, int *correct)
{
    const int B = m->B;
    real *P = m->params;
    for (int i = 0; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        const real *x = m->act[o->x];
        real *y = m->act[o->y];
        size_t n = slot_n(m, o->x, B);
        switch (o->kind) {
        case NN_OP_CONV: {
            nn_conv_geom g = geom(m, o);
            NN(nn_conv_forward)(&g, B, P + o->w, x, y, m->colc[i], 0, 0);
            break;
        }
        case NN_OP_BN: {
            int N = (int)(n / o->cout);
            real *rm = m->stats + o->stat, *rv = rm + o->cout;
            if (m->bn_mode == NN_BN_EVAL)
                NN(nn_bn_forward_eval)(o->cout, N, x, y, P + o->w, P + o->b, rm, rv, m->bn_eps);
            else
                NN(nn_bn_forward_batch)(o->cout, N, x, y, P + o->w, P + o->b, m->bn_eps,
                                        m->bn_mean + m->bn_off[i], m->bn_invstd + m->bn_off[i],
                                        m->bn_mode == NN_BN_TRAIN ? rm : NULL,
                                        m->bn_mode == NN_BN_TRAIN ? rv : NULL, m->bn_momentum);
            break;
        }
        case NN_OP_RELU: NN(nn_relu_forward)(n, x, y); break;
        case NN_OP_SOFTPLUS: NN(nn_softplus_forward)(n, x, y); break;
        case NN_OP_ADD: NN(nn_add_forward)(n, x, m->act[o->x2], y); break;
        case NN_OP_GAP: {
            const nn_slot *s = &m->slots[o->x];
            NN(nn_gap_forward)(s->c, B, s->h * s->w, x, y);
            break;
        }
        case NN_OP_LINEAR:
            NN(nn_linear_forward)(o->cin, o->cout, B, P + o->w, P + o->b, x, y, 0);
            break;
        }
    }
    if (m->bn_mode == NN_BN_TRAIN) m->num_batches_tracked++;
    return NN(nn_softmax_ce_forward)(m->cfg.nclass, B, NN(nn_logits)(m), labels,
                                     m->label_smoothing, m->probs, correct);
}

/* the residual add's backward: dx += dy (acc) or dx = dy */
static void add_back(size_t n, const real *dy, real *dx, int acc)
{
    if (acc) NN(nn_acc)(n, dy, dx);
    else memcpy(dx, dy, n * sizeof(real));
}

/* acc[i] (acc2[i]): does op i add to the gradient of its input x (x2), or
 * is it the first op of the backward pass (reverse tape order) to write it,
 * and so overwrites it?  Saves clearing every activation gradient first. */
static void first_writers(const model *m, unsigned char *acc, unsigned char *acc2)
{
    unsigned char seen[NN_MAX_SLOTS] = {0};
    for (int i = m->nops - 1; i >= 0; i--) {
        const nn_op *o = &m->ops[i];
        acc[i] = seen[o->x];
        seen[o->x] = 1;
        if (o->kind == NN_OP_ADD) {
            acc2[i] = seen[o->x2];
            seen[o->x2] = 1;
        }
    }
}

void NN(nn_backward)(model *m, const uint8_t *labels)
{
    const int B = m->B;
    real *P = m->params, *G = m->grads;
    unsigned char acc[NN_MAX_OPS], acc2[NN_MAX_OPS];
    first_writers(m, acc, acc2);
    memset(G, 0, m->nparams * sizeof(real));
    int last = m->ops[m->nops - 1].y;
    NN(nn_softmax_ce_backward)(m->cfg.nclass, B, m->probs, labels, m->label_smoothing,
                               m->dact[last]);
    for (int i = m->nops - 1; i >= 0; i--) {
        const nn_op *o = &m->ops[i];
        const real *x = m->act[o->x], *dy = m->dact[o->y];
        real *dx = o->x == 0 ? NULL : m->dact[o->x];
        size_t n = slot_n(m, o->x, B);
        switch (o->kind) {
        case NN_OP_CONV: {
            nn_conv_geom g = geom(m, o);
            NN(nn_conv_backward)(&g, B, P + o->w, x, dy, dx, G + o->w, m->colc[i], 1, m->col,
                                 m->col2, acc[i]);
            break;
        }
        case NN_OP_BN: {
            int N = (int)(n / o->cout);
            real *rm = m->stats + o->stat, *rv = rm + o->cout;
            if (m->bn_mode == NN_BN_EVAL)
                NN(nn_bn_backward_eval)(o->cout, N, x, dy, P + o->w, rm, rv, m->bn_eps, dx,
                                        G + o->w, G + o->b, acc[i]);
            else
                NN(nn_bn_backward_batch)(o->cout, N, x, dy, P + o->w, m->bn_mean + m->bn_off[i],
                                         m->bn_invstd + m->bn_off[i], dx, G + o->w, G + o->b,
                                         acc[i]);
            break;
        }
        case NN_OP_RELU:
            if (dx) NN(nn_relu_backward)(n, x, dy, dx, acc[i]);
            break;
        case NN_OP_SOFTPLUS:
            if (dx) NN(nn_softplus_backward)(n, x, dy, dx, acc[i]);
            break;
        case NN_OP_ADD:
            add_back(n, dy, m->dact[o->x], acc[i]);
            add_back(n, dy, m->dact[o->x2], acc2[i]);
            break;
        case NN_OP_GAP: {
            const nn_slot *s = &m->slots[o->x];
            NN(nn_gap_backward)(s->c, B, s->h * s->w, dy, m->dact[o->x], acc[i]);
            break;
        }
        case NN_OP_LINEAR:
            NN(nn_linear_backward)(o->cin, o->cout, B, P + o->w, x, dy, dx, G + o->w, G + o->b,
                                   m->col2, acc[i]);
            break;
        }
    }
}

double NN(nn_loss_grad)(model *m, const float *x, const uint8_t *y, int B)
{
    NN(nn_set_input)(m, x, B);
    double L = NN(nn_forward)(m, y, NULL);
    NN(nn_backward)(m, y);
    return L;
}

double NN(nn_loss)(model *m, const float *x, const uint8_t *y, int B, int *correct)
{
    NN(nn_set_input)(m, x, B);
    return NN(nn_forward)(m, y, correct);
}

static void r_alloc(model *m)
{
    if (m->ract[0]) return;
    for (int i = 0; i < m->nslots; i++) {
        m->ract[i] = xcalloc(slot_n(m, i, m->maxB), sizeof(real));
        m->rdact[i] = xcalloc(slot_n(m, i, m->maxB), sizeof(real));
    }
}

/* R-forward: ract[y] = d/dr act[y](w + r v) */
static void r_forward(model *m)
{
    const int B = m->B;
    const real *P = m->params, *V = m->v;
    memset(m->ract[0], 0, slot_n(m, 0, B) * sizeof(real));
    for (int i = 0; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        const real *x = m->act[o->x], *rx = m->ract[o->x];
        real *ry = m->ract[o->y];
        size_t n = slot_n(m, o->x, B);
        switch (o->kind) {
        case NN_OP_CONV: {
            nn_conv_geom g = geom(m, o);
            NN(nn_conv_forward)(&g, B, V + o->w, x, ry, m->colc[i], 0, 1);
            if (o->x != 0) NN(nn_conv_forward)(&g, B, P + o->w, rx, ry, m->col, 1, 0);
            break;
        }
        case NN_OP_BN: {
            const real *rm = m->stats + o->stat, *rv = rm + o->cout;
            NN(nn_bn_rforward_eval)(o->cout, (int)(n / o->cout), x, rx, ry, P + o->w, V + o->w,
                                    V + o->b, rm, rv, m->bn_eps);
            break;
        }
        case NN_OP_RELU: NN(nn_relu_rforward)(n, x, rx, ry); break;
        case NN_OP_SOFTPLUS: NN(nn_softplus_rforward)(n, x, rx, ry); break;
        case NN_OP_ADD: NN(nn_add_forward)(n, rx, m->ract[o->x2], ry); break;
        case NN_OP_GAP: {
            const nn_slot *s = &m->slots[o->x];
            NN(nn_gap_forward)(s->c, B, s->h * s->w, rx, ry);
            break;
        }
        case NN_OP_LINEAR:
            NN(nn_linear_forward)(o->cin, o->cout, B, V + o->w, V + o->b, x, ry, 0);
            if (o->x != 0) NN(nn_linear_forward)(o->cin, o->cout, B, P + o->w, NULL, rx, ry, 1);
            break;
        }
    }
}

/* R-backward: rdact = R{dact}, hv = R{grads} */
static void r_backward(model *m, real *hv)
{
    const int B = m->B;
    const real *P = m->params, *V = m->v;
    unsigned char acc[NN_MAX_OPS], acc2[NN_MAX_OPS];
    first_writers(m, acc, acc2);
    memset(hv, 0, m->nparams * sizeof(real));
    int last = m->ops[m->nops - 1].y;
    NN(nn_softmax_ce_rbackward)(m->cfg.nclass, B, m->probs, m->ract[last], m->rdact[last]);
    for (int i = m->nops - 1; i >= 0; i--) {
        const nn_op *o = &m->ops[i];
        const real *x = m->act[o->x], *rx = m->ract[o->x];
        const real *dy = m->dact[o->y], *rdy = m->rdact[o->y];
        real *rdx = o->x == 0 ? NULL : m->rdact[o->x];
        size_t n = slot_n(m, o->x, B);
        switch (o->kind) {
        case NN_OP_CONV: {
            nn_conv_geom g = geom(m, o);
            NN(nn_conv_backward)(&g, B, P + o->w, x, rdy, rdx, hv + o->w, m->colc[i], 1, m->col,
                                 m->col2, acc[i]);
            NN(nn_conv_backward)(&g, B, V + o->w, rx, dy, rdx, o->x == 0 ? NULL : hv + o->w,
                                 NULL, 0, m->col, m->col2, 1);
            break;
        }
        case NN_OP_BN: {
            const real *rm = m->stats + o->stat, *rv = rm + o->cout;
            NN(nn_bn_rbackward_eval)(o->cout, (int)(n / o->cout), x, rx, dy, rdy, P + o->w,
                                     V + o->w, rm, rv, m->bn_eps, rdx, hv + o->w, hv + o->b,
                                     acc[i]);
            break;
        }
        case NN_OP_RELU:
            if (rdx) NN(nn_relu_backward)(n, x, rdy, rdx, acc[i]);
            break;
        case NN_OP_SOFTPLUS:
            if (rdx) NN(nn_softplus_rbackward)(n, x, rx, dy, rdy, rdx, acc[i]);
            break;
        case NN_OP_ADD:
            add_back(n, rdy, m->rdact[o->x], acc[i]);
            add_back(n, rdy, m->rdact[o->x2], acc2[i]);
            break;
        case NN_OP_GAP: {
            const nn_slot *s = &m->slots[o->x];
            NN(nn_gap_backward)(s->c, B, s->h * s->w, rdy, m->rdact[o->x], acc[i]);
            break;
        }
        case NN_OP_LINEAR:
            NN(nn_linear_backward)(o->cin, o->cout, B, P + o->w, x, rdy, rdx, hv + o->w, hv + o->b,
                                   m->col2, acc[i]);
            if (o->x != 0)
                NN(nn_linear_backward)(o->cin, o->cout, B, V + o->w, rx, dy, rdx, hv + o->w, NULL,
                                       m->col2, 1);
            break;
        }
    }
}

double NN(nn_hvp_multi)(model *m, const float *x, const uint8_t *y, int B, int nv,
                        const real *const *v, real *const *hv)
{
    int mode = m->bn_mode;
    m->bn_mode = NN_BN_EVAL;
    r_alloc(m);
    NN(nn_set_input)(m, x, B);
    double L = NN(nn_forward)(m, y, NULL);
    NN(nn_backward)(m, y);
    for (int j = 0; j < nv; j++) { /* the forward/backward state is shared */
        m->v = v[j];
        r_forward(m);
        r_backward(m, hv[j]);
    }
    m->v = NULL;
    m->bn_mode = mode;
    return L;
}

double NN(nn_hvp)(model *m, const float *x, const uint8_t *y, int B, const real *v, real *hv)
{
    return NN(nn_hvp_multi)(m, x, y, B, 1, &v, &hv);
}
