/* test_theory.c - CUnit tests of the issue-10 theory checks (proofs_check/):
 * Lemma B.1's estimator and schedules (b1run.c), the adaptive steps on
 * Theorem 4.5's construction (adagrad_ds.c), the explicit sensing Hessians of
 * Lemma A.5 (sens_pop.c), and the programs' bad flags.  Every check compares
 * with a closed form or an independent computation, tolerance next to the
 * assertion, fixed seeds.  They test the code, never a paper claim. */
#include "../cunit_run.h"
#include "adagrad_ds.h"
#include "b1run.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "rng.h"
#include "schedule.h"
#include "sens_pop.h"
#include "sensing.h"
#include <CUnit/Basic.h>
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

static double sched_sum(const nso_schedule *s, long T)
{
    double v = 0;
    for (long t = 0; t < T; t++) v += nso_schedule_eta(s, (size_t)t);
    return v;
}

/* ------------------------------------------------------- Lemma B.1 */
/* the four schedules' sums against closed forms:
 *   constant     T e0
 *   step         (T/5) e0 (1 - 0.5^5)/(1 - 0.5)           (T divisible by 5)
 *   milestones   e0 (T/3)(1 + 0.1 + 0.01)                  (T divisible by 3)
 *   sqrt         e0 sum_{t=1}^T t^{-1/2} = e0 (2 sqrt T + zeta(1/2) + 1/(2 sqrt T)
 *                - 1/(24 T^{3/2}) + O(T^{-7/2}))           (Euler-Maclaurin) */
static void test_b1_schedule_sums(void)
{
    double buf[10000], e0 = 0.37;
    nso_schedule s;
    b1_schedule(B1_CONSTANT, e0, 100, buf, &s);
    CHECK_CLOSE(sched_sum(&s, 100), 100 * e0, 1e-12);
    b1_schedule(B1_STEP, e0, 100, buf, &s);
    CHECK_CLOSE(sched_sum(&s, 100), 20 * e0 * (1 - pow(0.5, 5)) / 0.5, 1e-12);
    b1_schedule(B1_MILESTONES, e0, 99, buf, &s);
    CHECK_CLOSE(sched_sum(&s, 99), e0 * 33 * 1.11, 1e-12);
    const long T = 10000;
    b1_schedule(B1_SQRT, e0, T, buf, &s);
    double zeta_half = -1.4603545088095868, rt = sqrt((double)T);
    CHECK_CLOSE(sched_sum(&s, T), e0 * (2 * rt + zeta_half + 0.5 / rt - 1.0 / (24 * rt * rt * rt)), 1e-10);
    CHECK_CLOSE(nso_schedule_eta(&s, 3), e0 / 2, 1e-15);
}

/* b1_run on the diagonal quadratic f = 1/2 sum lam_i (w_i - c_i)^2 behind the
 * additive oracle (E||z||^2 = sg^2, one z per pair), where delta = 0 exactly
 * (the two-point average is exact on a quadratic) and the second moments follow
 * m_i(t+1) = (1 - eta_t lam_i)^2 m_i(t) + eta_t^2 sg^2/(d k): the run averages
 * of lhs, of the sampled-t value, of rhs and of ||delta + xi||^2 (= sg^2/k)
 * agree with the exact values within 5 standard errors over 4000 runs. */
static void test_b1_run_quadratic(void)
{
    const size_t d = 4;
    const long k = 2, T = 30, R = 4000;
    const double sg = 0.9, e0 = 0.4, D2 = 3.0;
    nso_problem_params pp = {.dim = d, .seed = 2, .scale = 1.0};
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
    double buf[64];
    nso_schedule s;
    b1_schedule(B1_SQRT, e0, T, buf, &s);
    double S = 0, lhs = 0, q = 0;
    for (long t = 0; t < T; t++) {
        double eta = nso_schedule_eta(&s, (size_t)t), g2 = 0;
        for (size_t i = 0; i < d; i++) g2 += lam[i] * lam[i] * m[i];
        lhs += eta * g2, S += eta, q += eta * eta;
        for (size_t i = 0; i < d; i++)
            m[i] = pow(1 - eta * lam[i], 2) * m[i] + eta * eta * sg * sg / ((double)d * (double)k);
    }
    lhs /= S;
    double rhs = (2 * D2 + f->lipschitz * q * sg * sg / (double)k) / S;
    b1_cfg cfg = {f, fo, &nso_noise_laplace, 0.3, f->lipschitz, D2, k, w0};
    double a[4][2] = {{0}};
    size_t *ts = malloc(R * sizeof(size_t));
    for (long r = 0; r < R; r++) {
        b1_res o = b1_run(&cfg, &s, T, 9, "test/b1", r);
        double v[4] = {o.lhs, o.sampled, o.rhs, o.mean_s};
        for (int j = 0; j < 4; j++) a[j][0] += v[j], a[j][1] += v[j] * v[j];
        ts[r] = o.t;
        CHECK_CLOSE(o.sum_eta, S, 1e-12);
    }
    double want[4] = {lhs, lhs, rhs, sg * sg / (double)k};
    for (int j = 0; j < 4; j++) {
        double mean = a[j][0] / R, se = sqrt((a[j][1] / R - mean * mean) / R);
        CHECK_CLOSE(mean, want[j], 5 * se);
    }
    /* the runs' sampled t follow the rule: not rejected at 1e-3 */
    CU_ASSERT(b1_rule_pvalue(&s, T, ts, R) > 1e-3);
    free(ts);
    nso_obj_free(f), nso_obj_free(fo);
}

/* the rule's chi-square: draws from nso_random_iterate under the schedule pass
 * (p > 1e-3), draws under another schedule are rejected (p < 1e-6) */
static void test_b1_rule_pvalue(void)
{
    const long T = 1000, n = 5000;
    double buf[1000], buf2[1000];
    nso_schedule sq, cst;
    b1_schedule(B1_SQRT, 0.1, T, buf, &sq);
    b1_schedule(B1_CONSTANT, 0.1, T, buf2, &cst);
    size_t *ts = malloc(n * sizeof(size_t));
    gsl_rng *r = nso_rng_named(4, "test/rule");
    for (long i = 0; i < n; i++) ts[i] = nso_random_iterate(&sq, (size_t)T, r);
    CU_ASSERT(b1_rule_pvalue(&sq, T, ts, n) > 1e-3);
    for (long i = 0; i < n; i++) ts[i] = nso_random_iterate(&cst, (size_t)T, r);
    CU_ASSERT(b1_rule_pvalue(&sq, T, ts, n) < 1e-6);
    gsl_rng_free(r);
    free(ts);
}

/* ------------------------------------------- adaptive steps, Thm 4.5 */
/* ad_solve_eta0 meets eq. (43)'s boundary; with k = 1 every run takes the same
 * steps, which an independent recursion gives without the engine:
 *   ||g_t||^2 = (W_t0/G)^2 + sigma_g^2, eta_t = min(1/C, eta0/sqrt(b0^2 + sum_{s<t} ||g_s||^2)),
 *   W_{t+1,0} = (1 - eta_t/G) W_t0, E||grad F(W_t)||^2 = (W_t0/G)^2;
 * the engine's mean eta_t and E||grad F||^2 agree to 1e-12 (relative), sum eta
 * stays below the bound used for G, and F(W_0) - min F <= D^2. */
static void test_adaptive_k1(void)
{
    ad_cfg c = {1.3, 0.8, 1.1, 0.7, 1, 60, 3};
    double s2, target = c.D * c.D / (2 * c.C * c.sigma_g * c.sigma_g);
    double eta0 = ad_solve_eta0(&c);
    ad_ebar_sums(&c, eta0, &s2);
    CHECK_CLOSE(s2 / target, 1.0, 1e-9);
    ad_res o;
    ad_run(&c, 11, "test", &o);
    CHECK_CLOSE(o.eta0, eta0, 0);
    double G = o.G, w = c.D * sqrt(G), acc = c.sigma_g * c.sigma_g, se = 0, worst = 0;
    for (long t = 0; t <= c.T; t++) {
        double gf = (w / G) * (w / G);
        worst = fmax(worst, fabs(o.gf2[t] / (double)c.reps - gf) / gf);
        if (t == c.T) break;
        double eta = fmin(1 / c.C, eta0 / sqrt(acc));
        worst = fmax(worst, fabs(o.eta_sum[t] / (double)c.reps - eta) / eta);
        acc += gf + c.sigma_g * c.sigma_g;
        w *= 1 - eta / G;
        se += eta;
    }
    CHECK_CLOSE(worst, 0.0, 1e-12);
    CHECK_CLOSE(o.sum_eta_mean, se, 1e-12 * se);
    CU_ASSERT(o.sum_eta_max <= o.sbar && 2 * o.sbar <= G + 1e-15);
    CU_ASSERT(o.gap_max <= 1.0 + 1e-12);
    CHECK_CLOSE(o.max_dev42, 0.0, 1e-13);
    CU_ASSERT(o.felt == 0);
    free(o.gf2), free(o.eta_sum);
}

/* ------------------------------------------------ Lemma A.5 Hessians */
static nso_sensing *small_sensing(size_t d, size_t r, size_t n, uint64_t seed)
{
    nso_sensing_params sp = {.d = d, .r = r, .m = {n, 0, 0}, .seed = seed, .fixed_ustar = 1, .ustar_seed = 77};
    char msg[256];
    nso_sensing *s = nso_sensing_alloc(&sp, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    return s;
}

/* the explicit empirical Hessian against the library's batched HVP and closed-form
 * trace (independent code paths); the population Hessian against V U'U + U V'U +
 * Delta V written with plain loops, and its trace against (2d+1)||U||^2 - d tr X* */
static void test_sens_hessians_exact(void)
{
    const size_t d = 5, q = d * d, n = 300;
    nso_sensing *s = small_sensing(d, 2, n, 3);
    gsl_rng *r = nso_rng_named(5, "test/sens");
    double U[25], V[25], res[300], Hn[625], Hp[625], out[25], ref[25];
    for (size_t i = 0; i < q; i++) U[i] = gsl_ran_gaussian(r, 0.7), V[i] = gsl_ran_gaussian(r, 1.0);
    nso_sensing_residuals(s, NSO_SET_TRAIN, 1, U, res, NULL);
    sp_emp_hessian(s, U, res, Hn);
    nso_sensing_hess h;
    nso_sensing_hess_prepare(s, 1, U, res, &h);
    nso_sensing_hvp_batch(&h, 1, V, ref);
    nso_sensing_hess_free(&h);
    double worst = 0, scale = 0, tr = 0;
    for (size_t i = 0; i < q; i++) {
        out[i] = 0;
        for (size_t j = 0; j < q; j++) out[i] += Hn[i * q + j] * V[j];
        scale = fmax(scale, fabs(ref[i]));
        tr += Hn[i * q + i];
    }
    for (size_t i = 0; i < q; i++) worst = fmax(worst, fabs(out[i] - ref[i]));
    CHECK_CLOSE(worst / scale, 0.0, 1e-12);
    double trc = nso_sensing_trace(s, U, res);
    CHECK_CLOSE(tr, trc, 1e-11 * fabs(trc));
    /* population */
    sp_pop_hessian(s, U, Hp);
    double UtU[25], Del[25], trp = 0;
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            UtU[a * d + b] = 0, Del[a * d + b] = -s->Xstar[a * d + b];
            for (size_t l = 0; l < d; l++)
                UtU[a * d + b] += U[l * d + a] * U[l * d + b], Del[a * d + b] += U[a * d + l] * U[b * d + l];
        }
    worst = 0, scale = 0;
    for (size_t a = 0; a < d; a++)
        for (size_t j = 0; j < d; j++) {
            double v = 0, hv = 0;
            for (size_t l = 0; l < d; l++) {
                v += V[a * d + l] * UtU[l * d + j] + Del[a * d + l] * V[l * d + j];
                for (size_t b = 0; b < d; b++) v += U[a * d + b] * V[l * d + b] * U[l * d + j];
            }
            for (size_t x = 0; x < q; x++) hv += Hp[(a * d + j) * q + x] * V[x];
            worst = fmax(worst, fabs(hv - v)), scale = fmax(scale, fabs(v));
        }
    CHECK_CLOSE(worst / scale, 0.0, 1e-13);
    for (size_t i = 0; i < q; i++) trp += Hp[i * q + i];
    CHECK_CLOSE(trp, sp_pop_trace(s, U), 1e-12 * fabs(trp));
    gsl_rng_free(r);
    nso_sensing_free(s);
}

/* E over the data of tr H_n(U) and of v'H_n v at a fixed U equal the population
 * values (the empirical Hessian is an unbiased mean of iid terms): means over 400
 * independent data sets of n = 40 within 5 standard errors; and the n -> infinity
 * limit: one data set of n = 200000 within 5 x (the spread of n = 40 sets) x
 * sqrt(40/200000) */
static void test_sens_population(void)
{
    const size_t d = 4, q = d * d, n = 40;
    const long R = 400;
    gsl_rng *r = nso_rng_named(6, "test/pop");
    double U[16], v[16], res[200], Hn[256], Hp[256];
    for (size_t i = 0; i < q; i++) U[i] = gsl_ran_gaussian(r, 0.8), v[i] = gsl_ran_gaussian(r, 1.0);
    double s1 = 0, s2 = 0, t1 = 0, t2 = 0, tp = 0, qp = 0;
    for (long k = 0; k < R; k++) {
        nso_sensing *s = small_sensing(d, 2, n, 1000 + (uint64_t)k);
        nso_sensing_residuals(s, NSO_SET_TRAIN, 1, U, res, NULL);
        double tr = nso_sensing_trace(s, U, res);
        sp_emp_hessian(s, U, res, Hn);
        double qf = 0;
        for (size_t i = 0; i < q; i++)
            for (size_t j = 0; j < q; j++) qf += v[i] * Hn[i * q + j] * v[j];
        s1 += tr, s2 += tr * tr, t1 += qf, t2 += qf * qf;
        if (k == 0) {
            tp = sp_pop_trace(s, U);
            sp_pop_hessian(s, U, Hp);
            for (size_t i = 0; i < q; i++)
                for (size_t j = 0; j < q; j++) qp += v[i] * Hp[i * q + j] * v[j];
        }
        nso_sensing_free(s);
    }
    double m = s1 / R, sd = sqrt(s2 / R - m * m), mq = t1 / R, sq = sqrt(t2 / R - mq * mq);
    CHECK_CLOSE(m, tp, 5 * sd / sqrt((double)R));
    CHECK_CLOSE(mq, qp, 5 * sq / sqrt((double)R));
    nso_sensing *big = small_sensing(d, 2, 200000, 99);
    double *rb = malloc(200000 * sizeof(double));
    nso_sensing_residuals(big, NSO_SET_TRAIN, 1, U, rb, NULL);
    CHECK_CLOSE(nso_sensing_trace(big, U, rb), tp, 5 * sd * sqrt(40.0 / 200000.0));
    free(rb);
    nso_sensing_free(big);
    gsl_rng_free(r);
}

/* ------------------------------------------------------------- bad flags */
static void expect_exit2(const char *args, const char *needle)
{
    char cmd[1024], path[256], line[512] = "";
    int pid = (int)getpid();
    /* the ledger's directory exists, so the flag under test is what fails */
    snprintf(cmd, sizeof cmd, "%s/%s --out /tmp/test_theory_out.%d --ledger /tmp/test_theory_ledger.%d.tsv "
                              ">/dev/null 2>/tmp/test_theory_err.%d",
             NSO_BIN, args, pid, pid, pid);
    int st = system(cmd);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 2)) fprintf(stderr, "\n  expected exit 2 from: %s\n", args);
    snprintf(path, sizeof path, "/tmp/test_theory_err.%d", pid);
    FILE *f = fopen(path, "r");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fgets(line, sizeof line, f) != NULL);
    CU_ASSERT(strstr(line, needle) != NULL);
    if (!strstr(line, needle)) fprintf(stderr, "\n  '%s' not in: %s", needle, line);
    CU_ASSERT(fgets(line, sizeof line, f) == NULL); /* one line */
    fclose(f);
    unlink(path);
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A /tmp/test_theory_out.%d 2>/dev/null)\"", pid); /* nothing written */
    CU_ASSERT(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "test ! -e /tmp/test_theory_ledger.%d.tsv && rm -rf /tmp/test_theory_out.%d", pid, pid);
    CU_ASSERT(system(cmd) == 0);
}
static void test_bad_flags(void)
{
    expect_exit2("proofs_upper_bound --law binomial4_uncentred", "--law");
    expect_exit2("proofs_upper_bound --law bogus", "--law");
    expect_exit2("proofs_upper_bound --pool --law laplace", "--law");
    expect_exit2("proofs_upper_bound --pool --pool-laws", "--pool-laws");
    expect_exit2("proofs_upper_bound --law rademacher --sigma 0.8", "--sigma");
    expect_exit2("proofs_lemma_b1 --sigma 0.8", "--sigma");
    expect_exit2("proofs_lemma_b1 --T-max 5", "--T-max");
    expect_exit2("proofs_lower_adaptive --T 5", "--T");
    expect_exit2("proofs_lower_adaptive --sigma-g 0", "--sigma-g");
    expect_exit2("proofs_lemma_a5 --ns 100,50,200", "--ns");
    expect_exit2("proofs_lemma_a5 --d 4 --r 5", "--r");
    expect_exit2("proofs_lemma_a5 --ns 100,200", "--ns");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("theory (issue 10)", NULL, NULL);
    if (!s) {
        CU_cleanup_registry();
        return 2;
    }
    CU_add_test(s, "Lemma B.1 schedules: sums vs closed forms", test_b1_schedule_sums);
    CU_add_test(s, "Lemma B.1 run on a quadratic vs exact second moments", test_b1_run_quadratic);
    CU_add_test(s, "Lemma B.1 rule: chi-square accepts the rule, rejects another", test_b1_rule_pvalue);
    CU_add_test(s, "Thm 4.5 adaptive steps, k = 1: engine vs independent recursion", test_adaptive_k1);
    CU_add_test(s, "sensing Hessians: explicit vs HVP, closed forms", test_sens_hessians_exact);
    CU_add_test(s, "sensing Hessians: E over data = population", test_sens_population);
    CU_add_test(s, "bad flags: exit 2, one line naming the flag, no output", test_bad_flags);
    int rc = nso_cunit_run("test_theory");
    return rc;
}
