/* fuzz_safetensors.c - libFuzzer target for the safetensors reader: header
 * parsing/validation and loading into a small MLP (784-4-10 names). */
#include "nn.h"
#include "rng.h"
#include "safetensors.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nn_model_f32 *m;
    char msg[300];
    if (!m) {
        nn_config cfg = {NN_ARCH_MLP, 2, 4, 1, 4, 4, 3, NN_ACT_RELU};
        gsl_rng *r = nso_rng_named(1, "fuzz");
        m = nn_model_create_f32(&cfg, 1, r, msg, sizeof msg);
        gsl_rng_free(r);
    }
    nn_st_file *f = malloc(sizeof *f);
    nn_st_parse(data, size, f, msg, sizeof msg);
    free(f);
    nn_st_load_buffer(data, size, "fuzz", m, NULL, msg, sizeof msg);
    return 0;
}
