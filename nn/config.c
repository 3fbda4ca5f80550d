/* config.c - model configuration checks and names (not templated). */
#include "nn.h"
#include <math.h>
#include <stdio.h>

const char *nn_arch_name(int arch)
{
    return arch == NN_ARCH_MLP      ? "mlp"
           : arch == NN_ARCH_RESNET ? "resnet"
           : arch == NN_ARCH_GCN    ? "gcn"
           : arch == NN_ARCH_MLM    ? "mlm"
                                    : "transformer";
}

/* ---- the GCN's configuration and input record (nn.h) ---- */
size_t nn_gcn_record_size(const nn_config *c)
{
    return 3 + (size_t)c->in_h + (size_t)c->in_w;
}

static int is_int_in(float v, double lo, double hi) { return v >= lo && v <= hi && v == floorf(v); }

int nn_gcn_record_check(const nn_config *c, const float *rec, char *msg, size_t len)
{
    const int N = c->in_h;
    if (!is_int_in(rec[0], 1, N)) {
        snprintf(msg, len, "graph has %g nodes (accepted: 1..%d)", (double)rec[0], N);
        return 1;
    }
    if (!is_int_in(rec[1], 0, c->in_w)) {
        snprintf(msg, len, "graph has %g adjacency entries (accepted: 0..%d)", (double)rec[1], c->in_w);
        return 1;
    }
    const int n = (int)rec[0], nnz = (int)rec[1];
    const float *rp = rec + 2, *col = rp + N + 1;
    if (rp[0] != 0) {
        snprintf(msg, len, "row pointer 0 is %g, not 0", (double)rp[0]);
        return 1;
    }
    for (int i = 1; i <= N; i++)
        if (!is_int_in(rp[i], rp[i - 1], nnz) || (i >= n && rp[i] != nnz)) {
            snprintf(msg, len, "row pointer %d (%g) is not in [%g, %d]%s", i, (double)rp[i], (double)rp[i - 1], nnz,
                     i >= n ? " or not equal to the entry count past the last node" : "");
            return 1;
        }
    for (int k = 0; k < nnz; k++)
        if (!is_int_in(col[k], 0, n - 1)) {
            snprintf(msg, len, "adjacency entry %d names node %g (accepted: 0..%d)", k, (double)col[k], n - 1);
            return 1;
        }
    return 0;
}

static int check_gcn(const nn_config *c, char *msg, size_t len)
{
    if (c->depth < 1 || c->depth > NN_GCN_MAX_LAYERS) {
        snprintf(msg, len, "GCN layers must be in [1, %d], got %d", NN_GCN_MAX_LAYERS, c->depth);
        return 1;
    }
    if (c->hidden < 1 || c->hidden > NN_GCN_MAX_WIDTH) {
        snprintf(msg, len, "GCN width must be in [1, %d], got %d", NN_GCN_MAX_WIDTH, c->hidden);
        return 1;
    }
    if (c->in_c != NN_GCN_FEATURES) {
        snprintf(msg, len, "GCN node features must be %d (from the degrees), got %d", NN_GCN_FEATURES, c->in_c);
        return 1;
    }
    if (c->in_h < 1 || c->in_h > NN_GCN_MAX_NODES) {
        snprintf(msg, len, "GCN largest graph must have 1..%d nodes, got %d", NN_GCN_MAX_NODES, c->in_h);
        return 1;
    }
    if (c->in_w < 0 || c->in_w > NN_GCN_MAX_NNZ) {
        snprintf(msg, len, "GCN adjacency entries per graph must be in [0, %d], got %d", NN_GCN_MAX_NNZ, c->in_w);
        return 1;
    }
    if (c->act != NN_ACT_RELU && c->act != NN_ACT_SOFTPLUS && c->act != NN_ACT_GELU) {
        snprintf(msg, len, "unknown activation %d", c->act);
        return 1;
    }
    return 0;
}

static int check_transformer(const nn_config *c, char *msg, size_t len)
{
    if (c->depth < 1 || c->depth > NN_TF_MAX_LAYERS) {
        snprintf(msg, len, "transformer layers must be in [1, %d], got %d", NN_TF_MAX_LAYERS,
                 c->depth);
        return 1;
    }
    if (c->hidden < 1 || c->hidden > NN_TF_MAX_WIDTH) {
        snprintf(msg, len, "transformer width must be in [1, %d], got %d", NN_TF_MAX_WIDTH,
                 c->hidden);
        return 1;
    }
    if (c->in_h < 1 || c->in_h > c->hidden || c->hidden % c->in_h) { /* in_h: heads */
        snprintf(msg, len, "attention heads (%d) must divide the width (%d)", c->in_h, c->hidden);
        return 1;
    }
    if (c->in_c < 6 || c->in_c > 1 << 20) {
        snprintf(msg, len, "vocabulary size must be in [6, 2^20], got %d", c->in_c);
        return 1;
    }
    if (c->in_w < 2 || c->in_w > NN_TF_MAX_SEQ) {
        snprintf(msg, len, "sequence length (position table) must be in [2, %d], got %d",
                 NN_TF_MAX_SEQ, c->in_w);
        return 1;
    }
    if (c->act != NN_ACT_RELU && c->act != NN_ACT_SOFTPLUS && c->act != NN_ACT_GELU) {
        snprintf(msg, len, "unknown activation %d", c->act);
        return 1;
    }
    if (c->arch == NN_ARCH_MLM && c->nclass > c->in_w) { /* nclass: masked positions per sequence */
        snprintf(msg, len, "masked positions per sequence (%d) exceed the sequence length (%d)", c->nclass,
                 c->in_w);
        return 1;
    }
    return 0;
}

int nn_config_check(const nn_config *c, char *msg, size_t len)
{
    if (c->arch != NN_ARCH_MLP && c->arch != NN_ARCH_RESNET && c->arch != NN_ARCH_TRANSFORMER &&
        c->arch != NN_ARCH_GCN && c->arch != NN_ARCH_MLM) {
        snprintf(msg, len, "unknown architecture %d", c->arch);
        return 1;
    }
    if (c->nclass < 2 || c->nclass > 255) {
        snprintf(msg, len, "number of classes must be in [2, 255], got %d", c->nclass);
        return 1;
    }
    if (c->arch == NN_ARCH_TRANSFORMER || c->arch == NN_ARCH_MLM) return check_transformer(c, msg, len);
    if (c->arch == NN_ARCH_GCN) return check_gcn(c, msg, len);
    if (c->in_c < 1 || c->in_h < 4 || c->in_w < 4 || c->in_c * c->in_h * c->in_w > 1 << 20) {
        snprintf(msg, len, "bad input shape %dx%dx%d", c->in_c, c->in_h, c->in_w);
        return 1;
    }
    if (c->act != NN_ACT_RELU && c->act != NN_ACT_SOFTPLUS && c->act != NN_ACT_GELU) {
        snprintf(msg, len, "unknown activation %d", c->act);
        return 1;
    }
    if (c->arch == NN_ARCH_MLP && (c->hidden < 1 || c->hidden > 65536)) {
        snprintf(msg, len, "MLP hidden width must be in [1, 65536], got %d", c->hidden);
        return 1;
    }
    if (c->arch == NN_ARCH_RESNET &&
        (c->depth < 8 || c->depth > 20 || (c->depth - 2) % 6 != 0)) {
        snprintf(msg, len, "ResNet depth must be 6n+2 in {8, 14, 20}, got %d", c->depth);
        return 1;
    }
    return 0;
}
