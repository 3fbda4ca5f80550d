/* prob_cosquad.c - a smooth non-convex separable test function with a
 * closed-form Gaussian smoothing:
 *     f(w) = sum_i [ (a/2) w_i^2 + b (1 - cos(w_i)) ]
 * For U ~ N(0, s^2 I): E cos(w + u) = cos(w) exp(-s^2/2), so
 *     F(w) = sum_i [ (a/2)(w_i^2 + s^2) + b (1 - cos(w_i) e^{-s^2/2}) ].
 * Hessian diag(a + b cos w_i); gradient-Lipschitz constant C = a + b.
 * Non-convex when b > a (a = 0.1, b = scale). */
#include "nso_error.h"
#include "objective.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    size_t d;
    double a, b;
} cq_ctx;

static double cq_value(void *p, const double *w)
{
    cq_ctx *c = p;
    double s = 0;
    for (size_t i = 0; i < c->d; i++) s += 0.5 * c->a * w[i] * w[i] + c->b * (1.0 - cos(w[i]));
    return s;
}
static void cq_grad(void *p, const double *w, double *g)
{
    cq_ctx *c = p;
    for (size_t i = 0; i < c->d; i++) g[i] = c->a * w[i] + c->b * sin(w[i]);
}
static void cq_hvp(void *p, const double *w, const double *v, double *hv)
{
    cq_ctx *c = p;
    for (size_t i = 0; i < c->d; i++) hv[i] = (c->a + c->b * cos(w[i])) * v[i];
}
static double cq_trace(void *p, const double *w)
{
    cq_ctx *c = p;
    double s = 0;
    for (size_t i = 0; i < c->d; i++) s += c->a + c->b * cos(w[i]);
    return s;
}

static nso_objective *cq_create(const nso_problem_params *pp)
{
    if (pp->dim < 1 || pp->dim > 100000000) {
        fprintf(stderr, "cosquad: --dim must be in [1, 1e8]\n");
        return NULL;
    }
    cq_ctx *c = nso_xcalloc(1, sizeof *c);
    c->d = pp->dim;
    c->a = 0.1;
    c->b = pp->scale > 0 ? pp->scale : 1.0;
    nso_objective *o = nso_xcalloc(1, sizeof *o);
    *o = (nso_objective){.name = "cosquad", .dim = c->d, .ctx = c, .value = cq_value,
                         .grad = cq_grad, .hvp = cq_hvp, .hess_trace = cq_trace, .free = free,
                         .noise_model = "exact", .min_value = 0.0, .lipschitz = c->a + c->b};
    return o;
}

static void cq_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = 2.5 + gsl_ran_gaussian(r, 0.3);
}

const nso_problem nso_problem_cosquad = {
    "cosquad", "sum of (0.1/2) w^2 + scale (1 - cos w): non-convex, closed-form Gaussian smoothing",
    cq_create, cq_init};
