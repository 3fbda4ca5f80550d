/* fuzz_idx.c - libFuzzer target for the IDX parser (nn_idx_parse).  The first
 * input byte chooses where the input splits into the image and label files. */
#include "dataset.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t cut = 1 + (size - 1) * data[0] / 256;
    nn_dataset d;
    char err[256];
    if (nn_idx_parse(data + 1, cut - 1, data + cut, size - cut, 10, "img", "lab", &d, err,
                     sizeof err) == NN_DATA_OK) {
        volatile int s = 0;
        for (int i = 0; i < d.n; i++) s += d.labels[i];
        nn_dataset_free(&d);
    }
    return 0;
}
