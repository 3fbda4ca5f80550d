/* config.c - model configuration checks and names (not templated). */
#include "nn.h"
#include <stdio.h>

const char *nn_arch_name(int arch)
{
    return arch == NN_ARCH_MLP      ? "mlp"
           : arch == NN_ARCH_RESNET ? "resnet"
           : arch == NN_ARCH_MLM    ? "mlm"
                                    : "transformer";
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
        c->arch != NN_ARCH_MLM) {
        snprintf(msg, len, "unknown architecture %d", c->arch);
        return 1;
    }
    if (c->nclass < 2 || c->nclass > 255) {
        snprintf(msg, len, "number of classes must be in [2, 255], got %d", c->nclass);
        return 1;
    }
    if (c->arch == NN_ARCH_TRANSFORMER || c->arch == NN_ARCH_MLM) return check_transformer(c, msg, len);
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
