/* test_proofs.c - CUnit tests of the proofs_check constructions.  Every check
 * compares with a closed form or an independent computation, tolerance next to
 * the assertion, fixed seeds.  They test the code, never a paper claim. */
#include "drori_shamir.h"
#include "noise.h"
#include "nso_error.h"
#include "nsovec.h"
#include "objective.h"
#include "optimizer.h"
#include "rng.h"
#include "secmom.h"
#include "testfuncs.h"
#include <CUnit/Basic.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NSO_BIN
#define NSO_BIN "build/bin"
#endif

#define CHECK_CLOSE(a, b, tol)                                                                                   \
    do {                                                                                                         \
        double a_ = (a), b_ = (b);                                                                               \
        if (!(fabs(a_ - b_) <= (tol)))                                                                           \
            fprintf(stderr, "\n  %s:%d: %s = %.15g, expected %.15g +- %.3g\n", __FILE__, __LINE__, #a, a_, b_, \
                    (double)(tol));                                                                              \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                                       \
    } while (0)

/* ------------------------------------------------------ h_i and g pieces */
static void test_h_values(void)
{
    const double a = 0.7316, C = 2.385;
    CHECK_CLOSE(ds_h(0.0, a, C), C * a * a / 4, 1e-15);
    CHECK_CLOSE(ds_h(-0.99 * a, a, C), C * a * a / 4, 1e-15);
    CHECK_CLOSE(ds_h(1.25 * a, a, C), -C * 0.0625 * a * a / 2 + C * a * a / 4, 1e-15);
    CHECK_CLOSE(ds_h(-1.75 * a, a, C), C * 0.0625 * a * a / 2, 1e-15);
    CHECK_CLOSE(ds_h(2.5 * a, a, C), 0.0, 0);
    CHECK_CLOSE(ds_dh(1.25 * a, a, C), -C * 0.25 * a, 1e-15);
    CHECK_CLOSE(ds_dh(-1.25 * a, a, C), C * 0.25 * a, 1e-15);
    CHECK_CLOSE(ds_dh(0.3 * a, a, C), 0.0, 0);
    CHECK_CLOSE(ds_g(0.0, a, C), C * a * a / 4, 1e-15);
    CHECK_CLOSE(ds_g(0.75 * a, a, C), C * 0.0625 * a * a / 2, 1e-15);
    CHECK_CLOSE(ds_dg(0.2 * a, a, C), -C * 0.2 * a, 1e-15);
    CHECK_CLOSE(ds_dg(1.2 * a, a, C), 0.0, 0);
}

/* continuity of value and derivative at every breakpoint; piece tables agree
 * with the direct formulas; derivative Lipschitz constant = C */
static void check_pw(double (*v)(double, double, double), double (*dv)(double, double, double),
                     size_t (*pieces)(double, double, ds_piece *), double a, double C)
{
    ds_piece p[DS_MAXPIECES], dp[DS_MAXPIECES];
    size_t n = pieces(a, C, p);
    ds_pieces_deriv(p, n, dp);
    for (size_t i = 0; i + 1 < n; i++) {
        double b = p[i].hi, sc = C * a * a;
        CU_ASSERT(p[i].hi == p[i + 1].lo);
        /* both neighbouring polynomials agree at the breakpoint (1e-13 relative) */
        double l = p[i].c0 + b * (p[i].c1 + b * p[i].c2), r = p[i + 1].c0 + b * (p[i + 1].c1 + b * p[i + 1].c2);
        if (isfinite(b)) {
            CHECK_CLOSE(l, r, 1e-13 * sc);
            double dl = dp[i].c0 + b * dp[i].c1, dr = dp[i + 1].c0 + b * dp[i + 1].c1;
            CHECK_CLOSE(dl, dr, 1e-13 * C * a);
            CHECK_CLOSE(v(b - 1e-9 * a, a, C), v(b + 1e-9 * a, a, C), 1e-8 * sc);
            CHECK_CLOSE(dv(b - 1e-9 * a, a, C), dv(b + 1e-9 * a, a, C), 1e-8 * C * a);
        }
    }
    double worst = 0, maxslope = 0;
    for (int i = 0; i <= 4000; i++) {
        double x = -3 * a + 6 * a * i / 4000.0;
        worst = fmax(worst, fabs(ds_pieces_eval(p, n, x) - v(x, a, C)));
        worst = fmax(worst, fabs(ds_pieces_eval(dp, n, x) - dv(x, a, C)));
        if (i) {
            double xp = -3 * a + 6 * a * (i - 1) / 4000.0;
            maxslope = fmax(maxslope, fabs(dv(x, a, C) - dv(xp, a, C)) / (x - xp));
        }
    }
    CHECK_CLOSE(worst, 0.0, 1e-13 * C * a * (1 + a));
    /* grad is C-Lipschitz and the constant is attained (slopes -C, C exist) */
    CU_ASSERT(maxslope <= C * (1 + 1e-9));
    CU_ASSERT(maxslope >= C * (1 - 1e-6));
}
static void test_h_pieces(void) { check_pw(ds_h, ds_dh, ds_h_pieces, 0.4137, 1.7); }
static void test_g_pieces(void) { check_pw(ds_g, ds_dg, ds_g_pieces, 1.2345, 0.83); }

/* ---------------------------------------------- truncated Gaussian moments */
static void test_trunc_moments(void)
{
    const double s = 0.87, t = 0.385;
    ds_piece one[1] = {{-INFINITY, INFINITY, 1, 0, 0}}, mom[1] = {{-INFINITY, INFINITY, 0, 0, 1}};
    ds_piece lin[1] = {{-INFINITY, INFINITY, 0, 1, 0}};
    /* normalisation */
    CHECK_CLOSE(ds_expect(one, 1, 0, s, t, NSO_TRUNC_TWO_SIDED), 1.0, 1e-14);
    CHECK_CLOSE(ds_expect(one, 1, 0, s, t, NSO_TRUNC_ONE_SIDED), 1.0, 1e-14);
    /* variance of N(0,s^2) | |U| <= t: s^2 (1 - 2 z phi(z) / (2 Phi(z) - 1)), z = t/s */
    double z = t / s, phi = exp(-0.5 * z * z) / sqrt(2 * M_PI);
    double v = s * s * (1 - 2 * z * phi / (2 * gsl_cdf_ugaussian_P(z) - 1));
    CHECK_CLOSE(ds_expect(mom, 1, 0, s, t, NSO_TRUNC_TWO_SIDED), v, 1e-14);
    CHECK_CLOSE(ds_expect(lin, 1, 0, s, t, NSO_TRUNC_TWO_SIDED), 0.0, 1e-15);
    CHECK_CLOSE(ds_expect(mom, 1, 0, s, t, NSO_TRUNC_NONE), s * s, 1e-14);
    /* one-sided mean against the closed form of ds_trunc_mean */
    CHECK_CLOSE(ds_expect(lin, 1, 0, s, t, NSO_TRUNC_ONE_SIDED), ds_trunc_mean(s, t, NSO_TRUNC_ONE_SIDED), 1e-14);
    /* and by Monte Carlo: 1e6 draws of min(Z, t), 5 standard errors */
    gsl_rng *r = nso_rng_named(5, "test/trunc");
    double m = 0, m2 = 0;
    const int N = 1000000;
    for (int i = 0; i < N; i++) {
        double u = gsl_ran_gaussian(r, s);
        u = u < t ? u : t;
        m += u, m2 += u * u;
    }
    m /= N;
    double se = sqrt((m2 / N - m * m) / N);
    CHECK_CLOSE(ds_trunc_mean(s, t, NSO_TRUNC_ONE_SIDED), m, 5 * se);
    gsl_rng_free(r);
}

/* closed-form expectations of h, h', g, g' against GSL quadrature */
static void test_expect_vs_quadrature(void)
{
    const double C = 1.9, a = 0.6, s = 0.53;
    const double xs[] = {0.0, 0.17, -0.44, 0.71, 1.05, -1.3};
    const double ts[] = {0.05, 0.3, 2.0};
    const int modes[] = {NSO_TRUNC_TWO_SIDED, NSO_TRUNC_ONE_SIDED, NSO_TRUNC_NONE};
    ds_piece p[DS_MAXPIECES], dp[DS_MAXPIECES];
    for (int which = 0; which < 2; which++) {
        size_t n = which ? ds_g_pieces(a, C, p) : ds_h_pieces(a, C, p);
        ds_pieces_deriv(p, n, dp);
        for (size_t ix = 0; ix < 6; ix++)
            for (size_t it = 0; it < 3; it++)
                for (size_t im = 0; im < 3; im++) {
                    double e = ds_expect(p, n, xs[ix], s, ts[it], modes[im]);
                    double q = ds_expect_quad(p, n, xs[ix], s, ts[it], modes[im]);
                    CHECK_CLOSE(e, q, 1e-10 * C * a * a); /* quadrature tol 1e-11 relative */
                    double de = ds_expect(dp, n, xs[ix], s, ts[it], modes[im]);
                    double dq = ds_expect_quad(dp, n, xs[ix], s, ts[it], modes[im]);
                    CHECK_CLOSE(de, dq, 1e-10 * C * a);
                }
    }
    /* two-sided, |x| + t <= alpha: h' vanishes identically (the proof's key step) */
    size_t n = ds_h_pieces(a, C, p);
    ds_pieces_deriv(p, n, dp);
    CHECK_CLOSE(ds_expect(dp, n, 0.3, s, 0.3, NSO_TRUNC_TWO_SIDED), 0.0, 1e-15);
}

/* ------------------------------------------------ second-moment recursion */
static void test_secmom_vs_mc(void)
{
    const double c = 1.37, eta = 0.41, mu = 0.55, noise2 = 0.29, w0 = 0.83;
    const int T = 6, N = 400000;
    double s1 = 0, s2 = 0;
    gsl_rng *r = nso_rng_named(3, "test/secmom");
    for (int n = 0; n < N; n++) {
        double w = w0, m = 0;
        for (int t = 0; t < T; t++) {
            double xi = gsl_ran_gaussian(r, sqrt(noise2));
            m = mu * m - eta * (c * w + xi);
            w += m;
        }
        s1 += c * c * w * w, s2 += pow(c * c * w * w, 2);
    }
    gsl_rng_free(r);
    double mean = s1 / N, se = sqrt((s2 / N - mean * mean) / N);
    sm_state s = {w0 * w0, 0, 0};
    for (int t = 0; t < T; t++) sm_step(&s, c, eta, mu, noise2);
    CHECK_CLOSE(c * c * s.ww, mean, 5 * se);
    /* mu = 0: Lemma B.5's closed form (with c^2) equals the recursion */
    double etas[7] = {0.1, 0.3, 0.2, 0.05, 0.4, 0.33, 0.12};
    sm_state s0 = {w0 * w0, 0, 0};
    for (int t = 0; t < 7; t++) sm_step(&s0, c, etas[t], 0.0, noise2);
    CHECK_CLOSE(sm_lemma_b5(etas, 7, c, w0 * w0, noise2, 1), c * c * s0.ww, 1e-13);
}

/* ------------------------------------ test objectives: derivatives, smoothing */
static void check_obj(tf_obj *o)
{
    size_t d = o->dim;
    double *g = nso_xmalloc(5 * d * sizeof(double)), *wp = g + d, *v = g + 2 * d, *e = g + 3 * d, *w = g + 4 * d;
    /* off the evaluation point (the interpolating sensing point is stationary) */
    for (size_t i = 0; i < d; i++) w[i] = o->w_eval[i] + 0.05 * cos(2.1 * (double)i + 0.4);
    o->grad(o, w, g);
    double h = 1e-5, gn = 0;
    for (size_t i = 0; i < d; i += (d > 20 ? d / 10 : 1)) {
        memcpy(wp, w, d * sizeof(double));
        wp[i] += h;
        double fp = o->f(o, wp);
        wp[i] -= 2 * h;
        double fm = o->f(o, wp);
        CHECK_CLOSE(g[i], (fp - fm) / (2 * h), 1e-6 * (1 + fabs(g[i])));
        gn += fabs(g[i]);
    }
    CU_ASSERT(gn > 1e-6); /* the check is not trivially zero */
    /* u'Hu against the second difference of f along u */
    for (size_t i = 0; i < d; i++) v[i] = sin(1.7 * (double)i + 0.3);
    for (size_t i = 0; i < d; i++) wp[i] = w[i] + 1e-4 * v[i];
    double fp = o->f(o, wp);
    for (size_t i = 0; i < d; i++) wp[i] = w[i] - 1e-4 * v[i];
    double fm = o->f(o, wp), f0 = o->f(o, w), hq = o->hquad(o, w, v);
    CHECK_CLOSE(hq, (fp - 2 * f0 + fm) / 1e-8, 1e-4 * (1 + fabs(hq)));
    /* trace = sum of e_i'He_i */
    double tr = 0;
    for (size_t i = 0; i < d; i++) {
        memset(e, 0, d * sizeof(double));
        e[i] = 1;
        tr += o->hquad(o, w, e);
    }
    CHECK_CLOSE(o->htrace(o, w), tr, 1e-10 * (1 + fabs(tr)));
    free(g);
}
static void test_objectives(void)
{
    gsl_rng *r = nso_rng_named(7, "test/objectives");
    tf_obj *os[] = {tf_quadratic(7, r), tf_cossum(6, 9, r), tf_logcosh(6, 9, r), tf_logistic(5, 40, 0.01, r),
                    tf_sensing(4, 2, 30, 0, r), tf_sensing(4, 2, 30, 1, r)};
    for (size_t i = 0; i < 6; i++) check_obj(os[i]), tf_free(os[i]);
    gsl_rng_free(r);
}

/* matrix sensing on the registry's data: our loss, gradient, u'Hu and trace
 * against the library's independent implementation (lib/sensing.c) */
static void test_sensing_vs_library(void)
{
    gsl_rng *r = nso_rng_named(12, "test/sensing");
    for (int interp = 0; interp < 2; interp++) {
        tf_obj *o = tf_sensing_registry(6, 2, 60, 77, interp, r);
        CU_ASSERT_FATAL(o != NULL);
        nso_objective *lib = tf_sensing_lib(o);
        CU_ASSERT_FATAL(lib != NULL);
        size_t n = o->dim;
        double *w = nso_xmalloc(4 * n * sizeof(double)), *g1 = w + n, *g2 = w + 2 * n, *v = w + 3 * n;
        for (size_t i = 0; i < n; i++) w[i] = o->w_eval[i] + (interp ? 0.0 : 0.1 * sin(1.3 * (double)i));
        for (size_t i = 0; i < n; i++) v[i] = cos(0.7 * (double)i + 0.2);
        double f = o->f(o, w), fl = lib->value(lib->ctx, w);
        CHECK_CLOSE(f, fl, 1e-12 * (1 + fabs(fl)));
        if (interp) CHECK_CLOSE(f, 0.0, 1e-12); /* [U*, 0] interpolates */
        o->grad(o, w, g1);
        lib->grad(lib->ctx, w, g2);
        double err = 0, nrm = 0;
        for (size_t i = 0; i < n; i++) err = fmax(err, fabs(g1[i] - g2[i])), nrm = fmax(nrm, fabs(g2[i]));
        CHECK_CLOSE(err, 0.0, 1e-11 * (1 + nrm));
        lib->hvp(lib->ctx, w, v, g2);
        double q = 0;
        for (size_t i = 0; i < n; i++) q += v[i] * g2[i];
        CHECK_CLOSE(o->hquad(o, w, v), q, 1e-11 * (1 + fabs(q)));
        double tl = lib->hess_trace(lib->ctx, w);
        CHECK_CLOSE(o->htrace(o, w), tl, 1e-11 * (1 + fabs(tl)));
        free(w);
        tf_free(o);
    }
    gsl_rng_free(r);
}

/* closed-form smoothed objectives vs Monte Carlo, every law */
static void test_smoothed_vs_mc(void)
{
    gsl_rng *r = nso_rng_named(8, "test/smooth");
    tf_obj *os[2] = {tf_cossum(5, 7, r), tf_logcosh(5, 7, r)};
    const nso_noise_law *laws[] = {&nso_noise_gaussian, &nso_noise_laplace, &nso_noise_uniform, &nso_noise_binomial,
                                   &nso_noise_rademacher};
    double u[5], wp[5];
    const int N = 200000;
    for (int io = 0; io < 2; io++)
        for (int l = 0; l < 5; l++) {
            double sigma = 0.6, F = os[io]->smoothed(os[io], os[io]->w_eval, laws[l], sigma);
            if (isnan(F)) continue; /* logcosh: Gaussian only */
            double s1 = 0, s2 = 0;
            for (int n = 0; n < N; n++) {
                nso_noise_fill(laws[l], r, sigma, 5, u);
                for (int i = 0; i < 5; i++) wp[i] = os[io]->w_eval[i] + u[i];
                double f = os[io]->f(os[io], wp);
                s1 += f, s2 += f * f;
            }
            double m = s1 / N, se = sqrt((s2 / N - m * m) / N);
            CHECK_CLOSE(F, m, 5 * se);
        }
    /* separable cosine: F and dF/dw_i against Monte Carlo */
    tf_sepcos sc = {3, 1.0, 0.8, 2.3};
    double w[3] = {0.4, -1.1, 1.9};
    for (int l = 0; l < 4; l++) {
        double sigma = 0.35, e = tf_sepcos_e(&sc, laws[l], sigma), s1 = 0, s2 = 0, g1 = 0, g2 = 0;
        for (int n = 0; n < N; n++) {
            nso_noise_fill(laws[l], r, sigma, 3, u);
            for (int i = 0; i < 3; i++) wp[i] = w[i] + u[i];
            double f = tf_sepcos_f(&sc, wp), gg = tf_sepcos_dphi(&sc, wp[1]);
            s1 += f, s2 += f * f, g1 += gg, g2 += gg * gg;
        }
        double m = s1 / N, se = sqrt((s2 / N - m * m) / N), gm = g1 / N, gse = sqrt((g2 / N - gm * gm) / N);
        CHECK_CLOSE(tf_sepcos_F(&sc, w, e, sigma), m, 5 * se);
        CHECK_CLOSE(tf_sepcos_dF(&sc, w[1], e), gm, 5 * gse);
    }
    tf_free(os[0]), tf_free(os[1]);
    gsl_rng_free(r);
}

/* ------------------------------------------- vectorised NSO vs Algorithm 1 */
static void test_nsovec_literal(void)
{
    const tf_sepcos f = {4, 1.0, 1.0, 2.0};
    nv_cfg c = {&f, &nso_noise_laplace, 0.27, 1.3, 0.07, 3, 50};
    double W[4] = {1.3, -0.2, 0.8, 2.1}, Wl[4], g[8], u[4], z[4];
    memcpy(Wl, W, sizeof W);
    gsl_rng *r1 = nso_rng_named(9, "test/nv"), *r2 = nso_rng_named(9, "test/nv");
    for (int t = 0; t < 50; t++) {
        nv_step(&c, W, g, u, z, r1);
        /* literal lines 2-6 of Algorithm 1: G_j = g(W+U_j) + g(W-U_j), same oracle seed per pair */
        double G[4] = {0}, U[4], Z[4];
        for (long j = 0; j < c.k; j++) {
            nso_noise_fill(c.law, r2, c.sigma_p, 4, U);
            nso_noise_fill(&nso_noise_gaussian, r2, c.sigma_g / 2.0, 4, Z);
            for (int i = 0; i < 4; i++)
                G[i] += (tf_sepcos_dphi(&f, Wl[i] + U[i]) + Z[i]) + (tf_sepcos_dphi(&f, Wl[i] - U[i]) + Z[i]);
        }
        for (int i = 0; i < 4; i++) Wl[i] -= c.eta / (2.0 * c.k) * G[i];
    }
    for (int i = 0; i < 4; i++) CHECK_CLOSE(W[i], Wl[i], 1e-12);
    gsl_rng_free(r1), gsl_rng_free(r2);
}

/* the library's nso optimizer (nso_opt_step) and nv_step agree in law
 * (exact gradients, sigma_g = 0: their streams differ, so compare means) */
static double sep_value(void *ctx, const double *w) { return tf_sepcos_f(ctx, w); }
static void sep_grad(void *ctx, const double *w, double *g)
{
    const tf_sepcos *s = ctx;
    for (size_t i = 0; i < s->d; i++) g[i] = tf_sepcos_dphi(s, w[i]);
}
static void test_nsovec_vs_library(void)
{
    tf_sepcos f = {2, 1.0, 1.0, 2.0};
    nso_objective obj = {0};
    obj.name = "sepcos", obj.dim = 2, obj.ctx = &f, obj.value = sep_value, obj.grad = sep_grad;
    nso_param_set ps;
    char msg[256];
    nso_params_clear(&ps);
    nso_params_set(&ps, "sigma", 0.6);
    nso_params_set(&ps, "k", 2);
    nso_optimizer *opt = nso_optimizer_alloc(nso_opt_nso, 2, &ps, NULL, msg, sizeof msg);
    CU_ASSERT_FATAL(opt != NULL);
    nv_cfg c = {&f, &nso_noise_gaussian, 0.6, 0.0, 0.05, 2, 40};
    const int R = 3000;
    double a1 = 0, a2 = 0, b1 = 0, b2 = 0, g[4], u[2], z[2];
    for (int rep = 0; rep < R; rep++) {
        double w[2] = {1.3, -0.9}, v[2] = {1.3, -0.9};
        gsl_rng *r = nso_rng_indexed(4, "test/lib", (uint64_t)rep), *q = nso_rng_indexed(4, "test/nv2", (uint64_t)rep);
        for (int t = 0; t < 40; t++) {
            nso_opt_step(opt, &obj, w, 0.05, r);
            nv_step(&c, v, g, u, z, q);
        }
        double x = w[0] * w[0] + w[1] * w[1], y = v[0] * v[0] + v[1] * v[1];
        a1 += x, a2 += x * x, b1 += y, b2 += y * y;
        gsl_rng_free(r), gsl_rng_free(q);
    }
    double ma = a1 / R, mb = b1 / R, se = sqrt((a2 / R - ma * ma) / R + (b2 / R - mb * mb) / R);
    CHECK_CLOSE(ma, mb, 5 * se);
    nso_optimizer_free(opt);
}

/* ------------------------------------------------------------- bad flags */
static void expect_exit2(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/%s --out /tmp/test_proofs_out.%d --ledger /tmp/test_proofs_out.%d/claims.tsv "
                              ">/dev/null 2>/tmp/test_proofs_err.%d",
             NSO_BIN, args, (int)getpid(), (int)getpid(), (int)getpid());
    int st = system(cmd);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 2)) fprintf(stderr, "\n  expected exit 2 from: %s\n", args);
    /* one line naming the flag */
    char path[256], line[512] = "";
    snprintf(path, sizeof path, "/tmp/test_proofs_err.%d", (int)getpid());
    FILE *f = fopen(path, "r");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fgets(line, sizeof line, f) != NULL);
    CU_ASSERT(strstr(line, "--") != NULL);
    CU_ASSERT(fgets(line, sizeof line, f) == NULL);
    fclose(f);
    unlink(path);
    /* no partial output */
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A /tmp/test_proofs_out.%d 2>/dev/null)\"", (int)getpid());
    CU_ASSERT(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/test_proofs_out.%d", (int)getpid());
    CU_ASSERT(system(cmd) == 0);
}
static void test_bad_flags(void)
{
    expect_exit2("proofs_lower_bound --T 100 --d 50");
    expect_exit2("proofs_lower_bound --sigma -1");
    expect_exit2("proofs_lower_bound --C -2");
    expect_exit2("proofs_upper_bound --k 0");
    expect_exit2("proofs_upper_bound --sigma-g -0.5");
    expect_exit2("proofs_momentum --C -1");
    expect_exit2("proofs_nso_variance --sigma-p -1");
    expect_exit2("proofs_taylor_gap --objective bogus");
    expect_exit2("proofs_taylor_gap --profile medium");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("proofs_check", NULL, NULL);
    CU_add_test(s, "h_i values", test_h_values);
    CU_add_test(s, "h_i pieces: continuity, Lipschitz C", test_h_pieces);
    CU_add_test(s, "g pieces: continuity, Lipschitz C", test_g_pieces);
    CU_add_test(s, "truncated Gaussian moments vs closed forms and MC", test_trunc_moments);
    CU_add_test(s, "E h(x+U), E h'(x+U) closed form vs GSL quadrature", test_expect_vs_quadrature);
    CU_add_test(s, "second-moment recursion vs brute-force MC", test_secmom_vs_mc);
    CU_add_test(s, "test objectives: gradient, u'Hu, trace", test_objectives);
    CU_add_test(s, "closed-form smoothed objectives vs MC", test_smoothed_vs_mc);
    CU_add_test(s, "matrix sensing vs the library's implementation", test_sensing_vs_library);
    CU_add_test(s, "vectorised NSO step == literal Algorithm 1", test_nsovec_literal);
    CU_add_test(s, "vectorised NSO vs nso_opt_step (in law)", test_nsovec_vs_library);
    CU_add_test(s, "bad flags: exit 2, one line, no output", test_bad_flags);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
