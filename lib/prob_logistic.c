/* prob_logistic.c - logistic-regression loss on synthetic data:
 *     f(w) = (1/n) sum_j log(1 + exp(-y_j <x_j, w>)) + (lam/2) ||w||^2,
 * x_j ~ N(0, I/d), y_j = sign(<x_j, w*>) flipped with probability 0.1.
 * Hessian (1/n) sum_j s_j (1 - s_j) x_j x_j^T + lam I with s_j = sigmoid(y_j <x_j,w>).
 * n = m examples (default 4 d), lam = 1e-3; C <= max_j ||x_j||^2 / 4 + lam.
 * Data drawn in this order: w* ~ N(0, 9 I), then per example x_j, its label
 * and the flip. */
#include "nso_error.h"
#include "objective.h"
#include "rng.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    size_t d, n;
    double lam;
    double *x, *y; /* n x d, n */
} lg_ctx;

static double softplus(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }
static double sigm(double z) { return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z)); }

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double lg_value(void *p, const double *w)
{
    lg_ctx *c = p;
    double s = 0;
    for (size_t j = 0; j < c->n; j++) s += softplus(-c->y[j] * dot(c->x + j * c->d, w, c->d));
    return s / (double)c->n + 0.5 * c->lam * dot(w, w, c->d);
}
static void lg_grad(void *p, const double *w, double *g)
{
    lg_ctx *c = p;
    for (size_t i = 0; i < c->d; i++) g[i] = c->lam * w[i];
    for (size_t j = 0; j < c->n; j++) {
        const double *x = c->x + j * c->d;
        double coef = -c->y[j] * sigm(-c->y[j] * dot(x, w, c->d)) / (double)c->n;
        for (size_t i = 0; i < c->d; i++) g[i] += coef * x[i];
    }
}
static void lg_hvp(void *p, const double *w, const double *v, double *hv)
{
    lg_ctx *c = p;
    for (size_t i = 0; i < c->d; i++) hv[i] = c->lam * v[i];
    for (size_t j = 0; j < c->n; j++) {
        const double *x = c->x + j * c->d;
        double s = sigm(c->y[j] * dot(x, w, c->d));
        double coef = s * (1 - s) * dot(x, v, c->d) / (double)c->n;
        for (size_t i = 0; i < c->d; i++) hv[i] += coef * x[i];
    }
}
static double lg_hquad(void *p, const double *w, const double *u)
{
    lg_ctx *c = p;
    double q = c->lam * dot(u, u, c->d);
    for (size_t j = 0; j < c->n; j++) {
        const double *x = c->x + j * c->d;
        double s = sigm(c->y[j] * dot(x, w, c->d)), xu = dot(x, u, c->d);
        q += s * (1 - s) * xu * xu / (double)c->n;
    }
    return q;
}
static double lg_trace(void *p, const double *w)
{
    lg_ctx *c = p;
    double t = c->lam * (double)c->d;
    for (size_t j = 0; j < c->n; j++) {
        const double *x = c->x + j * c->d;
        double s = sigm(c->y[j] * dot(x, w, c->d));
        t += s * (1 - s) * dot(x, x, c->d) / (double)c->n;
    }
    return t;
}
static void lg_free(void *p)
{
    lg_ctx *c = p;
    free(c->x);
    free(c->y);
    free(c);
}

static nso_objective *lg_create(const nso_problem_params *pp, char *msg, size_t len)
{
    size_t d = pp->dim, n = pp->m ? pp->m : 4 * pp->dim;
    if (d < 1 || d > 100000 || n > 10000000 || (double)n * (double)d > 1e9) {
        snprintf(msg, len, "logistic: need dim in [1, 100000] and m (examples) with m dim <= 1e9, "
                           "got dim %zu, m %zu", d, n);
        return NULL;
    }
    lg_ctx *c = calloc(1, sizeof *c);
    nso_objective *o = calloc(1, sizeof *o);
    double *ws = malloc(d * sizeof(double));
    gsl_rng *r = pp->data_rng ? pp->data_rng : gsl_rng_alloc(gsl_rng_mt19937);
    if (c) c->x = malloc(n * d * sizeof(double)), c->y = malloc(n * sizeof(double));
    if (!c || !o || !ws || !r || !c->x || !c->y) {
        if (c) lg_free(c);
        free(o), free(ws);
        if (r && r != pp->data_rng) gsl_rng_free(r);
        snprintf(msg, len, "logistic: out of memory for dim %zu, m %zu", d, n);
        return NULL;
    }
    if (!pp->data_rng) nso_rng_reseed(r, pp->seed, "logistic/data", 0);
    c->d = d;
    c->n = n;
    c->lam = 1e-3;
    double xmax = 0;
    for (size_t i = 0; i < c->d; i++) ws[i] = gsl_ran_gaussian(r, 3.0);
    for (size_t j = 0; j < c->n; j++) {
        double *x = c->x + j * c->d;
        for (size_t i = 0; i < c->d; i++) x[i] = gsl_ran_gaussian(r, 1.0 / sqrt((double)c->d));
        double yy = dot(x, ws, c->d) >= 0 ? 1.0 : -1.0;
        if (gsl_rng_uniform(r) < 0.1) yy = -yy;
        c->y[j] = yy;
        double nx = dot(x, x, c->d);
        if (nx > xmax) xmax = nx;
    }
    free(ws);
    if (r != pp->data_rng) gsl_rng_free(r);
    *o = (nso_objective){.name = "logistic", .dim = c->d, .ctx = c, .value = lg_value,
                         .grad = lg_grad, .hvp = lg_hvp, .hess_trace = lg_trace, .hquad = lg_hquad,
                         .free = lg_free, .noise_model = "exact (full batch)", .min_value = NAN,
                         .lipschitz = 0.25 * xmax + c->lam};
    return o;
}

static void lg_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = gsl_ran_gaussian(r, 1.0);
}

const nso_problem nso_problem_logistic = {
    "logistic", "L2-regularised logistic regression on synthetic Gaussian data (m examples, default 4 dim)",
    lg_create, lg_init};
