/* test_opt.c - CUnit tests of the optimizer engine (lib/optimizer.h) over the
 * whole registry: the SAM family against steps computed by hand in this file,
 * every method x every problem through the single-run and the lock-step
 * driver (exact and noisy oracles), save/resume to identical bytes and the
 * refusal of bad records, the samples every method asks for, and the
 * parameter tables.  Loops run over nso_opt_types[] and nso_problems[], so a
 * method or problem added later is covered without editing this file.  Every
 * tolerance is written next to its check; fixed seeds throughout. */
#include "cunit_run.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "rng.h"
#include <CUnit/Basic.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_CLOSE(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            fprintf(stderr, "\n  %s:%d: %s = %.17g, expected %.17g +- %.3g\n", __FILE__, __LINE__, \
                    #a, a_, b_, (double)(tol));                                                    \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                         \
    } while (0)

#define CHECK_MSG(msg, needle)                                                                     \
    do {                                                                                           \
        int ok_ = strstr((msg), (needle)) != NULL;                                                 \
        if (!ok_) fprintf(stderr, "\n  %s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__,  \
                          (msg), (needle));                                                        \
        CU_ASSERT(ok_);                                                                            \
    } while (0)

/* An optimizer of type t from "name=value ..." (names t does not take are
 * skipped, so one spec serves the whole registry). */
static nso_optimizer *mkopt(const nso_opt_type *t, size_t dim, const char *spec,
                            const nso_objective *obj)
{
    nso_param_set ps;
    char msg[512], buf[512];
    nso_params_clear(&ps);
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = 0;
        if (nso_opt_param_index(t, tok) < 0) continue;
        if (nso_params_set_str(&ps, t, tok, eq + 1, msg, sizeof msg) != NSO_OK) {
            fprintf(stderr, "\n  mkopt: %s\n", msg);
            CU_FAIL_FATAL("bad optimizer parameter");
        }
    }
    nso_optimizer *o = nso_optimizer_alloc(t, dim, &ps, obj, msg, sizeof msg);
    if (!o) fprintf(stderr, "\n  mkopt %s: %s\n", t->name, msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

/* ================================================== test objectives */

/* (a) f(w) = 1/2 A w0^2 + 1/2 B w1^2 + C w0 w1 + P w0 + Q w1 (positive definite) */
static const double QA = 2.385, QB = 0.731, QC = 0.412, QP = -0.31, QQ = 0.557;
static double q2_value(void *c, const double *w)
{
    (void)c;
    return 0.5 * QA * w[0] * w[0] + 0.5 * QB * w[1] * w[1] + QC * w[0] * w[1] + QP * w[0] + QQ * w[1];
}
static void q2_grad(void *c, const double *w, double *g)
{
    (void)c;
    g[0] = QA * w[0] + QC * w[1] + QP;
    g[1] = QC * w[0] + QB * w[1] + QQ;
}

/* (b) a 2-3-2-1 tanh network (three weight layers, linear output), squared
 * loss (1/4) sum_n 1/2 (y_n - t_n)^2 on four fixed examples.  Parameters:
 * W1 (3x2) 0..5, b1 6..8, W2 (2x3) 9..14, b2 15..16, W3 (1x2) 17..18, b3 19. */
enum { MLP_DIM = 20, MLP_N = 4 };
static const double MX[MLP_N][2] = {{0.5, -1.2}, {1.3, 0.4}, {-0.7, 0.9}, {0.2, -0.35}};
static const double MT[MLP_N] = {0.3, -0.5, 0.8, 0.1};

static double mlp_eval(const double *w, double *g)
{
    const double *W1 = w, *b1 = w + 6, *W2 = w + 9, *b2 = w + 15, *W3 = w + 17, *b3 = w + 19;
    double loss = 0;
    if (g) memset(g, 0, MLP_DIM * sizeof(double));
    for (int n = 0; n < MLP_N; n++) {
        double h1[3], h2[2];
        for (int j = 0; j < 3; j++) h1[j] = tanh(W1[2 * j] * MX[n][0] + W1[2 * j + 1] * MX[n][1] + b1[j]);
        for (int k = 0; k < 2; k++)
            h2[k] = tanh(W2[3 * k] * h1[0] + W2[3 * k + 1] * h1[1] + W2[3 * k + 2] * h1[2] + b2[k]);
        double y = W3[0] * h2[0] + W3[1] * h2[1] + b3[0], r = y - MT[n];
        loss += 0.5 * r * r / MLP_N;
        if (!g) continue;
        double dy = r / MLP_N, dz2[2], dz1[3];
        g[17] += dy * h2[0];
        g[18] += dy * h2[1];
        g[19] += dy;
        for (int k = 0; k < 2; k++) dz2[k] = W3[k] * dy * (1 - h2[k] * h2[k]);
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 3; j++) g[9 + 3 * k + j] += dz2[k] * h1[j];
            g[15 + k] += dz2[k];
        }
        for (int j = 0; j < 3; j++) dz1[j] = (W2[j] * dz2[0] + W2[3 + j] * dz2[1]) * (1 - h1[j] * h1[j]);
        for (int j = 0; j < 3; j++) {
            g[2 * j] += dz1[j] * MX[n][0];
            g[2 * j + 1] += dz1[j] * MX[n][1];
            g[6 + j] += dz1[j];
        }
    }
    return loss;
}
static double mlp_value(void *c, const double *w)
{
    (void)c;
    return mlp_eval(w, NULL);
}
static void mlp_grad(void *c, const double *w, double *g)
{
    (void)c;
    mlp_eval(w, g);
}
static void mlp_init(double *w)
{
    for (int i = 0; i < MLP_DIM; i++) w[i] = 0.8 * sin(1.7 * i + 0.3);
}

static nso_objective *obj_new(const char *name, size_t dim, double (*v)(void *, const double *),
                              void (*g)(void *, const double *, double *), size_t ndata)
{
    nso_objective *o = calloc(1, sizeof *o);
    *o = (nso_objective){.name = name, .dim = dim, .value = v, .grad = g, .noise_model = "exact",
                         .min_value = NAN, .lipschitz = NAN, .ndata = ndata};
    return o;
}

/* the network's gradient against central differences, h = 1e-5: truncation
 * O(h^2 f''') ~ 1e-10 and rounding ~ 1e-16/h ~ 1e-11, so |fd - g| <= 1e-8;
 * the gradient must not be trivially small (its norm > 1e-2) */
static void test_mlp_gradient(void)
{
    double w[MLP_DIM], g[MLP_DIM], gn = 0;
    mlp_init(w);
    mlp_eval(w, g);
    for (int i = 0; i < MLP_DIM; i++) {
        double wp[MLP_DIM], wm[MLP_DIM], h = 1e-5;
        memcpy(wp, w, sizeof w);
        memcpy(wm, w, sizeof w);
        wp[i] += h;
        wm[i] -= h;
        double fd = (mlp_eval(wp, NULL) - mlp_eval(wm, NULL)) / (2 * h);
        CHECK_CLOSE(g[i], fd, 1e-8);
        gn += g[i] * g[i];
    }
    CU_ASSERT(sqrt(gn) > 1e-2);
}

/* ================================================== hand-computed steps */
/* Each method's step written out again here from its paper's formulas, on the
 * test's own gradient; the library's iterate must agree to 1e-12 absolute
 * (iterates are O(1): the same arithmetic in another order differs by a few
 * ulps, amplified by at most a few gradient Lipschitz factors over 3 steps). */

typedef void gradfn(void *, const double *, double *);
enum { MAXD = MLP_DIM };

static void hand_sam(gradfn *gf, size_t d, double *w, double rho, double eta)
{
    double g[MAXD], p[MAXD], n = 0;
    gf(NULL, w, g);
    for (size_t i = 0; i < d; i++) n += g[i] * g[i];
    n = sqrt(n);
    for (size_t i = 0; i < d; i++) p[i] = w[i] + rho * g[i] / n;
    gf(NULL, p, g);
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

static void hand_asam(gradfn *gf, size_t d, double *w, double rho, double eta_a, double eta)
{
    double g[MAXD], p[MAXD], T[MAXD], n = 0;
    gf(NULL, w, g);
    for (size_t i = 0; i < d; i++) {
        T[i] = fabs(w[i]) + eta_a;
        n += (T[i] * g[i]) * (T[i] * g[i]);
    }
    n = sqrt(n);
    for (size_t i = 0; i < d; i++) p[i] = w[i] + rho * T[i] * T[i] * g[i] / n;
    gf(NULL, p, g);
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

/* R-SAM with lambda = 1/kappa: delta from the law, g_d at W + delta,
 * delta_1 = delta + lambda g_d, second gradient at W + rho delta_1/||delta_1|| */
static void hand_rsam(gradfn *gf, size_t d, double *w, const nso_noise_law *law, double sigma,
                      double rho, double kappa, double eta, gsl_rng *r)
{
    double g[MAXD], p[MAXD], delta[MAXD], d1[MAXD], n = 0, lambda = 1 / kappa;
    for (size_t i = 0; i < d; i++) delta[i] = sigma * law->draw(r);
    for (size_t i = 0; i < d; i++) p[i] = w[i] + delta[i];
    gf(NULL, p, g);
    for (size_t i = 0; i < d; i++) {
        d1[i] = delta[i] + lambda * g[i];
        n += d1[i] * d1[i];
    }
    n = sqrt(n);
    for (size_t i = 0; i < d; i++) p[i] = w[i] + rho * d1[i] / n;
    gf(NULL, p, g);
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

typedef struct {
    double rho, b1, b2, prior, damping, N;
    double m[MAXD], s[MAXD];
} hand_bsam_t;

static void hand_bsam(gradfn *gf, size_t d, double *w, hand_bsam_t *b, double eta, gsl_rng *r)
{
    double g[MAXD], ga[MAXD], p[MAXD], delta = b->prior / b->N;
    for (size_t i = 0; i < d; i++) {
        double sd = 1 / sqrt(b->N * b->s[i]); /* posterior std */
        p[i] = w[i] + sd * gsl_ran_gaussian_ziggurat(r, 1.0);
    }
    gf(NULL, p, g);
    for (size_t i = 0; i < d; i++) p[i] = w[i] + b->rho * g[i] / b->s[i];
    gf(NULL, p, ga);
    for (size_t i = 0; i < d; i++) {
        double s_old = b->s[i];
        b->m[i] = b->b1 * b->m[i] + (1 - b->b1) * (ga[i] + delta * w[i]);
        w[i] = w[i] - eta * b->m[i] / s_old;
        b->s[i] = b->b2 * s_old + (1 - b->b2) * (sqrt(s_old) * fabs(g[i]) + b->damping + delta);
    }
}

static void check_vec(const double *a, const double *b, size_t n, double tol, const char *what)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(a[i] - b[i]));
    if (!(worst <= tol)) fprintf(stderr, "\n  %s: max difference %.3g > %.3g\n", what, worst, tol);
    CU_ASSERT(worst <= tol);
}

/* three steps of each new method on objective o from w0 against the hand
 * computation; the library's random stream and the hand's start equal */
static void hand_case(nso_objective *o, gradfn *gf, const double *w0, const char *law_name)
{
    const size_t d = o->dim;
    const double eta = 0.1, tol = 1e-12;
    const int T = 3;
    double w[MAXD], h[MAXD];
    char spec[256];
    const nso_noise_law *law = nso_noise_find(law_name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(law);

    /* SAM, rho 0.13 */
    nso_optimizer *op = mkopt(nso_opt_sam, d, "rho=0.13", o);
    memcpy(w, w0, d * sizeof(double));
    memcpy(h, w0, d * sizeof(double));
    for (int t = 0; t < T; t++) {
        CU_ASSERT(nso_opt_step(op, o, w, eta, NULL) == NSO_OK);
        hand_sam(gf, d, h, 0.13, eta);
    }
    check_vec(w, h, d, tol, "sam vs hand");
    nso_optimizer_free(op);

    /* ASAM, rho 0.37, eta_a 0.021 */
    op = mkopt(nso_opt_asam, d, "rho=0.37 eta-a=0.021", o);
    memcpy(w, w0, d * sizeof(double));
    memcpy(h, w0, d * sizeof(double));
    for (int t = 0; t < T; t++) {
        CU_ASSERT(nso_opt_step(op, o, w, eta, NULL) == NSO_OK);
        hand_asam(gf, d, h, 0.37, 0.021, eta);
    }
    check_vec(w, h, d, tol, "asam vs hand");
    nso_optimizer_free(op);

    /* R-SAM, sigma 0.05 of the given law, rho 0.11, kappa 0.7 (lambda 1/0.7) */
    snprintf(spec, sizeof spec, "sigma=0.05 noise=%s rho=0.11 delta-weight=0.7", law_name);
    op = mkopt(nso_opt_rsam, d, spec, o);
    gsl_rng *r1 = nso_rng_named(5, "hand-rsam"), *r2 = nso_rng_named(5, "hand-rsam");
    memcpy(w, w0, d * sizeof(double));
    memcpy(h, w0, d * sizeof(double));
    for (int t = 0; t < T; t++) {
        CU_ASSERT(nso_opt_step(op, o, w, eta, r1) == NSO_OK);
        hand_rsam(gf, d, h, law, 0.05, 0.11, 0.7, eta, r2);
    }
    check_vec(w, h, d, tol, "rsam vs hand");
    CU_ASSERT(gsl_rng_get(r1) == gsl_rng_get(r2)); /* both consumed d draws per step */
    nso_optimizer_free(op);

    /* bSAM: N from the parameter, or (ndata = 0) from the objective */
    hand_bsam_t b = {.rho = 0.03, .b1 = 0.8, .b2 = 0.95, .prior = 3.1, .damping = 0.07,
                     .N = o->ndata ? (double)o->ndata : 40};
    for (size_t i = 0; i < d; i++) {
        b.m[i] = 0;
        b.s[i] = 1.7;
    }
    snprintf(spec, sizeof spec, "rho=0.03 b1=0.8 b2=0.95 prior-prec=3.1 damping=0.07 s0=1.7 ndata=%d",
             o->ndata ? 0 : 40);
    op = mkopt(nso_opt_bsam, d, spec, o);
    gsl_rng_set(r1, 17);
    gsl_rng_set(r2, 17);
    memcpy(w, w0, d * sizeof(double));
    memcpy(h, w0, d * sizeof(double));
    for (int t = 0; t < T; t++) {
        CU_ASSERT(nso_opt_step(op, o, w, eta, r1) == NSO_OK);
        hand_bsam(gf, d, h, &b, eta, r2);
    }
    check_vec(w, h, d, tol, "bsam vs hand");
    double st[2 * MAXD];
    CU_ASSERT_FATAL(op->type->state_len(op->state) == 2 * d);
    op->type->state_get(op->state, st);
    check_vec(st, b.m, d, tol, "bsam momentum vs hand");
    check_vec(st + d, b.s, d, tol, "bsam precision vs hand");
    nso_optimizer_free(op);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
}

static void test_hand_quadratic(void)
{
    nso_objective *o = obj_new("quad2", 2, q2_value, q2_grad, 0);
    const double w0[2] = {1.37, -0.82};
    hand_case(o, q2_grad, w0, "gaussian");
    nso_obj_free(o);
}

/* the network: its four examples are the data set, so bSAM takes N = 4 from
 * the objective; R-SAM draws from a Laplace law (the perturbation rows) */
static void test_hand_mlp(void)
{
    nso_objective *o = obj_new("mlp2321", MLP_DIM, mlp_value, mlp_grad, MLP_N);
    double w0[MLP_DIM];
    mlp_init(w0);
    hand_case(o, mlp_grad, w0, "laplace");
    nso_obj_free(o);
}

/* A zero ascent direction: SAM's e = rho g/||g|| and ASAM's are 0/0 at a
 * stationary point, and R-SAM's v = g_d + kappa delta is 0 when g_d = -delta.
 * The objective g(x) = -(x - c) (a concave quadratic) from W = c has all
 * three (R-SAM with kappa = 1); the guard makes e = 0, so every point is c,
 * every gradient 0 and W stays c bit for bit (a NaN ascent would make the
 * second point, and so W, NaN). */
static const double ZC[3] = {0, 0, 0}; /* c = 0: (c + delta) - c is exactly delta */
static void zero_grad(void *c, const double *w, double *g)
{
    (void)c;
    for (int i = 0; i < 3; i++) g[i] = -(w[i] - ZC[i]);
}
static double zero_value(void *c, const double *w)
{
    (void)c;
    double f = 0;
    for (int i = 0; i < 3; i++) f -= 0.5 * (w[i] - ZC[i]) * (w[i] - ZC[i]);
    return f;
}
static void test_zero_gradient(void)
{
    nso_objective *o = obj_new("saddle", 3, zero_value, zero_grad, 0);
    const char *specs[] = {"sam", "", "asam", "", "rsam", "delta-weight=1"};
    gsl_rng *r = nso_rng_named(3, "zero");
    for (int k = 0; k < 3; k++) {
        nso_optimizer *op = mkopt(nso_opt_find(specs[2 * k]), 3, specs[2 * k + 1], o);
        double w[3];
        memcpy(w, ZC, sizeof w);
        CU_ASSERT(nso_opt_step(op, o, w, 0.5, r) == NSO_OK);
        CU_ASSERT(memcmp(w, ZC, sizeof w) == 0);
        nso_optimizer_free(op);
    }
    gsl_rng_free(r);
    nso_obj_free(o);
}

/* ================================================== single run vs lock-step */

enum { R = 3, TSTEPS = 5 };
static const char *const SPEC = "sigma=0.01 k=2 mu=0.5 ndata=50";

static nso_objective *make_problem(const nso_problem *pb, int noisy)
{
    int sensing = strcmp(pb->name, "sensing") == 0;
    nso_problem_params pp = {.dim = sensing ? 6 : 12, .rank = 2, .m = 0, .seed = 3, .scale = 1.0};
    char msg[256];
    nso_objective *o = pb->create(&pp, msg, sizeof msg);
    if (!o) fprintf(stderr, "\n  %s: %s\n", pb->name, msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    if (noisy) o = nso_obj_additive_noise(o, 0.3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

static double base_eta(const nso_problem *pb, const nso_objective *o)
{
    if (strcmp(pb->name, "sensing") == 0) return 0.002;
    return 0.3 / (isfinite(o->lipschitz) ? o->lipschitz : 1.0);
}

/* run i's optimizer, random stream and start: identical for both paths; run 2
 * has momentum and weight decay composed around the method */
static void setup_run(const nso_opt_type *t, const nso_problem *pb, const nso_objective *o, size_t i,
                      nso_optimizer **op, gsl_rng **r, double *w)
{
    char msg[256];
    *op = mkopt(t, o->dim, SPEC, o);
    (*op)->sample_seed = 1000 + i;
    if (i == 2) CU_ASSERT(nso_opt_compose(*op, 0.5, 0.01, msg, sizeof msg) == NSO_OK);
    gsl_rng *ri = nso_rng_indexed(8, "init", i);
    pb->init(o, w, ri);
    gsl_rng_free(ri);
    *r = nso_rng_indexed(7, "lockstep", i);
}

static void lockstep_case(const nso_opt_type *t, const nso_problem *pb, int noisy)
{
    nso_objective *o = make_problem(pb, noisy);
    size_t d = o->dim, cap = 0;
    double eta[R], *ws[R], *wb[R];
    nso_optimizer *os[R], *ob[R];
    gsl_rng *rs[R], *rb[R];
    for (size_t i = 0; i < R; i++) {
        eta[i] = base_eta(pb, o) * (1 + 0.1 * (double)i);
        ws[i] = malloc(d * sizeof(double));
        wb[i] = malloc(d * sizeof(double));
        setup_run(t, pb, o, i, &os[i], &rs[i], ws[i]);
        setup_run(t, pb, o, i, &ob[i], &rb[i], wb[i]);
        cap += ob[i]->maxpts;
    }
    /* single-run path */
    for (size_t i = 0; i < R; i++)
        for (int s = 0; s < TSTEPS; s++) CU_ASSERT(nso_opt_step(os[i], o, ws[i], eta[i], rs[i]) == NSO_OK);
    /* one lock-step batch of the R runs */
    nso_driver *dr = nso_driver_alloc(R, d, cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dr);
    int status[R];
    for (int s = 0; s < TSTEPS; s++)
        CU_ASSERT(nso_driver_step(dr, ob, o, wb, eta, rb, R, status) == NSO_OK);
    nso_driver_free(dr);
    /* Matrix sensing's exact gradient at n points is one BLAS product whose
     * blocking depends on n: the single path hands it one run's points of a
     * phase, the lock-step path all runs' points (NSO with k = 2: 4 points
     * against 12), and the last bits differ.  That case is compared to 1e-12
     * relative to the largest |w_i|; every other case, sensing with the noisy
     * oracle (one point per call) included, must be bit-identical. */
    int exact_sensing = !noisy && strcmp(pb->name, "sensing") == 0;
    for (size_t i = 0; i < R; i++) {
        int same = memcmp(ws[i], wb[i], d * sizeof(double)) == 0;
        if (exact_sensing && !same) {
            double scale = 0;
            for (size_t j = 0; j < d; j++) scale = fmax(scale, fabs(ws[i][j]));
            check_vec(ws[i], wb[i], d, 1e-12 * scale, "sensing single vs lock-step");
        } else {
            if (!same)
                fprintf(stderr, "\n  %s on %s%s run %zu: single and lock-step iterates differ\n",
                        t->name, pb->name, noisy ? " (noisy)" : "", i);
            CU_ASSERT(same);
        }
        CU_ASSERT(os[i]->step == TSTEPS && ob[i]->step == TSTEPS);
        CU_ASSERT(gsl_rng_get(rs[i]) == gsl_rng_get(rb[i])); /* same draws consumed */
        if (t->state_len && !exact_sensing) {
            size_t n = t->state_len(os[i]->state);
            double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
            t->state_get(os[i]->state, a);
            t->state_get(ob[i]->state, b);
            CU_ASSERT(memcmp(a, b, n * sizeof(double)) == 0);
            free(a);
            free(b);
        }
        CU_ASSERT(nso_all_finite(ws[i], d));
        nso_optimizer_free(os[i]);
        nso_optimizer_free(ob[i]);
        gsl_rng_free(rs[i]);
        gsl_rng_free(rb[i]);
        free(ws[i]);
        free(wb[i]);
    }
    nso_obj_free(o);
}

static void test_lockstep_exact(void)
{
    for (size_t pi = 0; nso_problems[pi]; pi++)
        for (size_t ti = 0; nso_opt_types[ti]; ti++) lockstep_case(nso_opt_types[ti], nso_problems[pi], 0);
}

static void test_lockstep_noisy(void)
{
    for (size_t pi = 0; nso_problems[pi]; pi++)
        for (size_t ti = 0; nso_opt_types[ti]; ti++) lockstep_case(nso_opt_types[ti], nso_problems[pi], 1);
}

/* ================================================== save / resume */

/* T steps straight = T/2 steps, save, a fresh optimizer (other random stream,
 * other start, other sample seed) loads the record, T/2 more: byte-identical
 * iterate, method state and random stream.  Noisy quadratic, so the sample
 * index matters too. */
static void resume_case(const nso_opt_type *t, int compose)
{
    enum { T = 8 };
    const nso_problem *pb = nso_problem_find("quadratic");
    nso_objective *o = make_problem(pb, 1);
    size_t d = o->dim;
    char msg[512];
    double *wa = malloc(d * sizeof(double)), *wb = malloc(d * sizeof(double));
    double eta = base_eta(pb, o);
    nso_optimizer *oa = mkopt(t, d, SPEC, o), *ob = mkopt(t, d, SPEC, o);
    if (compose) {
        CU_ASSERT(nso_opt_compose(oa, 0.6, 0.02, msg, sizeof msg) == NSO_OK);
        CU_ASSERT(nso_opt_compose(ob, 0.6, 0.02, msg, sizeof msg) == NSO_OK);
    }
    oa->sample_seed = ob->sample_seed = 4711;
    gsl_rng *ra = nso_rng_named(11, "resume"), *rb = nso_rng_named(11, "resume");
    gsl_rng *ri = nso_rng_named(12, "init");
    pb->init(o, wa, ri);
    memcpy(wb, wa, d * sizeof(double));
    for (int s = 0; s < T; s++) CU_ASSERT(nso_opt_step(oa, o, wa, eta, ra) == NSO_OK);
    for (int s = 0; s < T / 2; s++) CU_ASSERT(nso_opt_step(ob, o, wb, eta, rb) == NSO_OK);
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT(nso_opt_save(ob, wb, rb, f) == NSO_OK);
    nso_optimizer_free(ob);
    gsl_rng_free(rb);
    /* fresh everything */
    nso_optimizer *oc = mkopt(t, d, SPEC, o);
    if (compose) CU_ASSERT(nso_opt_compose(oc, 0.6, 0.02, msg, sizeof msg) == NSO_OK);
    gsl_rng *rc = nso_rng_named(99, "other");
    for (size_t i = 0; i < d; i++) wb[i] = -7.0;
    rewind(f);
    int rc_load = nso_opt_load(oc, wb, rc, f, msg, sizeof msg);
    if (rc_load != NSO_OK) fprintf(stderr, "\n  load %s: %s\n", t->name, msg);
    CU_ASSERT_FATAL(rc_load == NSO_OK);
    fclose(f);
    CU_ASSERT(oc->step == T / 2 && oc->sample_seed == 4711);
    for (int s = 0; s < T / 2; s++) CU_ASSERT(nso_opt_step(oc, o, wb, eta, rc) == NSO_OK);
    int same = memcmp(wa, wb, d * sizeof(double)) == 0;
    if (!same) fprintf(stderr, "\n  %s (compose %d): resumed run differs\n", t->name, compose);
    CU_ASSERT(same);
    if (t->state_len) {
        size_t n = t->state_len(oa->state);
        double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
        t->state_get(oa->state, a);
        t->state_get(oc->state, b);
        CU_ASSERT(memcmp(a, b, n * sizeof(double)) == 0);
        free(a);
        free(b);
    }
    if (compose) CU_ASSERT(memcmp(oa->vel, oc->vel, d * sizeof(double)) == 0);
    CU_ASSERT(gsl_rng_get(ra) == gsl_rng_get(rc));
    nso_optimizer_free(oa);
    nso_optimizer_free(oc);
    gsl_rng_free(ra);
    gsl_rng_free(rc);
    gsl_rng_free(ri);
    free(wa);
    free(wb);
    nso_obj_free(o);
}

static void test_resume(void)
{
    int stateful = 0;
    for (size_t ti = 0; nso_opt_types[ti]; ti++) {
        resume_case(nso_opt_types[ti], 0);
        resume_case(nso_opt_types[ti], 1);
        stateful += nso_opt_types[ti]->state_len != NULL;
    }
    CU_ASSERT(stateful >= 2); /* momentum and bsam at least */
}

/* a record of `t` (dimension 3, spec) after two steps, in memory */
static char *record(const nso_opt_type *t, const char *spec, size_t *len)
{
    nso_objective *o = obj_new("saddle", 3, zero_value, zero_grad, 10);
    nso_optimizer *op = mkopt(t, 3, spec, NULL);
    double w[3] = {0.1, 0.2, 0.3};
    gsl_rng *r = nso_rng_named(1, "record");
    for (int s = 0; s < 2; s++) CU_ASSERT(nso_opt_step(op, o, w, 0.1, r) == NSO_OK);
    FILE *f = tmpfile();
    CU_ASSERT_FATAL(f && nso_opt_save(op, w, r, f) == NSO_OK);
    *len = (size_t)ftell(f);
    char *buf = malloc(*len);
    rewind(f);
    CU_ASSERT_FATAL(fread(buf, 1, *len, f) == *len);
    fclose(f);
    nso_optimizer_free(op);
    gsl_rng_free(r);
    nso_obj_free(o);
    return buf;
}

/* load `n` bytes of buf into a fresh optimizer; returns the status, msg set */
static int load_bytes(const nso_opt_type *t, size_t d, const char *spec, int compose, const char *buf,
                      size_t n, char *msg, size_t len)
{
    char m2[256];
    nso_optimizer *op = mkopt(t, d, spec, NULL);
    if (compose) CU_ASSERT(nso_opt_compose(op, 0.5, 0.0, m2, sizeof m2) == NSO_OK);
    double w[8];
    gsl_rng *r = nso_rng_named(2, "load");
    FILE *f = tmpfile();
    CU_ASSERT_FATAL(f != NULL);
    if (n) CU_ASSERT_FATAL(fwrite(buf, 1, n, f) == n);
    rewind(f);
    msg[0] = 0;
    int rc = nso_opt_load(op, w, r, f, msg, len);
    fclose(f);
    gsl_rng_free(r);
    nso_optimizer_free(op);
    return rc;
}

static void test_load_refuses(void)
{
    char msg[512];
    size_t len;
    const char *spec = "rho=0.05 ndata=10";
    char *buf = record(nso_opt_bsam, spec, &len);
    /* the intact record loads */
    CU_ASSERT(load_bytes(nso_opt_bsam, 3, spec, 0, buf, len, msg, sizeof msg) == NSO_OK);
    /* every proper prefix is refused as truncated */
    int all_trunc = 1;
    for (size_t n = 0; n < len; n++) {
        int rc = load_bytes(nso_opt_bsam, 3, spec, 0, buf, n, msg, sizeof msg);
        if (rc != NSO_EFORMAT || !strstr(msg, "truncated")) {
            if (all_trunc) fprintf(stderr, "\n  prefix %zu of %zu: rc %d, \"%s\"\n", n, len, rc, msg);
            all_trunc = 0;
        }
    }
    CU_ASSERT(all_trunc);
    /* every single flipped byte is refused; one in the random-stream state
     * (read after every checked field) by the checksum */
    int all_refused = 1;
    for (size_t k = 0; k < len; k++) {
        buf[k] ^= 0x10;
        if (load_bytes(nso_opt_bsam, 3, spec, 0, buf, len, msg, sizeof msg) != NSO_EFORMAT) {
            if (all_refused) fprintf(stderr, "\n  flipped byte %zu of %zu was accepted\n", k, len);
            all_refused = 0;
        }
        buf[k] ^= 0x10;
    }
    CU_ASSERT(all_refused);
    buf[len - 9] ^= 0x01;
    CU_ASSERT(load_bytes(nso_opt_bsam, 3, spec, 0, buf, len, msg, sizeof msg) == NSO_EFORMAT);
    CHECK_MSG(msg, "checksum");
    buf[len - 9] ^= 0x01;
    /* another method, dimension, parameter value, composition */
    CU_ASSERT(load_bytes(nso_opt_sam, 3, "rho=0.05", 0, buf, len, msg, sizeof msg) == NSO_EFORMAT);
    CHECK_MSG(msg, "method 'bsam'");
    CU_ASSERT(load_bytes(nso_opt_bsam, 4, spec, 0, buf, len, msg, sizeof msg) == NSO_EFORMAT);
    CHECK_MSG(msg, "dimension 3");
    CU_ASSERT(load_bytes(nso_opt_bsam, 3, "rho=0.02 ndata=10", 0, buf, len, msg, sizeof msg) == NSO_EFORMAT);
    CHECK_MSG(msg, "rho = 0.05");
    CU_ASSERT(load_bytes(nso_opt_bsam, 3, "rho=0.05 ndata=11", 0, buf, len, msg, sizeof msg) == NSO_EFORMAT);
    CHECK_MSG(msg, "ndata");
    CU_ASSERT(load_bytes(nso_opt_bsam, 3, spec, 1, buf, len, msg, sizeof msg) == NSO_EFORMAT);
    CHECK_MSG(msg, "momentum");
    free(buf);
}

/* ================================================== samples */

enum { MAXREC = 64 };
typedef struct {
    nso_sample s;
    double w[2];
} rec_t;
typedef struct {
    size_t ng, nobs;
    rec_t g[MAXREC], obs[MAXREC];
} recorder;

static int rec_sgrad(void *c, const double *w, double *g, const nso_sample *s)
{
    recorder *r = c;
    if (r->ng < MAXREC) r->g[r->ng++] = (rec_t){*s, {w[0], w[1]}};
    q2_grad(NULL, w, g);
    return NSO_OK;
}
static int rec_observe(void *c, const double *w, const nso_sample *s)
{
    recorder *r = c;
    if (r->nobs < MAXREC) r->obs[r->nobs++] = (rec_t){*s, {w[0], w[1]}};
    return NSO_OK;
}
static nso_objective *rec_obj(recorder *r)
{
    nso_objective *o = obj_new("recorder", 2, q2_value, q2_grad, 10);
    memset(r, 0, sizeof *r);
    o->ctx = r;
    o->sgrad = rec_sgrad;
    o->observe = rec_observe;
    return o;
}

/* one step of `op` from w; returns the sgrad calls of that step in *first, *n */
static void record_step(nso_optimizer *op, nso_objective *o, recorder *rc, double *w, gsl_rng *r,
                        size_t *first, size_t *n)
{
    *first = rc->ng;
    CU_ASSERT(nso_opt_step(op, o, w, 0.05, r) == NSO_OK);
    *n = rc->ng - *first;
}

static void test_samples_nso(void)
{
    recorder rc;
    nso_objective *o = rec_obj(&rc);
    gsl_rng *r = nso_rng_named(4, "samples");
    for (int split = 0; split <= 1; split++) {
        nso_optimizer *op = mkopt(nso_opt_nso, 2, split ? "sigma=0.1 k=2 split-samples=1" : "sigma=0.1 k=2", o);
        op->sample_seed = 4242;
        double w[2] = {0.4, -0.9};
        for (uint64_t t = 0; t < 3; t++) {
            double w_t[2] = {w[0], w[1]};
            size_t f, n;
            record_step(op, o, &rc, w, r, &f, &n);
            CU_ASSERT_FATAL(n == 4);
            for (size_t j = 0; j < 4; j++) {
                const nso_sample *s = &rc.g[f + j].s;
                CU_ASSERT(s->seed == 4242 && s->step == t && s->base == 0);
                /* one shared sample (slot 0), or slots 1..4, one per point */
                CU_ASSERT(s->slot == (split ? j + 1 : 0));
            }
            /* W + U_j and W - U_j: the pair's midpoint is W (1e-15: one rounding each) */
            for (size_t j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++)
                    CHECK_CLOSE(0.5 * (rc.g[f + 2 * j].w[i] + rc.g[f + 2 * j + 1].w[i]), w_t[i], 1e-15);
        }
        nso_optimizer_free(op);
    }
    gsl_rng_free(r);
    nso_obj_free(o);
}

/* SAM / ASAM: phase 0 at W itself (base), phase 1 at W + e, one sample;
 * R-SAM / bSAM: two perturbed points on one sample */
static void test_samples_sam_family(void)
{
    recorder rc;
    nso_objective *o = rec_obj(&rc);
    gsl_rng *r = nso_rng_named(5, "samples");
    const char *names[] = {"sam", "asam", "rsam", "bsam"};
    for (int k = 0; k < 4; k++) {
        nso_optimizer *op = mkopt(nso_opt_find(names[k]), 2, "sigma=0.1", o);
        op->sample_seed = 99 + (uint64_t)k;
        double w[2] = {0.7, 0.25};
        for (uint64_t t = 0; t < 2; t++) {
            double w_t[2] = {w[0], w[1]};
            size_t f, n;
            record_step(op, o, &rc, w, r, &f, &n);
            CU_ASSERT_FATAL(n == 2);
            for (size_t j = 0; j < 2; j++) {
                const nso_sample *s = &rc.g[f + j].s;
                CU_ASSERT(s->seed == 99 + (uint64_t)k && s->step == t && s->slot == 0);
            }
            int at_base = k < 2;
            CU_ASSERT(rc.g[f].s.base == (uint32_t)at_base);
            CU_ASSERT(rc.g[f + 1].s.base == 0);
            if (at_base) CU_ASSERT(memcmp(rc.g[f].w, w_t, sizeof w_t) == 0);
            CU_ASSERT(memcmp(rc.g[f + 1].w, w_t, sizeof w_t) != 0);
        }
        nso_optimizer_free(op);
    }
    gsl_rng_free(r);
    nso_obj_free(o);
}

/* every method: observe() once per step at the unperturbed W (sample: the
 * step's, slot 0, base) when evaluates_base = 0, never otherwise; and
 * evaluates_base = 1 exactly when some point of each step is flagged base,
 * every such point being W itself */
static void test_observe_all(void)
{
    recorder rc;
    nso_objective *o = rec_obj(&rc);
    for (size_t ti = 0; nso_opt_types[ti]; ti++) {
        const nso_opt_type *t = nso_opt_types[ti];
        gsl_rng *r = nso_rng_indexed(6, "observe", ti);
        nso_optimizer *op = mkopt(t, 2, SPEC, o);
        op->sample_seed = 77;
        double w[2] = {-0.45, 1.15};
        size_t obs0 = rc.nobs;
        for (uint64_t s = 0; s < 3; s++) {
            double w_t[2] = {w[0], w[1]};
            size_t nobs = rc.nobs, f, n, nbase = 0;
            record_step(op, o, &rc, w, r, &f, &n);
            for (size_t j = f; j < f + n; j++)
                if (rc.g[j].s.base) {
                    nbase++;
                    CU_ASSERT(memcmp(rc.g[j].w, w_t, sizeof w_t) == 0);
                }
            CU_ASSERT((nbase > 0) == (t->evaluates_base != 0));
            if (!t->evaluates_base) {
                CU_ASSERT_FATAL(rc.nobs == nobs + 1);
                const rec_t *ob = &rc.obs[nobs];
                CU_ASSERT(ob->s.seed == 77 && ob->s.step == s && ob->s.slot == 0 && ob->s.base == 1);
                CU_ASSERT(memcmp(ob->w, w_t, sizeof w_t) == 0);
            }
        }
        if (t->evaluates_base) CU_ASSERT(rc.nobs == obs0);
        nso_optimizer_free(op);
        gsl_rng_free(r);
        rc.ng = 0;
    }
    nso_obj_free(o);
}

/* ================================================== parameter tables */

static void test_tables(void)
{
    for (size_t ti = 0; nso_opt_types[ti]; ti++) {
        const nso_opt_type *t = nso_opt_types[ti];
        CU_ASSERT(t->name && *t->name && t->help && *t->help && t->source && *t->source);
        CU_ASSERT(t->nparams <= NSO_MAX_PARAMS);
        CU_ASSERT(t->ask && t->tell && t->alloc && t->free && t->max_points);
        /* state accessors: all three or none */
        int ns = (t->state_len != NULL) + (t->state_get != NULL) + (t->state_set != NULL);
        CU_ASSERT(ns == 0 || ns == 3);
        double def[NSO_MAX_PARAMS];
        for (size_t i = 0; i < t->nparams; i++) {
            const nso_param_def *p = &t->params[i];
            CU_ASSERT(p->name && *p->name && strlen(p->name) < 32 && p->help && *p->help);
            CU_ASSERT(p->kind >= NSO_PK_REAL && p->kind <= NSO_PK_LAW);
            CU_ASSERT(p->min <= p->def && p->def <= p->max);
            if (p->kind != NSO_PK_REAL) CU_ASSERT(p->def == floor(p->def));
            for (size_t j = 0; j < i; j++) CU_ASSERT(strcmp(p->name, t->params[j].name) != 0);
            /* one command-line flag per name: the same kind in every table */
            for (size_t u = 0; u < ti; u++) {
                int k = nso_opt_param_index(nso_opt_types[u], p->name);
                if (k >= 0) CU_ASSERT(nso_opt_types[u]->params[k].kind == p->kind);
            }
            def[i] = p->def;
        }
        CU_ASSERT(t->nparams == 0 || t->max_points(def) >= 1);
    }
}

static void test_params_rejected(void)
{
    nso_param_set s;
    char msg[512];
    /* unknown names: the message names the parameter and what the method takes */
    nso_params_clear(&s);
    CU_ASSERT(nso_params_set_str(&s, nso_opt_sam, "sigma", "0.1", msg, sizeof msg) == NSO_EINVAL);
    CHECK_MSG(msg, "'sigma'");
    CHECK_MSG(msg, "'sam'");
    CHECK_MSG(msg, "rho");
    nso_params_clear(&s);
    nso_params_set(&s, "bogus", 1.0);
    CU_ASSERT(nso_optimizer_alloc(nso_opt_bsam, 4, &s, NULL, msg, sizeof msg) == NULL);
    CHECK_MSG(msg, "'bogus'");
    /* out of range / not a number / not an integer */
    nso_params_clear(&s);
    CU_ASSERT(nso_params_set_str(&s, nso_opt_sam, "rho", "-0.1", msg, sizeof msg) == NSO_EINVAL);
    CHECK_MSG(msg, "rho");
    CHECK_MSG(msg, "[0, ");
    CU_ASSERT(nso_params_set_str(&s, nso_opt_asam, "eta-a", "abc", msg, sizeof msg) == NSO_EINVAL);
    CHECK_MSG(msg, "eta-a");
    CU_ASSERT(nso_params_set_str(&s, nso_opt_bsam, "ndata", "2.5", msg, sizeof msg) == NSO_EINVAL);
    CHECK_MSG(msg, "ndata");
    nso_params_clear(&s);
    nso_params_set(&s, "b1", 1.0);
    nso_params_set(&s, "ndata", 10);
    CU_ASSERT(nso_optimizer_alloc(nso_opt_bsam, 4, &s, NULL, msg, sizeof msg) == NULL);
    CHECK_MSG(msg, "b1");
    nso_params_clear(&s);
    nso_params_set(&s, "s0", 0.0);
    nso_params_set(&s, "ndata", 10);
    CU_ASSERT(nso_optimizer_alloc(nso_opt_bsam, 4, &s, NULL, msg, sizeof msg) == NULL);
    CHECK_MSG(msg, "s0");
    nso_params_clear(&s);
    nso_params_set(&s, "rho", NAN);
    CU_ASSERT(nso_optimizer_alloc(nso_opt_rsam, 4, &s, NULL, msg, sizeof msg) == NULL);
    CHECK_MSG(msg, "rho");
    /* bSAM without a data size: from neither the parameter nor the objective */
    CU_ASSERT(nso_optimizer_alloc(nso_opt_bsam, 4, NULL, NULL, msg, sizeof msg) == NULL);
    CHECK_MSG(msg, "ndata");
    nso_objective *o = obj_new("quad2", 2, q2_value, q2_grad, 0);
    CU_ASSERT(nso_optimizer_alloc(nso_opt_bsam, 2, NULL, o, msg, sizeof msg) == NULL);
    CHECK_MSG(msg, "ndata");
    CHECK_MSG(msg, "'quad2'");
    o->ndata = 123;
    nso_optimizer *op = nso_optimizer_alloc(nso_opt_bsam, 2, NULL, o, msg, sizeof msg);
    CU_ASSERT(op != NULL);
    nso_optimizer_free(op);
    nso_obj_free(o);
}

/* law names: every law of the registry by name, its index as the value */
static void test_law_names(void)
{
    nso_param_set s;
    char msg[512], fmt[512];
    for (size_t k = 0; nso_noise_laws[k]; k++) {
        nso_params_clear(&s);
        CU_ASSERT(nso_params_set_str(&s, nso_opt_rsam, "noise", nso_noise_laws[k]->name, msg, sizeof msg) == NSO_OK);
        CU_ASSERT(s.n == 1 && s.val[0] == (double)k);
        nso_optimizer *op = nso_optimizer_alloc(nso_opt_rsam, 3, &s, NULL, msg, sizeof msg);
        CU_ASSERT_FATAL(op != NULL);
        nso_params_format(op->type, op->vals, fmt, sizeof fmt);
        char want[64];
        snprintf(want, sizeof want, "noise=%s", nso_noise_laws[k]->name);
        CHECK_MSG(fmt, want);
        nso_optimizer_free(op);
    }
    nso_params_clear(&s);
    CU_ASSERT(nso_params_set_str(&s, nso_opt_rsam, "noise", "cauchy", msg, sizeof msg) == NSO_EINVAL);
    CHECK_MSG(msg, "unknown law 'cauchy'");
    CU_ASSERT(s.n == 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s1 = CU_add_suite("hand-computed steps", NULL, NULL);
    CU_add_test(s1, "toy network gradient vs central differences", test_mlp_gradient);
    CU_add_test(s1, "sam/asam/rsam/bsam on a 2-parameter quadratic", test_hand_quadratic);
    CU_add_test(s1, "sam/asam/rsam/bsam on a 2-3-2-1 tanh network", test_hand_mlp);
    CU_add_test(s1, "zero gradient: no 0/0 in the ascent", test_zero_gradient);
    CU_pSuite s2 = CU_add_suite("every method x every problem", NULL, NULL);
    CU_add_test(s2, "single run = lock-step batch (exact oracle)", test_lockstep_exact);
    CU_add_test(s2, "single run = lock-step batch (additive-noise oracle)", test_lockstep_noisy);
    CU_pSuite s3 = CU_add_suite("save/resume", NULL, NULL);
    CU_add_test(s3, "T straight = T/2 + save + load + T/2 (every method, +-composition)", test_resume);
    CU_add_test(s3, "load refuses truncated, corrupted and foreign records", test_load_refuses);
    CU_pSuite s4 = CU_add_suite("samples", NULL, NULL);
    CU_add_test(s4, "NSO: 2k points on one sample; split-samples", test_samples_nso);
    CU_add_test(s4, "SAM family: both phases on one sample, base flags", test_samples_sam_family);
    CU_add_test(s4, "observe once per step iff evaluates_base = 0", test_observe_all);
    CU_pSuite s5 = CU_add_suite("parameter tables", NULL, NULL);
    CU_add_test(s5, "every table well-formed", test_tables);
    CU_add_test(s5, "unknown / out-of-range parameters rejected with a message", test_params_rejected);
    CU_add_test(s5, "perturbation laws by name", test_law_names);
    int rc = nso_cunit_run("test_opt");
    return rc;
}
