/* model.c - model construction (MLP of Table 2, CIFAR-style ResNet, the
 * BERT-shaped transformer of issue 9) and the four passes over the op tape:
 * forward, backward, R-forward, R-backward.
 *
 * The R passes implement Pearlmutter's R-operator (Neural Comput. 1994):
 * R{.} = d/dr (.)(w + r v) at r = 0, pushed forward through the forward pass
 * and then through the backward pass, so R{grad} = H v exactly (up to
 * rounding).  Batch norm is in EVAL mode during an HVP so the loss is a
 * deterministic function of the weights (reference notes, PyHessian
 * convention; paper Sec. 2.2).
 *
 * Sub-blocks (nn_hvp_multi_from): when v is zero on the parameters of every
 * op before op `first`, the R-activations of the slots those ops produce are
 * exactly zero, so the R-forward starts at op `first` (with those slots read
 * as zero), and when only the Hv entries of ops first.. are wanted the
 * R-backward and the activation-gradient backward pass stop there: a product
 * on the last layer costs about one forward pass. */
#include "nn_impl.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* from gsl_randist.h, which cannot be included next to OpenBLAS cblas.h */
double gsl_ran_gaussian(const gsl_rng *r, double sigma);
double gsl_ran_flat(const gsl_rng *r, double a, double b);

typedef NN(nn_model) model;

/* calloc of at least one element; sets *oom (and returns NULL) on failure,
 * so construction can check once at the end */
static void *zalloc(size_t n, size_t s, int *oom)
{
    void *p = calloc(n ? n : 1, s);
    if (!p) *oom = 1;
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

static int act_op(int act)
{
    return act == NN_ACT_SOFTPLUS ? NN_OP_SOFTPLUS : act == NN_ACT_GELU ? NN_OP_GELU : NN_OP_RELU;
}

static void build_mlp(model *m)
{
    const nn_config *c = &m->cfg;
    int x = add_slot(m, c->in_c * c->in_h * c->in_w, 1, 1);
    int h = op_linear(m, x, c->hidden, "fc1");
    h = op_simple(m, act_op(c->act), h, -1);
    op_linear(m, h, c->nclass, "fc2");
}

/* ---- the transformer's ops ---- */

/* token-wise linear layer: every position of x (c x h x w) -> out features;
 * tensors "<layer>.<wname>", "<layer>.<bname>" */
static int op_linear_tok(model *m, int x, int out, const char *layer, const char *wname,
                         const char *bname, int init)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_LINEAR;
    o->x = x;
    o->cin = s.c;
    o->cout = out;
    o->init = init;
    int L = add_layer(m, layer);
    o->tw = add_tensor(m, layer, wname, 0, L, 2, out, s.c, 0, 0);
    o->tb = add_tensor(m, layer, bname, 0, L, 1, out, 0, 0, 0);
    o->w = m->tensors[o->tw].off;
    o->b = m->tensors[o->tb].off;
    o->y = add_slot(m, out, s.h, s.w);
    m->nops++;
    return o->y;
}

static int op_embed(model *m, int x, int d)
{
    const nn_config *c = &m->cfg;
    nn_op *o = &m->ops[m->nops];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_EMBED;
    o->x = x;
    o->cin = c->in_c;
    o->cout = d;
    int L = add_layer(m, "tok");
    o->tw = add_tensor(m, "tok", "weight", 0, L, 2, c->in_c, d, 0, 0);
    L = add_layer(m, "pos");
    o->tb = add_tensor(m, "pos", "weight", 0, L, 2, c->in_w, d, 0, 0);
    o->w = m->tensors[o->tw].off;
    o->b = m->tensors[o->tb].off;
    o->y = add_slot(m, d, 1, c->in_w);
    m->nops++;
    return o->y;
}

static int op_ln(model *m, int x, const char *name)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_LN;
    o->x = x;
    o->cin = o->cout = s.c;
    int L = add_layer(m, name);
    o->tw = add_tensor(m, name, "weight", 0, L, 1, s.c, 0, 0, 0);
    o->tb = add_tensor(m, name, "bias", 0, L, 1, s.c, 0, 0, 0);
    o->w = m->tensors[o->tw].off;
    o->b = m->tensors[o->tb].off;
    o->y = add_slot(m, s.c, s.h, s.w);
    m->nops++;
    return o->y;
}

/* attention core: qkv (3d x 1 x L) -> context (d x 1 x L); x2 = the slot of
 * the attention weights (H L x 1 x L per example) */
static int op_attn(model *m, int qkv, int heads)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[qkv];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_ATTN;
    o->x = qkv;
    o->tw = o->tb = -1;
    o->cin = s.c;
    o->cout = s.c / 3;
    o->k = heads;
    o->x2 = add_slot(m, heads * s.w, 1, s.w);
    o->y = add_slot(m, s.c / 3, 1, s.w);
    m->nops++;
    return o->y;
}

/* the masked positions' states: x (c x 1 x L) -> (c x 1 x M) */
static int op_gather(model *m, int x, int M)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_GATHER;
    o->x = x;
    o->tw = o->tb = -1;
    o->cin = o->cout = s.c;
    o->k = M;
    o->y = add_slot(m, s.c, 1, M);
    m->nops++;
    return o->y;
}

static int op_cls(model *m, int x)
{
    nn_op *o = &m->ops[m->nops];
    nn_slot s = m->slots[x];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_CLS;
    o->x = x;
    o->tw = o->tb = -1;
    o->cin = o->cout = s.c;
    o->y = add_slot(m, s.c, 1, 1);
    m->nops++;
    return o->y;
}

/* names as torch.nn.TransformerEncoder(TransformerEncoderLayer(d, heads, 4 d,
 * dropout=0, activation, batch_first=True, norm_first=False), depth) under
 * "encoder", nn.Embedding "tok" and "pos", nn.LayerNorm "emb_norm", nn.Linear "fc" */
static void build_transformer(model *m)
{
    const nn_config *c = &m->cfg;
    const int d = c->hidden;
    char base[48], nm[NN_NAME];
    int x = add_slot(m, 1, 1, c->in_w); /* token ids */
    int h = op_embed(m, x, d);
    h = op_ln(m, h, "emb_norm");
    for (int l = 0; l < c->depth; l++) {
        snprintf(base, sizeof base, "encoder.layers.%d", l);
        snprintf(nm, sizeof nm, "%s.self_attn", base);
        int a = op_linear_tok(m, h, 3 * d, nm, "in_proj_weight", "in_proj_bias", 1);
        a = op_attn(m, a, c->in_h);
        snprintf(nm, sizeof nm, "%s.self_attn.out_proj", base);
        a = op_linear_tok(m, a, d, nm, "weight", "bias", 2);
        a = op_simple(m, NN_OP_ADD, h, a);
        snprintf(nm, sizeof nm, "%s.norm1", base);
        h = op_ln(m, a, nm);
        snprintf(nm, sizeof nm, "%s.linear1", base);
        int f = op_linear_tok(m, h, NN_TF_FFN_MULT * d, nm, "weight", "bias", 0);
        f = op_simple(m, act_op(c->act), f, -1);
        snprintf(nm, sizeof nm, "%s.linear2", base);
        f = op_linear_tok(m, f, d, nm, "weight", "bias", 0);
        f = op_simple(m, NN_OP_ADD, h, f);
        snprintf(nm, sizeof nm, "%s.norm2", base);
        h = op_ln(m, f, nm);
    }
    if (c->arch == NN_ARCH_MLM) { /* decoder over the vocabulary at the masked positions */
        h = op_gather(m, h, c->nclass);
        op_linear_tok(m, h, c->in_c, "fc", "weight", "bias", 0);
        return;
    }
    h = op_cls(m, h);
    op_linear(m, h, c->nclass, "fc");
}

/* ---- the GCN's ops (issue 9, graphs) ---- */

/* kind GFEAT: the records (slot 0) -> degree features; GPROP: y = A_hat x
 * per graph (C features x N nodes) */
static int op_graph(model *m, int kind, int x, int C)
{
    nn_op *o = &m->ops[m->nops];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->x = x;
    o->tw = o->tb = -1;
    o->cin = o->cout = C;
    o->y = add_slot(m, C, 1, m->cfg.in_h);
    m->nops++;
    return o->y;
}

static int op_gpool(model *m, int x)
{
    nn_op *o = &m->ops[m->nops];
    memset(o, 0, sizeof *o);
    o->kind = NN_OP_GPOOL;
    o->x = x;
    o->tw = o->tb = -1;
    o->cin = o->cout = m->slots[x].c;
    o->y = add_slot(m, o->cout, 1, 1);
    m->nops++;
    return o->y;
}

/* names as a PyTorch Geometric module with GCNConv conv1, conv2, ... (lin
 * without bias, then the propagation, then the layer's bias: conv<l>.lin.weight,
 * conv<l>.bias; A_hat (x W^T) = (A_hat x) W^T, so the engine propagates
 * first), global mean pooling and nn.Linear fc.  Initialisation as GCNConv:
 * Glorot-uniform weight, zero bias. */
static void build_gcn(model *m)
{
    const nn_config *c = &m->cfg;
    char nm[NN_NAME];
    int h = add_slot(m, 1, 1, (int)nn_gcn_record_size(c)); /* the graph records */
    h = op_graph(m, NN_OP_GFEAT, h, c->in_c);
    int C = c->in_c;
    for (int l = 0; l < c->depth; l++) {
        h = op_graph(m, NN_OP_GPROP, h, C);
        snprintf(nm, sizeof nm, "conv%d", l + 1);
        h = op_linear_tok(m, h, c->hidden, nm, "lin.weight", "bias", 1);
        h = op_simple(m, act_op(c->act), h, -1);
        C = c->hidden;
    }
    h = op_gpool(m, h);
    op_linear(m, h, c->nclass, "fc");
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
            if (o->init == 1) bnd = sqrt(6.0 / ((double)o->cin + o->cout)); /* Xavier uniform */
            size_t n = (size_t)o->cout * o->cin;
            for (size_t j = 0; j < n; j++) w[j] = (real)gsl_ran_flat(r, -bnd, bnd);
            for (int j = 0; j < o->cout; j++) /* MultiheadAttention: zero biases */
                m->params[o->b + j] = o->init ? 0 : (real)gsl_ran_flat(r, -bnd, bnd);
        } else if (o->kind == NN_OP_EMBED) { /* BERT's initializer_range 0.02 */
            for (size_t j = 0; j < (size_t)o->cin * o->cout; j++)
                w[j] = (real)gsl_ran_gaussian(r, 0.02);
            for (size_t j = 0; j < (size_t)m->cfg.in_w * o->cout; j++)
                m->params[o->b + j] = (real)gsl_ran_gaussian(r, 0.02);
        } else if (o->kind == NN_OP_LN) {
            for (int j = 0; j < o->cout; j++) {
                w[j] = 1;
                m->params[o->b + j] = 0;
            }
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
static void priv_alloc(model *m, size_t nbn, size_t wmax, int *oom);
static void priv_free(model *m);

model *NN(nn_model_create)(const nn_config *cfg, int maxB, gsl_rng *r, char *msg, size_t len)
{
    if (nn_config_check(cfg, msg, len)) return NULL;
    if (maxB < 1) {
        snprintf(msg, len, "batch size must be >= 1, got %d", maxB);
        return NULL;
    }
    int oom = 0;
    model *m = zalloc(1, sizeof *m, &oom);
    if (!m) {
        snprintf(msg, len, "out of memory (model)");
        return NULL;
    }
    m->cfg = *cfg;
    m->bn_momentum = 0.1;
    m->bn_eps = 1e-5;
    if (cfg->arch == NN_ARCH_MLP) build_mlp(m);
    else if (cfg->arch == NN_ARCH_TRANSFORMER || cfg->arch == NN_ARCH_MLM) build_transformer(m);
    else if (cfg->arch == NN_ARCH_GCN) build_gcn(m);
    else build_resnet(m);
    m->params = zalloc(m->nparams, sizeof(real), &oom);
    m->grads = zalloc(m->nparams, sizeof(real), &oom);
    m->stats = zalloc(m->nstats, sizeof(real), &oom);
    m->maxB = maxB;
    m->act = zalloc(m->nslots, sizeof(real *), &oom);
    m->dact = zalloc(m->nslots, sizeof(real *), &oom);
    m->ract = zalloc(m->nslots, sizeof(real *), &oom);
    m->rdact = zalloc(m->nslots, sizeof(real *), &oom);
    if (oom) goto fail;
    for (int i = 0; i < m->nslots; i++) {
        m->act[i] = zalloc(slot_n(m, i, maxB), sizeof(real), &oom);
        m->dact[i] = zalloc(slot_n(m, i, maxB), sizeof(real), &oom);
    }
    m->bn_off = zalloc(m->nops, sizeof(size_t), &oom);
    if (oom) goto fail;
    size_t nbn = 0, col = 1, wmax = 1;
    for (int i = 0; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        if (o->kind == NN_OP_BN) {
            m->bn_off[i] = nbn;
            nbn += o->cout;
        }
        if (o->kind == NN_OP_CONV) /* each part has a workspace of its own (model passes) */
            for (int P = 1; P <= NN_MAX_PARTS; P++) {
                nn_conv_geom g = geom(m, o);
                size_t c = P * NN(nn_conv_work_part)(&g, (maxB + P - 1) / P);
                if (c > col) col = c;
            }
        if (o->kind == NN_OP_CONV || o->kind == NN_OP_LINEAR) {
            size_t nw = (size_t)o->cout * o->cin * (o->kind == NN_OP_CONV ? o->k * o->k : 1);
            if (nw > wmax) wmax = nw;
        }
    }
    m->bn_mean = zalloc(nbn, sizeof(real), &oom);
    m->bn_invstd = zalloc(nbn, sizeof(real), &oom);
    m->col_size = col;
    m->col = zalloc(col, sizeof(real), &oom);
    m->colc = zalloc(m->nops, sizeof(real *), &oom); /* per-conv cache of im2col(x) */
    if (oom) goto fail;
    for (int i = 0; i < m->nops; i++)
        if (m->ops[i].kind == NN_OP_CONV) {
            nn_conv_geom g = geom(m, &m->ops[i]);
            m->colc[i] = zalloc(NN(nn_conv_prep_size)(&g, maxB), sizeof(real), &oom);
        }
    m->col2 = zalloc(wmax * NN_MAX_PARTS * 2, sizeof(real), &oom); /* dW partials + kernel scratch */
    if (!oom) priv_alloc(m, nbn, wmax, &oom);
    /* the loss's probabilities: classes x B, or vocabulary x B M (MLM) */
    size_t np = (size_t)cfg->nclass * maxB * (cfg->arch == NN_ARCH_MLM ? cfg->in_c : 1);
    m->probs = zalloc(np, sizeof(real), &oom);
    m->rprobs = zalloc(np, sizeof(real), &oom);
    if (cfg->arch == NN_ARCH_MLM) {
        m->mlm_pos = zalloc((size_t)cfg->nclass * maxB, sizeof(int32_t), &oom);
        m->mlm_lab = zalloc((size_t)cfg->nclass * maxB, sizeof(int32_t), &oom);
    }
    if (oom) goto fail;
    NN(nn_model_init)(m, r);
#ifdef _OPENMP
    /* the engine parallelises over the batch; BLAS inside each part must be
     * single-threaded (OpenBLAS's own threads would oversubscribe the cores) */
    if (omp_get_max_threads() > 1) openblas_set_num_threads(1);
#endif
    return m;
fail:
    NN(nn_model_free)(m);
    snprintf(msg, len, "out of memory (model workspace for batch %d)", maxB);
    return NULL;
}

void NN(nn_model_free)(model *m)
{
    if (!m) return;
    for (int i = 0; i < m->nslots; i++) {
        if (m->act) free(m->act[i]);
        if (m->dact) free(m->dact[i]);
        if (m->ract) free(m->ract[i]);
        if (m->rdact) free(m->rdact[i]);
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
    free(m->mlm_pos);
    free(m->mlm_lab);
    priv_free(m);
    free(m);
}

/* ---------------- passes --------------------------------------------- */

int NN(nn_set_input)(model *m, const float *x, int B)
{
    if (B < 1 || B > m->maxB) return 1;
    const nn_slot *s = &m->slots[0];
    size_t hw = (size_t)s->h * s->w, F = s->c * hw;
    if (m->cfg.arch == NN_ARCH_TRANSFORMER || m->cfg.arch == NN_ARCH_MLM) /* token ids in [0, vocab) */
        for (size_t i = 0; i < (size_t)B * F; i++)
            if (!(x[i] >= 0 && x[i] < m->cfg.in_c) || x[i] != (float)(long)x[i]) return 1;
    if (m->cfg.arch == NN_ARCH_GCN) { /* graph records: the kernels index by them */
        char why[160];
        for (int b = 0; b < B; b++)
            if (nn_gcn_record_check(&m->cfg, x + (size_t)b * F, why, sizeof why)) return 1;
    }
    m->B = B;
    real *a = m->act[0];
    for (int c = 0; c < s->c; c++)
        for (int b = 0; b < B; b++)
            for (size_t p = 0; p < hw; p++)
                a[((size_t)c * B + b) * hw + p] = (real)x[(size_t)b * F + c * hw + p];
    return 0;
}

int NN(nn_set_mlm_targets)(model *m, const int32_t *pos, const int32_t *lab, int B)
{
    if (m->cfg.arch != NN_ARCH_MLM || B < 1 || B > m->maxB) return 1;
    const size_t n = (size_t)B * m->cfg.nclass;
    for (size_t i = 0; i < n; i++)
        if (pos[i] < 0 || pos[i] >= m->cfg.in_w || lab[i] < -1 || lab[i] >= m->cfg.in_c) return 1;
    int cnt = 0;
    for (size_t i = 0; i < n; i++) cnt += lab[i] >= 0;
    memcpy(m->mlm_pos, pos, n * sizeof *pos);
    memcpy(m->mlm_lab, lab, n * sizeof *lab);
    m->mlm_count = cnt;
    return 0;
}

const real *NN(nn_logits)(const model *m) { return m->act[m->ops[m->nops - 1].y]; }

/* Threads.  A pass (forward, backward, R-forward, R-backward) is one OpenMP
 * parallel region: the batch is cut into P = nn_nparts(B) parts of
 * consecutive examples, and every thread runs each op of the tape on its own
 * parts.  Threads meet only where an op needs the whole batch (batch-norm
 * statistics in training mode) and at the end of a backward pass, where the
 * parts' parameter gradients are added in part order.  Results depend on the
 * thread count (through P), never on timing.  The prepared inputs that the
 * convolutions cache are laid out per part, so every pass uses the parts of
 * the last forward pass. */
typedef struct {
    int P;                  /* parts of the last forward pass */
    real *gp[NN_MAX_PARTS]; /* parameter gradients (or Hv) of parts 1.. */
    double *s1, *s2;        /* batch-norm partial sums: [part][bn channel] */
    size_t nbn;             /* batch-norm channels of all BN ops */
    double loss[NN_MAX_PARTS];
    int correct[NN_MAX_PARTS];
    real *chan;             /* per thread: 6 per-channel coefficient rows */
    int maxc;
    size_t wmax;            /* conv kernel scratch per part, in col2 */
    size_t wstride;         /* conv workspace per part, in col (set by the forward pass) */
    unsigned char fuse[NN_MAX_OPS]; /* op i (BN or add) also applies the ReLU op i + 1 */
    unsigned char rz[NN_MAX_SLOTS]; /* this pass: slot produced before its first op (the input,
                                     * or before a sub-block's first op): its R-activation is
                                     * zero, its (R-)gradient is not needed */
} priv_t;
#define PRIV(m) ((priv_t *)(m)->priv)

static int thr(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}
static int nthr(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}
static void barrier(void)
{
#ifdef _OPENMP
#pragma omp barrier
#endif
}

/* the parts of this thread: q = thread, thread + threads, ... (one each
 * when the team has P threads) */
#define FOR_PARTS(q, P) for (int q = thr(); q < (P); q += nthr())
#define PART(B, P, q, b0, nb) int b0 = (B) * (q) / (P), nb = (B) * ((q) + 1) / (P) - b0

/* sets *oom on failure (what was allocated is freed by priv_free) */
static void priv_alloc(model *m, size_t nbn, size_t wmax, int *oom)
{
    priv_t *pv = zalloc(1, sizeof *pv, oom);
    if (!pv) return;
    m->priv = pv;
    for (int q = 1; q < NN_MAX_PARTS; q++) pv->gp[q] = zalloc(m->nparams, sizeof(real), oom);
    pv->nbn = nbn;
    pv->s1 = zalloc(nbn * NN_MAX_PARTS + 1, sizeof(double), oom);
    pv->s2 = zalloc(nbn * NN_MAX_PARTS + 1, sizeof(double), oom);
    int maxc = 1;
    for (int i = 0; i < m->nops; i++)
        if (m->ops[i].cout > maxc) maxc = m->ops[i].cout;
    pv->maxc = maxc;
    pv->chan = zalloc((size_t)NN_MAX_PARTS * 6 * maxc, sizeof(real), oom);
    pv->wmax = wmax;
    pv->P = 1;
    /* a ReLU right after a batch norm or an add, on an output nothing else
     * reads, is applied by that op: the op writes the ReLU's output (and
     * the passes take the ReLU's mask from it), its own output slot stays
     * unused */
    for (int i = 0; i + 1 < m->nops; i++) {
        const nn_op *o = &m->ops[i], *r = &m->ops[i + 1];
        if ((o->kind != NN_OP_BN && o->kind != NN_OP_ADD) || r->kind != NN_OP_RELU || r->x != o->y)
            continue;
        int readers = 0;
        for (int j = 0; j < m->nops; j++)
            readers += (m->ops[j].x == o->y) + (m->ops[j].kind == NN_OP_ADD && m->ops[j].x2 == o->y);
        pv->fuse[i] = readers == 1;
    }
    m->priv = pv;
}

static void priv_free(model *m)
{
    priv_t *pv = PRIV(m);
    if (!pv) return;
    for (int q = 1; q < NN_MAX_PARTS; q++) free(pv->gp[q]);
    free(pv->s1);
    free(pv->s2);
    free(pv->chan);
    free(pv);
    m->priv = NULL;
}

/* the slots produced before op `first` (and the input slot): pv->rz */
static void set_rz(model *m, int first)
{
    unsigned char *rz = PRIV(m)->rz;
    memset(rz, 1, sizeof PRIV(m)->rz);
    for (int i = first; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        rz[o->y] = 0;
        if (o->kind == NN_OP_ATTN) rz[o->x2] = 0; /* its weights' slot is its own output */
    }
    rz[0] = 1;
}

/* part q's parameter-gradient accumulator (NULL when g0 is: no gradient) */
static real *gpart(model *m, real *g0, int q) { return !g0 ? NULL : q == 0 ? g0 : PRIV(m)->gp[q]; }

/* part q's cached prepared input of conv op i, and its private workspace */
static real *cprep(model *m, int i, int q)
{
    nn_conv_geom g = geom(m, &m->ops[i]);
    return m->colc[i] + NN(nn_conv_prep_offset)(&g, m->B, PRIV(m)->P, q);
}
static real *cwork(model *m, int q) { return m->col + q * PRIV(m)->wstride; }

/* this thread's per-channel coefficient row r (0..5) */
static real *crow(model *m, int r) { return PRIV(m)->chan + ((size_t)thr() * 6 + r) * PRIV(m)->maxc; }

/* sums of part sums, in part order */
static double psum(const double *s, size_t nbn, int P, size_t c)
{
    double t = 0;
    for (int q = 0; q < P; q++) t += s[q * nbn + c];
    return t;
}

/* every part's gradient added into g0, parameters split over the threads */
static void reduce_parts(model *m, real *g0, int P)
{
    barrier();
    const size_t n = m->nparams;
    const int t = thr(), T = nthr();
    size_t i0 = n * t / T, i1 = n * (t + 1) / T;
    for (int q = 1; q < P; q++) {
        const real *g = PRIV(m)->gp[q];
        for (size_t i = i0; i < i1; i++) g0[i] += g[i];
    }
}

/* elementwise ops on a part: channel by channel (slices of nb*hw values) */
#define EACH_CHANNEL(C, B, hw, b0, nb, stmt)                                                 \
    for (int c_ = 0; c_ < (C); c_++) {                                                      \
        size_t o_ = ((size_t)c_ * (B) + (b0)) * (hw), n_ = (size_t)(nb) * (hw);           \
        stmt;                                                                               \
    }

/* positions per example of a linear op's input (1 but for the transformer's
 * token-wise layers) */
static int tokens(const model *m, const nn_op *o)
{
    const nn_slot *y = &m->slots[o->y];
    return y->h * y->w;
}

/* ---- forward ------------------------------------------------------------ */

static void bn_forward(model *m, int i)
{
    priv_t *pv = PRIV(m);
    const nn_op *o = &m->ops[i];
    const int B = m->B, P = pv->P, C = o->cout;
    const nn_slot *sx = &m->slots[o->x];
    const size_t hw = (size_t)sx->h * sx->w, ld = (size_t)B * hw;
    const real *x = m->act[o->x], *P0 = m->params;
    const int relu = pv->fuse[i];
    real *y = m->act[relu ? m->ops[i + 1].y : o->y], *rm = m->stats + o->stat, *rv = rm + C;
    real *scale = crow(m, 0), *mean = crow(m, 1), *shift = crow(m, 2);
    if (m->bn_mode == NN_BN_EVAL) {
        for (int c = 0; c < C; c++) {
            double inv = 1.0 / sqrt((double)rv[c] + m->bn_eps);
            scale[c] = (real)(P0[o->w + c] * inv);
            mean[c] = rm[c];
            shift[c] = P0[o->b + c];
        }
    } else { /* batch statistics: two passes over the parts, no cancellation */
        const size_t off = m->bn_off[i], nbn = pv->nbn;
        const double N = (double)B * hw;
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            double *s = pv->s1 + q * nbn + off;
            memset(s, 0, C * sizeof(double));
            NN(nn_bn_part_sum)(C, (int)(nb * hw), ld, x + b0 * hw, s);
        }
        barrier();
        for (int c = 0; c < C; c++) mean[c] = (real)(psum(pv->s1, nbn, P, off + c) / N);
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            double *s = pv->s2 + q * nbn + off;
            memset(s, 0, C * sizeof(double));
            NN(nn_bn_part_dev2)(C, (int)(nb * hw), ld, x + b0 * hw, mean, s);
        }
        barrier();
        for (int c = 0; c < C; c++) {
            double mu = psum(pv->s1, nbn, P, off + c) / N, ss = psum(pv->s2, nbn, P, off + c);
            double var = ss / N, inv = 1.0 / sqrt(var + m->bn_eps);
            scale[c] = (real)(P0[o->w + c] * inv);
            shift[c] = P0[o->b + c];
            if (thr() == 0) {
                m->bn_mean[off + c] = mean[c];
                m->bn_invstd[off + c] = (real)inv;
                if (m->bn_mode == NN_BN_TRAIN) {
                    double unb = N > 1 ? ss / (N - 1) : var, mo = m->bn_momentum;
                    rm[c] = (real)((1 - mo) * rm[c] + mo * mu);
                    rv[c] = (real)((1 - mo) * rv[c] + mo * unb);
                }
            }
        }
    }
    FOR_PARTS(q, P) {
        PART(B, P, q, b0, nb);
        NN(nn_bn_part_affine)(C, (int)(nb * hw), ld, x + b0 * hw, y + b0 * hw, scale, mean, shift,
                              relu);
    }
}

static void forward_op(model *m, int i)
{
    const nn_op *o = &m->ops[i];
    const int B = m->B, P = PRIV(m)->P;
    const real *x = m->act[o->x], *W = m->params;
    real *y = m->act[o->y];
    const nn_slot *sx = &m->slots[o->x];
    const size_t hw = (size_t)sx->h * sx->w;
    switch (o->kind) {
    case NN_OP_CONV: {
        nn_conv_geom g = geom(m, o);
        FOR_PARTS(q, P) NN(nn_conv_forward_part)(&g, B, P, q, W + o->w, x, y, cprep(m, i, q), 0, 0);
        break;
    }
    case NN_OP_BN: bn_forward(m, i); break;
    case NN_OP_RELU:
        if (i > 0 && PRIV(m)->fuse[i - 1]) break; /* done by op i - 1 */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_relu_forward)(n_, x + o_, y + o_));
        }
        break;
    case NN_OP_SOFTPLUS:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_softplus_forward)(n_, x + o_, y + o_));
        }
        break;
    case NN_OP_ADD: {
        const real *x2 = m->act[o->x2];
        if (PRIV(m)->fuse[i]) { /* add + ReLU into the ReLU's output */
            real *r = m->act[m->ops[i + 1].y];
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_add_relu_forward)(n_, x + o_, x2 + o_, r + o_));
            }
            break;
        }
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_add_forward)(n_, x + o_, x2 + o_, y + o_));
        }
        break;
    }
    case NN_OP_GAP:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gap_forward_part)(sx->c, B, b0, nb, (int)hw, x, y);
        }
        break;
    case NN_OP_LINEAR: { /* T positions per example (1, or the tokens of a sequence) */
        const int T = tokens(m, o);
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_linear_forward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, W + o->w, W + o->b,
                                       x, y, 0);
        }
        break;
    }
    case NN_OP_GELU:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_gelu_forward)(n_, x + o_, y + o_));
        }
        break;
    case NN_OP_EMBED:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_embed_forward_part)(o->cout, (int)hw, B, b0, nb, W + o->w, W + o->b, x, y);
        }
        break;
    case NN_OP_LN:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_ln_forward)(o->cout, B * hw, b0 * hw, nb * hw, x, y, W + o->w, W + o->b,
                              NN_TF_LN_EPS);
        }
        break;
    case NN_OP_ATTN:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_attn_forward_part)(o->cout, o->k, (int)hw, B, b0, nb, x, m->act[0], m->act[o->x2],
                                     y);
        }
        break;
    case NN_OP_CLS:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_cls_forward_part)(o->cout, (int)hw, B, b0, nb, x, y);
        }
        break;
    case NN_OP_GFEAT:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gfeat_part)(m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], y);
        }
        break;
    case NN_OP_GPROP:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gprop_forward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], x,
                                      (size_t)m->cfg.in_h, (size_t)B * m->cfg.in_h, y);
        }
        break;
    case NN_OP_GPOOL:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gpool_forward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], x, y);
        }
        break;
    case NN_OP_GATHER:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gather_forward_part)(o->cout, (int)hw, o->k, B, b0, nb, m->mlm_pos, x, y);
        }
        break;
    }
}

/* the loss's divisor: the batch size, or the number of MLM targets (1 when
 * there are none: loss and gradient 0) */
static double loss_div(const model *m)
{
    if (m->cfg.arch != NN_ARCH_MLM) return m->B;
    return m->mlm_count > 0 ? m->mlm_count : 1;
}

double NN(nn_forward)(model *m, const uint8_t *labels, int *correct)
{
    priv_t *pv = PRIV(m);
    const int B = m->B, P = nn_nparts(B);
    pv->P = P;
    pv->wstride = 0; /* the parts' private conv workspaces: never shared by two threads */
    for (int i = 0; i < m->nops; i++)
        if (m->ops[i].kind == NN_OP_CONV) {
            nn_conv_geom g = geom(m, &m->ops[i]);
            size_t w = NN(nn_conv_work_part)(&g, (B + P - 1) / P);
            if (w > pv->wstride) pv->wstride = w;
        }
#pragma omp parallel num_threads(P)
    {
        for (int i = 0; i < m->nops; i++) forward_op(m, i);
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            if (m->cfg.arch == NN_ARCH_MLM) {
                const size_t M = (size_t)m->cfg.nclass;
                pv->correct[q] = 0;
                pv->loss[q] = NN(nn_mlm_ce_forward_part)(m->cfg.in_c, (size_t)B * M, b0 * M, nb * M,
                                                         NN(nn_logits)(m), m->mlm_lab, m->probs,
                                                         &pv->correct[q]);
            } else
                pv->loss[q] = NN(nn_softmax_ce_forward_part)(m->cfg.nclass, B, b0, nb, NN(nn_logits)(m),
                                                             labels, m->label_smoothing, m->probs,
                                                             &pv->correct[q]);
        }
    }
    if (m->bn_mode == NN_BN_TRAIN) m->num_batches_tracked++;
    double L = 0;
    int ok = 0;
    for (int q = 0; q < P; q++) {
        L += pv->loss[q];
        ok += pv->correct[q];
    }
    if (correct) *correct = ok;
    return L / loss_div(m);
}

/* ---- backward ----------------------------------------------------------- */

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

static void bn_backward(model *m, int i, real *G0, int acc)
{
    priv_t *pv = PRIV(m);
    const nn_op *o = &m->ops[i];
    const int B = m->B, P = pv->P, C = o->cout;
    const nn_slot *sx = &m->slots[o->x];
    const size_t hw = (size_t)sx->h * sx->w, ld = (size_t)B * hw, off = m->bn_off[i];
    const size_t nbn = pv->nbn;
    const int relu = pv->fuse[i]; /* dy: the ReLU's, masked by its output */
    const real *x = m->act[o->x], *gam = m->params + o->w;
    const real *dy = m->dact[relu ? m->ops[i + 1].y : o->y];
    const real *mk = relu ? m->act[m->ops[i + 1].y] : NULL;
    real *dx = pv->rz[o->x] ? NULL : m->dact[o->x];
    real *A = crow(m, 0), *Bx = crow(m, 1), *mean = crow(m, 2), *C0 = crow(m, 3);
    if (m->bn_mode == NN_BN_EVAL) {
        const real *rm = m->stats + o->stat, *rv = rm + C;
        for (int c = 0; c < C; c++) {
            double inv = 1.0 / sqrt((double)rv[c] + m->bn_eps);
            A[c] = (real)(gam[c] * inv);
            Bx[c] = (real)inv; /* kept for dgamma */
            mean[c] = rm[c];
        }
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            real *G = gpart(m, G0, q);
            if (G) {
                double *s1 = pv->s1 + q * nbn + off, *s2 = pv->s2 + q * nbn + off;
                memset(s1, 0, C * sizeof(double));
                memset(s2, 0, C * sizeof(double));
                NN(nn_bn_part_dsum)(C, (int)(nb * hw), ld, dy + b0 * hw, mk ? mk + b0 * hw : NULL,
                                    x + b0 * hw, mean, s1, s2);
                for (int c = 0; c < C; c++) {
                    G[o->w + c] += (real)(s2[c] * Bx[c]);
                    G[o->b + c] += (real)s1[c];
                }
            }
            if (dx)
                NN(nn_bn_part_comb)(C, (int)(nb * hw), ld, dy + b0 * hw, NULL, NULL, dx + b0 * hw,
                                    A, NULL, NULL, NULL, NULL, mk ? mk + b0 * hw : NULL, NULL, acc);
        }
        return;
    }
    /* batch statistics: dx = g inv (dy - mean(dy) - xhat mean(dy xhat)) */
    const double N = (double)B * hw;
    for (int c = 0; c < C; c++) mean[c] = m->bn_mean[off + c];
    FOR_PARTS(q, P) {
        PART(B, P, q, b0, nb);
        double *s1 = pv->s1 + q * nbn + off, *s2 = pv->s2 + q * nbn + off;
        memset(s1, 0, C * sizeof(double));
        memset(s2, 0, C * sizeof(double));
        NN(nn_bn_part_dsum)(C, (int)(nb * hw), ld, dy + b0 * hw, mk ? mk + b0 * hw : NULL,
                            x + b0 * hw, mean, s1, s2);
    }
    barrier();
    for (int c = 0; c < C; c++) {
        double inv = m->bn_invstd[off + c], sdy = psum(pv->s1, nbn, P, off + c);
        double sdyx = psum(pv->s2, nbn, P, off + c) * inv;
        if (thr() == 0 && G0) { /* the thread of part 0: its gradient accumulator */
            G0[o->w + c] += (real)sdyx;
            G0[o->b + c] += (real)sdy;
        }
        double a = gam[c] * inv, m1 = sdy / N, m2 = sdyx / N;
        A[c] = (real)a;
        Bx[c] = (real)(-a * inv * m2);
        C0[c] = (real)(-a * m1);
    }
    if (dx)
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_bn_part_comb)(C, (int)(nb * hw), ld, dy + b0 * hw, NULL, x + b0 * hw,
                                dx + b0 * hw, A, NULL, Bx, mean, C0, mk ? mk + b0 * hw : NULL, NULL,
                                acc);
        }
}

static void backward_op(model *m, int i, real *G0, int acc, int acc2)
{
    const nn_op *o = &m->ops[i];
    const int B = m->B, P = PRIV(m)->P;
    const real *x = m->act[o->x], *dy = m->dact[o->y], *W = m->params;
    real *dx = PRIV(m)->rz[o->x] ? NULL : m->dact[o->x];
    const nn_slot *sx = &m->slots[o->x];
    const size_t hw = (size_t)sx->h * sx->w;
    switch (o->kind) {
    case NN_OP_CONV: {
        nn_conv_geom g = geom(m, o);
        FOR_PARTS(q, P) {
            real *G = gpart(m, G0, q);
            NN(nn_conv_backward_part)(&g, B, P, q, W + o->w, x, dy, dx, G ? G + o->w : NULL,
                                      cprep(m, i, q), cwork(m, q), m->col2 + q * PRIV(m)->wmax,
                                      acc);
        }
        break;
    }
    case NN_OP_BN: bn_backward(m, i, G0, acc); break;
    case NN_OP_RELU: { /* mask from the output: [y > 0] = [x > 0] */
        const real *y = m->act[o->y];
        if (i > 0 && PRIV(m)->fuse[i - 1]) break; /* done by op i - 1 */
        if (dx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_relu_backward)(n_, y + o_, dy + o_, dx + o_, acc));
            }
        break;
    }
    case NN_OP_SOFTPLUS:
        if (dx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb,
                             NN(nn_softplus_backward)(n_, x + o_, dy + o_, dx + o_, acc));
            }
        break;
    case NN_OP_ADD: {
        real *d1 = m->dact[o->x], *d2 = m->dact[o->x2];
        if (PRIV(m)->fuse[i]) { /* the ReLU's gradient, masked by its output */
            const real *r = m->act[m->ops[i + 1].y], *dr = m->dact[m->ops[i + 1].y];
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_relu_backward)(n_, r + o_, dr + o_, d1 + o_, acc);
                             NN(nn_relu_backward)(n_, r + o_, dr + o_, d2 + o_, acc2));
            }
            break;
        }
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, add_back(n_, dy + o_, d1 + o_, acc);
                         add_back(n_, dy + o_, d2 + o_, acc2));
        }
        break;
    }
    case NN_OP_GAP:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gap_backward_part)(sx->c, B, b0, nb, (int)hw, dy, m->dact[o->x], acc);
        }
        break;
    case NN_OP_LINEAR: {
        const int T = tokens(m, o);
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            real *G = gpart(m, G0, q);
            NN(nn_linear_backward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, W + o->w, x, dy, dx,
                                        G ? G + o->w : NULL, G ? G + o->b : NULL, acc);
        }
        break;
    }
    case NN_OP_GELU:
        if (dx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb,
                             NN(nn_gelu_backward)(n_, x + o_, dy + o_, dx + o_, acc));
            }
        break;
    case NN_OP_EMBED: /* input: token ids, no gradient */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            real *G = gpart(m, G0, q);
            if (G) NN(nn_embed_backward_part)(o->cout, (int)hw, B, b0, nb, x, dy, G + o->w, G + o->b);
        }
        break;
    case NN_OP_LN:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            real *G = gpart(m, G0, q);
            NN(nn_ln_backward)(o->cout, B * hw, b0 * hw, nb * hw, x, dy, W + o->w, NN_TF_LN_EPS, dx,
                               G ? G + o->w : NULL, G ? G + o->b : NULL, acc);
        }
        break;
    case NN_OP_ATTN: /* dact of the weights' slot: scratch for dS */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_attn_backward_part)(o->cout, o->k, (int)hw, B, b0, nb, x, m->act[o->x2], dy,
                                      m->dact[o->x2], dx, acc);
        }
        break;
    case NN_OP_CLS:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_cls_backward_part)(o->cout, (int)hw, B, b0, nb, dy, dx, acc);
        }
        break;
    case NN_OP_GFEAT: break; /* from the records: no gradient */
    case NN_OP_GPROP:
        if (dx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                NN(nn_gprop_backward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], dy, dx, acc);
            }
        break;
    case NN_OP_GPOOL:
        if (dx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                NN(nn_gpool_backward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], dy, dx, acc);
            }
        break;
    case NN_OP_GATHER:
        if (dx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                NN(nn_gather_backward_part)(o->cout, (int)hw, o->k, B, b0, nb, m->mlm_pos, dy, dx, acc);
            }
        break;
    }
}

/* G: the parameter gradient (NULL: activation gradients only, as the R
 * passes need; then only those of the slots produced by ops first..: the
 * ops after `first` run) */
static void backward(model *m, const uint8_t *labels, real *G, int first)
{
    priv_t *pv = PRIV(m);
    const int B = m->B, P = pv->P, lo = G || first <= 0 ? 0 : first + 1;
    unsigned char acc[NN_MAX_OPS], acc2[NN_MAX_OPS];
    first_writers(m, acc, acc2);
    set_rz(m, G ? 0 : first);
    int last = m->ops[m->nops - 1].y;
#pragma omp parallel num_threads(P)
    {
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            if (G) memset(gpart(m, G, q), 0, m->nparams * sizeof(real));
            if (m->cfg.arch == NN_ARCH_MLM) {
                const size_t M = (size_t)m->cfg.nclass;
                NN(nn_mlm_ce_backward_part)(m->cfg.in_c, (size_t)B * M, b0 * M, nb * M, m->probs,
                                            m->mlm_lab, loss_div(m), m->dact[last]);
            } else
                NN(nn_softmax_ce_backward_part)(m->cfg.nclass, B, b0, nb, m->probs, labels,
                                                m->label_smoothing, m->dact[last]);
        }
        for (int i = m->nops - 1; i >= lo; i--) backward_op(m, i, G, acc[i], acc2[i]);
        if (G) reduce_parts(m, G, P);
    }
}

void NN(nn_backward)(model *m, const uint8_t *labels) { backward(m, labels, m->grads, 0); }

double NN(nn_loss_grad)(model *m, const float *x, const uint8_t *y, int B)
{
    if (NN(nn_set_input)(m, x, B)) return NAN;
    double L = NN(nn_forward)(m, y, NULL);
    NN(nn_backward)(m, y);
    return L;
}

double NN(nn_loss)(model *m, const float *x, const uint8_t *y, int B, int *correct)
{
    if (NN(nn_set_input)(m, x, B)) return NAN;
    return NN(nn_forward)(m, y, correct);
}

/* the R-pass workspace, allocated on the first HVP; 1 if out of memory */
static int r_alloc(model *m)
{
    int oom = 0;
    for (int i = 0; i < m->nslots; i++) {
        if (!m->ract[i]) m->ract[i] = zalloc(slot_n(m, i, m->maxB), sizeof(real), &oom);
        if (!m->rdact[i]) m->rdact[i] = zalloc(slot_n(m, i, m->maxB), sizeof(real), &oom);
    }
    return oom;
}

/* ---- R passes (batch norm in EVAL mode) --------------------------------- */

/* R-forward: ract[y] = d/dr act[y](w + r v) */
static void r_forward_op(model *m, int i)
{
    const nn_op *o = &m->ops[i];
    const int B = m->B, P = PRIV(m)->P;
    const real *x = m->act[o->x], *rx = m->ract[o->x], *W = m->params, *V = m->v;
    real *ry = m->ract[o->y];
    const nn_slot *sx = &m->slots[o->x];
    const size_t hw = (size_t)sx->h * sx->w, ld = (size_t)B * hw;
    switch (o->kind) {
    case NN_OP_CONV: {
        nn_conv_geom g = geom(m, o);
        FOR_PARTS(q, P) {
            NN(nn_conv_forward_part)(&g, B, P, q, V + o->w, x, ry, cprep(m, i, q), 0, 1);
            if (!PRIV(m)->rz[o->x]) /* else R x = 0 */
                NN(nn_conv_forward_part)(&g, B, P, q, W + o->w, rx, ry, cwork(m, q), 1, 0);
        }
        break;
    }
    case NN_OP_BN: { /* ry = g inv rx + vg inv (x - mu) + vb */
        const int C = o->cout;
        const real *rm = m->stats + o->stat, *rv = rm + C;
        real *a = crow(m, 0), *va = crow(m, 1), *vb = crow(m, 2);
        for (int c = 0; c < C; c++) {
            double inv = 1.0 / sqrt((double)rv[c] + m->bn_eps);
            a[c] = (real)(W[o->w + c] * inv);
            va[c] = (real)(V[o->w + c] * inv);
            vb[c] = V[o->b + c];
        }
        const int relu = PRIV(m)->fuse[i]; /* then R of the ReLU: masked by its output */
        real *out = relu ? m->ract[m->ops[i + 1].y] : ry;
        const real *mk = relu ? m->act[m->ops[i + 1].y] : NULL;
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_bn_part_comb)(C, (int)(nb * hw), ld, rx + b0 * hw, NULL, x + b0 * hw, out + b0 * hw,
                                a, NULL, va, rm, vb, NULL, mk ? mk + b0 * hw : NULL, 0);
        }
        break;
    }
    case NN_OP_RELU: {
        const real *y = m->act[o->y];
        if (i > 0 && PRIV(m)->fuse[i - 1]) break; /* done by op i - 1 */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_relu_rforward)(n_, y + o_, rx + o_, ry + o_));
        }
        break;
    }
    case NN_OP_SOFTPLUS:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb,
                         NN(nn_softplus_rforward)(n_, x + o_, rx + o_, ry + o_));
        }
        break;
    case NN_OP_ADD: {
        const real *rx2 = m->ract[o->x2];
        if (PRIV(m)->fuse[i]) {
            const real *r = m->act[m->ops[i + 1].y];
            real *rr = m->ract[m->ops[i + 1].y];
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb,
                             NN(nn_add_masked)(n_, rx + o_, rx2 + o_, r + o_, rr + o_));
            }
            break;
        }
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_add_forward)(n_, rx + o_, rx2 + o_, ry + o_));
        }
        break;
    }
    case NN_OP_GAP:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gap_forward_part)(sx->c, B, b0, nb, (int)hw, rx, ry);
        }
        break;
    case NN_OP_LINEAR: {
        const int T = tokens(m, o);
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_linear_forward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, V + o->w, V + o->b,
                                       x, ry, 0);
            if (!PRIV(m)->rz[o->x]) /* else R x = 0 */
                NN(nn_linear_forward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, W + o->w, NULL,
                                           rx, ry, 1);
        }
        break;
    }
    case NN_OP_GELU:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_gelu_rforward)(n_, x + o_, rx + o_, ry + o_));
        }
        break;
    case NN_OP_EMBED: /* linear in the tables: the forward pass with the direction's */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_embed_forward_part)(o->cout, (int)hw, B, b0, nb, V + o->w, V + o->b, x, ry);
        }
        break;
    case NN_OP_LN:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_ln_rforward)(o->cout, B * hw, b0 * hw, nb * hw, x, rx, W + o->w, V + o->w,
                               V + o->b, NN_TF_LN_EPS, ry);
        }
        break;
    case NN_OP_ATTN:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_attn_rforward_part)(o->cout, o->k, (int)hw, B, b0, nb, x, rx, m->act[o->x2],
                                      m->ract[o->x2], ry);
        }
        break;
    case NN_OP_CLS:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_cls_forward_part)(o->cout, (int)hw, B, b0, nb, rx, ry);
        }
        break;
    case NN_OP_GFEAT: /* the features do not depend on w */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(o->cout, B, m->cfg.in_h, b0, nb, memset(ry + o_, 0, n_ * sizeof(real)));
        }
        break;
    case NN_OP_GPROP: /* linear in x, no parameters */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gprop_forward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], rx,
                                      (size_t)m->cfg.in_h, (size_t)B * m->cfg.in_h, ry);
        }
        break;
    case NN_OP_GPOOL:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gpool_forward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], rx, ry);
        }
        break;
    case NN_OP_GATHER:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gather_forward_part)(o->cout, (int)hw, o->k, B, b0, nb, m->mlm_pos, rx, ry);
        }
        break;
    }
}

/* the R-forward from op `first` (set_rz(m, first) done): the slots before it
 * that ops first.. read (the input, a sub-block's inputs and skip
 * connections) hold R-activation 0 */
static void r_forward(model *m, int first)
{
    const int B = m->B, P = PRIV(m)->P;
    unsigned char zero[NN_MAX_SLOTS] = {0};
    for (int i = first; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        if (PRIV(m)->rz[o->x]) zero[o->x] = 1;
        if (o->kind == NN_OP_ADD && PRIV(m)->rz[o->x2]) zero[o->x2] = 1;
    }
#pragma omp parallel num_threads(P)
    {
        for (int s = 0; s < m->nslots; s++) {
            if (!zero[s]) continue;
            const nn_slot *sl = &m->slots[s];
            const size_t hw = (size_t)sl->h * sl->w;
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sl->c, B, hw, b0, nb, memset(m->ract[s] + o_, 0, n_ * sizeof(real)));
            }
        }
        for (int i = first; i < m->nops; i++) r_forward_op(m, i);
    }
}

/* R-backward: rdact = R{dact}, hv = R{grads} */
static void r_backward_op(model *m, int i, real *H0, int acc, int acc2)
{
    const nn_op *o = &m->ops[i];
    const int B = m->B, P = PRIV(m)->P;
    const real *x = m->act[o->x], *rx = m->ract[o->x], *W = m->params, *V = m->v;
    const real *dy = m->dact[o->y], *rdy = m->rdact[o->y];
    real *rdx = PRIV(m)->rz[o->x] ? NULL : m->rdact[o->x]; /* not needed before the first op */
    const nn_slot *sx = &m->slots[o->x];
    const size_t hw = (size_t)sx->h * sx->w, ld = (size_t)B * hw;
    switch (o->kind) {
    case NN_OP_CONV: {
        nn_conv_geom g = geom(m, o);
        FOR_PARTS(q, P) {
            real *H = gpart(m, H0, q), *wsp = m->col2 + q * PRIV(m)->wmax;
            NN(nn_conv_backward_part)(&g, B, P, q, W + o->w, x, rdy, rdx, H + o->w, cprep(m, i, q),
                                      cwork(m, q), wsp, acc);
            NN(nn_conv_backward_part)(&g, B, P, q, V + o->w, rx, dy, rdx, PRIV(m)->rz[o->x] ? NULL : H + o->w,
                                      NULL, cwork(m, q), wsp, 1); /* R x = 0: no dW term */
        }
        break;
    }
    case NN_OP_BN: { /* rdx (+)= g inv rdy + vg inv dy; rdg += inv sum(rdy (x - mu) + dy rx) */
        priv_t *pv = PRIV(m);
        const int C = o->cout, relu = pv->fuse[i];
        const real *mk = relu ? m->act[m->ops[i + 1].y] : NULL; /* the ReLU's mask */
        if (relu) {
            dy = m->dact[m->ops[i + 1].y];
            rdy = m->rdact[m->ops[i + 1].y];
        }
        const size_t off = m->bn_off[i], nbn = pv->nbn;
        const real *rm = m->stats + o->stat, *rv = rm + C;
        real *a = crow(m, 0), *va = crow(m, 1), *inv = crow(m, 2);
        for (int c = 0; c < C; c++) {
            double iv = 1.0 / sqrt((double)rv[c] + m->bn_eps);
            a[c] = (real)(W[o->w + c] * iv);
            va[c] = (real)(V[o->w + c] * iv);
            inv[c] = (real)iv;
        }
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            double *s1 = pv->s1 + q * nbn + off, *s2 = pv->s2 + q * nbn + off;
            memset(s1, 0, C * sizeof(double));
            memset(s2, 0, C * sizeof(double));
            int n = (int)(nb * hw);
            const real *mq = mk ? mk + b0 * hw : NULL;
            NN(nn_bn_part_dsum)(C, n, ld, rdy + b0 * hw, mq, x + b0 * hw, rm, s1, s2);
            NN(nn_bn_part_prod)(C, n, ld, dy + b0 * hw, mq, rx + b0 * hw, s2);
            real *H = gpart(m, H0, q);
            for (int c = 0; c < C; c++) {
                H[o->w + c] += (real)(s2[c] * inv[c]);
                H[o->b + c] += (real)s1[c];
            }
            if (rdx)
                NN(nn_bn_part_comb)(C, n, ld, rdy + b0 * hw, dy + b0 * hw, NULL, rdx + b0 * hw, a, va,
                                    NULL, NULL, NULL, mq, NULL, acc);
        }
        break;
    }
    case NN_OP_RELU: {
        const real *y = m->act[o->y];
        if (i > 0 && PRIV(m)->fuse[i - 1]) break; /* done by op i - 1 */
        if (rdx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb,
                             NN(nn_relu_backward)(n_, y + o_, rdy + o_, rdx + o_, acc));
            }
        break;
    }
    case NN_OP_SOFTPLUS:
        if (rdx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb,
                             NN(nn_softplus_rbackward)(n_, x + o_, rx + o_, dy + o_, rdy + o_,
                                                       rdx + o_, acc));
            }
        break;
    case NN_OP_ADD: {
        real *d1 = m->rdact[o->x], *d2 = m->rdact[o->x2];
        if (PRIV(m)->fuse[i]) {
            const real *r = m->act[m->ops[i + 1].y], *dr = m->rdact[m->ops[i + 1].y];
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_relu_backward)(n_, r + o_, dr + o_, d1 + o_, acc);
                             NN(nn_relu_backward)(n_, r + o_, dr + o_, d2 + o_, acc2));
            }
            break;
        }
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, add_back(n_, rdy + o_, d1 + o_, acc);
                         add_back(n_, rdy + o_, d2 + o_, acc2));
        }
        break;
    }
    case NN_OP_GAP:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gap_backward_part)(sx->c, B, b0, nb, (int)hw, rdy, m->rdact[o->x], acc);
        }
        break;
    case NN_OP_LINEAR: {
        const int T = tokens(m, o);
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            real *H = gpart(m, H0, q);
            NN(nn_linear_backward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, W + o->w, x, rdy,
                                        rdx, H + o->w, H + o->b, acc);
            if (!PRIV(m)->rz[o->x]) /* else R x = 0 and R dx is not needed */
                NN(nn_linear_backward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, V + o->w, rx, dy,
                                            rdx, H + o->w, NULL, 1);
        }
        break;
    }
    case NN_OP_GELU:
        if (rdx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb,
                             NN(nn_gelu_rbackward)(n_, x + o_, rx + o_, dy + o_, rdy + o_, rdx + o_,
                                                   acc));
            }
        break;
    case NN_OP_EMBED: /* R{dW} = the backward pass of R dy (linear in the tables) */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            real *H = gpart(m, H0, q);
            NN(nn_embed_backward_part)(o->cout, (int)hw, B, b0, nb, x, rdy, H + o->w, H + o->b);
        }
        break;
    case NN_OP_LN:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            real *H = gpart(m, H0, q);
            NN(nn_ln_rbackward)(o->cout, B * hw, b0 * hw, nb * hw, x, rx, dy, rdy, W + o->w,
                                V + o->w, NN_TF_LN_EPS, rdx, H + o->w, H + o->b, acc);
        }
        break;
    case NN_OP_ATTN: /* dact / rdact of the weights' slot: scratch for dS, R dS */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_attn_rbackward_part)(o->cout, o->k, (int)hw, B, b0, nb, x, rx, m->act[o->x2],
                                       m->ract[o->x2], dy, rdy, m->dact[o->x2], m->rdact[o->x2],
                                       rdx, acc);
        }
        break;
    case NN_OP_CLS:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_cls_backward_part)(o->cout, (int)hw, B, b0, nb, rdy, rdx, acc);
        }
        break;
    case NN_OP_GFEAT: break;
    case NN_OP_GPROP:
        if (rdx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                NN(nn_gprop_backward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], rdy, rdx, acc);
            }
        break;
    case NN_OP_GPOOL:
        if (rdx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                NN(nn_gpool_backward_part)(o->cout, m->cfg.in_h, m->slots[0].w, B, b0, nb, m->act[0], rdy, rdx, acc);
            }
        break;
    case NN_OP_GATHER:
        if (rdx)
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                NN(nn_gather_backward_part)(o->cout, (int)hw, o->k, B, b0, nb, m->mlm_pos, rdy, rdx, acc);
            }
        break;
    }
}

/* the R-backward down to op `first` (set_rz(m, first) done) */
static void r_backward(model *m, real *hv, int first)
{
    const int B = m->B, P = PRIV(m)->P;
    unsigned char acc[NN_MAX_OPS], acc2[NN_MAX_OPS];
    first_writers(m, acc, acc2);
    int last = m->ops[m->nops - 1].y;
#pragma omp parallel num_threads(P)
    {
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            memset(gpart(m, hv, q), 0, m->nparams * sizeof(real));
            if (m->cfg.arch == NN_ARCH_MLM) {
                const size_t M = (size_t)m->cfg.nclass;
                NN(nn_mlm_ce_rbackward_part)(m->cfg.in_c, (size_t)B * M, b0 * M, nb * M, m->probs,
                                             m->mlm_lab, m->ract[last], loss_div(m), m->rdact[last]);
            } else
                NN(nn_softmax_ce_rbackward_part)(m->cfg.nclass, B, b0, nb, m->probs, m->ract[last],
                                                 m->rdact[last]);
        }
        for (int i = m->nops - 1; i >= first; i--) r_backward_op(m, i, hv, acc[i], acc2[i]);
        reduce_parts(m, hv, P);
    }
}

/* ---- the quadratic form v' H v by second-order forward mode ------------
 * Along w + r v: act' = d/dr act (the R-forward, ract) and s = (1/2)
 * d^2/dr^2 act (kept in rdact, which the R-backward would use; this path has
 * no backward pass).  Bilinear layers y = W x (convolution, linear):
 * s_y = W s_x + V x'; batch norm (EVAL) y = g inv (x - mu) + b:
 * s_y = g inv s_x + vg inv x'; ReLU, residual adds and average pooling are
 * linear off the kinks (second derivative 0 there, as in the HVP).  The loss
 * L(z) per example: d^2 L / dr^2 = 2 dL/dz . s_z + z'^T (diag p - p p^T) z',
 * and its mean over the batch is v' H v: one forward pass plus per vector
 * two forward-type passes (4 convolutions per layer), where the HVP's R passes
 * take 2 forward, 2 input-gradient and 2 weight-gradient convolutions. */

int NN(nn_quad_ok)(const model *m)
{
    if (m->cfg.arch == NN_ARCH_MLM) return 0;
    for (int i = 0; i < m->nops; i++)
        switch (m->ops[i].kind) {
        case NN_OP_CONV:
        case NN_OP_BN:
        case NN_OP_RELU:
        case NN_OP_ADD:
        case NN_OP_GAP:
        case NN_OP_LINEAR: break;
        default: return 0;
        }
    return 1;
}

/* s_y of op i (its R-forward done: ract[y] holds y') */
static void s_forward_op(model *m, int i)
{
    const nn_op *o = &m->ops[i];
    const int B = m->B, P = PRIV(m)->P;
    const real *rx = m->ract[o->x], *sx_ = m->rdact[o->x], *W = m->params, *V = m->v;
    real *sy = m->rdact[o->y];
    const nn_slot *sx = &m->slots[o->x];
    const size_t hw = (size_t)sx->h * sx->w, ld = (size_t)B * hw;
    const int zx = PRIV(m)->rz[o->x]; /* x' = 0 and s_x = 0: so is s_y for the layers below */
    switch (o->kind) {
    case NN_OP_CONV: {
        nn_conv_geom g = geom(m, o);
        const size_t ohw = (size_t)g.ho * g.wo;
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            if (zx) {
                EACH_CHANNEL(o->cout, B, ohw, b0, nb, memset(sy + o_, 0, n_ * sizeof(real)));
            } else {
                NN(nn_conv_forward_part)(&g, B, P, q, V + o->w, rx, sy, cwork(m, q), 0, 0);
                NN(nn_conv_forward_part)(&g, B, P, q, W + o->w, sx_, sy, cwork(m, q), 1, 0);
            }
        }
        break;
    }
    case NN_OP_BN: { /* s_y = g inv s_x + vg inv x' */
        const int C = o->cout;
        const real *rv = m->stats + o->stat + C;
        real *a = crow(m, 3), *va = crow(m, 4);
        for (int c = 0; c < C; c++) {
            double inv = 1.0 / sqrt((double)rv[c] + m->bn_eps);
            a[c] = (real)(W[o->w + c] * inv);
            va[c] = (real)(V[o->w + c] * inv);
        }
        const int relu = PRIV(m)->fuse[i];
        real *out = relu ? m->rdact[m->ops[i + 1].y] : sy;
        const real *mk = relu ? m->act[m->ops[i + 1].y] : NULL;
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            if (zx) {
                EACH_CHANNEL(C, B, hw, b0, nb, memset(out + o_, 0, n_ * sizeof(real)));
            } else
                NN(nn_bn_part_comb)(C, (int)(nb * hw), ld, sx_ + b0 * hw, rx + b0 * hw, NULL,
                                    out + b0 * hw, a, va, NULL, NULL, NULL, NULL,
                                    mk ? mk + b0 * hw : NULL, 0);
        }
        break;
    }
    case NN_OP_RELU: {
        const real *y = m->act[o->y];
        if (i > 0 && PRIV(m)->fuse[i - 1]) break; /* done by op i - 1 */
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_relu_rforward)(n_, y + o_, sx_ + o_, sy + o_));
        }
        break;
    }
    case NN_OP_ADD: {
        const real *sx2 = m->rdact[o->x2];
        if (PRIV(m)->fuse[i]) {
            const real *r = m->act[m->ops[i + 1].y];
            real *rr = m->rdact[m->ops[i + 1].y];
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sx->c, B, hw, b0, nb,
                             NN(nn_add_masked)(n_, sx_ + o_, sx2 + o_, r + o_, rr + o_));
            }
            break;
        }
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            EACH_CHANNEL(sx->c, B, hw, b0, nb, NN(nn_add_forward)(n_, sx_ + o_, sx2 + o_, sy + o_));
        }
        break;
    }
    case NN_OP_GAP:
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            NN(nn_gap_forward_part)(sx->c, B, b0, nb, (int)hw, sx_, sy);
        }
        break;
    case NN_OP_LINEAR: {
        const int T = tokens(m, o);
        FOR_PARTS(q, P) {
            PART(B, P, q, b0, nb);
            if (zx)
                memset(sy + (size_t)b0 * T * o->cout, 0, (size_t)nb * T * o->cout * sizeof(real));
            else {
                NN(nn_linear_forward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, V + o->w, NULL,
                                           rx, sy, 0);
                NN(nn_linear_forward_part)(o->cin, o->cout, B * T, b0 * T, nb * T, W + o->w, NULL,
                                           sx_, sy, 1);
            }
        }
        break;
    }
    default: break; /* not reached: nn_quad_ok */
    }
}

/* the R-forward and the s-forward from op `first`, op by op (set_rz done) */
static void quad_forward(model *m, int first)
{
    const int B = m->B, P = PRIV(m)->P;
    unsigned char zero[NN_MAX_SLOTS] = {0};
    for (int i = first; i < m->nops; i++) {
        const nn_op *o = &m->ops[i];
        if (PRIV(m)->rz[o->x]) zero[o->x] = 1;
        if (o->kind == NN_OP_ADD && PRIV(m)->rz[o->x2]) zero[o->x2] = 1;
    }
#pragma omp parallel num_threads(P)
    {
        for (int s = 0; s < m->nslots; s++) {
            if (!zero[s]) continue;
            const nn_slot *sl = &m->slots[s];
            const size_t hw = (size_t)sl->h * sl->w;
            FOR_PARTS(q, P) {
                PART(B, P, q, b0, nb);
                EACH_CHANNEL(sl->c, B, hw, b0, nb, memset(m->ract[s] + o_, 0, n_ * sizeof(real));
                             memset(m->rdact[s] + o_, 0, n_ * sizeof(real)));
            }
        }
        for (int i = first; i < m->nops; i++) {
            r_forward_op(m, i);
            s_forward_op(m, i);
        }
    }
}

double NN(nn_quad_multi_from)(model *m, const float *x, const uint8_t *y, int B, int nv,
                              const real *const *v, double *q, int first)
{
    if (!NN(nn_quad_ok)(m) || r_alloc(m) || NN(nn_set_input)(m, x, B)) return NAN;
    if (first < 0) first = 0;
    int mode = m->bn_mode;
    m->bn_mode = NN_BN_EVAL;
    double L = NN(nn_forward)(m, y, NULL);
    if (first >= m->nops) {
        for (int j = 0; j < nv; j++) q[j] = 0;
        m->bn_mode = mode;
        return L;
    }
    set_rz(m, first);
    const int last = m->ops[m->nops - 1].y;
    for (int j = 0; j < nv; j++) {
        m->v = v[j];
        quad_forward(m, first);
        q[j] = NN(nn_softmax_ce_quad)(m->cfg.nclass, B, m->probs, y, m->label_smoothing,
                                      m->ract[last], m->rdact[last]) / loss_div(m);
    }
    m->v = NULL;
    m->bn_mode = mode;
    return L;
}

int NN(nn_first_op)(const model *m, const unsigned char *tsel)
{
    unsigned char owned[NN_MAX_TENSORS] = {0};
    int first = m->nops;
    for (int i = m->nops - 1; i >= 0; i--) {
        const nn_op *o = &m->ops[i];
        if (o->tw >= 0) owned[o->tw] = 1;
        if (o->tb >= 0) owned[o->tb] = 1;
        if ((o->tw >= 0 && tsel[o->tw]) || (o->tb >= 0 && tsel[o->tb])) first = i;
    }
    for (int t = 0; t < m->ntensors; t++) /* a selected parameter no op owns: the full passes */
        if (tsel[t] && m->tensors[t].buffer == 0 && !owned[t]) return 0;
    return first;
}

double NN(nn_hvp_multi_from)(model *m, const float *x, const uint8_t *y, int B, int nv,
                             const real *const *v, real *const *hv, int first)
{
    if (r_alloc(m) || NN(nn_set_input)(m, x, B)) return NAN;
    if (first < 0) first = 0;
    int mode = m->bn_mode;
    m->bn_mode = NN_BN_EVAL;
    double L = NN(nn_forward)(m, y, NULL);
    if (first >= m->nops) { /* nothing selected */
        for (int j = 0; j < nv; j++) memset(hv[j], 0, m->nparams * sizeof(real));
        m->bn_mode = mode;
        return L;
    }
    backward(m, y, NULL, first); /* activation gradients: the parameter gradient is not needed */
    set_rz(m, first);
    for (int j = 0; j < nv; j++) { /* the forward/backward state is shared */
        m->v = v[j];
        r_forward(m, first);
        r_backward(m, hv[j], first);
    }
    m->v = NULL;
    m->bn_mode = mode;
    return L;
}

double NN(nn_hvp_multi)(model *m, const float *x, const uint8_t *y, int B, int nv,
                        const real *const *v, real *const *hv)
{
    return NN(nn_hvp_multi_from)(m, x, y, B, nv, v, hv, 0);
}

double NN(nn_hvp)(model *m, const float *x, const uint8_t *y, int B, const real *v, real *hv)
{
    return NN(nn_hvp_multi)(m, x, y, B, 1, &v, &hv);
}
