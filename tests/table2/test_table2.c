/* test_table2.c - the Table 2 diagnostics against closed forms and
 * independent computations (tolerances next to each check, fixed seeds):
 *   - proofs_check/gap_est.h: the one-point gap of a quadratic is
 *     grad.U + U'AU/2 draw by draw and (sigma^2/2) tr A in expectation; the
 *     two-point one is U'AU/2;
 *   - nn/kink.c: psi's closed forms; the sign-change fraction and the kink
 *     term for Gaussian pre-activations (closed forms); on a tiny engine MLP
 *     the recomputed loss and activation gradients against the engine's, the
 *     sign-change count against a direct count and against its prediction
 *     under random perturbations, and K(sigma) against the Monte Carlo kink
 *     shift of the perturbed pre-activations. */
#include "../cunit_run.h"
#include "gap_est.h"
#include "kink.h"
#include "nn.h"
#include "objective.h"
#include "rng.h"
#include "train.h"
#include <CUnit/Basic.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_CLOSE(a, b, tol)                                                                                   \
    do {                                                                                                         \
        double a_ = (a), b_ = (b);                                                                               \
        if (!(fabs(a_ - b_) <= (tol)))                                                                           \
            fprintf(stderr, "\n  %s:%d: %s = %.15g, expected %.15g +- %.3g\n", __FILE__, __LINE__, #a, a_, b_, \
                    (double)(tol));                                                                              \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                                       \
    } while (0)

/* ---- one-point and two-point gaps on 1/2 w'Aw + b'w ---- */
static void test_one_point_quadratic(void)
{
    char msg[256];
    const nso_problem *pr = nso_problem_find("quadratic_dense");
    CU_ASSERT_FATAL(pr != NULL);
    gsl_rng *r = nso_rng_named(7, "test/table2/quad");
    nso_problem_params pp = {.dim = 10, .seed = 7, .scale = 1.0, .data_rng = r};
    nso_objective *f = pr->create(&pp, msg, sizeof msg);
    CU_ASSERT_FATAL(f != NULL);
    size_t d = f->dim;
    double w[10], g[10], u[10], wp[10], wm[10], col[10];
    pr->init(f, w, r);
    f->grad(f->ctx, w, g);
    double f0 = f->value(f->ctx, w), tr = f->hess_trace(f->ctx, w), trA2 = 0, g2 = 0;
    for (size_t i = 0; i < d; i++) { /* tr A^2 = sum_i ||A e_i||^2 from Hessian-vector products */
        double e[10] = {0};
        e[i] = 1;
        f->hvp(f->ctx, w, e, col);
        for (size_t j = 0; j < d; j++) trA2 += col[j] * col[j];
        g2 += g[i] * g[i];
    }
    /* draw by draw: exact identities (rounding only: 1e-10 relative) */
    for (int n = 0; n < 50; n++) {
        for (size_t i = 0; i < d; i++) u[i] = gsl_ran_gaussian(r, 0.7);
        double lin = 0, q = 0.5 * nso_obj_hquad(f, w, u);
        for (size_t i = 0; i < d; i++) lin += g[i] * u[i];
        double g1 = pc_gap_one_point(f, w, u, f0, wp), g2p = pc_gap_two_point(f, w, u, f0, wp, wm);
        CHECK_CLOSE(g1, lin + q, 1e-10 * (1 + fabs(lin) + fabs(q) + fabs(f0)));
        CHECK_CLOSE(g2p, q, 1e-10 * (1 + fabs(q) + fabs(f0)));
    }
    /* in expectation (sigma^2/2) tr A; the variance of one draw is
     * sigma^2 ||g||^2 + sigma^4 tr(A^2)/2 (Gaussian U): within 4 standard errors */
    const double sigma = 0.3;
    const size_t N = 40000;
    double s = 0;
    for (size_t n = 0; n < N; n++) {
        for (size_t i = 0; i < d; i++) u[i] = gsl_ran_gaussian(r, sigma);
        s += pc_gap_one_point(f, w, u, f0, wp);
    }
    double var = sigma * sigma * g2 + pow(sigma, 4) * trA2 / 2;
    CHECK_CLOSE(s / N, sigma * sigma / 2 * tr, 4 * sqrt(var / N));
    gsl_rng_free(r);
    nso_obj_free(f);
}

/* ---- psi ---- */
static void test_psi(void)
{
    CHECK_CLOSE(nn_kink_psi(0), 1 / sqrt(2 * M_PI), 1e-15);
    /* int_0^inf psi = 1/4 (Simpson on [0, 20], step 1e-3: error << 1e-9) */
    double h = 1e-3, S = nn_kink_psi(0) + nn_kink_psi(20);
    for (int i = 1; i < 20000; i++) S += (i % 2 ? 4 : 2) * nn_kink_psi(i * h);
    CHECK_CLOSE(S * h / 3, 0.25, 1e-9);
    /* s psi(|z|/s) = E relu(z + dz) - relu(z), dz ~ N(0, s^2), and
     * E relu(z + dz) = z Phi(z/s) + s phi(z/s) (closed form), both signs of z */
    double s = 0.5;
    for (int k = -1; k <= 1; k += 2) {
        double z = 0.7 * k, Er = z * gsl_cdf_ugaussian_P(z / s) + s * gsl_ran_ugaussian_pdf(z / s);
        CHECK_CLOSE(s * nn_kink_psi(fabs(z) / s), Er - (z > 0 ? z : 0), 1e-15);
    }
}

/* ---- Gaussian pre-activations z ~ N(0, tau^2), c = 1, g = 1 ---- */
static void test_kink_gaussian(void)
{
    const int N = 200000;
    const double tau = 1.3;
    nn_kink k;
    memset(&k, 0, sizeof k);
    k.n = N, k.H = 1, k.D = 0;
    k.z = malloc(sizeof(float) * N);
    k.g = malloc(sizeof(double) * N);
    k.c2 = malloc(sizeof(double) * N);
    /* the quantile grid of N(0, tau^2): sample averages are midpoint quadratures */
    for (int i = 0; i < N; i++) {
        k.z[i] = (float)(tau * gsl_cdf_ugaussian_Pinv((i + 0.5) / N));
        k.g[i] = 1, k.c2[i] = 1;
    }
    const double sig[3] = {0.05, 0.3, 1.0};
    for (int t = 0; t < 3; t++) {
        double s = sig[t];
        /* z and z + dz have opposite signs with probability atan(s/tau)/pi (orthant probability) */
        CHECK_CLOSE(nn_kink_flip_expected(&k, s), atan(s / tau) / M_PI, 2e-5);
        /* E relu(z + dz) - E relu(z) = (sqrt(tau^2 + s^2) - tau) / sqrt(2 pi) */
        double Kx = (sqrt(tau * tau + s * s) - tau) / sqrt(2 * M_PI);
        CHECK_CLOSE(nn_kink_term(&k, s), Kx, 1e-4 * Kx);
    }
    /* leading order: K ~ (s^2/2) p(0), p(0) = 1/(tau sqrt(2 pi)), error O(s^2/tau^2) */
    double p0x = 1 / (tau * sqrt(2 * M_PI)), p0;
    CHECK_CLOSE(nn_kink_term(&k, 0.01) / (0.5e-4 * p0x), 1.0, 1e-3);
    /* box estimate at half-width h: p(0) (1 - h^2/(6 tau^2) + ...) */
    double h = 0.05 * tau, d0 = nn_kink_density0(&k, h, &p0);
    CHECK_CLOSE(p0, p0x, 2e-3 * p0x);
    CHECK_CLOSE(d0, p0x, 2e-3 * p0x); /* g = c^2 = 1: D0 = p(0) */
    free(k.z), free(k.g), free(k.c2);
}

/* ---- a tiny engine MLP: 16 inputs, 8 hidden, 3 classes, 60 examples ---- */
#define TN 60
static void test_kink_mlp(void)
{
    char msg[256];
    nn_config cfg = {NN_ARCH_MLP, 2, 8, 1, 4, 4, 3, NN_ACT_RELU};
    gsl_rng *r = nso_rng_named(11, "test/table2/mlp");
    nn_model_f32 *m = nn_model_create_f32(&cfg, TN, r, msg, sizeof msg);
    CU_ASSERT_FATAL(m != NULL);
    nn_dataset d = {TN, 1, 4, 4, 3, malloc(TN * 16), malloc(TN), NULL};
    for (int i = 0; i < TN * 16; i++) d.pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    for (int i = 0; i < TN; i++) d.labels[i] = (uint8_t)(i % 3);
    int idx[TN];
    for (int i = 0; i < TN; i++) idx[i] = i;
    nn_kink k;
    CU_ASSERT_FATAL(nn_kink_init(&k, m, &d, idx, TN, msg, sizeof msg) == 0);
    CU_ASSERT(k.H == 8 && k.D == 16 && k.C == 3);
    /* the loss recomputed in double against the engine's float forward (1e-5 relative) */
    float *x = malloc(sizeof(float) * TN * 16);
    uint8_t *y = malloc(TN);
    nn_dataset_batch(&d, idx, TN, x, y);
    double L = nn_loss_grad_f32(m, x, y, TN);
    CHECK_CLOSE(k.loss, L, 1e-5 * (1 + L));
    /* the engine's d loss / d fc1.weight = (1/n) sum_i g_ij 1{z_ij > 0} x_i (float: 1e-5 absolute) */
    double maxd = 0;
    for (int j = 0; j < 8; j++)
        for (int q = 0; q < 16; q++) {
            double v = 0;
            for (int i = 0; i < TN; i++)
                if (k.z[i * 8 + j] > 0) v += k.g[i * 8 + j] * k.x[i * 16 + q];
            maxd = fmax(maxd, fabs(v / TN - m->grads[k.w1 + (size_t)j * 16 + q]));
        }
    CU_ASSERT(maxd <= 1e-5);
    /* c^2 = ||x||^2 + 1 */
    double c0 = 1;
    for (int q = 0; q < 16; q++) c0 += (double)x[q] * x[q];
    CHECK_CLOSE(k.c2[0], c0, 1e-12 * c0);
    /* no perturbation: no sign change; a bias shift +delta: exactly the z in (-delta, 0] */
    CHECK_CLOSE(nn_kink_flips(&k, m->params), 0.0, 0);
    float *p = malloc(sizeof(float) * m->nparams);
    memcpy(p, m->params, sizeof(float) * m->nparams);
    const float delta = 0.3f;
    for (int j = 0; j < 8; j++) p[k.b1 + j] += delta;
    int cnt = 0;
    for (int i = 0; i < TN * 8; i++) {
        float zs = k.z[i];
        float zn = zs + delta; /* the same float sum up to rounding of the gemm: skip ties */
        cnt += (zs > 0) != (zn > 0);
    }
    CHECK_CLOSE(nn_kink_flips(&k, p) * TN * 8, (double)cnt, 1.0); /* a tie may round either way */
    /* Gaussian perturbations of every parameter: the mean sign-change fraction
     * and the mean kink shift (1/n) sum g (relu(z+dz) - relu(z) - relu'(z) dz)
     * against nn_kink_flip_expected and nn_kink_term, within 4 standard errors */
    const double sigma = 0.15;
    const int R = 8000; /* 4 standard errors are then ~6% of K */
    double fs = 0, fss = 0, ks = 0, kss = 0;
    for (int t = 0; t < R; t++) {
        for (size_t i = 0; i < m->nparams; i++) p[i] = m->params[i] + (float)gsl_ran_gaussian(r, sigma);
        double fl = nn_kink_flips(&k, p), sh = 0;
        for (int i = 0; i < TN * 8; i++) {
            double z = k.z[i], zp = k.zp[i], dz = zp - z;
            sh += k.g[i] * ((zp > 0 ? zp : 0) - (z > 0 ? z : 0) - (z > 0 ? dz : 0));
        }
        sh /= TN;
        fs += fl, fss += fl * fl, ks += sh, kss += sh * sh;
    }
    double fm = fs / R, fse = sqrt((fss / R - fm * fm) / R), km = ks / R, kse = sqrt((kss / R - km * km) / R);
    CHECK_CLOSE(fm, nn_kink_flip_expected(&k, sigma), 4 * fse);
    CHECK_CLOSE(km, nn_kink_term(&k, sigma), 4 * kse);
    CU_ASSERT(fse > 0 && kse > 0 && fm > 0.01); /* the checks are not vacuous */
    /* refused: a softplus MLP */
    nn_config cs = cfg;
    cs.act = NN_ACT_SOFTPLUS;
    nn_model_f32 *ms = nn_model_create_f32(&cs, TN, r, msg, sizeof msg);
    nn_kink k2;
    CU_ASSERT(nn_kink_init(&k2, ms, &d, idx, TN, msg, sizeof msg) != 0);
    CU_ASSERT(strstr(msg, "ReLU MLP") != NULL);
    nn_model_free_f32(ms);
    free(p), free(x), free(y);
    nn_kink_free(&k);
    nn_dataset_free(&d);
    nn_model_free_f32(m);
    gsl_rng_free(r);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("table2 diagnostics", NULL, NULL);
    if (!s) return 2;
    CU_add_test(s, "one-point / two-point gap of a quadratic: closed forms", test_one_point_quadratic);
    CU_add_test(s, "psi: value at 0, integral, E relu shift", test_psi);
    CU_add_test(s, "sign changes and kink term of Gaussian pre-activations", test_kink_gaussian);
    CU_add_test(s, "kink analysis of a tiny MLP against the engine and Monte Carlo", test_kink_mlp);
    int rc = nso_cunit_run("test_table2");
    return rc;
}
