/* test_safetensors.c - checkpoint round trip, a file written by hand from the
 * format specification (huggingface/safetensors README: u64 LE header size,
 * JSON header, contiguous little-endian buffer), and every validation error. */
#include "nn.h"
#include "rng.h"
#include "safetensors.h"
#include "test_nn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/nn_st_XXXXXX";

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static void test_roundtrip(void)
{
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    nn_config cfg = {NN_ARCH_RESNET, 8, 0, 1, 8, 8, 5, NN_ACT_RELU};
    char msg[300], path[300];
    gsl_rng *r = nso_rng_named(3, "st");
    nn_model_f32 *a = nn_model_create_f32(&cfg, 2, r, msg, sizeof msg);
    nn_model_f32 *b = nn_model_create_f32(&cfg, 2, r, msg, sizeof msg);
    for (size_t i = 0; i < a->nstats; i++) a->stats[i] = (float)gsl_rng_uniform(r);
    a->num_batches_tracked = 1234567890123LL;
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    CU_ASSERT_FATAL(nn_st_save(path, a, msg, sizeof msg) == 0);
    CU_ASSERT(nn_st_load(path, b, NULL, msg, sizeof msg) == 0);
    CU_ASSERT(memcmp(a->params, b->params, a->nparams * 4) == 0);
    CU_ASSERT(memcmp(a->stats, b->stats, a->nstats * 4) == 0);
    CU_ASSERT(b->num_batches_tracked == 1234567890123LL);
    nn_config c2;
    CU_ASSERT(nn_st_config(path, &c2, msg, sizeof msg) == 0);
    CU_ASSERT(c2.arch == NN_ARCH_RESNET && c2.depth == 8 && c2.nclass == 5 && c2.in_h == 8);
    /* PyTorch names and OIHW layout in the header */
    FILE *f = fopen(path, "rb");
    uint8_t buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    buf[n - 1] = 0;
    CU_ASSERT(strstr((char *)buf + 8, "\"layer2.0.conv1.weight\":{\"dtype\":\"F32\",\"shape\":[32,16,3,3]") != NULL);
    CU_ASSERT(strstr((char *)buf + 8, "\"layer2.0.downsample.1.running_var\"") != NULL);
    CU_ASSERT(strstr((char *)buf + 8, "\"bn1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[]") != NULL);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | buf[i];
    CU_ASSERT(hl % 8 == 0);
    /* replaced head: a 3-class model loads everything but fc */
    nn_config c3 = cfg;
    c3.nclass = 3;
    nn_model_f32 *h = nn_model_create_f32(&c3, 2, r, msg, sizeof msg);
    CU_ASSERT(nn_st_load(path, h, NULL, msg, sizeof msg) != 0);
    CU_ASSERT(strstr(msg, "fc.weight") != NULL && strstr(msg, "shape [5,64]") != NULL);
    CU_ASSERT(nn_st_load(path, h, "fc", msg, sizeof msg) == 0);
    CU_ASSERT(memcmp(h->params, a->params, h->tensors[0].n * 4) == 0);
    remove(path);
    nn_model_free_f32(a);
    nn_model_free_f32(b);
    nn_model_free_f32(h);
    gsl_rng_free(r);
}

/* An MLP 16-2-2 file composed by hand: tensors in a different order from
 * the writer's, whitespace, no metadata, F32 little endian. */
static size_t hand_file(uint8_t *out, const char *header, const float *data, size_t nfloat)
{
    size_t hl = strlen(header);
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(out + 8, header, hl);
    memcpy(out + 8 + hl, data, nfloat * 4);
    return 8 + hl + nfloat * 4;
}

static const char *good_header =
    "{ \"fc2.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},\n"
    "  \"fc2.weight\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [8, 24]},\n"
    "  \"fc1.weight\": {\"shape\": [2, 16], \"dtype\": \"F32\", \"data_offsets\": [24, 152]},\n"
    "  \"fc1.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [152, 160]} }";

static int load_err(const char *header, size_t nfloat, size_t cut, const char *want)
{
    static uint8_t buf[4096];
    float data[64];
    for (int i = 0; i < 64; i++) data[i] = 0.5f * i - 3;
    size_t n = hand_file(buf, header, data, nfloat) - cut;
    char path[300], msg[300] = "";
    snprintf(path, sizeof path, "%s/h.safetensors", dir);
    write_bytes(path, buf, n);
    nn_config cfg = {NN_ARCH_MLP, 2, 2, 1, 4, 4, 2, NN_ACT_RELU};
    gsl_rng *r = nso_rng_named(1, "x");
    nn_model_f32 *m = nn_model_create_f32(&cfg, 1, r, msg, sizeof msg);
    float before = m->params[0];
    int rc = nn_st_load(path, m, NULL, msg, sizeof msg);
    int ok;
    if (!want) {
        /* fc1.weight is at [24, 152): floats 6..37; fc2.bias floats 0..1 */
        ok = rc == 0 && m->params[0] == data[6] && m->params[31] == data[37] &&
             m->params[32] == data[38] && m->params[m->nparams - 1] == data[1];
    } else {
        ok = rc != 0 && strstr(msg, want) != NULL && m->params[0] == before;
        if (!ok) printf("\n  expected '%s', got rc %d '%s'", want, rc, msg);
    }
    nn_model_free_f32(m);
    gsl_rng_free(r);
    remove(path);
    return ok;
}

static void test_hand_written(void)
{
    CU_ASSERT(load_err(good_header, 40, 0, NULL));
    CU_ASSERT(load_err(good_header, 40, 3, "truncated"));
    CU_ASSERT(load_err(good_header, 41, 0, "trailing data"));
    CU_ASSERT(load_err("{\"fc2.bias\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 1, 0, "unsupported dtype 'F16'"));
    CU_ASSERT(load_err("{\"fc2.bias\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 2, 0, "do not hold"));
    CU_ASSERT(load_err("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                       "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 3, 0, "overlap"));
    CU_ASSERT(load_err("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                       "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [12, 20]}}", 5, 0, "hole"));
    CU_ASSERT(load_err("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                       "\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", 4, 0, "duplicate tensor 'a'"));
    CU_ASSERT(load_err("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}", 2, 0, "expected"));
    CU_ASSERT(load_err("{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}", 0, 0, "needs dtype, shape and data_offsets"));
    CU_ASSERT(load_err("{\"fc2.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 2, 0, "missing"));
    CU_ASSERT(load_err("{\"fc2.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                       "\"fc2.weight\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]},"
                       "\"fc1.weight\": {\"dtype\": \"F32\", \"shape\": [2, 16], \"data_offsets\": [24, 152]},"
                       "\"fc1.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [152, 160]}}", 40, 0,
                       "'fc2.weight' has shape [4], the model needs [2,2]"));
    CU_ASSERT(load_err("{\"fc2.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                       "\"fc2.weight\": {\"dtype\": \"F32\", \"shape\": [2,2], \"data_offsets\": [8, 24]},"
                       "\"fc1.weight\": {\"dtype\": \"F32\", \"shape\": [2, 16], \"data_offsets\": [24, 152]},"
                       "\"fc1.bias\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [152, 160]},"
                       "\"fc3.bias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [160, 164]}}", 41, 0,
                       "'fc3.bias' is not part of this model"));
    /* header length larger than the file */
    uint8_t b[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    nn_st_file *f = malloc(sizeof *f);
    char msg[200];
    CU_ASSERT(nn_st_parse(b, 10, f, msg, sizeof msg) != 0 && strstr(msg, "header length"));
    CU_ASSERT(nn_st_parse(b, 5, f, msg, sizeof msg) != 0 && strstr(msg, "shorter"));
    uint8_t e[10] = {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    CU_ASSERT(nn_st_parse(e, 10, f, msg, sizeof msg) == 0 && f->n == 0); /* empty is valid */
    free(f);
    char path[300];
    CU_ASSERT(nn_st_load("/nonexistent.safetensors", NULL, NULL, path, sizeof path) != 0);
    CU_ASSERT(strstr(path, "/nonexistent.safetensors") != NULL);
    rmdir(dir);
}

void nn_suite_safetensors(void)
{
    CU_pSuite s = CU_add_suite("nn safetensors", NULL, NULL);
    CU_add_test(s, "round trip, PyTorch names/layouts, replaced head", test_roundtrip);
    CU_add_test(s, "hand-written file and every validation error", test_hand_written);
}
