/* test_proofs.c - CUnit tests of the proofs_check constructions.  Every check
 * compares with a closed form or an independent computation, tolerance next to
 * the assertion, fixed seeds.  They test the code, never a paper claim. */
#include "../cunit_run.h"
#include "drori_shamir.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "rng.h"
#include "secmom.h"
#include "thm43.h"
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

/* ------------------------------------------- the Theorem 4.3 Monte Carlo */
/* t43_run (the engine with the additive oracle, pair-samples) on the diagonal
 * quadratic f = 1/2 sum lam_i (w_i - c_i)^2, where the two-point average is
 * exact: W_{t+1} - c = (1 - eta lam)(W_t - c) - eta xi_t with E xi_i^2 =
 * sigma_g^2/(d k), so m_i(t) = E (W_i - c_i)^2 follows
 * m(t+1) = (1 - eta lam)^2 m(t) + eta^2 sigma_g^2/(d k) and
 * E||grad F(W_t)||^2 = sum lam_i^2 m_i(t).  The run averages (time average,
 * random iterate) agree with it within 5 standard errors over 3000 runs. */
static void test_thm43_runs(void)
{
    const size_t d = 4;
    const long k = 3, T = 30, R = 3000;
    const double sg = 0.8, eta = 0.3;
    nso_problem_params pp = {.dim = d, .seed = 1, .scale = 1.0};
    char msg[256];
    nso_objective *f = nso_problem_quadratic.create(&pp, msg, sizeof msg);
    nso_objective *fo = nso_obj_additive_noise(nso_problem_quadratic.create(&pp, msg, sizeof msg), sg);
    CU_ASSERT_FATAL(f && fo);
    double zero[4] = {0}, g[4], e[4] = {0}, hv[4], lam[4], c[4], w0[4], m[4];
    f->grad(f->ctx, zero, g); /* -lam c */
    for (size_t i = 0; i < d; i++) {
        e[i] = 1;
        f->hvp(f->ctx, zero, e, hv);
        lam[i] = hv[i];
        e[i] = 0;
        c[i] = -g[i] / lam[i];
        w0[i] = c[i] + 1.0, m[i] = 1.0;
    }
    double exact = 0;
    for (long t = 0; t < T; t++) {
        for (size_t i = 0; i < d; i++) exact += lam[i] * lam[i] * m[i] / (double)T;
        for (size_t i = 0; i < d; i++)
            m[i] = pow(1 - eta * lam[i], 2) * m[i] + eta * eta * sg * sg / ((double)d * (double)k);
    }
    t43_cfg cfg = {f, fo, &nso_noise_uniform, 0.5, eta, k, T};
    double *avg = malloc(2 * R * sizeof(double)), *atr = avg + R;
    t43_run(&cfg, w0, 5, "test/thm43", 0, R, avg, atr);
    double s1 = 0, s2 = 0, q1 = 0, q2 = 0;
    for (long r = 0; r < R; r++) s1 += avg[r], s2 += avg[r] * avg[r], q1 += atr[r], q2 += atr[r] * atr[r];
    double ma = s1 / R, sa = sqrt((s2 / R - ma * ma) / R), mq = q1 / R, sq = sqrt((q2 / R - mq * mq) / R);
    CHECK_CLOSE(ma, exact, 5 * sa);
    CHECK_CLOSE(mq, exact, 5 * sq);
    free(avg);
    nso_obj_free(f), nso_obj_free(fo);
}

/* ------------------------------------------ Theorem 4.5's instances */
/* the chain objectives: gradient against central differences of the value
 * (1e-7, away from the kinks of h and g), the oracle: a +-1 sign that is a
 * function of the sample (balanced: mean within 5 s.e. of 0) on e_{t+1} only */
static void test_chain_objectives(void)
{
    const size_t n = 6;
    double alpha[5] = {0.3, 0.25, 0.2, 0.4, 0.35}, w[6], g[6], gs[6], wp[6];
    for (int kind = 0; kind < 2; kind++) {
        ds_chain ch = {n, kind, 1.7, 2.5, alpha, 0.2, 0, 0};
        nso_objective *o = ds_chain_objective(&ch);
        /* points inside the quadratic pieces (|x| between alpha and 2 alpha) */
        for (size_t i = 0; i < n; i++) w[i] = (i % 2 ? -1 : 1) * 1.3 * alpha[i ? i - 1 : 0];
        o->grad(o->ctx, w, g);
        double gn = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(wp, w, sizeof w);
            wp[i] += 1e-6;
            double fp = o->value(o->ctx, wp);
            wp[i] -= 2e-6;
            double fm = o->value(o->ctx, wp);
            CHECK_CLOSE(g[i], (fp - fm) / 2e-6, 1e-7);
            gn += fabs(g[i]);
        }
        CU_ASSERT(gn > 0.1);
        if (kind == DS_CHAIN_B2) CU_ASSERT(ch.felt == n - 1 && ch.evals == n - 1); /* every h' was nonzero */
        nso_sample s = {5, 2, 1, 0};
        o->sgrad(o->ctx, w, gs, &s);
        for (size_t i = 0; i < n; i++) CHECK_CLOSE(gs[i] - g[i], i == 3 ? ds_oracle_sign(&s) * 0.2 : 0.0, 1e-15);
        nso_obj_free(o);
    }
    double m = 0;
    const int N = 100000;
    for (int i = 0; i < N; i++) {
        nso_sample s = {11, (uint64_t)(i / 4), (uint32_t)(i % 4), 0};
        double a = ds_oracle_sign(&s), b = ds_oracle_sign(&s);
        CU_ASSERT(a == b && fabs(a) == 1.0);
        m += a / N;
    }
    CHECK_CLOSE(m, 0.0, 5 / sqrt((double)N));
}

/* The engine (registry "nso", two-sided truncation at alpha/2, pair-samples)
 * on the Lemma B.2 chain: no h_i' evaluation is nonzero and the iterates
 * follow eq. (42) to rounding (1e-13 of the scale) */
static void test_chain_engine_eq42(void)
{
    const long T = 30, k = 2;
    const double C = 1.0, sg = 1.0, eta = 0.05, sk = sqrt((double)k);
    double *alpha = malloc(T * sizeof(double)), *W = calloc(T + 1, sizeof(double)), *xib = malloc(T * sizeof(double));
    for (long i = 0; i < T; i++) alpha[i] = 2 * eta * sg / sk;
    double G = fmax(1 / C, 2 * eta * T);
    ds_chain ch = {(size_t)T + 1, DS_CHAIN_B2, C, G, alpha, sg / sk, 0, 0};
    nso_objective *o = ds_chain_objective(&ch);
    nso_param_set ps;
    char msg[256];
    nso_params_clear(&ps);
    nso_params_set(&ps, "sigma", 1.0);
    nso_params_set(&ps, "k", (double)k);
    nso_params_set(&ps, "trunc", alpha[0] / 2);
    nso_params_set(&ps, "pair-samples", 1);
    nso_optimizer *opt = nso_optimizer_alloc(nso_opt_nso, (size_t)T + 1, &ps, o, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(opt);
    opt->sample_seed = 77;
    gsl_rng *r = nso_rng_named(3, "test/chain");
    W[0] = 1.0;
    double prod = 1, dev = 0;
    for (long t = 0; t < T; t++) {
        CU_ASSERT(nso_opt_step(opt, o, W, eta, r) == NSO_OK);
        xib[t] = 0;
        for (long j = 0; j < k; j++)
            xib[t] += ds_oracle_sign(&(nso_sample){77, (uint64_t)t, (uint32_t)(j + 1), 0}) * sg / sk / (double)k;
        prod *= 1 - eta / G;
        dev = fmax(dev, fabs(W[0] - prod));
        for (long i = 0; i < T; i++) dev = fmax(dev, fabs(W[i + 1] - (i <= t ? -eta * xib[i] : 0.0)));
    }
    CHECK_CLOSE(dev, 0.0, 1e-13);
    CU_ASSERT(ch.felt == 0 && ch.evals == (unsigned long)(2 * k * T * T));
    gsl_rng_free(r);
    nso_optimizer_free(opt);
    nso_obj_free(o);
    free(alpha), free(W), free(xib);
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
    expect_exit2("proofs_lower_bound --sigma-g -1");
    expect_exit2("proofs_lower_bound --sigma 11");
    expect_exit2("proofs_lower_bound --C -2");
    expect_exit2("proofs_upper_bound --k 0");
    expect_exit2("proofs_upper_bound --sigma-g -0.5");
    expect_exit2("proofs_momentum --C -1");
    expect_exit2("proofs_nso_variance --sigma -1");
    expect_exit2("proofs_momentum --sigma-g -1");
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
    CU_add_test(s, "Thm 4.3 runs (engine, sigma_g > 0) vs exact second moments", test_thm43_runs);
    CU_add_test(s, "Thm 4.5 chains: gradient, adversarial oracle", test_chain_objectives);
    CU_add_test(s, "engine on the B.2 chain follows eq. (42)", test_chain_engine_eq42);
    CU_add_test(s, "bad flags: exit 2, one line, no output", test_bad_flags);
    int rc = nso_cunit_run("test_proofs");
    return rc;
}
