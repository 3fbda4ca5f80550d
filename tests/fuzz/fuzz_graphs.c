/* fuzz_graphs.c - libFuzzer target for the GCN's graph file reader
 * (nn_graphs_parse, nn/graphs.h).  An accepted file must convert to model
 * input records that the engine's record check accepts (the kernels index
 * memory by them). */
#include "graphs.h"
#include "nn.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_graphset g;
    char err[256];
    if (nn_graphs_parse(data, size, "fuzz", &g, err, sizeof err) != NN_DATA_OK) return 0;
    nn_dataset d;
    if (nn_graphs_dataset(&g, "fuzz", &d, err, sizeof err) == NN_DATA_OK) {
        nn_config c = {NN_ARCH_GCN, 2, 8, NN_GCN_FEATURES, d.h, d.h * d.w - 3 - d.h, d.nclass, NN_ACT_RELU};
        size_t S = nn_gcn_record_size(&c);
        if (S != (size_t)d.h * d.w || nn_config_check(&c, err, sizeof err)) abort();
        float *x = malloc(sizeof(float) * S);
        for (int i = 0; i < d.n; i++) {
            for (size_t k = 0; k < S; k++) x[k] = (float)d.tokens[(size_t)i * S + k];
            if (nn_gcn_record_check(&c, x, err, sizeof err)) abort();
        }
        free(x);
        nn_dataset_free(&d);
    }
    nn_graphset_free(&g);
    return 0;
}
