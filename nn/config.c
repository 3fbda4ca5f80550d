/* config.c - model configuration checks and names (not templated). */
#include "nn.h"
#include <stdio.h>

const char *nn_arch_name(int arch) { return arch == NN_ARCH_MLP ? "mlp" : "resnet"; }

int nn_config_check(const nn_config *c, char *msg, size_t len)
{
    if (c->arch != NN_ARCH_MLP && c->arch != NN_ARCH_RESNET) {
        snprintf(msg, len, "unknown architecture %d", c->arch);
        return 1;
    }
    if (c->nclass < 2 || c->nclass > 255) {
        snprintf(msg, len, "number of classes must be in [2, 255], got %d", c->nclass);
        return 1;
    }
    if (c->in_c < 1 || c->in_h < 4 || c->in_w < 4 || c->in_c * c->in_h * c->in_w > 1 << 20) {
        snprintf(msg, len, "bad input shape %dx%dx%d", c->in_c, c->in_h, c->in_w);
        return 1;
    }
    if (c->act != NN_ACT_RELU && c->act != NN_ACT_SOFTPLUS) {
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
