/* test_hess_sub.c - Hessian-vector products on a sub-block of the parameters
 * (issue 12, "pay only for what is measured"): the R passes restricted to the
 * ops from the first selected layer on (nn_hvp_multi_from, nn_first_op)
 * against the full R passes, in the float and the double build, for
 *   - the MLP (first layer, last layer, the last layer's bias alone, a
 *     selection across both layers),
 *   - ResNet-8 and ResNet-14 (the stem, the head, a middle stage, a second
 *     convolution whose block adds an identity shortcut from before the
 *     selection, a downsample branch whose add reads the main branch from
 *     before the selection, a batch norm fused with its ReLU),
 *   - the transformer (the embeddings, the head, a middle encoder layer
 *     whose residual adds read the previous layer, a layer norm, the
 *     attention's out_proj right after the attention core).
 * Tolerances: the products are the same sums in the same order (the skipped
 * layers contribute exact zeros), so 1e-12 x max |Hv| (double) and 1e-6 x
 * max |Hv| (float) leave room only for rounding.  Then nn/hess.c's operator
 * with --params fc against the fc block of the operator over all parameters
 * (float, three chunks, blocked and single products), and its first op. */
#include "hess.h"
#include "nn.h"
#include "rng.h"
#include "test_nn.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T float
#define S(x) x##_f32
#include "hess_sub_check.h"
#undef T
#undef S
#define T double
#define S(x) x##_f64
#include "hess_sub_check.h"
#undef T
#undef S

#define TOL32 1e-6
#define TOL64 1e-12

static void test_mlp(void)
{
    const nn_config c = {NN_ARCH_MLP, 2, 6, 1, 4, 5, 3, NN_ACT_RELU};
    const char *pre[] = {"fc1", "fc2", "fc2.bias", "fc1.bias,fc2.weight"};
    float x[4 * 20];
    uint8_t y[4];
    nn_test_images(4, 20, x, y, 3);
    CU_ASSERT(check_sub_f64("mlp", &c, 4, x, y, pre, 4, TOL64) == 0);
    CU_ASSERT(check_sub_f32("mlp", &c, 4, x, y, pre, 4, TOL32) == 0);
    nn_config sp = c;
    sp.act = NN_ACT_SOFTPLUS; /* a non-zero second derivative of the activation */
    CU_ASSERT(check_sub_f64("mlp softplus", &sp, 4, x, y, pre, 2, TOL64) == 0);
}

static void test_resnet(void)
{
    const nn_config c8 = {NN_ARCH_RESNET, 8, 0, 1, 8, 8, 3, NN_ACT_RELU};
    const char *pre8[] = {"conv1", "fc", "layer2", "layer1.0.conv2", "layer2.0.downsample",
                          "layer3.0.bn1", "bn1,fc"};
    float x[3 * 64];
    uint8_t y[3];
    nn_test_images(3, 64, x, y, 3);
    CU_ASSERT(check_sub_f64("resnet-8", &c8, 3, x, y, pre8, 7, TOL64) == 0);
    CU_ASSERT(check_sub_f32("resnet-8", &c8, 3, x, y, pre8, 7, TOL32) == 0);
    /* two blocks per stage: layer1.1 adds the identity shortcut of layer1.0 */
    const nn_config c14 = {NN_ARCH_RESNET, 14, 0, 2, 6, 6, 4, NN_ACT_RELU};
    const char *pre14[] = {"layer1.1", "layer3.1.conv2", "layer2.1.bn2,layer3.0.downsample.1"};
    float x14[2 * 72];
    uint8_t y14[2];
    nn_test_images(2, 72, x14, y14, 4);
    CU_ASSERT(check_sub_f64("resnet-14", &c14, 2, x14, y14, pre14, 3, TOL64) == 0);
    CU_ASSERT(check_sub_f32("resnet-14", &c14, 2, x14, y14, pre14, 3, TOL32) == 0);
}

static void test_transformer(void)
{
    /* vocabulary 11, width 4, 2 heads, 2 layers, sequences of 5 with [PAD]s */
    const nn_config c = {NN_ARCH_TRANSFORMER, 2, 4, 11, 2, 5, 3, NN_ACT_GELU};
    const float x[3 * 5] = {2, 7, 3, 0, 0, 2, 9, 5, 3, 0, 2, 6, 10, 8, 3};
    const uint8_t y[3] = {1, 0, 2};
    const char *pre[] = {"tok", "pos", "fc", "encoder.layers.1", "encoder.layers.0.norm1",
                         "encoder.layers.0.self_attn.out_proj", "encoder.layers.1.linear2,fc"};
    CU_ASSERT(check_sub_f64("transformer", &c, 3, x, y, pre, 7, TOL64) == 0);
    CU_ASSERT(check_sub_f32("transformer", &c, 3, x, y, pre, 7, TOL32) == 0);
    nn_config cr = c;
    cr.act = NN_ACT_RELU;
    CU_ASSERT(check_sub_f64("transformer relu", &cr, 3, x, y, pre + 3, 2, TOL64) == 0);
}

/* hess.c: the operator over --params fc equals the fc block of the operator
 * over all parameters applied to a vector that is zero outside fc */
static void test_operator(void)
{
    enum { NE = 10, SIDE = 8, K = 3 };
    char msg[200];
    nn_dataset d;
    nn_model_f32 *m = nn_test_resnet8(3, "test/hess-sub-op", NE, SIDE, K, &d);
    CU_ASSERT_FATAL(m != NULL);
    int idx[NE];
    for (int i = 0; i < NE; i++) idx[i] = i;
    nn_model_op all, fc;
    CU_ASSERT_FATAL(nn_model_op_init(&all, m, &d, idx, NE, 4, "all", msg, sizeof msg) == 0);
    CU_ASSERT_FATAL(nn_model_op_init(&fc, m, &d, idx, NE, 4, "fc", msg, sizeof msg) == 0);
    CU_ASSERT(all.first == 0);
    CU_ASSERT(fc.first == m->nops - 1 && m->ops[fc.first].kind == NN_OP_LINEAR);
    const size_t n = all.nsel, k = fc.nsel;
    CU_ASSERT_FATAL(n == m->nparams && k == (size_t)K * 64 + K);
    /* fc's coordinates are the last k of the parameter buffer (selection order) */
    CU_ASSERT_FATAL(fc.sel[0] == n - k);
    nso_linop oa = nn_model_op_linop(&all), of = nn_model_op_linop(&fc);
    double *va = calloc(2 * n, sizeof(double)), *ha = malloc(2 * n * sizeof(double));
    double *vf = malloc(2 * k * sizeof(double)), *hf = malloc(2 * k * sizeof(double));
    for (int j = 0; j < 2; j++)
        for (size_t i = 0; i < k; i++) vf[j * k + i] = va[j * n + n - k + i] = cos(0.3 * i + j);
    oa.apply(oa.ctx, 2, va, ha);
    for (int nv = 1; nv <= 2; nv++) { /* one product alone, and a block of two */
        of.apply(of.ctx, (size_t)nv, vf, hf);
        double err = 0, mx = 0;
        for (int j = 0; j < nv; j++)
            for (size_t i = 0; i < k; i++) {
                err = fmax(err, fabs(hf[j * k + i] - ha[j * n + n - k + i]));
                mx = fmax(mx, fabs(ha[j * n + n - k + i]));
            }
        printf("\n  operator --params fc vs fc block of all (%d product%s): %.2e x max %.3g (tol 1e-6)", nv,
               nv > 1 ? "s" : "", mx > 0 ? err / mx : err, mx);
        CU_ASSERT(err <= 1e-6 * mx && mx > 1e-6);
    }
    nn_model_op_free(&all);
    nn_model_op_free(&fc);
    free(va);
    free(ha);
    free(vf);
    free(hf);
    nn_dataset_free(&d);
    nn_model_free_f32(m);
}

void nn_suite_hess_sub(void)
{
    CU_pSuite s = CU_add_suite("nn hessian sub-block", NULL, NULL);
    CU_add_test(s, "MLP: restricted R passes = full HVP's block (f32, f64)", test_mlp);
    CU_add_test(s, "ResNet-8/14: restricted R passes = full HVP's block (f32, f64)", test_resnet);
    CU_add_test(s, "transformer: restricted R passes = full HVP's block (f32, f64)", test_transformer);
    CU_add_test(s, "hess.c operator --params fc = fc block of all", test_operator);
}
