/* test_train.c - the trainer (nn/train.h): a training run's log is
 * byte-identical for a fixed seed (thread count fixed by the caller) and
 * differs for another seed, it learns a learnable synthetic problem,
 * divergence is reported, a saved run resumes to byte-identical weights,
 * the step-size schedules, and the error paths (bad parameters, batch
 * outside the model's capacity). */
#include "nn.h"
#include "nn_objective.h"
#include "nso_error.h"
#include "rng.h"
#include "test_nn.h"
#include "train.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nn_dataset synth(void)
{
    enum { N = 96 };
    nn_dataset d = {N, 1, 6, 6, 3, malloc(N * 36), malloc(N), NULL};
    gsl_rng *r = nso_rng_named(2, "synth");
    for (int i = 0; i < N; i++) {
        d.labels[i] = i % 3;
        for (int p = 0; p < 36; p++) /* class c: bright band in rows 2c, 2c+1 */
            d.pixels[i * 36 + p] = (uint8_t)((p / 12 == d.labels[i] ? 150 : 0) + gsl_rng_uniform_int(r, 100));
    }
    gsl_rng_free(r);
    return d;
}

static nn_model_f32 *make(const nn_config *cfg, uint64_t seed)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "init");
    nn_model_f32 *m = nn_model_create_f32(cfg, 16, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

/* 6 epochs of method t; the per-epoch log (as the programs write it, with
 * all digits) into log */
static nn_model_f32 *run(const nn_config *cfg, const nso_opt_type *t, uint64_t seed, nn_dataset *d,
                         double *first, double *last, char *log, size_t len)
{
    nn_model_f32 *m = make(cfg, seed);
    nn_train_params p = nn_train_default;
    p.lr = 0.05;
    p.batch = 16;
    p.epochs = 6;
    p.decay_every = 0;
    p.momentum = 0.9;
    p.seed = seed;
    char msg[200];
    nn_trainer *tr = nn_trainer_alloc(m, d, &p, t, NULL, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    size_t o = 0;
    log[0] = 0;
    for (int e = 0; e < 6; e++) {
        double L, A;
        CU_ASSERT(nn_trainer_epoch(tr, &L, &A) == NSO_OK);
        if (e == 0) *first = L;
        *last = L;
        o += (size_t)snprintf(log + o, len - o, "%d,%.17g,%.17g,%.17g\n", e,
                              nn_trainer_lr(tr, (uint64_t)e * tr->nb), L, A);
    }
    nn_trainer_free(tr);
    return m;
}

static void test_determinism(void)
{
    nn_dataset d = synth();
    const nn_config cfgs[2] = {{NN_ARCH_MLP, 2, 8, 1, 6, 6, 3, NN_ACT_RELU}, {NN_ARCH_RESNET, 8, 0, 1, 6, 6, 3, NN_ACT_RELU}};
    const nso_opt_type *types[2] = {nso_opt_gd, nso_opt_nso};
    static char l1[4096], l2[4096], l3[4096];
    for (int c = 0; c < 2; c++)
        for (int t = 0; t < 2; t++) {
            double f1, e1, f2, e2, f3, e3;
            nn_model_f32 *a = run(&cfgs[c], types[t], 5, &d, &f1, &e1, l1, sizeof l1);
            nn_model_f32 *b = run(&cfgs[c], types[t], 5, &d, &f2, &e2, l2, sizeof l2);
            nn_model_f32 *e = run(&cfgs[c], types[t], 6, &d, &f3, &e3, l3, sizeof l3);
            CU_ASSERT(strcmp(l1, l2) == 0); /* byte-identical log */
            CU_ASSERT(memcmp(a->params, b->params, a->nparams * 4) == 0);
            CU_ASSERT(memcmp(a->stats, b->stats, a->nstats * 4) == 0);
            CU_ASSERT(strcmp(l1, l3) != 0);
            CU_ASSERT(memcmp(a->params, e->params, a->nparams * 4) != 0);
            printf("\n    cfg %d %s: epoch loss %.4f -> %.4f", c, types[t]->name, f1, e1);
            CU_ASSERT(e1 < 0.5 * f1); /* it learns: the epoch loss at least halves */
            nn_model_free_f32(a);
            nn_model_free_f32(b);
            nn_model_free_f32(e);
        }
    /* divergence: an absurd step size is reported, not silently continued */
    nn_model_f32 *m = make(&cfgs[0], 1);
    nn_train_params p = nn_train_default;
    p.lr = 1e30;
    p.batch = 16;
    char msg[200];
    nn_trainer *tr = nn_trainer_alloc(m, &d, &p, NULL, NULL, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    int rc = 0;
    for (int e = 0; e < 3 && !rc; e++) rc = nn_trainer_epoch(tr, NULL, NULL);
    CU_ASSERT(rc == NSO_EDIVERGE);
    nn_trainer_free(tr);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
}

/* save after 2 epochs, train 2 more; a fresh trainer loading the record and
 * training 2 epochs ends byte-identical (weights, statistics, log) */
static void test_resume(void)
{
    nn_dataset d = synth();
    const nn_config cfg = {NN_ARCH_RESNET, 8, 0, 1, 6, 6, 3, NN_ACT_RELU};
    nn_train_params p = nn_train_default;
    p.lr = 0.05;
    p.batch = 16;
    p.epochs = 4;
    p.decay_thirds = 1;
    p.momentum = 0.9;
    p.weight_decay = 1e-3;
    p.seed = 3;
    nso_param_set ps;
    nso_params_clear(&ps);
    nso_params_set(&ps, "sigma", 0.02);
    char msg[256];
    nn_model_f32 *a = make(&cfg, 3), *b = make(&cfg, 4); /* b starts elsewhere on purpose */
    nn_trainer *ta = nn_trainer_alloc(a, &d, &p, nso_opt_nso, &ps, msg, sizeof msg);
    nn_trainer *tb = nn_trainer_alloc(b, &d, &p, nso_opt_nso, &ps, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ta);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tb);
    double La[2], Lb[2];
    for (int e = 0; e < 2; e++) CU_ASSERT(nn_trainer_epoch(ta, NULL, NULL) == NSO_OK);
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(nn_trainer_save(ta, f) == NSO_OK);
    for (int e = 0; e < 2; e++) CU_ASSERT(nn_trainer_epoch(ta, &La[e], NULL) == NSO_OK);
    rewind(f);
    CU_ASSERT(nn_trainer_load(tb, f, msg, sizeof msg) == NSO_OK);
    CU_ASSERT(nn_trainer_epochs_done(tb) == 2);
    for (int e = 0; e < 2; e++) CU_ASSERT(nn_trainer_epoch(tb, &Lb[e], NULL) == NSO_OK);
    CU_ASSERT(memcmp(a->params, b->params, a->nparams * 4) == 0);
    CU_ASSERT(memcmp(a->stats, b->stats, a->nstats * 4) == 0);
    CU_ASSERT(memcmp(ta->w, tb->w, a->nparams * sizeof(double)) == 0);
    CU_ASSERT(La[0] == Lb[0] && La[1] == Lb[1]);
    /* a corrupted trailer is refused */
    rewind(f);
    long size = 0;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, size - 12, SEEK_SET); /* inside num_batches_tracked */
    fputc(0x5a, f);
    rewind(f);
    CU_ASSERT(nn_trainer_load(tb, f, msg, sizeof msg) == NSO_EFORMAT);
    CU_ASSERT(strstr(msg, "checksum") != NULL);
    fclose(f);
    nn_trainer_free(ta);
    nn_trainer_free(tb);
    nn_model_free_f32(a);
    nn_model_free_f32(b);
    nn_dataset_free(&d);
}

static void test_schedule(void)
{
    nn_dataset d = synth(); /* 96 examples, batch 16: nb = 6 */
    const nn_config cfg = {NN_ARCH_MLP, 2, 8, 1, 6, 6, 3, NN_ACT_RELU};
    nn_model_f32 *m = make(&cfg, 1);
    nn_train_params p = nn_train_default;
    p.lr = 0.5;
    p.batch = 16;
    p.epochs = 5; /* T = 30 steps: milestones at 10 and 20 */
    p.decay_thirds = 1;
    char msg[200];
    nn_trainer *tr = nn_trainer_alloc(m, &d, &p, NULL, NULL, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    CU_ASSERT(tr->nb == 6);
    CU_ASSERT(nn_trainer_lr(tr, 9) == 0.5);
    CU_ASSERT(fabs(nn_trainer_lr(tr, 10) - 0.05) < 1e-15);
    CU_ASSERT(fabs(nn_trainer_lr(tr, 19) - 0.05) < 1e-15);
    CU_ASSERT(fabs(nn_trainer_lr(tr, 20) - 0.005) < 1e-15);
    nn_trainer_free(tr);
    p.decay_thirds = 0;
    p.decay_every = 2; /* every 12 steps */
    tr = nn_trainer_alloc(m, &d, &p, NULL, NULL, msg, sizeof msg);
    CU_ASSERT(nn_trainer_lr(tr, 11) == 0.5);
    CU_ASSERT(fabs(nn_trainer_lr(tr, 12) - 0.05) < 1e-15);
    CU_ASSERT(fabs(nn_trainer_lr(tr, 24) - 0.005) < 1e-15);
    nn_trainer_free(tr);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
}

static int quiet_calls;
static void quiet(const char *reason, const char *file, int line, int code)
{
    (void)reason, (void)file, (void)line, (void)code;
    quiet_calls++;
}

static void test_errors(void)
{
    nn_dataset d = synth();
    const nn_config cfg = {NN_ARCH_MLP, 2, 8, 1, 6, 6, 3, NN_ACT_RELU};
    nn_model_f32 *m = make(&cfg, 1); /* capacity 16 */
    char msg[200] = "";
    nn_train_params p = nn_train_default;
    p.batch = 32;
    CU_ASSERT_PTR_NULL(nn_trainer_alloc(m, &d, &p, NULL, NULL, msg, sizeof msg));
    CU_ASSERT(strstr(msg, "batch") != NULL);
    p.batch = 16;
    p.lr = -1;
    CU_ASSERT_PTR_NULL(nn_trainer_alloc(m, &d, &p, NULL, NULL, msg, sizeof msg));
    CU_ASSERT(strstr(msg, "lr") != NULL);
    p.lr = 0.1;
    p.decay = 0;
    CU_ASSERT_PTR_NULL(nn_trainer_alloc(m, &d, &p, NULL, NULL, msg, sizeof msg));
    CU_ASSERT(strstr(msg, "decay") != NULL);
    p.decay = 0.1;
    p.momentum = 1.5;
    CU_ASSERT_PTR_NULL(nn_trainer_alloc(m, &d, &p, NULL, NULL, msg, sizeof msg));
    CU_ASSERT(strstr(msg, "momentum") != NULL);
    p.momentum = 0;
    nso_param_set ps;
    nso_params_clear(&ps);
    nso_params_set(&ps, "sigma", 0.1); /* gd takes no sigma */
    CU_ASSERT_PTR_NULL(nn_trainer_alloc(m, &d, &p, nso_opt_gd, &ps, msg, sizeof msg));
    CU_ASSERT(strstr(msg, "sigma") != NULL);
    CU_ASSERT_PTR_NULL(nn_objective_create(m, &d, 17, msg, sizeof msg));
    nn_dataset small = d;
    small.n = 5;
    CU_ASSERT_PTR_NULL(nn_objective_create(m, &small, 8, msg, sizeof msg));
    nn_dataset wide = d;
    wide.w = 7;
    CU_ASSERT_PTR_NULL(nn_objective_create(m, &wide, 8, msg, sizeof msg));
    CU_ASSERT(strstr(msg, "does not fit") != NULL);
    /* a batch outside [1, maxB] is refused by the engine (no exit) */
    float x[36 * 17] = {0};
    uint8_t y[17] = {0};
    CU_ASSERT(nn_set_input_f32(m, x, 17) == 1);
    CU_ASSERT(isnan(nn_loss_f32(m, x, y, 17, NULL)));
    CU_ASSERT(isnan(nn_loss_grad_f32(m, x, y, 0)));
    /* the adapter's helpers on another objective */
    nso_objective other = {0};
    nso_error_handler_t *old = nso_set_error_handler(quiet);
    int idx[16];
    nso_sample s = {0, 0, 0, 1};
    CU_ASSERT(nn_objective_is(&other) == 0);
    CU_ASSERT(nn_objective_batches(&other) == 0);
    CU_ASSERT(nn_objective_indices(&other, &s, idx) == NSO_EINVAL);
    CU_ASSERT(quiet_calls == 1);
    CU_ASSERT_PTR_NULL(nn_objective_last_batch(&other));
    nso_set_error_handler(old);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
}

void nn_suite_train(void)
{
    CU_pSuite s = CU_add_suite("nn training", NULL, NULL);
    CU_add_test(s, "fixed seed: identical log and run; divergence detected", test_determinism);
    CU_add_test(s, "save / resume: byte-identical continuation", test_resume);
    CU_add_test(s, "step-size schedules (step decay, thirds)", test_schedule);
    CU_add_test(s, "error paths", test_errors);
}
