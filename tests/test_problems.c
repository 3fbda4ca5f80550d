/* test_problems.c - CUnit tests of the problem registry (lib/prob_*.c) and of
 * the sample-sharing oracle behind it: every registered problem's gradient,
 * Hessian-vector product, u'Hu, trace, Lipschitz constant and closed-form
 * smoothed objective F / grad F (against central differences, against each
 * other and against Monte Carlo), data streams, error reporting; the additive
 * Gaussian oracle and NSO's sample modes (the variance of the oracle noise in
 * one step).  Every check states its tolerance; fixed seeds throughout. */
#include "cunit_run.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "rng.h"
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_CLOSE(a, b, tol)                                                                           \
    do {                                                                                                 \
        double a_ = (a), b_ = (b);                                                                       \
        if (!(fabs(a_ - b_) <= (tol)))                                                                   \
            fprintf(stderr, "\n  %s:%d [%s]: %s = %.15g, expected %.15g +- %.3g\n", __FILE__, __LINE__, \
                    cur, #a, a_, b_, (double)(tol));                                                     \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                               \
    } while (0)

static const char *cur = ""; /* the problem under test, for messages */

/* small instances of every problem */
static nso_objective *small(const nso_problem *pb, uint64_t seed)
{
    int sensing = strcmp(pb->name, "sensing") == 0;
    nso_problem_params pp = {.dim = sensing ? 4 : 6, .rank = 2, .m = sensing ? 0 : 9, .seed = seed,
                             .scale = 1.0};
    if (strcmp(pb->name, "logistic") == 0) pp.m = 40;
    char msg[256] = "";
    nso_objective *o = pb->create(&pp, msg, sizeof msg);
    if (!o) fprintf(stderr, "\n  %s: %s\n", pb->name, msg);
    return o;
}

/* a point near the problem's initial point (off any special point) */
static void point(const nso_problem *pb, const nso_objective *o, double *w)
{
    gsl_rng *r = nso_rng_named(3, pb->name);
    pb->init(o, w, r);
    for (size_t i = 0; i < o->dim; i++) w[i] += 0.05 * cos(2.1 * (double)i + 0.4);
    gsl_rng_free(r);
}

/* gradient, hvp, u'Hu, trace against finite differences and each other */
static void test_derivatives(void)
{
    for (size_t p = 0; nso_problems[p]; p++) {
        const nso_problem *pb = nso_problems[p];
        cur = pb->name;
        nso_objective *o = small(pb, 11);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        size_t d = o->dim;
        double *w = malloc(7 * d * sizeof(double)), *g = w + d, *wp = w + 2 * d, *v = w + 3 * d,
               *hv = w + 4 * d, *g1 = w + 5 * d, *g2 = w + 6 * d;
        point(pb, o, w);
        o->grad(o->ctx, w, g);
        /* central differences, h = 1e-5: error O(h^2 f''') + O(eps f / h) */
        double h = 1e-5, gn = 0;
        for (size_t i = 0; i < d; i++) {
            memcpy(wp, w, d * sizeof(double));
            wp[i] += h;
            double fp = o->value(o->ctx, wp);
            wp[i] -= 2 * h;
            double fm = o->value(o->ctx, wp);
            CHECK_CLOSE(g[i], (fp - fm) / (2 * h), 1e-6 * (1 + fabs(g[i])));
            gn += fabs(g[i]);
        }
        CU_ASSERT(gn > 1e-6); /* not trivially zero */
        for (size_t i = 0; i < d; i++) v[i] = sin(1.7 * (double)i + 0.3);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o->hvp);
        o->hvp(o->ctx, w, v, hv);
        /* hvp against central differences of the gradient (1e-6 relative) */
        for (size_t i = 0; i < d; i++) wp[i] = w[i] + h * v[i];
        o->grad(o->ctx, wp, g1);
        for (size_t i = 0; i < d; i++) wp[i] = w[i] - h * v[i];
        o->grad(o->ctx, wp, g2);
        for (size_t i = 0; i < d; i++) CHECK_CLOSE(hv[i], (g1[i] - g2[i]) / (2 * h), 1e-6 * (1 + fabs(hv[i])));
        double q = 0;
        for (size_t i = 0; i < d; i++) q += v[i] * hv[i];
        /* u'Hu: the closed form (when present) equals u . hvp(u) to rounding */
        if (o->hquad) CHECK_CLOSE(o->hquad(o->ctx, w, v), q, 1e-12 * (1 + fabs(q)));
        CHECK_CLOSE(nso_obj_hquad(o, w, v), q, 1e-12 * (1 + fabs(q)));
        /* and the second difference of f along v (h = 1e-4: 1e-4 relative) */
        for (size_t i = 0; i < d; i++) wp[i] = w[i] + 1e-4 * v[i];
        double fp = o->value(o->ctx, wp);
        for (size_t i = 0; i < d; i++) wp[i] = w[i] - 1e-4 * v[i];
        double fm = o->value(o->ctx, wp), f0 = o->value(o->ctx, w);
        CHECK_CLOSE((fp - 2 * f0 + fm) / 1e-8, q, 1e-4 * (1 + fabs(q)));
        /* trace = sum_i e_i' H e_i (1e-10 relative) */
        if (o->hess_trace) {
            double tr = 0;
            for (size_t i = 0; i < d; i++) {
                memset(v, 0, d * sizeof(double));
                v[i] = 1;
                o->hvp(o->ctx, w, v, hv);
                tr += hv[i];
            }
            CHECK_CLOSE(o->hess_trace(o->ctx, w), tr, 1e-10 * (1 + fabs(tr)));
        }
        /* the Lipschitz constant bounds the curvature: |u'H(w)u| <= C |u|^2 at
         * 20 random (w, u) (the step-size choice of the optimizer tests) */
        if (isfinite(o->lipschitz)) {
            gsl_rng *r = nso_rng_named(5, pb->name);
            double worst = 0;
            for (int t = 0; t < 20; t++) {
                double uu = 0;
                for (size_t i = 0; i < d; i++) {
                    wp[i] = w[i] + gsl_ran_gaussian(r, 1.0);
                    v[i] = gsl_ran_gaussian(r, 1.0);
                    uu += v[i] * v[i];
                }
                worst = fmax(worst, fabs(nso_obj_hquad(o, wp, v)) / uu);
            }
            CU_ASSERT(worst <= o->lipschitz * (1 + 1e-12));
            gsl_rng_free(r);
        }
        free(w);
        nso_obj_free(o);
    }
}

/* closed-form F and grad F against Monte Carlo (5 standard errors, 2e5 draws)
 * and grad F against central differences of F (1e-6 relative); NAN / EINVAL
 * for the uncentred binomial */
static void test_smoothed(void)
{
    const nso_noise_law *laws[] = {&nso_noise_gaussian, &nso_noise_laplace, &nso_noise_uniform,
                                   &nso_noise_binomial, &nso_noise_rademacher};
    const int N = 200000;
    int checked = 0;
    for (size_t p = 0; nso_problems[p]; p++) {
        const nso_problem *pb = nso_problems[p];
        cur = pb->name;
        nso_objective *o = small(pb, 12);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        if (!o->smoothed) {
            CU_ASSERT(o->smoothed_grad == NULL);
            nso_obj_free(o);
            continue;
        }
        size_t d = o->dim;
        double *w = malloc(6 * d * sizeof(double)), *wp = w + d, *u = w + 2 * d, *gF = w + 3 * d,
               *g = w + 4 * d, *gs = w + 5 * d, *gs2 = malloc(d * sizeof(double));
        point(pb, o, w);
        const double sigma = 0.3;
        CU_ASSERT(isnan(o->smoothed(o->ctx, w, &nso_noise_binomial4_uncentred, sigma)));
        if (o->smoothed_grad)
            CU_ASSERT(o->smoothed_grad(o->ctx, w, &nso_noise_binomial4_uncentred, sigma, gF) == NSO_EINVAL);
        gsl_rng *r = nso_rng_named(8, pb->name);
        for (int l = 0; l < 5; l++) {
            double F = o->smoothed(o->ctx, w, laws[l], sigma);
            if (isnan(F)) continue; /* logcosh: Gaussian only */
            int hasg = o->smoothed_grad && o->smoothed_grad(o->ctx, w, laws[l], sigma, gF) == NSO_OK;
            double s1 = 0, s2 = 0;
            memset(gs, 0, d * sizeof(double));
            memset(gs2, 0, d * sizeof(double));
            for (int n = 0; n < N; n++) {
                nso_noise_fill(laws[l], r, sigma, d, u);
                for (size_t i = 0; i < d; i++) wp[i] = w[i] + u[i];
                double f = o->value(o->ctx, wp);
                s1 += f, s2 += f * f;
                if (hasg) {
                    o->grad(o->ctx, wp, g);
                    for (size_t i = 0; i < d; i++) gs[i] += g[i], gs2[i] += g[i] * g[i];
                }
            }
            double m = s1 / N, se = sqrt((s2 / N - m * m) / N);
            CHECK_CLOSE(F, m, 5 * se + 1e-12 * fabs(m));
            checked++;
            if (!hasg) continue;
            for (size_t i = 0; i < d; i++) {
                double gm = gs[i] / N, gse = sqrt(fmax(gs2[i] / N - gm * gm, 0) / N);
                CHECK_CLOSE(gF[i], gm, 5 * gse + 1e-12);
                /* grad F = d F / d w_i by central differences */
                memcpy(wp, w, d * sizeof(double));
                wp[i] += 1e-5;
                double Fp = o->smoothed(o->ctx, wp, laws[l], sigma);
                wp[i] -= 2e-5;
                double Fm = o->smoothed(o->ctx, wp, laws[l], sigma);
                CHECK_CLOSE(gF[i], (Fp - Fm) / 2e-5, 1e-6 * (1 + fabs(gF[i])));
            }
        }
        gsl_rng_free(r);
        free(w), free(gs2);
        nso_obj_free(o);
    }
    CU_ASSERT(checked >= 20); /* quadratics x2, cosquad, sepcos, cossum: 5 laws; logcosh: 1 */
}

/* sepcos is Theorem 4.3's function: its closed forms written out here
 * independently (Gaussian: e = exp(-omega^2 sigma^2 / 2)), its coefficients
 * through nso_sepcos_coef, its start 1.3 * ones */
static void test_sepcos_closed_form(void)
{
    cur = "sepcos";
    nso_problem_params pp = {.dim = 3, .scale = 1.0};
    char msg[256];
    nso_objective *o = nso_problem_sepcos.create(&pp, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    double lam, beta, omega, w[3] = {0.4, -1.1, 1.9}, g[3], w0[3];
    CU_ASSERT(nso_sepcos_coef(o, &lam, &beta, &omega) == NSO_OK);
    CHECK_CLOSE(lam, 1.0, 0);
    CHECK_CLOSE(beta, 1.0, 0);
    CHECK_CLOSE(omega, 2.0, 0);
    CHECK_CLOSE(o->lipschitz, 5.0, 0);
    const double s = 0.35, e = exp(-2.0 * s * s);
    double F = 0;
    for (int i = 0; i < 3; i++) F += 0.5 * (w[i] * w[i] + s * s) + (1 - e * cos(2 * w[i]));
    CHECK_CLOSE(o->smoothed(o->ctx, w, &nso_noise_gaussian, s), F, 1e-14 * F);
    CU_ASSERT(o->smoothed_grad(o->ctx, w, &nso_noise_gaussian, s, g) == NSO_OK);
    for (int i = 0; i < 3; i++) CHECK_CLOSE(g[i], w[i] + 2 * e * sin(2 * w[i]), 1e-14);
    nso_problem_sepcos.init(o, w0, NULL);
    for (int i = 0; i < 3; i++) CHECK_CLOSE(w0[i], 1.3, 0);
    /* not a separable cosine: refused */
    nso_objective *q = nso_problem_quadratic.create(&pp, msg, sizeof msg);
    CU_ASSERT(nso_sepcos_coef(q, &lam, &beta, &omega) == NSO_EINVAL);
    nso_obj_free(q);
    nso_obj_free(o);
}

/* data_rng: the same stream gives the same problem and leaves the stream in
 * the same state; the problem's own stream (from seed) gives another one */
static void test_data_rng(void)
{
    const char *names[] = {"quadratic_dense", "cossum", "logcosh", "logistic"};
    for (int k = 0; k < 4; k++) {
        cur = names[k];
        const nso_problem *pb = nso_problem_find(names[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(pb);
        gsl_rng *r1 = nso_rng_named(21, "data"), *r2 = nso_rng_named(21, "data");
        nso_problem_params pp = {.dim = 5, .m = 7, .seed = 21, .scale = 1.0, .data_rng = r1};
        char msg[256];
        nso_objective *a = pb->create(&pp, msg, sizeof msg);
        pp.data_rng = r2;
        nso_objective *b = pb->create(&pp, msg, sizeof msg);
        pp.data_rng = NULL;
        nso_objective *c = pb->create(&pp, msg, sizeof msg);
        CU_ASSERT_FATAL(a && b && c);
        double w[5] = {0.3, -0.2, 0.9, 0.1, -0.7};
        CHECK_CLOSE(a->value(a->ctx, w), b->value(b->ctx, w), 0);
        CU_ASSERT(a->value(a->ctx, w) != c->value(c->ctx, w));
        CU_ASSERT(gsl_rng_get(r1) == gsl_rng_get(r2));
        gsl_rng_free(r1), gsl_rng_free(r2);
        nso_obj_free(a), nso_obj_free(b), nso_obj_free(c);
    }
}

/* a bad size: NULL, a message naming the parameter, nothing on stderr */
static void test_create_errors(void)
{
    char path[] = "/tmp/test_problems_stderr.XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    int nulls = 0, named = 0, n = 0;
    for (size_t p = 0; nso_problems[p]; p++, n++) {
        nso_problem_params pp = {.dim = 1000000000, .rank = 2, .seed = 1, .scale = 1.0};
        char msg[256] = "";
        nso_objective *o = nso_problems[p]->create(&pp, msg, sizeof msg);
        nulls += o == NULL;
        named += strstr(msg, "dim") != NULL;
        nso_obj_free(o);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    struct stat st;
    CU_ASSERT(fstat(fd, &st) == 0 && st.st_size == 0); /* create never prints */
    close(fd);
    unlink(path);
    CU_ASSERT(nulls == n);
    CU_ASSERT(named == n);
}

/* the additive oracle: z is a function of the sample (drawn once, reused
 * while it repeats, correct after another sample), E||z||^2 = sigma_g^2
 * (5 s.e.), and the closed forms pass through the wrapper unchanged */
static void test_additive_oracle(void)
{
    cur = "additive oracle";
    nso_problem_params pp = {.dim = 6, .m = 9, .seed = 4, .scale = 1.0};
    char msg[256];
    nso_objective *inner = nso_problem_cossum.create(&pp, msg, sizeof msg);
    nso_objective *ref = nso_problem_cossum.create(&pp, msg, sizeof msg);
    CU_ASSERT_FATAL(inner && ref);
    const double sg = 1.7;
    nso_objective *o = nso_obj_additive_noise(inner, sg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    double w[6] = {0.1, 0.2, -0.3, 0.5, 0.0, -0.8}, u[6] = {1, -1, 0.5, 0.2, 0.3, -0.4}, g[6], g1[6], g2[6], gf[6];
    CHECK_CLOSE(o->hquad(o->ctx, w, u), ref->hquad(ref->ctx, w, u), 0);
    CHECK_CLOSE(o->smoothed(o->ctx, w, &nso_noise_laplace, 0.2), ref->smoothed(ref->ctx, w, &nso_noise_laplace, 0.2), 0);
    CU_ASSERT(o->smoothed_grad(o->ctx, w, &nso_noise_uniform, 0.2, g) == NSO_OK);
    ref->smoothed_grad(ref->ctx, w, &nso_noise_uniform, 0.2, g1);
    for (int i = 0; i < 6; i++) CHECK_CLOSE(g[i], g1[i], 0);
    nso_sample a = {99, 5, 1, 0}, b = {99, 5, 2, 0}, c = {99, 6, 1, 0};
    ref->grad(ref->ctx, w, gf);
    nso_obj_sgrad(o, w, g1, &a);
    nso_obj_sgrad(o, w, g2, &b);
    nso_obj_sgrad(o, w, g, &a); /* a again after b */
    double dab = 0, daa = 0;
    for (int i = 0; i < 6; i++) dab += fabs(g1[i] - g2[i]), daa += fabs(g1[i] - g[i]);
    CU_ASSERT(dab > 1e-3);
    CHECK_CLOSE(daa, 0.0, 0);
    nso_obj_sgrad(o, w, g2, &c);
    dab = 0;
    for (int i = 0; i < 6; i++) dab += fabs(g1[i] - g2[i]);
    CU_ASSERT(dab > 1e-3);
    /* the noise does not depend on the point */
    double w2[6] = {0};
    ref->grad(ref->ctx, w2, g2);
    nso_obj_sgrad(o, w2, g, &a);
    for (int i = 0; i < 6; i++) CHECK_CLOSE(g[i] - g2[i], g1[i] - gf[i], 1e-14);
    double s1 = 0, s2 = 0;
    const int N = 20000;
    for (int n = 0; n < N; n++) {
        nso_sample s = {7, (uint64_t)n, (uint32_t)(n % 3), 0};
        nso_obj_sgrad(o, w, g, &s);
        double z2 = 0;
        for (int i = 0; i < 6; i++) z2 += (g[i] - gf[i]) * (g[i] - gf[i]);
        s1 += z2, s2 += z2 * z2;
    }
    double m = s1 / N, se = sqrt((s2 / N - m * m) / N);
    CHECK_CLOSE(m, sg * sg, 5 * se);
    nso_obj_free(o);
    nso_obj_free(ref);
}

/* NSO's sample modes on a quadratic with the additive oracle: the two-point
 * average is exact there, so one step with eta = 1 gives G = grad f(W) + xi.
 * E||xi||^2 = sigma_g^2 (slot 0: one z per step), sigma_g^2/k (pair-samples:
 * one z per pair), sigma_g^2/(2k) (split-samples), 5 s.e. over 4000 steps */
static void test_nso_sample_modes(void)
{
    cur = "nso sample modes";
    const size_t d = 8;
    const long k = 4;
    const double sg = 1.3;
    nso_problem_params pp = {.dim = d, .seed = 2, .scale = 1.0};
    char msg[256];
    nso_objective *q = nso_problem_quadratic.create(&pp, msg, sizeof msg);
    nso_objective *o = nso_obj_additive_noise(nso_problem_quadratic.create(&pp, msg, sizeof msg), sg);
    CU_ASSERT_FATAL(q && o);
    const char *flags[3] = {NULL, "pair-samples", "split-samples"};
    const double expect[3] = {sg * sg, sg * sg / k, sg * sg / (2.0 * k)};
    double w0[8], w[8], gf[8];
    for (size_t i = 0; i < d; i++) w0[i] = cos(1.1 * (double)i);
    q->grad(q->ctx, w0, gf);
    for (int m = 0; m < 3; m++) {
        nso_param_set ps;
        nso_params_clear(&ps);
        nso_params_set(&ps, "sigma", 0.4);
        nso_params_set(&ps, "k", (double)k);
        if (flags[m]) nso_params_set(&ps, flags[m], 1);
        nso_optimizer *opt = nso_optimizer_alloc(nso_opt_nso, d, &ps, o, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(opt);
        opt->sample_seed = nso_stream_id(3, "modes", (uint64_t)m);
        gsl_rng *r = nso_rng_named(6, "modes");
        double s1 = 0, s2 = 0;
        const int N = 4000;
        for (int n = 0; n < N; n++) {
            memcpy(w, w0, sizeof w);
            CU_ASSERT(nso_opt_step(opt, o, w, 1.0, r) == NSO_OK);
            double x2 = 0;
            for (size_t i = 0; i < d; i++) x2 += pow(w0[i] - w[i] - gf[i], 2);
            s1 += x2, s2 += x2 * x2;
        }
        double mean = s1 / N, se = sqrt((s2 / N - mean * mean) / N);
        CHECK_CLOSE(mean, expect[m], 5 * se);
        gsl_rng_free(r);
        nso_optimizer_free(opt);
    }
    nso_obj_free(q);
    nso_obj_free(o);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("problems", NULL, NULL);
    CU_add_test(s, "every problem: gradient, hvp, u'Hu, trace, Lipschitz", test_derivatives);
    CU_add_test(s, "every problem: closed-form F and grad F vs Monte Carlo", test_smoothed);
    CU_add_test(s, "sepcos: Theorem 4.3's closed forms", test_sepcos_closed_form);
    CU_add_test(s, "data_rng: same stream, same data", test_data_rng);
    CU_add_test(s, "bad size: NULL + message, no output", test_create_errors);
    CU_pSuite s2 = CU_add_suite("oracle", NULL, NULL);
    CU_add_test(s2, "additive oracle: z from the sample", test_additive_oracle);
    CU_add_test(s2, "nso sample modes: E||xi||^2 = sg^2, sg^2/k, sg^2/(2k)", test_nso_sample_modes);
    int rc = nso_cunit_run("test_problems");
    return rc;
}
