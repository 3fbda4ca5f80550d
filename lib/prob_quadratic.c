/* prob_quadratic.c - quadratic test problems, one implementation for two
 * registry entries:
 *   quadratic        f(w) = 1/2 sum_i lambda_i (w_i - c_i)^2, diagonal Hessian
 *                    diag(lambda), eigenvalues log-spaced in [scale/10, scale]
 *   quadratic_dense  f(w) = 1/2 w'Aw + b'w with a dense A = B B'/d + I/2
 *                    (B, b iid N(0,1); data drawn in that order: B row-major, b)
 * For every mean-zero law of variance sigma^2 per coordinate the smoothed
 * objective is exact:  F(w) = f(w) + (sigma^2/2) tr A,  grad F = grad f
 * (Prop. 2.1 holds without remainder), and the two-point average
 * [g(w+u) + g(w-u)]/2 equals grad f(w) for every u. */
#include "nso_error.h"
#include "objective.h"
#include "rng.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    size_t d;
    int dense;
    double *lam, *c; /* diagonal: eigenvalues and centre */
    double *A, *b;   /* dense: d x d row-major and linear term */
} quad_ctx;

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double q_value(void *p, const double *w)
{
    quad_ctx *q = p;
    double s = 0;
    if (q->dense) {
        for (size_t i = 0; i < q->d; i++) s += w[i] * (0.5 * dot(q->A + i * q->d, w, q->d) + q->b[i]);
        return s;
    }
    for (size_t i = 0; i < q->d; i++) s += 0.5 * q->lam[i] * (w[i] - q->c[i]) * (w[i] - q->c[i]);
    return s;
}
static void q_grad(void *p, const double *w, double *g)
{
    quad_ctx *q = p;
    if (q->dense) {
        for (size_t i = 0; i < q->d; i++) g[i] = dot(q->A + i * q->d, w, q->d) + q->b[i];
        return;
    }
    for (size_t i = 0; i < q->d; i++) g[i] = q->lam[i] * (w[i] - q->c[i]);
}
static void q_hvp(void *p, const double *w, const double *v, double *hv)
{
    (void)w;
    quad_ctx *q = p;
    if (q->dense) {
        for (size_t i = 0; i < q->d; i++) hv[i] = dot(q->A + i * q->d, v, q->d);
        return;
    }
    for (size_t i = 0; i < q->d; i++) hv[i] = q->lam[i] * v[i];
}
static double q_hquad(void *p, const double *w, const double *u)
{
    (void)w;
    quad_ctx *q = p;
    double s = 0;
    if (q->dense) {
        for (size_t i = 0; i < q->d; i++) s += u[i] * dot(q->A + i * q->d, u, q->d);
        return s;
    }
    for (size_t i = 0; i < q->d; i++) s += q->lam[i] * u[i] * u[i];
    return s;
}
static double q_trace(void *p, const double *w)
{
    (void)w;
    quad_ctx *q = p;
    double s = 0;
    for (size_t i = 0; i < q->d; i++) s += q->dense ? q->A[i * q->d + i] : q->lam[i];
    return s;
}
/* F = f + (sigma^2/2) tr A for any mean-zero law (E U U' = sigma^2 I) */
static double q_smoothed(void *p, const double *w, const nso_noise_law *law, double sigma)
{
    if (law->mean_over_sigma != 0) return NAN;
    return q_value(p, w) + 0.5 * sigma * sigma * q_trace(p, w);
}
static int q_smoothed_grad(void *p, const double *w, const nso_noise_law *law, double sigma,
                           double *g)
{
    (void)sigma;
    if (law->mean_over_sigma != 0) return NSO_EINVAL;
    q_grad(p, w, g);
    return NSO_OK;
}
static void q_free(void *p)
{
    quad_ctx *q = p;
    free(q->lam);
    free(q->c);
    free(q->A);
    free(q->b);
    free(q);
}

static nso_objective *q_object(quad_ctx *q, const char *name, double lip, char *msg, size_t len)
{
    nso_objective *o = calloc(1, sizeof *o);
    if (!o) {
        q_free(q);
        snprintf(msg, len, "%s: out of memory", name);
        return NULL;
    }
    *o = (nso_objective){.name = name, .dim = q->d, .ctx = q, .value = q_value, .grad = q_grad,
                         .hvp = q_hvp, .hess_trace = q_trace, .hquad = q_hquad,
                         .smoothed = q_smoothed, .smoothed_grad = q_smoothed_grad, .free = q_free,
                         .noise_model = "exact", .min_value = q->dense ? NAN : 0.0,
                         .lipschitz = lip};
    return o;
}

/* eigenvalues spread log-uniformly over [scale/10, scale], centre c_i = sin(1.7 i) */
static nso_objective *q_create(const nso_problem_params *pp, char *msg, size_t len)
{
    if (pp->dim < 1 || pp->dim > 100000000) {
        snprintf(msg, len, "quadratic: dim must be in [1, 1e8], got %zu", pp->dim);
        return NULL;
    }
    quad_ctx *q = calloc(1, sizeof *q);
    if (q) q->lam = malloc(pp->dim * sizeof(double)), q->c = malloc(pp->dim * sizeof(double));
    if (!q || !q->lam || !q->c) {
        if (q) q_free(q);
        snprintf(msg, len, "quadratic: out of memory for dim %zu", pp->dim);
        return NULL;
    }
    q->d = pp->dim;
    double sc = pp->scale > 0 ? pp->scale : 1.0, lmax = 0;
    for (size_t i = 0; i < q->d; i++) {
        double t = q->d > 1 ? (double)i / (double)(q->d - 1) : 1.0;
        q->lam[i] = sc * pow(10.0, t - 1.0);
        q->c[i] = sin(1.7 * (double)(i + 1));
        if (q->lam[i] > lmax) lmax = q->lam[i];
    }
    return q_object(q, "quadratic", lmax, msg, len);
}

static nso_objective *qd_create(const nso_problem_params *pp, char *msg, size_t len)
{
    size_t d = pp->dim;
    if (d < 1 || d > 4096) {
        snprintf(msg, len, "quadratic_dense: dim must be in [1, 4096], got %zu", d);
        return NULL;
    }
    quad_ctx *q = calloc(1, sizeof *q);
    double *B = malloc(d * d * sizeof(double));
    gsl_rng *r = pp->data_rng ? pp->data_rng : gsl_rng_alloc(gsl_rng_mt19937);
    if (q) q->A = malloc(d * d * sizeof(double)), q->b = malloc(d * sizeof(double));
    if (!q || !B || !r || !q->A || !q->b) {
        if (q) q_free(q);
        free(B);
        if (r && r != pp->data_rng) gsl_rng_free(r);
        snprintf(msg, len, "quadratic_dense: out of memory for dim %zu", d);
        return NULL;
    }
    if (!pp->data_rng) nso_rng_reseed(r, pp->seed, "quadratic_dense/data", 0);
    q->d = d;
    q->dense = 1;
    for (size_t i = 0; i < d * d; i++) B[i] = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            q->A[i * d + j] = dot(B + i * d, B + j * d, d) / (double)d + (i == j ? 0.5 : 0.0);
    free(B);
    for (size_t i = 0; i < d; i++) q->b[i] = gsl_ran_gaussian(r, 1.0);
    if (r != pp->data_rng) gsl_rng_free(r);
    double lip = 0; /* Gershgorin bound on the largest eigenvalue */
    for (size_t i = 0; i < d; i++) {
        double s = 0;
        for (size_t j = 0; j < d; j++) s += fabs(q->A[i * d + j]);
        if (s > lip) lip = s;
    }
    return q_object(q, "quadratic_dense", lip, msg, len);
}

static void q_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = 2.0 + gsl_ran_gaussian(r, 1.0);
}
/* w0 ~ N(0, I) */
static void qd_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = gsl_ran_gaussian(r, 1.0);
}

const nso_problem nso_problem_quadratic = {
    "quadratic", "diagonal quadratic, eigenvalues log-spaced in [scale/10, scale]", q_create, q_init};
const nso_problem nso_problem_quadratic_dense = {
    "quadratic_dense", "1/2 w'Aw + b'w, dense A = BB'/d + I/2 (B, b Gaussian; dim <= 4096)",
    qd_create, qd_init};
