/* check_torch.c - the engine's side of `make check-torch` (issue 12): for the
 * MLP (784-128-10), ResNet-8 (28x28x1, 10 classes) and the transformer (2
 * layers, width 32, 2 heads, GELU, vocabulary 50, 12 tokens, 4 classes; issue
 * 9) it writes
 *   <dir>/<arch>.safetensors          the checkpoint (nn_st_save: PyTorch names)
 *   <dir>/<arch>.result.safetensors   the examples and what the engine computes
 * on them, which tests/torch/check_torch.py recomputes in PyTorch from the
 * checkpoint alone:
 *   x, y                  16 examples (pixels in [0, 1]; transformer: token
 *                         ids as floats, [CLS] = 2 first, [PAD] = 0 tails
 *                         of random length) and labels
 *   loss_eval, correct    mean loss (label smoothing 0.1) and top-1 hits,
 *                         eval-mode batch norm
 *   grad.<name>           gradient of loss_eval
 *   v.<name>, hv.<name>   a Gaussian direction and the exact Hessian-vector
 *                         product (R-operator; eval-mode batch norm)
 *   loss_train, tgrad.<name>, rs.<name>
 *                         one training-mode pass: loss, gradient, and the
 *                         running statistics after it
 *   sgd_loss, sgd.<name>  3 plain SGD steps (lr 0.05, training mode) from the
 *                         checkpoint: the losses and the parameters after
 * The weights, batch-norm parameters and running statistics are randomised
 * (not the identity) so that every term matters; so are the transformer's
 * biases and layer-norm parameters (zero and one at initialisation).  Seeded: same output every
 * run (fixed thread count). */
#include "cli.h"
#include "nn.h"
#include "nso_error.h"
#include "rng.h"
#include "safetensors.h"
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a minimal safetensors writer for float32 arrays */
typedef struct {
    char name[96];
    int ndim;
    long shape[4];
    float *data;
    size_t n;
} arr;
static arr arrs[512];
static int narr;

static void put(const char *name, int ndim, const long *shape, const float *data)
{
    if (narr >= 512) nso_die("too many arrays");
    arr *a = &arrs[narr++];
    snprintf(a->name, sizeof a->name, "%s", name);
    a->ndim = ndim;
    a->n = 1;
    for (int i = 0; i < ndim; i++) {
        a->shape[i] = shape[i];
        a->n *= (size_t)shape[i];
    }
    a->data = malloc(a->n * sizeof(float) + 1);
    memcpy(a->data, data, a->n * sizeof(float));
}
static void put1(const char *name, double v)
{
    float f = (float)v;
    long s = 1;
    put(name, 1, &s, &f);
}

static void write_arrays(const char *path)
{
    size_t cap = 1 << 20, len = 0, off = 0;
    char *h = malloc(cap);
    len += snprintf(h + len, cap - len, "{");
    for (int i = 0; i < narr; i++) {
        len += snprintf(h + len, cap - len, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[", i ? "," : "",
                        arrs[i].name);
        for (int d = 0; d < arrs[i].ndim; d++)
            len += snprintf(h + len, cap - len, "%s%ld", d ? "," : "", arrs[i].shape[d]);
        len += snprintf(h + len, cap - len, "],\"data_offsets\":[%zu,%zu]}", off,
                        off + arrs[i].n * sizeof(float));
        off += arrs[i].n * sizeof(float);
    }
    len += snprintf(h + len, cap - len, "}");
    while (len % 8) h[len++] = ' ';
    FILE *f = fopen(path, "wb");
    if (!f) nso_die("cannot write '%s'", path);
    uint64_t n = len;
    fwrite(&n, 8, 1, f);
    fwrite(h, 1, len, f);
    for (int i = 0; i < narr; i++) fwrite(arrs[i].data, sizeof(float), arrs[i].n, f);
    if (fclose(f)) nso_die("cannot write '%s'", path);
    for (int i = 0; i < narr; i++) free(arrs[i].data);
    narr = 0;
    free(h);
}

/* per-tensor arrays of a flat parameter vector, named prefix.<tensor> */
static void put_params(const nn_model_f32 *m, const char *prefix, const float *flat)
{
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        if (T->buffer != 0) continue;
        char nm[96];
        long sh[4];
        for (int d = 0; d < T->ndim; d++) sh[d] = (long)T->shape[d];
        snprintf(nm, sizeof nm, "%s.%s", prefix, T->name);
        put(nm, T->ndim, sh, flat + T->off);
    }
}

static void run(const char *dir, const nn_config *cfg, const char *arch, uint64_t seed)
{
    enum { B = 16 };
    char msg[256], path[512];
    gsl_rng *r = nso_rng_named(seed, arch);
    nn_model_f32 *m = nn_model_create_f32(cfg, B, r, msg, sizeof msg);
    if (!m) nso_die("%s", msg);
    /* randomise batch-norm parameters and running statistics */
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        int bn = strstr(T->name, "bn") || strstr(T->name, "downsample.1");
        if (!bn || T->buffer == 2) continue;
        float *p = (T->buffer == 0 ? m->params : m->stats) + T->off;
        int var = strstr(T->name, "running_var") != NULL;
        for (size_t i = 0; i < T->n; i++)
            p[i] = var ? (float)(0.5 + gsl_rng_uniform(r))
                       : (float)(p[i] + 0.4 * (gsl_rng_uniform(r) - 0.5));
    }
    if (cfg->arch == NN_ARCH_TRANSFORMER)
        for (int t = 0; t < m->ntensors; t++) {
            const nn_tensor *T = &m->tensors[t];
            if (T->buffer != 0 || !(strstr(T->name, "bias") || strstr(T->name, "norm"))) continue;
            float *p = m->params + T->off;
            for (size_t i = 0; i < T->n; i++) p[i] += (float)(0.4 * (gsl_rng_uniform(r) - 0.5));
        }
    m->num_batches_tracked = 7;
    m->label_smoothing = 0.1;
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, arch);
    if (nn_st_save(path, m, msg, sizeof msg)) nso_die("%s", msg);
    const int tf = cfg->arch == NN_ARCH_TRANSFORMER;
    const int F = tf ? cfg->in_w : cfg->in_c * cfg->in_h * cfg->in_w;
    float *x = malloc(sizeof(float) * F * B), y[B];
    uint8_t lab[B];
    if (tf)
        for (int b = 0; b < B; b++) { /* [CLS] w1 .. w_len [PAD] ... */
            int len = 3 + (int)gsl_rng_uniform_int(r, (unsigned long)F - 3);
            for (int t = 0; t < F; t++)
                x[b * F + t] = t == 0 ? 2.f : t < len ? (float)(5 + gsl_rng_uniform_int(r, cfg->in_c - 5)) : 0.f;
        }
    else
        for (int i = 0; i < F * B; i++) x[i] = (float)gsl_rng_uniform(r);
    for (int b = 0; b < B; b++) y[b] = lab[b] = (uint8_t)gsl_rng_uniform_int(r, cfg->nclass);
    long sx[4] = {B, cfg->in_c, cfg->in_h, cfg->in_w}, sy = B, sxt[2] = {B, F};
    if (tf) put("x", 2, sxt, x);
    else put("x", 4, sx, x);
    put("y", 1, &sy, y);
    /* eval mode: loss, accuracy, gradient, HVP */
    m->bn_mode = NN_BN_EVAL;
    int correct;
    double L = nn_loss_f32(m, x, lab, B, &correct);
    nn_backward_f32(m, lab);
    put1("loss_eval", L);
    put1("correct", correct);
    put_params(m, "grad", m->grads);
    size_t n = m->nparams;
    float *v = malloc(n * sizeof(float)), *hv = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) v[i] = (float)(gsl_rng_uniform(r) * 2 - 1);
    nn_hvp_f32(m, x, lab, B, v, hv);
    put_params(m, "v", v);
    put_params(m, "hv", hv);
    /* one training-mode pass from the checkpoint state */
    float *p0 = malloc(n * sizeof(float)), *s0 = malloc(m->nstats * sizeof(float));
    memcpy(p0, m->params, n * sizeof(float));
    memcpy(s0, m->stats, m->nstats * sizeof(float));
    m->bn_mode = NN_BN_TRAIN;
    double Lt = nn_loss_grad_f32(m, x, lab, B);
    put1("loss_train", Lt);
    put_params(m, "tgrad", m->grads);
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        if (T->buffer != 1) continue;
        char nm[96];
        long sh = (long)T->n;
        snprintf(nm, sizeof nm, "rs.%s", T->name);
        put(nm, 1, &sh, m->stats + T->off);
    }
    put1("num_batches_tracked", (double)m->num_batches_tracked);
    /* 3 SGD steps from the checkpoint state */
    memcpy(m->params, p0, n * sizeof(float));
    memcpy(m->stats, s0, m->nstats * sizeof(float));
    float losses[3];
    for (int k = 0; k < 3; k++) {
        losses[k] = (float)nn_loss_grad_f32(m, x, lab, B);
        for (size_t i = 0; i < n; i++) m->params[i] -= 0.05f * m->grads[i];
    }
    long s3 = 3;
    put("sgd_loss", 1, &s3, losses);
    put_params(m, "sgd", m->params);
    snprintf(path, sizeof path, "%s/%s.result.safetensors", dir, arch);
    write_arrays(path);
    printf("check_torch: wrote %s/%s{,.result}.safetensors (%zu parameters)\n", dir, arch, n);
    free(x);
    free(v);
    free(hv);
    free(p0);
    free(s0);
    nn_model_free_f32(m);
    gsl_rng_free(r);
}

int main(int argc, char **argv)
{
    const char *dir = "build/check_torch";
    uint64_t seed = 1;
    nso_set_progname("check_torch");
    nso_arg_spec specs[] = {
        {"dir", NSO_ARG_STRING, &dir, 0, 0, "output directory (must exist)"},
        {"seed", NSO_ARG_U64, &seed, 0, 1e18, "seed of weights, data and directions"},
    };
    nso_cli_parse(argc, argv, specs, 2,
                  "check_torch: the engine's checkpoints and results for check_torch.py.");
    nn_config mlp = {NN_ARCH_MLP, 2, 128, 1, 28, 28, 10, NN_ACT_RELU};
    nn_config res = {NN_ARCH_RESNET, 8, 0, 1, 28, 28, 10, NN_ACT_RELU};
    run(dir, &mlp, "mlp", seed);
    run(dir, &res, "resnet8", seed);
    nn_config tfc = {NN_ARCH_TRANSFORMER, 2, 32, 50, 2, 12, 4, NN_ACT_GELU};
    run(dir, &tfc, "transformer", seed);
    return 0;
}
