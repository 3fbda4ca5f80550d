/* test_model.c - the transformer as a whole (nn_config arch
 * NN_ARCH_TRANSFORMER): on a tiny model (vocabulary 11, width 4, 2 heads,
 * 2 layers, sequences of 5 with [PAD]s, 3 classes) in the double build
 *   - the gradient against central differences of the loss (h = 1e-5):
 *     max error <= 1e-7 x (1 + max |g|), every parameter;
 *   - the HVP (R-operator through the whole tape: embedding, layer norms,
 *     attention, residual adds, feed-forward with GELU or ReLU, [CLS], head)
 *     against central differences of the gradient along v (h = 1e-5):
 *     max error <= 1e-6 x (1 + max |Hv|), for GELU and for the ReLU control;
 *   - the float build against the double build (loss 1e-5 relative, gradient
 *     and Hv 1e-3 x max);
 *   - the padding mask through the model: the [PAD] embedding row and the
 *     positions after [SEP] do not change the logits;
 *   - bad configurations and token ids are refused with a message / NAN;
 *   - the safetensors checkpoint: PyTorch names and shapes, the
 *     configuration read back, parameters identical after a round trip;
 *   - nn/hess.c's operator over a token data set (two chunks, full-set
 *     weighting) against the double HVP on the whole set: 1e-4 x max |Hv|;
 *   - the "brown" token data set through nn_dataset_open / splits (if cached);
 *   - the float forward pass against tests/text/ref_transformer.py, an
 *     independent pure-Python forward from the checkpoint alone (PyTorch's
 *     TransformerEncoderLayer equations): logits 1e-5 x (1 + max |z|), for
 *     GELU and ReLU, 2 heads and 1 (skipped when python3 is missing). */
#include "hess.h"
#include "nn.h"
#include "rng.h"
#include "safetensors.h"
#include "corpus.h"
#include "test_text.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { V = 11, D = 4, HEADS = 2, L = 5, NB = 3, K = 3 };
static const nn_config tiny = {NN_ARCH_TRANSFORMER, 2, D, V, HEADS, L, K, NN_ACT_GELU};
/* [CLS] ... [SEP] [PAD]: example 0 has two pads, example 2 none */
static const float X[NB * L] = {2, 7, 3, 0, 0, 2, 9, 5, 3, 0, 2, 6, 10, 8, 3};
static const uint8_t Y[NB] = {1, 0, 2};

static double maxabs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

static nn_model_f64 *make64(const nn_config *c, uint64_t seed)
{
    char msg[200];
    gsl_rng *r = nso_rng_named(seed, "test/transformer");
    nn_model_f64 *m = nn_model_create_f64(c, NB, r, msg, sizeof msg);
    if (!m) printf("\n  %s", msg);
    /* larger than the 0.02 initialisation, so every term of the Hessian shows */
    for (size_t i = 0; i < m->nparams; i++) m->params[i] += 0.3 * sin(1.7 * i + 0.2);
    gsl_rng_free(r);
    return m;
}

static void check_grad_hvp(const nn_config *c)
{
    nn_model_f64 *m = make64(c, 5);
    CU_ASSERT_FATAL(m != NULL);
    const size_t n = m->nparams;
    const double h = 1e-5;
    double *g = malloc(n * sizeof *g), *fd = malloc(n * sizeof *fd), *v = malloc(n * sizeof *v);
    double *hv = malloc(n * sizeof *hv), *g1 = malloc(n * sizeof *g1), *w0 = malloc(n * sizeof *w0);
    double L0 = nn_loss_grad_f64(m, X, Y, NB);
    CU_ASSERT(isfinite(L0));
    memcpy(g, m->grads, n * sizeof *g);
    memcpy(w0, m->params, n * sizeof *w0);
    for (size_t i = 0; i < n; i++) {
        m->params[i] = w0[i] + h;
        double a = nn_loss_f64(m, X, Y, NB, NULL);
        m->params[i] = w0[i] - h;
        double b = nn_loss_f64(m, X, Y, NB, NULL);
        m->params[i] = w0[i];
        fd[i] = (a - b) / (2 * h);
    }
    double eg = 0;
    for (size_t i = 0; i < n; i++) eg = fmax(eg, fabs(g[i] - fd[i]));
    double mg = maxabs(g, n);
    CU_ASSERT(eg <= 1e-7 * (1 + mg) && mg > 1e-3);
    if (!(eg <= 1e-7 * (1 + mg))) printf("\n  gradient: max error %.3g (max |g| %.3g)", eg, mg);
    /* HVP against central differences of the gradient */
    for (size_t i = 0; i < n; i++) v[i] = sin(0.9 * i + 0.4);
    nn_hvp_f64(m, X, Y, NB, v, hv);
    for (size_t i = 0; i < n; i++) m->params[i] = w0[i] + h * v[i];
    nn_loss_grad_f64(m, X, Y, NB);
    memcpy(g1, m->grads, n * sizeof *g1);
    for (size_t i = 0; i < n; i++) m->params[i] = w0[i] - h * v[i];
    nn_loss_grad_f64(m, X, Y, NB);
    memcpy(m->params, w0, n * sizeof *w0);
    double eh = 0;
    for (size_t i = 0; i < n; i++) eh = fmax(eh, fabs(hv[i] - (g1[i] - m->grads[i]) / (2 * h)));
    double mh = maxabs(hv, n);
    CU_ASSERT(eh <= 1e-6 * (1 + mh) && mh > 1e-3);
    if (!(eh <= 1e-6 * (1 + mh))) printf("\n  HVP: max error %.3g (max |Hv| %.3g)", eh, mh);
    /* every tensor takes part: its block of Hv is not zero */
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        double s = maxabs(hv + T->off, T->n);
        if (!(s > 1e-6)) printf("\n  %s: Hv is zero", T->name);
        CU_ASSERT(s > 1e-6);
    }
    /* float against double */
    text_check_f32(c, NB, X, Y, NULL, NULL, n, w0, v, L0, g, mg, hv, mh);
    free(g); free(fd); free(v); free(hv); free(g1); free(w0);
    nn_model_free_f64(m);
}

static void test_gelu_model(void) { check_grad_hvp(&tiny); }

static void test_relu_model(void)
{
    nn_config c = tiny;
    c.act = NN_ACT_RELU;
    check_grad_hvp(&c);
    c.depth = 1;
    c.in_h = 1; /* one head */
    c.act = NN_ACT_GELU;
    check_grad_hvp(&c);
}

static void test_padding(void)
{
    nn_model_f64 *m = make64(&tiny, 7);
    CU_ASSERT_FATAL(m != NULL);
    double z0[K * NB], z1[K * NB];
    nn_loss_f64(m, X, Y, NB, NULL);
    memcpy(z0, nn_logits_f64(m), sizeof z0);
    /* the [PAD] row of the token table (row 0) */
    const nn_tensor *tok = &m->tensors[0];
    CU_ASSERT(!strcmp(tok->name, "tok.weight"));
    /* (not a constant shift: the embedding layer norm would remove that) */
    for (int c = 0; c < D; c++) m->params[tok->off + c] += 0.77 * (c + 1) * (c - 1.5);
    nn_loss_f64(m, X, Y, NB, NULL);
    memcpy(z1, nn_logits_f64(m), sizeof z1);
    for (int i = 0; i < K * NB; i++) CU_ASSERT(z1[i] == z0[i]);
    /* but a used token's row changes them (the check can fail) */
    for (int c = 0; c < D; c++) m->params[tok->off + 7 * D + c] += 0.77 * (c + 1) * (c - 1.5);
    nn_loss_f64(m, X, Y, NB, NULL);
    CU_ASSERT(fabs(nn_logits_f64(m)[0 * NB + 0] - z0[0]) > 1e-6);
    nn_model_free_f64(m);
}

static void test_config_errors(void)
{
    char msg[200] = "";
    nn_config c = tiny;
    c.in_h = 3; /* 3 heads, width 4 */
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "attention heads (3) must divide the width (4)"));
    c = tiny;
    c.in_w = NN_TF_MAX_SEQ + 1;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "sequence length (position table)"));
    c = tiny;
    c.depth = NN_TF_MAX_LAYERS + 1;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "transformer layers"));
    c = tiny;
    c.in_c = 5;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "vocabulary size"));
    c = tiny;
    c.act = 7;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "unknown activation"));
    CU_ASSERT(nn_config_check(&tiny, msg, sizeof msg) == 0);
    c = tiny;
    c.depth = NN_TF_MAX_LAYERS;
    c.hidden = 8;
    gsl_rng *r = nso_rng_named(1, "x");
    nn_model_f32 *m = nn_model_create_f32(&c, 2, r, msg, sizeof msg); /* the largest tape fits */
    CU_ASSERT(m != NULL);
    nn_model_free_f32(m);
    m = nn_model_create_f32(&tiny, NB, r, msg, sizeof msg);
    gsl_rng_free(r);
    float x[NB * L];
    memcpy(x, X, sizeof x);
    x[4] = V; /* outside the vocabulary */
    CU_ASSERT(isnan(nn_loss_f32(m, x, Y, NB, NULL)));
    x[4] = 1.5f; /* not an integer */
    CU_ASSERT(isnan(nn_loss_grad_f32(m, x, Y, NB)));
    x[4] = -1;
    CU_ASSERT(isnan(nn_loss_f32(m, x, Y, NB, NULL)));
    x[4] = 0;
    CU_ASSERT(isfinite(nn_loss_f32(m, x, Y, NB, NULL)));
    nn_model_free_f32(m);
}

static void test_checkpoint(void)
{
    char msg[300], path[64];
    snprintf(path, sizeof path, "/tmp/test_text_%d.safetensors", (int)getpid());
    gsl_rng *r = nso_rng_named(3, "x");
    nn_model_f32 *a = nn_model_create_f32(&tiny, NB, r, msg, sizeof msg);
    nn_model_f32 *b = nn_model_create_f32(&tiny, NB, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(a && b);
    /* PyTorch names and shapes (torch.nn.TransformerEncoderLayer's state_dict) */
    static const struct {
        const char *name;
        int ndim;
        int64_t s0, s1;
    } want[] = {{"tok.weight", 2, V, D},
                {"pos.weight", 2, L, D},
                {"emb_norm.weight", 1, D, 0},
                {"encoder.layers.0.self_attn.in_proj_weight", 2, 3 * D, D},
                {"encoder.layers.0.self_attn.in_proj_bias", 1, 3 * D, 0},
                {"encoder.layers.0.self_attn.out_proj.weight", 2, D, D},
                {"encoder.layers.1.linear1.weight", 2, 4 * D, D},
                {"encoder.layers.1.linear2.bias", 1, D, 0},
                {"encoder.layers.1.norm2.bias", 1, D, 0},
                {"fc.weight", 2, K, D}};
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        int found = 0;
        for (int t = 0; t < a->ntensors; t++) {
            const nn_tensor *T = &a->tensors[t];
            if (strcmp(T->name, want[k].name)) continue;
            found = T->ndim == want[k].ndim && T->shape[0] == want[k].s0 &&
                    (T->ndim == 1 || T->shape[1] == want[k].s1);
        }
        if (!found) printf("\n  missing or misshaped: %s", want[k].name);
        CU_ASSERT(found);
    }
    CU_ASSERT(a->ntensors == 6 + 2 * 12);
    CU_ASSERT_FATAL(nn_st_save(path, a, msg, sizeof msg) == 0);
    nn_config c;
    CU_ASSERT(nn_st_config(path, &c, msg, sizeof msg) == 0);
    CU_ASSERT(memcmp(&c, &tiny, sizeof c) == 0);
    CU_ASSERT(nn_st_load(path, b, NULL, msg, sizeof msg) == 0);
    CU_ASSERT(memcmp(a->params, b->params, a->nparams * sizeof(float)) == 0);
    /* a fine-tuning head: a model of 4 classes takes everything but "fc" */
    nn_config c4 = tiny;
    c4.nclass = 4;
    r = nso_rng_named(4, "x");
    nn_model_f32 *d = nn_model_create_f32(&c4, NB, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT(nn_st_load(path, d, NULL, msg, sizeof msg) != 0);
    CU_ASSERT(nn_st_load(path, d, "fc", msg, sizeof msg) == 0);
    CU_ASSERT(memcmp(a->params, d->params, a->tensors[a->ntensors - 2].off * sizeof(float)) == 0);
    nn_model_free_f32(d);
    remove(path);
    nn_model_free_f32(a);
    nn_model_free_f32(b);
}

static void test_hess_operator(void)
{
    /* 6 examples (X twice, shifted tokens), chunks of 4 + 2 */
    enum { NE = 6 };
    nn_dataset d = {NE, 1, 1, L, K, NULL, malloc(NE), malloc(NE * L * sizeof(int32_t))};
    for (int i = 0; i < NE; i++) {
        d.labels[i] = (uint8_t)((i * 2 + 1) % K);
        for (int t = 0; t < L; t++) {
            int v = (int)X[(i % NB) * L + t];
            d.tokens[i * L + t] = v >= 5 && i >= NB ? 5 + (v - 5 + i) % (V - 5) : v;
        }
    }
    char msg[200];
    nn_config c = tiny;
    gsl_rng *r = nso_rng_named(8, "x");
    nn_model_f64 *m = nn_model_create_f64(&c, NE, r, msg, sizeof msg);
    nn_model_f32 *f = nn_model_create_f32(&c, 4, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(m && f);
    for (size_t i = 0; i < m->nparams; i++) {
        m->params[i] += 0.3 * sin(1.3 * i);
        f->params[i] = (float)m->params[i];
    }
    const size_t n = m->nparams;
    int idx[NE] = {0, 1, 2, 3, 4, 5};
    float x[NE * L];
    uint8_t y[NE];
    nn_dataset_batch(&d, idx, NE, x, y);
    CU_ASSERT(x[L] == 2 && x[L + 1] == 9 && y[1] == 0);
    double *v = malloc(n * sizeof *v), *hv = malloc(n * sizeof *hv), *ho = malloc(n * sizeof *ho);
    for (size_t i = 0; i < n; i++) v[i] = cos(0.7 * i);
    nn_hvp_f64(m, x, y, NE, v, hv);
    nn_model_op mo;
    CU_ASSERT_FATAL(nn_model_op_init(&mo, f, &d, idx, NE, 4, "all", msg, sizeof msg) == 0);
    nso_linop op = nn_model_op_linop(&mo);
    op.apply(op.ctx, 1, v, ho);
    double e = 0, mh = maxabs(hv, n);
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(ho[i] - hv[i]));
    CU_ASSERT(e <= 1e-4 * mh && mh > 1e-3);
    if (!(e <= 1e-4 * mh)) printf("\n  operator: max error %.3g (max |Hv| %.3g)", e, mh);
    /* a block of 2 directions (one shared forward/backward pass, nn_hvp_multi):
     * each product as computed alone (the attention's scratch is rewritten per
     * R pass); equal to rounding of the float sums: 1e-6 x max */
    double *v2 = malloc(2 * n * sizeof *v2), *h2 = malloc(2 * n * sizeof *h2);
    for (size_t i = 0; i < n; i++) {
        v2[i] = sin(0.3 * i + 1);
        v2[n + i] = v[i];
    }
    CU_ASSERT(op.block >= 2);
    op.apply(op.ctx, 2, v2, h2);
    e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(h2[n + i] - ho[i]));
    CU_ASSERT(e <= 1e-6 * mh);
    op.apply(op.ctx, 1, v2, ho);
    e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(h2[i] - ho[i]));
    CU_ASSERT(e <= 1e-6 * maxabs(ho, n) && maxabs(ho, n) > 1e-3);
    free(v2);
    free(h2);
    nn_model_op_free(&mo);
    free(v);
    free(hv);
    free(ho);
    nn_model_free_f64(m);
    nn_model_free_f32(f);
    /* a class-balanced split of a token data set keeps the tokens */
    nn_dataset part;
    int sizes[1] = {3};
    CU_ASSERT_FATAL(nn_split_balanced(&d, 1, sizes, 1, &part, msg, sizeof msg) == 0);
    CU_ASSERT(part.tokens && !part.pixels && part.w == L);
    for (int k = 0; k < part.n; k++) {
        int found = 0;
        for (int i = 0; i < NE; i++)
            found |= d.labels[i] == part.labels[k] &&
                     !memcmp(d.tokens + i * L, part.tokens + k * L, L * sizeof(int32_t));
        CU_ASSERT(found);
    }
    nn_dataset_free(&part);
    nn_dataset_free(&d);
}

static void test_brown_dataset(void)
{
    if (access("data/cache/" NN_BROWN_FILE, R_OK)) {
        printf("\n  (skipped: data/cache/" NN_BROWN_FILE " missing; make text-data)");
        return;
    }
    nn_dataset d;
    char msg[300];
    CU_ASSERT_FATAL(nn_dataset_open("brown", "data/cache", &d, msg, sizeof msg) == 0);
    /* the labelled passages of test_corpus.c's independent counts */
    CU_ASSERT(d.n == 3272 + 4063 + 4861 + 3740 && d.w == NN_BROWN_SEQ && d.c == 1 && d.h == 1);
    CU_ASSERT(d.nclass == 4 && d.tokens && !d.pixels);
    int bad = 0;
    for (long i = 0; i < (long)d.n * d.w; i++) bad += d.tokens[i] < 0 || d.tokens[i] >= NN_BROWN_VOCAB;
    CU_ASSERT(bad == 0);
    CU_ASSERT(d.tokens[0] == NN_TOK_CLS);
    nn_dataset_free(&d);
    CU_ASSERT(nn_dataset_open("brown", "/nonexistent", &d, msg, sizeof msg) == NN_DATA_EIO &&
              strstr(msg, "/nonexistent/" NN_BROWN_FILE));
}

/* the engine's logits -> CASE.json; python3 recomputes them from the checkpoint */
static void ref_case(const nn_config *c, uint64_t seed)
{
    char msg[300], st[64], js[64], cmd[300];
    snprintf(st, sizeof st, "/tmp/test_ref_%d.safetensors", (int)getpid());
    snprintf(js, sizeof js, "/tmp/test_ref_%d.json", (int)getpid());
    gsl_rng *r = nso_rng_named(seed, "x");
    nn_model_f32 *m = nn_model_create_f32(c, NB, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(m != NULL);
    for (size_t i = 0; i < m->nparams; i++) m->params[i] += (float)(0.4 * sin(2.3 * i + seed));
    double loss = nn_loss_f32(m, X, Y, NB, NULL);
    const float *z = nn_logits_f32(m);
    FILE *f = fopen(js, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "{\"tokens\": [");
    for (int i = 0; i < NB * L; i++) fprintf(f, "%s%d", i ? ", " : "", (int)X[i]);
    fprintf(f, "], \"labels\": [%d, %d, %d], \"loss\": %.9g, \"logits\": [", Y[0], Y[1], Y[2], loss);
    for (int b = 0; b < NB; b++) {
        fprintf(f, "%s[", b ? ", " : "");
        for (int k = 0; k < K; k++) fprintf(f, "%s%.9g", k ? ", " : "", z[k * NB + b]);
        fprintf(f, "]");
    }
    fprintf(f, "]}\n");
    fclose(f);
    CU_ASSERT_FATAL(nn_st_save(st, m, msg, sizeof msg) == 0);
    snprintf(cmd, sizeof cmd, "python3 tests/text/ref_transformer.py %s %s | sed 's/^/  /'", st, js);
    printf("\n");
    fflush(stdout);
    CU_ASSERT(system(cmd) == 0);
    remove(st);
    remove(js);
    nn_model_free_f32(m);
}

static void test_reference(void)
{
    if (system("python3 -c 1 2>/dev/null") != 0) {
        printf("\n  (skipped: no python3)");
        return;
    }
    nn_config c = tiny;
    ref_case(&c, 1);
    c.act = NN_ACT_RELU;
    ref_case(&c, 2);
    c.in_h = 1;
    c.depth = 1;
    ref_case(&c, 3);
}

void text_suite_model(void)
{
    CU_pSuite s = CU_add_suite("text_model", NULL, NULL);
    CU_add_test(s, "transformer (GELU): gradient and HVP vs central differences; float", test_gelu_model);
    CU_add_test(s, "ReLU control, and 1 layer x 1 head: gradient and HVP", test_relu_model);
    CU_add_test(s, "padding mask through the model", test_padding);
    CU_add_test(s, "bad configurations and token ids are refused", test_config_errors);
    CU_add_test(s, "checkpoint: PyTorch names/shapes, config, round trip, new head", test_checkpoint);
    CU_add_test(s, "hess.c operator over a token data set; balanced split of tokens", test_hess_operator);
    CU_add_test(s, "the brown token data set (counts, ids in the vocabulary)", test_brown_dataset);
    CU_add_test(s, "forward pass vs an independent pure-Python reference", test_reference);
}
