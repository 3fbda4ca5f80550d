/* test_lib.c - CUnit tests of the core library (lib/).  Every check compares
 * with a closed form or an independent computation; the tolerance is written
 * next to each assertion.  Fixed seeds throughout. */
#include "cunit_run.h"
#include "cli.h"
#include "hessian.h"
#include "io.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "rng.h"
#include "schedule.h"
#include "sensing.h"
#include <CUnit/Basic.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_CLOSE(a, b, tol)                                                               \
    do {                                                                                     \
        double a_ = (a), b_ = (b);                                                           \
        if (!(fabs(a_ - b_) <= (tol))) fprintf(stderr, "\n  %s:%d: %s = %.12g, expected %.12g +- %.3g\n", \
                                            __FILE__, __LINE__, #a, a_, b_, (double)(tol));  \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                   \
    } while (0)

/* ---------------------------------------------------------------- noise */

static void test_noise_moments(void)
{
    const size_t N = 400000;
    double *u = nso_xmalloc(N * sizeof(double));
    for (size_t l = 0; nso_noise_laws[l]; l++) {
        const nso_noise_law *law = nso_noise_laws[l];
        gsl_rng *r = nso_rng_named(11, law->name);
        const double sigma = 0.37;
        nso_noise_fill(law, r, sigma, N, u);
        double m1 = 0, m2 = 0, m3 = 0, pos = 0, neg = 0;
        for (size_t i = 0; i < N; i++) {
            m1 += u[i];
            pos += u[i] > 0;
            neg += u[i] < 0;
        }
        m1 /= (double)N;
        for (size_t i = 0; i < N; i++) {
            double c = u[i] - m1;
            m2 += c * c;
            m3 += c * c * c;
        }
        m2 /= (double)N;
        m3 /= (double)N;
        /* mean: within 5 standard errors sigma/sqrt(N) of the law's mean */
        CHECK_CLOSE(m1, law->mean_over_sigma * sigma, 5 * sigma / sqrt((double)N));
        /* variance: within 5 standard errors sigma^2 sqrt((kurtosis - 1)/N) */
        double kc = law->mean_over_sigma != 0 ? 1.5 : law->kurtosis; /* B(4,1/2): central kurtosis 2.5 - 1 */
        /* (+ 25 sigma^2/N: m2 is centred at the sample mean, biased by -m1^2) */
        CHECK_CLOSE(m2, sigma * sigma, 5 * sigma * sigma * sqrt((kc - 1) / (double)N) + 25 * sigma * sigma / (double)N);
        if (law->symmetric) {
            /* symmetry: third central moment 0 (5 s.e.; s.e. <= sigma^3 sqrt(15/N) for these laws) */
            CHECK_CLOSE(m3, 0.0, 5 * pow(sigma, 3) * sqrt(15.0 / (double)N));
            /* Pr[u > 0] = Pr[u < 0] within 5 binomial standard errors */
            CHECK_CLOSE(pos / (double)N, neg / (double)N, 5 * sqrt(2.0 / (double)N));
        }
        gsl_rng_free(r);
    }
    free(u);
}

static void test_noise_truncation(void)
{
    const size_t N = 200000;
    double *u = nso_xmalloc(N * sizeof(double)), *a = nso_xmalloc(N * sizeof(double));
    const double sigma = 1.3, lim = 0.7; /* alpha = a/sigma = 0.538 */
    for (size_t i = 0; i < N; i++) a[i] = lim;
    gsl_rng *r = nso_rng_named(3, "trunc");
    nso_noise_fill_trunc(&nso_noise_gaussian, r, sigma, N, a, NSO_TRUNC_TWO_SIDED, u);
    double m1 = 0, m2 = 0, umax = 0;
    for (size_t i = 0; i < N; i++) {
        m1 += u[i];
        m2 += u[i] * u[i];
        if (fabs(u[i]) > umax) umax = fabs(u[i]);
    }
    m1 /= (double)N;
    m2 /= (double)N;
    CU_ASSERT(umax <= lim); /* exact: two-sided truncation */
    /* closed form: Var = sigma^2 (1 - 2 al phi(al) / (2 Phi(al) - 1)) */
    double al = lim / sigma;
    double var = sigma * sigma * (1 - 2 * al * gsl_ran_ugaussian_pdf(al) / (2 * gsl_cdf_ugaussian_P(al) - 1));
    CHECK_CLOSE(m1, 0.0, 5 * sqrt(var / (double)N));
    CHECK_CLOSE(m2, var, 5 * var * sqrt(0.8 / (double)N)); /* kurtosis of U(-a,a)-like law < 1.8 */
    /* one-sided: min(u, a): the mean is negative, closed form -sigma phi(al) + a (1 - Phi(al)) ... */
    nso_noise_fill_trunc(&nso_noise_gaussian, r, sigma, N, a, NSO_TRUNC_ONE_SIDED, u);
    m1 = 0;
    for (size_t i = 0; i < N; i++) m1 += u[i];
    m1 /= (double)N;
    /* E min(Z s, a) = -s phi(al) + a (1 - Phi(al)) */
    double e1 = -sigma * gsl_ran_ugaussian_pdf(al) + lim * (1 - gsl_cdf_ugaussian_P(al));
    CHECK_CLOSE(m1, e1, 5 * sigma / sqrt((double)N));
    /* non-Gaussian two-sided (rejection): bound holds */
    nso_noise_fill_trunc(&nso_noise_laplace, r, sigma, 1000, a, NSO_TRUNC_TWO_SIDED, u);
    umax = 0;
    for (size_t i = 0; i < 1000; i++) if (fabs(u[i]) > umax) umax = fabs(u[i]);
    CU_ASSERT(umax <= lim);
    gsl_rng_free(r);
    free(u);
    free(a);
}

static void test_rng_streams(void)
{
    gsl_rng *a = nso_rng_named(5, "run/a"), *b = nso_rng_named(5, "run/a"), *c = nso_rng_named(5, "run/b");
    gsl_rng *d = nso_rng_named(6, "run/a");
    int same = 1, diffc = 0, diffd = 0;
    for (int i = 0; i < 100; i++) {
        unsigned long x = gsl_rng_get(a), y = gsl_rng_get(b), z = gsl_rng_get(c), w = gsl_rng_get(d);
        same &= x == y;
        diffc += x != z;
        diffd += x != w;
    }
    CU_ASSERT(same);        /* same (seed, name) -> same stream */
    CU_ASSERT(diffc > 95);  /* another name -> another stream */
    CU_ASSERT(diffd > 95);  /* another seed -> another stream */
    gsl_rng_free(a); gsl_rng_free(b); gsl_rng_free(c); gsl_rng_free(d);
}

/* ----------------------------------------------------------- optimizers */

static nso_objective *make(const char *name, size_t dim)
{
    nso_problem_params pp = {.dim = dim, .rank = 2, .m = 0, .seed = 7, .scale = 1.0};
    char msg[256];
    nso_objective *o = nso_problem_find(name)->create(&pp, msg, sizeof msg);
    if (!o) fprintf(stderr, "\n  make(%s): %s\n", name, msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

/* an optimizer from a "name=value name=value" list (test helper; fails the
 * test loudly on a bad list) */
static nso_optimizer *mkopt(const nso_opt_type *t, size_t dim, const char *spec)
{
    nso_param_set ps;
    char buf[256], msg[256], *save = NULL;
    nso_params_clear(&ps);
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        CU_ASSERT_FATAL(eq != NULL);
        *eq = 0;
        if (nso_opt_param_index(t, tok) < 0) continue; /* not this method's */
        if (nso_params_set_str(&ps, t, tok, eq + 1, msg, sizeof msg) != NSO_OK) {
            fprintf(stderr, "\n  mkopt: %s\n", msg);
            CU_FAIL_FATAL("bad optimizer parameter");
        }
    }
    nso_optimizer *o = nso_optimizer_alloc(t, dim, &ps, NULL, msg, sizeof msg);
    if (!o) fprintf(stderr, "\n  mkopt: %s\n", msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

/* On a quadratic, [g(w+u) + g(w-u)]/2 = g(w) for every u (Prop. 2.1 is exact):
 * one NSO step with any sigma equals one GD step (tolerance 1e-12 relative). */
static void test_two_point_quadratic(void)
{
    nso_objective *q = make("quadratic", 17);
    double w0[17], w1[17], w2[17];
    gsl_rng *r = nso_rng_named(1, "tp");
    for (int i = 0; i < 17; i++) w0[i] = sin(2.385 * i);
    for (double sigma = 0.01; sigma < 20; sigma *= 7) {
        char spec[64];
        snprintf(spec, sizeof spec, "sigma=%.17g k=3", sigma);
        nso_optimizer *on = mkopt(nso_opt_nso, 17, spec), *og = mkopt(nso_opt_gd, 17, NULL);
        memcpy(w1, w0, sizeof w0);
        memcpy(w2, w0, sizeof w0);
        nso_opt_step(on, q, w1, 0.3, r);
        nso_opt_step(og, q, w2, 0.3, r);
        for (int i = 0; i < 17; i++) CHECK_CLOSE(w1[i], w2[i], 1e-12 * (1 + sigma));
        nso_optimizer_free(on);
        nso_optimizer_free(og);
    }
    gsl_rng_free(r);
    nso_obj_free(q);
}

/* GD on f = 1/2 sum lam_i (w_i - c_i)^2: w_t - c = (1 - eta lam)^t (w_0 - c) (rel. 1e-10) */
static void test_gd_closed_form(void)
{
    nso_objective *q = make("quadratic", 9);
    double w[9], w0[9], lam[9], c[9], zero[9] = {0}, g[9];
    q->grad(q->ctx, zero, g); /* g = -lam c */
    double e[9] = {0};
    for (int i = 0; i < 9; i++) {
        e[i] = 1;
        double hv[9];
        q->hvp(q->ctx, zero, e, hv);
        lam[i] = hv[i];
        e[i] = 0;
        c[i] = -g[i] / lam[i];
        w0[i] = w[i] = 1.0 + 0.5 * cos(1.7 * i);
    }
    nso_optimizer *o = mkopt(nso_opt_gd, 9, NULL);
    const double eta = 0.85;
    for (int t = 0; t < 40; t++) nso_opt_step(o, q, w, eta, NULL);
    for (int i = 0; i < 9; i++) {
        double expect = c[i] + pow(1 - eta * lam[i], 40) * (w0[i] - c[i]);
        CHECK_CLOSE(w[i], expect, 1e-10 * (1 + fabs(expect)));
    }
    nso_optimizer_free(o);
    nso_obj_free(q);
}

/* heavy ball on a 1-d quadratic: M_{t+1} = mu M_t - eta lam (w_t - c), eq. (10),
 * against the same recursion written out independently (1e-12) */
static void test_momentum_recursion(void)
{
    nso_objective *q = make("quadratic", 1);
    double w = 3.0, zero = 0, g, lam = 0, one = 1;
    q->grad(q->ctx, &zero, &g);
    q->hvp(q->ctx, &zero, &one, &lam);
    double c = -g / lam, wr = 3.0, mr = 0;
    nso_optimizer *o = mkopt(nso_opt_momentum, 1, "mu=0.7");
    for (int t = 0; t < 25; t++) {
        nso_opt_step(o, q, &w, 0.2, NULL);
        mr = 0.7 * mr - 0.2 * lam * (wr - c);
        wr += mr;
    }
    CHECK_CLOSE(w, wr, 1e-12);
    nso_optimizer_free(o);
    nso_obj_free(q);
}

/* NSO no-negative ablation uses 2k independent draws: on a quadratic it is NOT
 * equal to GD (the first-order term is not cancelled) */
static void test_no_negative_differs(void)
{
    nso_objective *q = make("quadratic", 5);
    double w1[5] = {1, 2, 3, 4, 5}, w2[5] = {1, 2, 3, 4, 5};
    gsl_rng *r = nso_rng_named(2, "nn");
    nso_optimizer *o = mkopt(nso_opt_nso, 5, "sigma=0.5 no-negative=1"), *g = mkopt(nso_opt_gd, 5, NULL);
    nso_opt_step(o, q, w1, 0.5, r);
    nso_opt_step(g, q, w2, 0.5, r);
    double diff = 0;
    for (int i = 0; i < 5; i++) diff += fabs(w1[i] - w2[i]);
    CU_ASSERT(diff > 1e-3);
    CU_ASSERT(o->maxpts == 2); /* equal compute: 2k gradient points */
    nso_optimizer_free(o);
    nso_optimizer_free(g);
    gsl_rng_free(r);
    nso_obj_free(q);
}

/* every optimizer x every problem: 200 steps at a safe step decrease f */
static void test_all_opts_all_problems(void)
{
    for (size_t pi = 0; nso_problems[pi]; pi++) {
        const nso_problem *pb = nso_problems[pi];
        int sensing = strcmp(pb->name, "sensing") == 0;
        nso_problem_params pp = {.dim = sensing ? 6 : 12, .rank = 2, .m = 0, .seed = 3, .scale = 1.0};
        char msg[256];
        nso_objective *o = pb->create(&pp, msg, sizeof msg);
        if (!o) fprintf(stderr, "\n  %s: %s\n", pb->name, msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        double *w0 = nso_xmalloc(o->dim * sizeof(double)), *w = nso_xmalloc(o->dim * sizeof(double));
        gsl_rng *r = nso_rng_named(4, pb->name);
        pb->init(o, w0, r);
        double f0 = o->value(o->ctx, w0);
        double eta = sensing ? 0.002 : 0.5 / (isfinite(o->lipschitz) ? o->lipschitz : 1.0);
        for (size_t ti = 0; nso_opt_types[ti]; ti++) {
            nso_optimizer *opt = mkopt(nso_opt_types[ti], o->dim, "sigma=0.01 k=2 mu=0.5 ndata=1000");
            memcpy(w, w0, o->dim * sizeof(double));
            int st = NSO_OK;
            for (int t = 0; t < 200 && st == NSO_OK; t++) st = nso_opt_step(opt, o, w, eta, r);
            double f1 = o->value(o->ctx, w);
            if (!(f1 < f0))
                fprintf(stderr, "\n  %s on %s: f %g -> %g\n", nso_opt_types[ti]->name, pb->name, f0, f1);
            CU_ASSERT(st == NSO_OK);
            CU_ASSERT(f1 < f0);
            nso_optimizer_free(opt);
        }
        gsl_rng_free(r);
        free(w0);
        free(w);
        nso_obj_free(o);
    }
}

/* Lemma B.1: Pr[t = j] proportional to eta_j (5 binomial standard errors) */
static void test_random_iterate(void)
{
    double buf[8];
    char msg[256];
    nso_schedule s;
    CU_ASSERT_FATAL(nso_schedule_parse("list:0.1,0.2,0.3,0.4", 1.0, buf, 8, &s, msg, sizeof msg) == NSO_OK);
    size_t cnt[4] = {0}, N = 200000;
    gsl_rng *r = nso_rng_named(9, "ri");
    for (size_t i = 0; i < N; i++) cnt[nso_random_iterate(&s, 4, r)]++;
    for (int j = 0; j < 4; j++) {
        double p = 0.1 * (j + 1);
        CHECK_CLOSE(cnt[j] / (double)N, p, 5 * sqrt(p * (1 - p) / (double)N));
    }
    CU_ASSERT_FATAL(nso_schedule_parse("step:10:0.5", 2.0, buf, 8, &s, msg, sizeof msg) == NSO_OK);
    CHECK_CLOSE(nso_schedule_eta(&s, 0), 2.0, 0);
    CHECK_CLOSE(nso_schedule_eta(&s, 25), 0.5, 1e-15);
    /* milestones: x0.1 at steps 300 and 600 (App. C's 1/3 and 2/3 of 900) */
    CU_ASSERT_FATAL(nso_schedule_parse("milestones:0.1:300,600", 0.05, buf, 8, &s, msg, sizeof msg) == NSO_OK);
    CHECK_CLOSE(nso_schedule_eta(&s, 299), 0.05, 0);
    CHECK_CLOSE(nso_schedule_eta(&s, 300), 0.005, 1e-17);
    CHECK_CLOSE(nso_schedule_eta(&s, 599), 0.005, 1e-17);
    CHECK_CLOSE(nso_schedule_eta(&s, 600), 0.0005, 1e-18);
    /* malformed specs are refused with a message, never used */
    const char *bad[] = {"milestones:0.1:600,300", "milestones:0:10", "milestones:0.1:", "step:0:0.5",
                         "step:10:1.5", "list:", "list:0.1,x", "cosine"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        msg[0] = 0;
        CU_ASSERT(nso_schedule_parse(bad[i], 1.0, buf, 8, &s, msg, sizeof msg) == NSO_EINVAL);
        CU_ASSERT(strstr(msg, "expected") != NULL);
    }
    gsl_rng_free(r);
}

/* -------------------------------------------------------------- Hessian */

static void check_hessian_tools(nso_objective *o, const double *w, double fd_tol)
{
    size_t n = o->dim;
    double *H = nso_xmalloc(n * n * sizeof(double)), *ev = nso_xmalloc(n * sizeof(double));
    /* Hessian from finite differences of the gradient, independent of hvp */
    void (*hvp)(void *, const double *, const double *, double *) = o->hvp;
    o->hvp = NULL;
    nso_hessian_dense(o, w, 1e-5, H);
    o->hvp = hvp;
    double *Hx = nso_xmalloc(n * n * sizeof(double));
    nso_hessian_dense(o, w, 0, Hx); /* from hvp */
    double scale = 0, tr = 0;
    for (size_t i = 0; i < n * n; i++) scale = fmax(scale, fabs(Hx[i]));
    for (size_t i = 0; i < n * n; i++) CHECK_CLOSE(H[i], Hx[i], fd_tol * scale);
    for (size_t i = 0; i < n; i++) tr += Hx[i * n + i];
    nso_eig_sym(n, Hx, ev);
    if (o->hess_trace) CHECK_CLOSE(o->hess_trace(o->ctx, w), tr, 1e-10 * fabs(tr) + 1e-12);
    /* Lanczos with n iterations = exact top eigenvalues (1e-8 relative) */
    gsl_rng *r = nso_rng_named(1, "lanczos");
    double top[2];
    nso_hess_at at = {o, w};
    nso_linop op = nso_hess_linop(&at);
    CU_ASSERT(nso_lanczos_top(&op, n, 2, r, top) == NSO_OK);
    CHECK_CLOSE(top[0], ev[n - 1], 1e-8 * fabs(ev[n - 1]) + 1e-12);
    CHECK_CLOSE(top[1], ev[n - 2], 1e-8 * fabs(ev[n - 1]) + 1e-12);
    /* power iteration: top |eigenvalue| to 1e-3 relative (its stopping tolerance is 1e-7) */
    double lmax = fabs(ev[n - 1]) >= fabs(ev[0]) ? ev[n - 1] : ev[0], lp;
    nso_power_top(&op, 5000, 1e-10, r, &lp);
    CHECK_CLOSE(lp, lmax, 1e-3 * fabs(lmax));
    /* Hutchinson: within 4 standard errors of the exact trace after 2000 probes;
     * Rademacher variance = 2 sum_{i != j} H_ij^2 */
    nso_trace_est te = {0};
    nso_hutch_opts ho = {.min_probes = 2000, .max_probes = 2000};
    CU_ASSERT(nso_hutchinson(&op, &ho, r, &te) == NSO_OK);
    double off = 0;
    for (size_t i = 0; i < n; i++) for (size_t j = 0; j < n; j++) if (i != j) off += Hx[i * n + j] * Hx[i * n + j];
    double se = sqrt(2 * off / 2000.0);
    CHECK_CLOSE(te.mean, tr, 4 * se + 1e-9 * fabs(tr));
    CU_ASSERT(fabs(te.se - se) < 0.2 * se + 1e-12); /* its own s.e. estimate within 20% */
    gsl_rng_free(r);
    free(H); free(Hx); free(ev);
}

static void test_hessian_tools(void)
{
    const char *names[] = {"quadratic", "cosquad", "logistic", "sensing"};
    for (int i = 0; i < 4; i++) {
        int sensing = i == 3;
        nso_problem_params pp = {.dim = sensing ? 4 : 8, .rank = 2, .m = 0, .seed = 5, .scale = 1.3};
        char msg[256];
        nso_objective *o = nso_problem_find(names[i])->create(&pp, msg, sizeof msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        double *w = nso_xmalloc(o->dim * sizeof(double));
        for (size_t j = 0; j < o->dim; j++) w[j] = 0.4 * sin(2.385 * (double)j + 0.3) + 0.1;
        check_hessian_tools(o, w, 1e-6); /* central differences, h = 1e-5: O(h^2) */
        free(w);
        nso_obj_free(o);
    }
}

/* -------------------------------------------------------------- sensing */

/* gradient against central differences of the loss (relative 1e-6) and the
 * batched gradient against one-at-a-time gradients (1e-12) */
static void test_sensing_gradient(void)
{
    char smsg[256];
    nso_sensing_params sp = {.d = 5, .r = 2, .m = {30, 10, 10}, .seed = 8};
    nso_sensing *s = nso_sensing_alloc(&sp, smsg, sizeof smsg);
    size_t dd = 25;
    double U[3 * 25], G[3 * 25], G1[25], loss[3];
    for (size_t i = 0; i < 3 * dd; i++) U[i] = sin(1.7 * (double)i) + 0.2;
    nso_sensing_grad(s, 3, U, G, loss);
    for (int b = 0; b < 3; b++) {
        nso_sensing_grad(s, 1, U + b * dd, G1, NULL);
        for (size_t i = 0; i < dd; i++) CHECK_CLOSE(G[b * dd + i], G1[i], 1e-12 * (1 + fabs(G1[i])));
    }
    double gmax = 0;
    for (size_t i = 0; i < dd; i++) gmax = fmax(gmax, fabs(G[i]));
    CU_ASSERT(gmax > 1e-3); /* not trivially zero */
    for (size_t i = 0; i < dd; i++) {
        double h = 1e-6, lp, lm, rel;
        double Up[25];
        memcpy(Up, U, sizeof Up);
        Up[i] += h;
        nso_sensing_residuals(s, 0, 1, Up, NULL, &rel);
        lp = rel * s->ymsq[0] / 4;
        Up[i] -= 2 * h;
        nso_sensing_residuals(s, 0, 1, Up, NULL, &rel);
        lm = rel * s->ymsq[0] / 4;
        CHECK_CLOSE(G[i], (lp - lm) / (2 * h), 1e-6 * gmax);
    }
    /* loss agrees with the residual path */
    double rel;
    nso_sensing_residuals(s, 0, 1, U, NULL, &rel);
    CHECK_CLOSE(loss[0], rel * s->ymsq[0] / 4, 1e-12 * loss[0]);
    /* at U* (padded with zeros) every residual is zero and the distance is zero */
    double Us[25] = {0}, res[30];
    for (size_t j = 0; j < 5; j++) for (size_t k = 0; k < 2; k++) Us[j * 5 + k] = s->Ustar[j * 2 + k];
    nso_sensing_residuals(s, 0, 1, Us, res, NULL);
    for (int i = 0; i < 30; i++) CHECK_CLOSE(res[i], 0.0, 1e-12 * sqrt(s->ymsq[0]));
    CHECK_CLOSE(nso_sensing_dist(s, Us), 0.0, 1e-14);
    nso_sensing_free(s);
}

/* lock-step HVP batch equals single HVPs (1e-12) */
static void test_sensing_hvp_batch(void)
{
    char smsg[256];
    nso_sensing_params sp = {.d = 4, .r = 1, .m = {20, 0, 0}, .seed = 2};
    nso_sensing *s = nso_sensing_alloc(&sp, smsg, sizeof smsg);
    double U[2 * 16], V[2 * 16], out[2 * 16], o1[16];
    for (int i = 0; i < 32; i++) { U[i] = cos(0.9 * i); V[i] = sin(1.3 * i + 0.5); }
    nso_sensing_hess h;
    nso_sensing_hess_prepare(s, 2, U, NULL, &h);
    nso_sensing_hvp_batch(&h, 2, V, out);
    nso_sensing_hess_free(&h);
    for (int b = 0; b < 2; b++) {
        nso_sensing_hess_prepare(s, 1, U + 16 * b, NULL, &h);
        nso_sensing_hvp_batch(&h, 1, V + 16 * b, o1);
        nso_sensing_hess_free(&h);
        for (int i = 0; i < 16; i++) CHECK_CLOSE(out[16 * b + i], o1[i], 1e-12 * (1 + fabs(o1[i])));
    }
    nso_sensing_free(s);
}

/* the fused single pass (threaded when m p >= 1e6) equals two BLAS passes (1e-12) */
static void test_sensing_fused(void)
{
    char smsg[256];
    nso_sensing_params sp = {.d = 20, .r = 2, .m = {5200, 0, 0}, .seed = 4};
    nso_sensing *s = nso_sensing_alloc(&sp, smsg, sizeof smsg);
    size_t dd = 400;
    double *U = nso_xmalloc(4 * dd * sizeof(double)), *G1 = nso_xmalloc(4 * dd * sizeof(double));
    double *G2 = nso_xmalloc(4 * dd * sizeof(double)), *V = nso_xmalloc(4 * dd * sizeof(double));
    double l1[4], l2[4];
    for (size_t i = 0; i < 4 * dd; i++) { U[i] = sin(0.37 * (double)i); V[i] = cos(0.11 * (double)i); }
    for (size_t nb = 1; nb <= 4; nb++) {
        nso_sensing_use_fused = 1;
        nso_sensing_grad(s, nb, U, G1, l1);
        nso_sensing_use_fused = 0;
        nso_sensing_grad(s, nb, U, G2, l2);
        double gmax = 0;
        for (size_t i = 0; i < nb * dd; i++) gmax = fmax(gmax, fabs(G2[i]));
        for (size_t i = 0; i < nb * dd; i++) CHECK_CLOSE(G1[i], G2[i], 1e-12 * gmax);
        for (size_t b = 0; b < nb; b++) CHECK_CLOSE(l1[b], l2[b], 1e-12 * l2[b]);
        nso_sensing_hess h;
        nso_sensing_hess_prepare(s, nb, U, NULL, &h);
        nso_sensing_use_fused = 1;
        nso_sensing_hvp_batch(&h, nb, V, G1);
        nso_sensing_use_fused = 0;
        nso_sensing_hvp_batch(&h, nb, V, G2);
        nso_sensing_hess_free(&h);
        gmax = 0;
        for (size_t i = 0; i < nb * dd; i++) gmax = fmax(gmax, fabs(G2[i]));
        for (size_t i = 0; i < nb * dd; i++) CHECK_CLOSE(G1[i], G2[i], 1e-12 * gmax);
    }
    nso_sensing_use_fused = 1;
    free(U); free(G1); free(G2); free(V);
    nso_sensing_free(s);
}

static void test_sensing_bad_params(void)
{
    char smsg[256];
    nso_sensing_params sp = {.d = 4, .r = 5, .m = {20, 0, 0}, .seed = 2};
    CU_ASSERT_PTR_NULL(nso_sensing_alloc(&sp, smsg, sizeof smsg)); /* r > d */
    sp.r = 2;
    sp.m[0] = 0;
    CU_ASSERT_PTR_NULL(nso_sensing_alloc(&sp, smsg, sizeof smsg)); /* m = 0 */
    CU_ASSERT(strstr(smsg, "measurements") != NULL); /* the reason, not printed */
}

/* ------------------------------------------------------------------ I/O */

static void test_csv_atomic_and_ledger(void)
{
    char dir[] = "/tmp/nso_test_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[256], led[256];
    snprintf(path, sizeof path, "%s/a.csv", dir);
    nso_csv *c = nso_csv_open(path, "t", "--x 1", 42, "a,b");
    nso_csv_printf(c, "1,2\n");
    CU_ASSERT(!nso_file_exists(path)); /* nothing visible before commit */
    nso_csv_abort(c);
    CU_ASSERT(!nso_file_exists(path)); /* abort leaves nothing */
    c = nso_csv_open(path, "t", "--x 1", 42, "a,b");
    nso_csv_printf(c, "1,2\n");
    CU_ASSERT(nso_csv_commit(c) == NSO_OK);
    CU_ASSERT(nso_file_exists(path));
    FILE *f = fopen(path, "r");
    char line[256];
    int seen_seed = 0;
    while (fgets(line, sizeof line, f)) seen_seed |= strcmp(line, "# seed: 42\n") == 0;
    fclose(f);
    CU_ASSERT(seen_seed);
    /* unwritable directory -> NULL, no file */
    CU_ASSERT_PTR_NULL(nso_csv_open("/nonexistent_dir/x.csv", "t", "", 1, "a"));
    snprintf(led, sizeof led, "%s/claims.tsv", dir);
    /* ids must be registered in lib/claim_kinds.c (tests/ledger/ covers the kinds) */
    nso_claim cl = {"thm4.3.rate_T", "paper", "1", "crit", "holds", "d.csv", "cmd"};
    CU_ASSERT(nso_ledger_put(led, &cl) == NSO_OK);
    cl.id = "thm4.3.rate_k";
    CU_ASSERT(nso_ledger_put(led, &cl) == NSO_OK);
    cl.id = "thm4.3.rate_T";
    cl.measured = "2\twith tab";
    cl.verdict = "fails";
    CU_ASSERT(nso_ledger_put(led, &cl) == NSO_OK);
    f = fopen(led, "r");
    int rows = 0, ones = 0;
    while (fgets(line, sizeof line, f)) {
        rows++;
        if (strncmp(line, "thm4.3.rate_T\t", 14) == 0) {
            ones++;
            CU_ASSERT(strstr(line, "\t2 with tab\t") != NULL);
            CU_ASSERT(strstr(line, "\tfails\t") != NULL);
        }
    }
    fclose(f);
    CU_ASSERT(rows == 3); /* header + two ids */
    CU_ASSERT(ones == 1); /* replaced, not appended */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CU_ASSERT(system(cmd) == 0);
}

/* --------------------------------------------------- programs: bad input */

#ifndef NSO_BIN
#define NSO_BIN "build/bin"
#endif

/* run a shell command; return exit status; stderr captured in errbuf */
static int run(const char *cmd, char *errbuf, size_t len)
{
    char full[2048];
    snprintf(full, sizeof full, "%s >/dev/null 2>/tmp/nso_test_err.txt", cmd);
    int st = system(full);
    FILE *f = fopen("/tmp/nso_test_err.txt", "r");
    size_t n = f ? fread(errbuf, 1, len - 1, f) : 0;
    errbuf[n] = 0;
    if (f) fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static void expect_bad(const char *args, const char *must_mention)
{
    char cmd[1024], err[4096];
    unlink("/tmp/nso_test_out.csv");
    snprintf(cmd, sizeof cmd, NSO_BIN "/nsorun %s --out /tmp/nso_test_out.csv", args);
    int st = run(cmd, err, sizeof err);
    if (st != 2 || !strstr(err, must_mention) || count_lines(err) != 1)
        fprintf(stderr, "\n  '%s': status %d, stderr: %s\n", args, st, err);
    CU_ASSERT(st == 2);
    CU_ASSERT(strstr(err, must_mention) != NULL);
    CU_ASSERT(count_lines(err) == 1);
    CU_ASSERT(!nso_file_exists("/tmp/nso_test_out.csv")); /* no partial output */
}

static void test_bad_input(void)
{
    expect_bad("--sigma -0.1", "--sigma");
    expect_bad("--sigma abc", "--sigma");
    expect_bad("--k 0", "--k");
    expect_bad("--k 2.5", "--k");
    expect_bad("--problem sensing --dim 4 --rank 5", "--rank");
    expect_bad("--opt adamw", "--opt");
    expect_bad("--problem nope", "--problem");
    expect_bad("--noise cauchy", "--noise");
    expect_bad("--steps", "--steps");
    expect_bad("--bogus 1", "--bogus");
    expect_bad("--schedule step:0:2", "--schedule");
    /* divergence: gradient descent with a huge step on the quadratic */
    expect_bad("--problem quadratic --dim 5 --opt gd --eta 90 --steps 2000", "diverged");
    char err[4096];
    int st = run(NSO_BIN "/nsorun --steps 5 --out /nonexistent_dir/x.csv", err, sizeof err);
    CU_ASSERT(st == 2);
    CU_ASSERT(strstr(err, "--out") != NULL);
    st = run(NSO_BIN "/sensing_fig3 --d 4 --r 5", err, sizeof err);
    CU_ASSERT(st == 2);
    CU_ASSERT(strstr(err, "--r") != NULL);
    st = run(NSO_BIN "/sensing_fig3 --sigmas 0.1,x", err, sizeof err);
    CU_ASSERT(st == 2);
    CU_ASSERT(strstr(err, "--sigmas") != NULL);
}

/* sensing with a noisy oracle still reports validation error (the wrapper
 * must not hide the sensing data) */
static void test_nsorun_noisy_sensing(void)
{
    char err[1024];
    CU_ASSERT(run(NSO_BIN "/nsorun --problem sensing --dim 5 --rank 2 --opt nso --sigma-g 0.1 --steps 20 "
                  "--log-every 20 --out /tmp/nso_noisy.csv", err, sizeof err) == 0);
    char msg[512] = "";
    nso_table *t = nso_table_read("/tmp/nso_noisy.csv", NULL, msg, sizeof msg);
    if (!t) fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    int c = nso_table_col(t, "val_relmse");
    CU_ASSERT(c >= 0 && t->nrows == 2);
    for (size_t i = 0; c >= 0 && i < t->nrows; i++) CU_ASSERT(isfinite(NSO_T(t, i, c)) && NSO_T(t, i, c) > 0);
    nso_table_free(t);
}

/* the same seed gives byte-identical output; another seed does not */
static void test_reproducible(void)
{
    const char *base = NSO_BIN "/nsorun --problem sensing --dim 6 --rank 2 --opt nso --sigma 0.05 --steps 50";
    char cmd[1024], err[256];
    /* same --out path each time (the path is part of the recorded parameters) */
    snprintf(cmd, sizeof cmd, "%s --seed 3 --out /tmp/nso_rep.csv && mv /tmp/nso_rep.csv /tmp/nso_rep_a.csv", base);
    CU_ASSERT(run(cmd, err, sizeof err) == 0);
    snprintf(cmd, sizeof cmd, "%s --seed 3 --out /tmp/nso_rep.csv && mv /tmp/nso_rep.csv /tmp/nso_rep_b.csv", base);
    CU_ASSERT(run(cmd, err, sizeof err) == 0);
    snprintf(cmd, sizeof cmd, "%s --seed 4 --out /tmp/nso_rep.csv && mv /tmp/nso_rep.csv /tmp/nso_rep_c.csv", base);
    CU_ASSERT(run(cmd, err, sizeof err) == 0);
    CU_ASSERT(system("cmp -s /tmp/nso_rep_a.csv /tmp/nso_rep_b.csv") == 0);
    CU_ASSERT(system("cmp -s /tmp/nso_rep_a.csv /tmp/nso_rep_c.csv") != 0);
}

/* an interrupted sweep resumes from its checkpoint and ends with the same files
 * as an uninterrupted one (byte for byte, the parameter line aside) */
static void test_sweep_resume(void)
{
    const char *args = "--d 6 --r 2 --steps 300 --ckpt-every 50 --log-every 25 --hess-every 100 --sigmas 0.01,0.05 --seed 9";
    char cmd[1024], err[1024];
    CU_ASSERT(system("rm -rf /tmp/nso_resume_a /tmp/nso_resume_b") == 0);
    snprintf(cmd, sizeof cmd, NSO_BIN "/sensing_fig3 %s --outdir /tmp/nso_resume_a", args);
    CU_ASSERT(run(cmd, err, sizeof err) == 0);
    snprintf(cmd, sizeof cmd, NSO_BIN "/sensing_fig3 %s --outdir /tmp/nso_resume_b --stop-after 100", args);
    CU_ASSERT(run(cmd, err, sizeof err) == 3); /* interrupted */
    CU_ASSERT(nso_file_exists("/tmp/nso_resume_b/seed9/checkpoint.bin"));
    CU_ASSERT(!nso_file_exists("/tmp/nso_resume_b/seed9/nso_s0.01.csv")); /* nothing half-written */
    snprintf(cmd, sizeof cmd, NSO_BIN "/sensing_fig3 %s --outdir /tmp/nso_resume_b", args);
    CU_ASSERT(run(cmd, err, sizeof err) == 0);
    CU_ASSERT(strstr(err, "resuming at step 100") != NULL);
    CU_ASSERT(!nso_file_exists("/tmp/nso_resume_b/seed9/checkpoint.bin"));
    const char *runs[] = {"gd", "wpgd_s0.01", "wpgd_s0.05", "nso_s0.01", "nso_s0.05"};
    for (int i = 0; i < 5; i++)
        for (int h = 0; h < 2; h++) {
            snprintf(cmd, sizeof cmd,
                     "cmp -s <(grep -v '^# params' /tmp/nso_resume_a/seed9/%s%s.csv) "
                     "<(grep -v '^# params' /tmp/nso_resume_b/seed9/%s%s.csv)",
                     runs[i], h ? "_hess" : "", runs[i], h ? "_hess" : "");
            char full[1200];
            snprintf(full, sizeof full, "bash -c \"%s\"", cmd);
            int same = system(full) == 0;
            if (!same) fprintf(stderr, "\n  resume changed %s%s.csv\n", runs[i], h ? "_hess" : "");
            CU_ASSERT(same);
        }
    /* a finished job is skipped */
    snprintf(cmd, sizeof cmd, NSO_BIN "/sensing_fig3 %s --outdir /tmp/nso_resume_b", args);
    CU_ASSERT(run(cmd, err, sizeof err) == 0);
    CU_ASSERT(strstr(err, "already done") != NULL);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s1 = CU_add_suite("noise+rng", NULL, NULL);
    CU_add_test(s1, "moments and symmetry of every law", test_noise_moments);
    CU_add_test(s1, "two- and one-sided truncation", test_noise_truncation);
    CU_add_test(s1, "named streams", test_rng_streams);
    CU_pSuite s2 = CU_add_suite("optimizers", NULL, NULL);
    CU_add_test(s2, "two-point average exact on a quadratic", test_two_point_quadratic);
    CU_add_test(s2, "GD closed-form iterate", test_gd_closed_form);
    CU_add_test(s2, "momentum eq. (10)", test_momentum_recursion);
    CU_add_test(s2, "no-negative ablation", test_no_negative_differs);
    CU_add_test(s2, "every optimizer x every problem decreases f", test_all_opts_all_problems);
    CU_add_test(s2, "random iterate of Lemma B.1 and schedules", test_random_iterate);
    CU_pSuite s3 = CU_add_suite("hessian", NULL, NULL);
    CU_add_test(s3, "dense / trace / Lanczos / power / Hutchinson on every problem", test_hessian_tools);
    CU_pSuite s4 = CU_add_suite("sensing", NULL, NULL);
    CU_add_test(s4, "gradient vs central differences, batching, U*", test_sensing_gradient);
    CU_add_test(s4, "batched HVP", test_sensing_hvp_batch);
    CU_add_test(s4, "fused pass equals two BLAS passes", test_sensing_fused);
    CU_add_test(s4, "bad parameters", test_sensing_bad_params);
    CU_pSuite s5 = CU_add_suite("io+programs", NULL, NULL);
    CU_add_test(s5, "atomic CSV and ledger upsert", test_csv_atomic_and_ledger);
    CU_add_test(s5, "bad input: one line, exit 2, no output", test_bad_input);
    CU_add_test(s5, "same seed, same output", test_reproducible);
    CU_add_test(s5, "nsorun: sensing with a noisy oracle", test_nsorun_noisy_sensing);
    CU_add_test(s5, "interrupted sweep resumes to identical files", test_sweep_resume);
    int rc = nso_cunit_run("test_lib");
    return rc;
}
