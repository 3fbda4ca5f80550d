/* test_quad.c - the quadratic forms v' H v by second-order forward mode
 * (nn_quad_multi_from, the fast path of Hutchinson's trace estimator) against
 * v . (H v) from the R-operator HVP (an independent reverse-mode
 * computation; the HVP itself is checked against finite differences in
 * test_engine.c and against PyTorch by check-torch), in the double and the
 * float build, for
 *   - the ReLU MLP, with and without label smoothing,
 *   - ResNet-8 and ResNet-14 (every parameter; the head; a middle stage; a
 *     downsample branch; a batch norm fused with its ReLU),
 * and that networks with other layers are refused (nn_quad_ok = 0, NAN).
 * Tolerances (x sum |v_i (Hv)_i|): 1e-10 in double (the two passes round
 * differently), 2e-4 in float.  Then nn/hess.c's operator: Hutchinson with
 * the quadratic forms against Hutchinson with the products, same probes. */
#include "hess.h"
#include "hessian.h"
#include "nn.h"
#include "rng.h"
#include "test_nn.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T float
#define S(x) x##_f32
#include "quad_check.h"
#undef T
#undef S
#define T double
#define S(x) x##_f64
#include "quad_check.h"
#undef T
#undef S

#define TOL32 2e-4
#define TOL64 1e-10

static void test_mlp(void)
{
    const nn_config c = {NN_ARCH_MLP, 2, 6, 1, 4, 5, 3, NN_ACT_RELU};
    const char *pre[] = {"", "fc2", "fc2.bias"};
    float x[4 * 20];
    uint8_t y[4];
    nn_test_images(4, 20, x, y, 3);
    CU_ASSERT(check_quad_f64("mlp", &c, 4, x, y, 0, pre, 3, TOL64) == 0);
    CU_ASSERT(check_quad_f64("mlp smoothing 0.1", &c, 4, x, y, 0.1, pre, 1, TOL64) == 0);
    CU_ASSERT(check_quad_f32("mlp", &c, 4, x, y, 0, pre, 3, TOL32) == 0);
}

static void test_resnet(void)
{
    const nn_config c8 = {NN_ARCH_RESNET, 8, 0, 1, 8, 8, 3, NN_ACT_RELU};
    const char *pre8[] = {"", "fc", "layer2", "layer2.0.downsample", "layer3.0.bn1"};
    float x[3 * 64];
    uint8_t y[3];
    nn_test_images(3, 64, x, y, 3);
    CU_ASSERT(check_quad_f64("resnet-8", &c8, 3, x, y, 0, pre8, 5, TOL64) == 0);
    CU_ASSERT(check_quad_f32("resnet-8", &c8, 3, x, y, 0.1, pre8, 5, TOL32) == 0);
    const nn_config c14 = {NN_ARCH_RESNET, 14, 0, 2, 6, 6, 4, NN_ACT_RELU};
    const char *pre14[] = {"", "layer1.1"};
    float x14[2 * 72];
    uint8_t y14[2];
    nn_test_images(2, 72, x14, y14, 4);
    CU_ASSERT(check_quad_f64("resnet-14", &c14, 2, x14, y14, 0, pre14, 2, TOL64) == 0);
}

/* softplus, GELU, layer norm, attention: not supported, refused */
static void test_refused(void)
{
    const nn_config cs = {NN_ARCH_MLP, 2, 6, 1, 4, 5, 3, NN_ACT_SOFTPLUS};
    const nn_config ct = {NN_ARCH_TRANSFORMER, 2, 4, 11, 2, 5, 3, NN_ACT_GELU};
    const nn_config *cs_[] = {&cs, &ct};
    for (int k = 0; k < 2; k++) {
        char msg[200];
        gsl_rng *r = nso_rng_named(1, "test/quad-refused");
        nn_model_f32 *m = nn_model_create_f32(cs_[k], 2, r, msg, sizeof msg);
        gsl_rng_free(r);
        CU_ASSERT_FATAL(m != NULL);
        CU_ASSERT(nn_quad_ok_f32(m) == 0);
        float *v = calloc(m->nparams, sizeof(float)), x[10] = {2, 7, 3, 0, 0, 2, 9, 5, 3, 0};
        uint8_t y[2] = {0, 1};
        double q = 0;
        const float *vp = v;
        CU_ASSERT(isnan(nn_quad_multi_from_f32(m, x, y, 2, 1, &vp, &q, 0)));
        free(v);
        nn_model_free_f32(m);
    }
}

/* hess.c: Hutchinson through the operator with the quadratic forms (the
 * default for these networks) and with the products, the same probes:
 * the same estimate up to float rounding */
static void test_operator(void)
{
    enum { NE = 10, SIDE = 8, K = 3 };
    char msg[200];
    nn_dataset d;
    nn_model_f32 *m = nn_test_resnet8(5, "test/quad-op", NE, SIDE, K, &d);
    CU_ASSERT_FATAL(m != NULL);
    int idx[NE];
    for (int i = 0; i < NE; i++) idx[i] = i;
    const char *sel[] = {"all", "layer3,fc"};
    for (int s = 0; s < 2; s++) {
        nn_model_op mo;
        CU_ASSERT_FATAL(nn_model_op_init(&mo, m, &d, idx, NE, 4, sel[s], msg, sizeof msg) == 0);
        nso_linop op = nn_model_op_linop(&mo);
        CU_ASSERT_FATAL(op.quad != NULL);
        nso_hutch_opts ho = {.min_probes = 11, .max_probes = 11};
        nso_trace_est a = {0}, b = {0};
        gsl_rng *ra = nso_rng_named(9, "test/quad-probes"), *rb = nso_rng_named(9, "test/quad-probes");
        CU_ASSERT(nso_hutchinson(&op, &ho, ra, &a) == 0);
        long hq = (long)mo.hvps;
        op.quad = NULL; /* the products */
        CU_ASSERT(nso_hutchinson(&op, &ho, rb, &b) == 0);
        double err = fabs(a.mean - b.mean) / fabs(b.mean);
        printf("\n  Hutchinson --params %s, 11 probes: quadratic forms %.6g, products %.6g (rel %.1e, tol 1e-4)",
               sel[s], a.mean, b.mean, err);
        CU_ASSERT(err <= 1e-4 && a.probes == 11 && b.probes == 11);
        CU_ASSERT(fabs(a.se - b.se) <= 1e-3 * b.se);
        CU_ASSERT(hq == 11 * 3 && (long)mo.hvps == 2 * hq); /* 3 chunks per probe, counted both ways */
        gsl_rng_free(ra);
        gsl_rng_free(rb);
        nn_model_op_free(&mo);
    }
    nn_dataset_free(&d);
    nn_model_free_f32(m);
}

void nn_suite_quad(void)
{
    CU_pSuite s = CU_add_suite("nn quadratic forms v'Hv", NULL, NULL);
    CU_add_test(s, "MLP: forward-mode v'Hv = v.(Hv) (f64, f32)", test_mlp);
    CU_add_test(s, "ResNet-8/14: forward-mode v'Hv = v.(Hv), sub-blocks (f64, f32)", test_resnet);
    CU_add_test(s, "other layers refused", test_refused);
    CU_add_test(s, "hess.c: Hutchinson by quadratic forms = by products", test_operator);
}
