/* test_train.c - a training run is bit-identical for a fixed seed (BLAS
 * thread count fixed by the caller), differs for another seed, and lowers
 * the loss on a learnable synthetic problem; divergence is reported. */
#include "nn.h"
#include "rng.h"
#include "test_nn.h"
#include "train.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static nn_dataset synth(void)
{
    enum { N = 96 };
    nn_dataset d = {N, 1, 6, 6, 3, malloc(N * 36), malloc(N)};
    gsl_rng *r = nso_rng_named(2, "synth");
    for (int i = 0; i < N; i++) {
        d.labels[i] = i % 3;
        for (int p = 0; p < 36; p++) /* class c: bright band in rows 2c, 2c+1 */
            d.pixels[i * 36 + p] = (uint8_t)((p / 12 == d.labels[i] ? 150 : 0) + gsl_rng_uniform_int(r, 100));
    }
    gsl_rng_free(r);
    return d;
}

static nn_model_f32 *run(const nn_config *cfg, uint64_t seed, nn_dataset *d, double *first, double *last)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "init");
    nn_model_f32 *m = nn_model_create_f32(cfg, 16, r, msg, sizeof msg);
    gsl_rng_free(r);
    nn_train_params p = nn_train_default;
    p.lr = 0.05;
    p.batch = 16;
    p.momentum = 0.9;
    p.seed = seed;
    float *vel = calloc(m->nparams, sizeof(float));
    double acc;
    for (int e = 0; e < 6; e++) {
        double L;
        CU_ASSERT(nn_train_epoch(m, d, e, &p, vel, &L, &acc) == 0);
        if (e == 0) *first = L;
        *last = L;
    }
    free(vel);
    return m;
}

static void test_determinism(void)
{
    nn_dataset d = synth();
    const nn_config cfgs[2] = {{NN_ARCH_MLP, 2, 8, 1, 6, 6, 3, NN_ACT_RELU}, {NN_ARCH_RESNET, 8, 0, 1, 6, 6, 3, NN_ACT_RELU}};
    for (int c = 0; c < 2; c++) {
        double f1, l1, f2, l2, f3, l3;
        nn_model_f32 *a = run(&cfgs[c], 5, &d, &f1, &l1), *b = run(&cfgs[c], 5, &d, &f2, &l2);
        nn_model_f32 *e = run(&cfgs[c], 6, &d, &f3, &l3);
        CU_ASSERT(memcmp(a->params, b->params, a->nparams * 4) == 0);
        CU_ASSERT(memcmp(a->stats, b->stats, a->nstats * 4) == 0);
        CU_ASSERT(l1 == l2);
        CU_ASSERT(memcmp(a->params, e->params, a->nparams * 4) != 0);
        CU_ASSERT(l1 < 0.5 * f1); /* it learns */
        nn_model_free_f32(a);
        nn_model_free_f32(b);
        nn_model_free_f32(e);
    }
    /* divergence: an absurd step size is reported, not silently continued */
    char msg[200];
    gsl_rng *r = nso_rng_named(1, "init");
    nn_model_f32 *m = nn_model_create_f32(&cfgs[0], 16, r, msg, sizeof msg);
    gsl_rng_free(r);
    nn_train_params p = nn_train_default;
    p.lr = 1e30;
    p.batch = 16;
    double L, A;
    int rc = 0;
    for (int e = 0; e < 3 && !rc; e++) rc = nn_train_epoch(m, &d, e, &p, NULL, &L, &A);
    CU_ASSERT(rc == 4);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
}

void nn_suite_train(void)
{
    CU_pSuite s = CU_add_suite("nn training", NULL, NULL);
    CU_add_test(s, "fixed seed: identical run; divergence detected", test_determinism);
}
