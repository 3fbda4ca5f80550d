/* test_hessian.c - the Hessian toolkit (lib/hessian.h) on dense random
 * symmetric matrices, against LAPACKE_dsyev (eigenvalues), the diagonal sum
 * (trace) and independent recomputations (the stopping rule, SLQ quadrature);
 * blocked vs one-probe-at-a-time and lock-step vs one-operator-at-a-time must
 * give the same bits; every error path is triggered.  Fixed seeds. */
#include "hessian.h"
#include "nso_error.h"
#include "rng.h"
#include "test_toolkit.h"
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 40

/* A = (G + G')/2 + shift I, G with N(0,1) entries from a named stream */
static void random_sym(double *A, size_t n, uint64_t seed, double shift)
{
    gsl_rng *r = nso_rng_named(seed, "test/toolkit/sym");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double g = gsl_ran_gaussian(r, 1.0) * (i == j ? 1.0 : M_SQRT1_2);
            A[i * n + j] = A[j * n + i] = g + (i == j ? shift : 0.0);
        }
    gsl_rng_free(r);
}

/* eigenvalues, ascending, by LAPACK directly (the independent reference) */
static void dsyev_ref(const double *A, size_t n, double *ev)
{
    double *B = malloc(n * n * sizeof(double));
    memcpy(B, A, n * n * sizeof(double));
    CU_ASSERT_FATAL(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)n, B, (lapack_int)n, ev) == 0);
    free(B);
}

static void quiet(const char *reason, const char *file, int line, int code)
{
    (void)reason, (void)file, (void)line, (void)code;
}

static void test_lanczos_dense(void)
{
    double *A = malloc(N * N * sizeof(double)), ev[N], alpha[N], beta[N], theta[N], w[N], top[3];
    random_sym(A, N, 11, 0.3);
    dsyev_ref(A, N, ev);
    double scale = fmax(fabs(ev[0]), fabs(ev[N - 1]));
    nso_dense_op d = {N, 1, A};
    nso_linop op = nso_dense_linop(&d, 1);
    /* n steps with full re-orthogonalisation: T has A's whole spectrum (1e-10 max|lambda|) */
    gsl_rng *r = nso_rng_named(3, "test/toolkit/lanczos");
    size_t len;
    CU_ASSERT(nso_lanczos(&op, N, r, alpha, beta, &len, NULL) == NSO_OK);
    CU_ASSERT(len == N);
    CU_ASSERT(nso_tridiag_eig(len, alpha, beta, theta, w) == NSO_OK);
    double worst = 0, wsum = 0;
    for (size_t j = 0; j < N; j++) worst = fmax(worst, fabs(theta[j] - ev[j]));
    for (size_t j = 0; j < N; j++) wsum += w[j];
    printf("\n  Lanczos(%d) vs dsyev: max |theta - lambda| = %.2e (tol 1e-10 max|lambda| = %.2e)", N, worst,
           1e-10 * scale);
    CU_ASSERT(worst <= 1e-10 * scale);
    CU_ASSERT(fabs(wsum - 1) <= 1e-12); /* SLQ weights: squared first row of an orthogonal matrix */
    /* eigenvalues without vectors (the top-k path) agree with the vector path to 1e-12 max|lambda| */
    double theta_n[N];
    CU_ASSERT(nso_tridiag_eig(len, alpha, beta, theta_n, NULL) == NSO_OK);
    for (size_t j = 0; j < N; j++) CU_ASSERT(fabs(theta_n[j] - theta[j]) <= 1e-12 * scale);
    /* SLQ with n steps is exact Gaussian quadrature: sum_j w_j theta_j^2 = q0' A^2 q0 with
     * q0 the normalised start vector, regenerated here from the same stream (1e-10 rel.) */
    gsl_rng_free(r);
    r = nso_rng_named(3, "test/toolkit/lanczos");
    double q0[N], Aq[N], nq = 0, quad = 0, ref = 0;
    for (size_t i = 0; i < N; i++) q0[i] = gsl_ran_gaussian(r, 1.0), nq += q0[i] * q0[i];
    for (size_t i = 0; i < N; i++) q0[i] /= sqrt(nq);
    for (size_t i = 0; i < N; i++) {
        Aq[i] = 0;
        for (size_t j = 0; j < N; j++) Aq[i] += A[i * N + j] * q0[j];
        ref += Aq[i] * Aq[i];
    }
    gsl_rng_free(r);
    r = nso_rng_named(3, "test/toolkit/lanczos");
    double nodes[N], wts[N];
    CU_ASSERT(nso_slq(&op, N, r, nodes, wts, &len, NULL) == NSO_OK);
    for (size_t j = 0; j < len; j++) quad += wts[j] * nodes[j] * nodes[j];
    printf("; SLQ q'A^2q %.12g vs %.12g", quad, ref);
    CU_ASSERT(fabs(quad - ref) <= 1e-10 * ref);
    /* top-3 after 25 of 40 steps: extreme eigenvalues converge first (1e-6 max|lambda|) */
    gsl_rng_free(r);
    r = nso_rng_named(4, "test/toolkit/lanczos");
    CU_ASSERT(nso_lanczos_top(&op, 25, 3, r, top) == NSO_OK);
    printf("; top-3 after 25 steps: %.8g %.8g %.8g vs %.8g %.8g %.8g", top[0], top[1], top[2], ev[N - 1],
           ev[N - 2], ev[N - 3]);
    CU_ASSERT(fabs(top[0] - ev[N - 1]) <= 1e-6 * scale);
    CU_ASSERT(top[0] >= top[1] && top[1] >= top[2]); /* descending */
    CU_ASSERT(top[0] <= ev[N - 1] + 1e-10 * scale); /* Ritz values interlace: never above lambda_max */
    /* power iteration: the top |eigenvalue| to 1e-6 relative (tol 1e-12 on the Rayleigh quotient) */
    double lam, lmax = fabs(ev[N - 1]) >= fabs(ev[0]) ? ev[N - 1] : ev[0];
    CU_ASSERT(nso_power_top(&op, 100000, 1e-12, r, &lam) == NSO_OK);
    CU_ASSERT(fabs(lam - lmax) <= 1e-6 * fabs(lmax));
    gsl_rng_free(r);
    free(A);
}

/* A with 3 distinct eigenvalues (Q diag Q', Q from a QR of a Gaussian matrix):
 * the Krylov space has dimension 3, Lanczos must stop after 3 steps */
static void three_eig(double *A, size_t n, uint64_t seed)
{
    double *G = malloc(n * n * sizeof(double)), tau[N];
    gsl_rng *r = nso_rng_named(seed, "test/toolkit/q");
    for (size_t i = 0; i < n * n; i++) G[i] = gsl_ran_gaussian(r, 1.0);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)n, G, (lapack_int)n, tau) == 0);
    CU_ASSERT_FATAL(LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)n, (lapack_int)n, G, (lapack_int)n, tau) == 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++) s += G[i * n + k] * (k % 3 == 0 ? 5.0 : k % 3 == 1 ? 2.0 : -1.0) * G[j * n + k];
            A[i * n + j] = s;
        }
    free(G);
}

static void test_lanczos_invariant_and_lockstep(void)
{
    double *A = malloc(3 * N * N * sizeof(double));
    three_eig(A, N, 5);                  /* operator 0: stops after 3 steps */
    random_sym(A + N * N, N, 12, 0.0);   /* operators 1, 2: generic */
    random_sym(A + 2 * N * N, N, 13, -1.0);
    /* operator 0 alone: 3 steps, Ritz values {5, 2, -1} to 1e-10; the 4th top value is NaN */
    nso_dense_op d0 = {N, 1, A};
    nso_linop op0 = nso_dense_linop(&d0, 1);
    gsl_rng *r = nso_rng_named(6, "test/toolkit/inv");
    double top[4];
    CU_ASSERT(nso_lanczos_top(&op0, 10, 4, r, top) == NSO_OK);
    printf("\n  three eigenvalues: %.12g %.12g %.12g, then %g", top[0], top[1], top[2], top[3]);
    CU_ASSERT(fabs(top[0] - 5) <= 1e-10 && fabs(top[1] - 2) <= 1e-10 && fabs(top[2] + 1) <= 1e-10);
    CU_ASSERT(isnan(top[3]));
    gsl_rng_free(r);
    /* lock-step batch of the three vs one operator at a time with the same stream
     * (start vectors are drawn operator 0 first): the same bits */
    size_t m = 20, lenb[3], len1;
    double al[3 * 20], be[3 * 20], a1[20], b1[20];
    memset(be, 0, sizeof be);
    nso_dense_op db = {N, 3, A};
    nso_linop opb = nso_dense_linop(&db, 1);
    r = nso_rng_named(7, "test/toolkit/lock");
    CU_ASSERT(nso_lanczos(&opb, m, r, al, be, lenb, NULL) == NSO_OK);
    gsl_rng_free(r);
    CU_ASSERT(lenb[0] == 3 && lenb[1] == m && lenb[2] == m);
    r = nso_rng_named(7, "test/toolkit/lock");
    int same = 1;
    for (size_t b = 0; b < 3; b++) {
        nso_dense_op d1 = {N, 1, A + b * N * N};
        nso_linop op1 = nso_dense_linop(&d1, 1);
        memset(b1, 0, sizeof b1);
        CU_ASSERT(nso_lanczos(&op1, m, r, a1, b1, &len1, NULL) == NSO_OK);
        same &= len1 == lenb[b];
        same &= memcmp(a1, al + b * m, len1 * sizeof(double)) == 0;
        same &= memcmp(b1, be + b * m, (len1 - 1) * sizeof(double)) == 0;
    }
    gsl_rng_free(r);
    CU_ASSERT(same);
    /* lanczos_top: batch vs singles, bit for bit */
    double tb[3 * 2], t1[2];
    r = nso_rng_named(8, "test/toolkit/lock");
    CU_ASSERT(nso_lanczos_top(&opb, m, 2, r, tb) == NSO_OK);
    gsl_rng_free(r);
    r = nso_rng_named(8, "test/toolkit/lock");
    for (size_t b = 0; b < 3; b++) {
        nso_dense_op d1 = {N, 1, A + b * N * N};
        nso_linop op1 = nso_dense_linop(&d1, 1);
        CU_ASSERT(nso_lanczos_top(&op1, m, 2, r, t1) == NSO_OK);
        CU_ASSERT(memcmp(t1, tb + 2 * b, sizeof t1) == 0);
    }
    gsl_rng_free(r);
    free(A);
}

static void test_hutchinson_dense(void)
{
    double *A = malloc(N * N * sizeof(double));
    random_sym(A, N, 21, 2.0);
    double tr = 0, off = 0;
    for (size_t i = 0; i < N; i++) tr += A[i * N + i];
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            if (i != j) off += A[i * N + j] * A[i * N + j];
    nso_dense_op d = {N, 1, A};
    nso_linop op1 = nso_dense_linop(&d, 1), op8 = nso_dense_linop(&d, 8);
    /* fixed 4000 probes: within 4 se of the diagonal sum; the estimator's own se
     * within 10% of the exact Rademacher se sqrt(2 sum_{i!=j} A_ij^2 / p) */
    const int G = 3;
    int group[N];
    for (size_t i = 0; i < N; i++) group[i] = (int)(i % 3);
    double gm[3], gse[3], gm8[3], gse8[3];
    nso_hutch_opts fixed = {.min_probes = 4000, .max_probes = 4000, .group = group, .ngroups = G};
    nso_trace_est e1 = {.group_mean = gm, .group_se = gse}, e8 = {.group_mean = gm8, .group_se = gse8};
    gsl_rng *r = nso_rng_named(1, "test/toolkit/hutch");
    CU_ASSERT(nso_hutchinson(&op1, &fixed, r, &e1) == NSO_OK);
    gsl_rng_free(r);
    double se = sqrt(2 * off / 4000.0);
    printf("\n  trace %.6g, Hutchinson %.6g +- %.3g (exact se %.3g; tol 4 se)", tr, e1.mean, e1.se, se);
    CU_ASSERT(e1.probes == 4000);
    CU_ASSERT(fabs(e1.mean - tr) <= 4 * se);
    CU_ASSERT(fabs(e1.se - se) <= 0.1 * se);
    CU_ASSERT(fabs(e1.ci95 - 1.96 * e1.se) <= 1e-15 * e1.ci95);
    /* per-group partial traces sum to the total (1e-12 relative) and each is
     * within 4 of its own se of the group's diagonal sum */
    double gsum = 0;
    for (int g = 0; g < G; g++) {
        double dg = 0;
        for (size_t i = (size_t)g; i < N; i += 3) dg += A[i * N + i];
        gsum += gm[g];
        CU_ASSERT(fabs(gm[g] - dg) <= 4 * gse[g]);
        CU_ASSERT(gse[g] > 0);
    }
    CU_ASSERT(fabs(gsum - e1.mean) <= 1e-12 * fabs(e1.mean));
    /* blocked (8 probes per apply) vs one at a time: the same bits */
    r = nso_rng_named(1, "test/toolkit/hutch");
    CU_ASSERT(nso_hutchinson(&op8, &fixed, r, &e8) == NSO_OK);
    gsl_rng_free(r);
    CU_ASSERT(e8.probes == e1.probes && e8.mean == e1.mean && e8.se == e1.se);
    CU_ASSERT(memcmp(gm, gm8, sizeof gm) == 0 && memcmp(gse, gse8, sizeof gse) == 0);
    free(A);
}

/* the stopping rule of hessian.h, recomputed from the same probes */
static void test_hutchinson_stopping_rule(void)
{
    double *A = malloc(N * N * sizeof(double));
    random_sym(A, N, 22, 3.0);
    nso_dense_op d = {N, 1, A};
    /* a tight tolerance (the rule fires well after min_probes) and a loose one
     * (min_probes holds the rule back) */
    const double tols[2] = {2e-3, 5e-2};
    const size_t minps[2] = {10, 12}, maxp = 5000;
    for (int c = 0; c < 4; c++) {
        size_t block = c % 2 ? 8 : 1, minp = minps[c / 2];
        double tol = tols[c / 2];
        nso_linop op = nso_dense_linop(&d, block);
        nso_hutch_opts o = {.min_probes = minp, .max_probes = maxp, .rel_tol = tol};
        nso_trace_est e = {0};
        gsl_rng *r = nso_rng_named(2, "test/toolkit/stop");
        CU_ASSERT(nso_hutchinson(&op, &o, r, &e) == NSO_OK);
        gsl_rng_free(r);
        /* independent: draw the same probes, form v'Av by a plain double loop */
        r = nso_rng_named(2, "test/toolkit/stop");
        double s = 0, prev = 0;
        size_t stop = maxp;
        for (size_t p = 1; p <= maxp; p++) {
            double v[N], q = 0;
            for (size_t i = 0; i < N; i++) v[i] = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
            for (size_t i = 0; i < N; i++)
                for (size_t j = 0; j < N; j++) q += v[i] * A[i * N + j] * v[j];
            s += q;
            double m = s / (double)p;
            if (p >= minp && p >= 2 && fabs(m - prev) <= tol * (fabs(prev) + 1e-12)) {
                stop = p;
                break;
            }
            prev = m;
        }
        gsl_rng_free(r);
        printf("\n  tol %g, min %zu, block %zu: stopped after %zu probes (independent: %zu)", tol, minp,
               block, e.probes, stop);
        CU_ASSERT(e.probes == stop);
        CU_ASSERT(stop >= minp && stop < maxp); /* the rule, not max_probes, stopped it */
    }
    /* min_probes = max_probes and tol 0: exactly that many probes */
    nso_linop op = nso_dense_linop(&d, 1);
    nso_hutch_opts o = {.min_probes = 37, .max_probes = 37};
    nso_trace_est e = {0};
    gsl_rng *r = nso_rng_named(3, "test/toolkit/stop");
    CU_ASSERT(nso_hutchinson(&op, &o, r, &e) == NSO_OK);
    CU_ASSERT(e.probes == 37);
    /* one probe: no standard error */
    o.min_probes = o.max_probes = 1;
    CU_ASSERT(nso_hutchinson(&op, &o, r, &e) == NSO_OK);
    CU_ASSERT(e.probes == 1 && isnan(e.se));
    gsl_rng_free(r);
    free(A);
}


/* the deflated trace (trace_deflated.c) on a spiked matrix: 3 large outliers
 * on a small random bulk.  m = N: exact (the Krylov space is everything);
 * m = 6, 4 probes, 400 independent runs: the mean within 4 standard errors of
 * the diagonal sum (unbiased), the variance at most 1/4 of plain Hutchinson's
 * with the same 4 probes (removing the outliers removes most of ||A||_F^2),
 * lambda_1 the same bits as nso_lanczos_top from the same stream, blocked =
 * unblocked, error paths. */
static void test_trace_deflated(void)
{
    double *A = malloc(N * N * sizeof(double));
    random_sym(A, N, 33, 0.0);
    for (size_t i = 0; i < N * N; i++) A[i] *= 0.1;
    gsl_rng *ru = nso_rng_named(5, "test/toolkit/spikes");
    const double spike[3] = {50, 30, 20};
    for (int s = 0; s < 3; s++) {
        double u[N], nu = 0;
        for (size_t i = 0; i < N; i++) u[i] = gsl_ran_gaussian(ru, 1.0), nu += u[i] * u[i];
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) A[i * N + j] += spike[s] * u[i] * u[j] / nu;
    }
    gsl_rng_free(ru);
    double tr = 0;
    for (size_t i = 0; i < N; i++) tr += A[i * N + i];
    nso_dense_op d = {N, 1, A};
    nso_linop op1 = nso_dense_linop(&d, 1), op8 = nso_dense_linop(&d, 8);
    nso_hutch_opts o4 = {.min_probes = 4, .max_probes = 4};
    nso_trace_est e, e8;
    double l1, top;
    size_t k;
    /* m = N: the whole space is deflated, the estimate is the trace, se 0 */
    gsl_rng *r = nso_rng_named(2, "test/toolkit/defl");
    CU_ASSERT(nso_trace_deflated(&op1, N, &o4, r, &e, &l1, &top, &k, NULL) == NSO_OK);
    gsl_rng_free(r);
    CU_ASSERT(fabs(e.mean - tr) <= 1e-9 * fabs(tr));
    CU_ASSERT(fabs(e.se) <= 1e-9 * fabs(tr));
    CU_ASSERT(k <= N && fabs(top - tr) <= 1e-9 * fabs(tr));
    /* unbiased, and lower variance than plain Hutchinson */
    const int R = 400;
    double sd = 0, sdd = 0, sh = 0, shh = 0;
    for (int i = 0; i < R; i++) {
        r = nso_rng_named((uint64_t)(100 + i), "test/toolkit/defl");
        CU_ASSERT_FATAL(nso_trace_deflated(&op1, 6, &o4, r, &e, NULL, NULL, &k, NULL) == NSO_OK);
        gsl_rng_free(r);
        CU_ASSERT(k == 6);
        sd += e.mean, sdd += e.mean * e.mean;
        r = nso_rng_named((uint64_t)(100 + i), "test/toolkit/hutch-plain");
        CU_ASSERT_FATAL(nso_hutchinson(&op1, &o4, r, &e) == NSO_OK);
        gsl_rng_free(r);
        sh += e.mean, shh += e.mean * e.mean;
    }
    double md = sd / R, vd = (sdd - sd * sd / R) / (R - 1), mh = sh / R, vh = (shh - sh * sh / R) / (R - 1);
    printf("\n  trace %.6g; deflated (m 6, 4 probes) %.6g, var %.3g; plain (4 probes) %.6g, var %.3g", tr,
           md, vd, mh, vh);
    CU_ASSERT(fabs(md - tr) <= 4 * sqrt(vd / R));
    CU_ASSERT(fabs(mh - tr) <= 4 * sqrt(vh / R));
    CU_ASSERT(vd <= 0.25 * vh);
    /* lambda_1: the same Lanczos run as nso_lanczos_top (same stream) */
    double top1;
    r = nso_rng_named(3, "test/toolkit/defl");
    CU_ASSERT(nso_trace_deflated(&op1, 8, &o4, r, &e, &l1, NULL, NULL, NULL) == NSO_OK);
    gsl_rng_free(r);
    r = nso_rng_named(3, "test/toolkit/defl");
    CU_ASSERT(nso_lanczos_top(&op1, 8, 1, r, &top1) == NSO_OK);
    gsl_rng_free(r);
    CU_ASSERT(l1 == top1);
    /* blocked = unblocked */
    r = nso_rng_named(3, "test/toolkit/defl");
    CU_ASSERT(nso_trace_deflated(&op8, 8, &o4, r, &e8, NULL, NULL, NULL, NULL) == NSO_OK);
    gsl_rng_free(r);
    CU_ASSERT(e8.mean == e.mean && e8.se == e.se && e8.probes == e.probes);
    /* errors */
    nso_error_handler_t *old = nso_set_error_handler(quiet);
    int group[N] = {0};
    nso_hutch_opts og = {.min_probes = 2, .max_probes = 2, .group = group, .ngroups = 1};
    r = nso_rng_named(3, "test/toolkit/defl");
    CU_ASSERT(nso_trace_deflated(&op1, 4, &og, r, &e, NULL, NULL, NULL, NULL) == NSO_EINVAL);
    CU_ASSERT(nso_trace_deflated(&op1, 0, &o4, r, &e, NULL, NULL, NULL, NULL) == NSO_EINVAL);
    nso_dense_op db = {N / 2, 2, A};
    nso_linop opb = nso_dense_linop(&db, 1);
    CU_ASSERT(nso_trace_deflated(&opb, 4, &o4, r, &e, NULL, NULL, NULL, NULL) == NSO_EINVAL);
    gsl_rng_free(r);
    nso_set_error_handler(old);
    free(A);
}

static void test_errors(void)
{
    nso_error_handler_t *old = nso_set_error_handler(quiet);
    double A[2 * 4] = {1, 0, 0, 2, 3, 1, 1, 3}, ev[4], al[2], be[2];
    size_t len[2];
    nso_dense_op d = {2, 2, A}, d1 = {2, 1, A};
    nso_linop batch = nso_dense_linop(&d, 1), one = nso_dense_linop(&d1, 1);
    gsl_rng *r = nso_rng_named(1, "test/toolkit/err");
    nso_trace_est e = {0};
    nso_hutch_opts o = {.min_probes = 2, .max_probes = 4};
    CU_ASSERT(nso_hutchinson(&batch, &o, r, &e) == NSO_EINVAL); /* a batch has no single trace */
    o.max_probes = 0;
    CU_ASSERT(nso_hutchinson(&one, &o, r, &e) == NSO_EINVAL);
    o.max_probes = 4;
    int bad_group[2] = {0, 3};
    o.group = bad_group;
    o.ngroups = 2;
    CU_ASSERT(nso_hutchinson(&one, &o, r, &e) == NSO_EINVAL); /* group index out of range */
    o.ngroups = 0;
    CU_ASSERT(nso_hutchinson(&one, &o, r, &e) == NSO_EINVAL);
    o.group = NULL;
    o.rel_tol = -1;
    CU_ASSERT(nso_hutchinson(&one, &o, r, &e) == NSO_EINVAL);
    CU_ASSERT(nso_lanczos_top(&one, 2, 3, r, ev) == NSO_EINVAL); /* ktop > iters */
    CU_ASSERT(nso_lanczos_top(&one, 0, 1, r, ev) == NSO_EINVAL);
    CU_ASSERT(nso_lanczos(&batch, 0, r, al, be, len, NULL) == NSO_EINVAL);
    CU_ASSERT(nso_power_top(&batch, 10, 1e-6, r, ev) == NSO_EINVAL);
    /* a NaN operator: the trace is not finite -> NSO_EDIVERGE */
    double Anan[4] = {NAN, 0, 0, 1};
    nso_dense_op dn = {2, 1, Anan};
    nso_linop opn = nso_dense_linop(&dn, 1);
    o = (nso_hutch_opts){.min_probes = 5, .max_probes = 5};
    CU_ASSERT(nso_hutchinson(&opn, &o, r, &e) == NSO_EDIVERGE);
    CU_ASSERT(e.probes == 1); /* it stops at the first non-finite mean */
    gsl_rng_free(r);
    nso_set_error_handler(old);
}

void toolkit_suite_hessian(void)
{
    CU_pSuite s = CU_add_suite("Hessian toolkit (dense operators)", NULL, NULL);
    CU_add_test(s, "Lanczos, SLQ, top-k, power vs dsyev", test_lanczos_dense);
    CU_add_test(s, "invariant subspace; lock-step batch = one at a time", test_lanczos_invariant_and_lockstep);
    CU_add_test(s, "Hutchinson vs trace; groups; blocked = unblocked", test_hutchinson_dense);
    CU_add_test(s, "Hutchinson stopping rule recomputed independently", test_hutchinson_stopping_rule);
    CU_add_test(s, "deflated trace: exact at m = N, unbiased, 1/4 the variance, = Lanczos", test_trace_deflated);
    CU_add_test(s, "error paths", test_errors);
}
