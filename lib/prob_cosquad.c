/* prob_cosquad.c - the separable cosine, one implementation for two registry
 * entries:
 *     f(w) = sum_i [ lam w_i^2/2 + beta (1 - cos(omega w_i)) ]
 *   cosquad  lam = 0.1, beta = scale, omega = 1 (non-convex when beta > lam)
 *   sepcos   lam = 1,   beta = scale, omega = 2: the test function of Theorem 4.3
 *            and Lemma 4.4 (C = lam + beta omega^2 = 5 at scale 1)
 * Hessian diag(lam + beta omega^2 cos(omega w_i)); gradient-Lipschitz
 * constant C = lam + beta omega^2; min f = 0 at w = 0.
 * Smoothed objective for U = sigma * (iid draws of a symmetric law), through
 * the law's characteristic function e = E cos(omega U_i) (nso_noise_cf):
 *     F(w) = sum_i [ lam (w_i^2 + sigma^2)/2 + beta (1 - e cos(omega w_i)) ],
 *     dF/dw_i = lam w_i + beta e omega sin(omega w_i)
 * (Gaussian: e = exp(-omega^2 sigma^2/2)).  For beta e >= 0 the minimum of F
 * is at w = 0. */
#include "nso_error.h"
#include "objective.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    size_t d;
    double lam, beta, omega;
} sc_ctx;

static double sc_value(void *p, const double *w)
{
    sc_ctx *c = p;
    double s = 0;
    for (size_t i = 0; i < c->d; i++)
        s += 0.5 * c->lam * w[i] * w[i] + c->beta * (1.0 - cos(c->omega * w[i]));
    return s;
}
static void sc_grad(void *p, const double *w, double *g)
{
    sc_ctx *c = p;
    for (size_t i = 0; i < c->d; i++) g[i] = c->lam * w[i] + c->beta * c->omega * sin(c->omega * w[i]);
}
static void sc_hvp(void *p, const double *w, const double *v, double *hv)
{
    sc_ctx *c = p;
    for (size_t i = 0; i < c->d; i++)
        hv[i] = (c->lam + c->beta * c->omega * c->omega * cos(c->omega * w[i])) * v[i];
}
static double sc_hquad(void *p, const double *w, const double *u)
{
    sc_ctx *c = p;
    double s = 0;
    for (size_t i = 0; i < c->d; i++)
        s += (c->lam + c->beta * c->omega * c->omega * cos(c->omega * w[i])) * u[i] * u[i];
    return s;
}
static double sc_trace(void *p, const double *w)
{
    sc_ctx *c = p;
    double s = 0;
    for (size_t i = 0; i < c->d; i++) s += c->lam + c->beta * c->omega * c->omega * cos(c->omega * w[i]);
    return s;
}
static double sc_smoothed(void *p, const double *w, const nso_noise_law *law, double sigma)
{
    sc_ctx *c = p;
    double e = nso_noise_cf(law, c->omega * sigma), v = 0;
    if (isnan(e)) return NAN;
    for (size_t i = 0; i < c->d; i++)
        v += 0.5 * c->lam * (w[i] * w[i] + sigma * sigma) + c->beta * (1.0 - e * cos(c->omega * w[i]));
    return v;
}
static int sc_smoothed_grad(void *p, const double *w, const nso_noise_law *law, double sigma,
                            double *g)
{
    sc_ctx *c = p;
    double e = nso_noise_cf(law, c->omega * sigma);
    if (isnan(e)) return NSO_EINVAL;
    for (size_t i = 0; i < c->d; i++) g[i] = c->lam * w[i] + c->beta * e * c->omega * sin(c->omega * w[i]);
    return NSO_OK;
}

int nso_sepcos_coef(const nso_objective *o, double *lam, double *beta, double *omega)
{
    if (!o || o->value != sc_value) return NSO_EINVAL;
    const sc_ctx *c = o->ctx;
    *lam = c->lam, *beta = c->beta, *omega = c->omega;
    return NSO_OK;
}

static nso_objective *sc_create(const nso_problem_params *pp, const char *name, double lam,
                                double omega, char *msg, size_t len)
{
    if (pp->dim < 1 || pp->dim > 100000000) {
        snprintf(msg, len, "%s: dim must be in [1, 1e8], got %zu", name, pp->dim);
        return NULL;
    }
    sc_ctx *c = calloc(1, sizeof *c);
    nso_objective *o = calloc(1, sizeof *o);
    if (!c || !o) {
        free(c), free(o);
        snprintf(msg, len, "%s: out of memory", name);
        return NULL;
    }
    c->d = pp->dim;
    c->lam = lam;
    c->beta = pp->scale > 0 ? pp->scale : 1.0;
    c->omega = omega;
    *o = (nso_objective){.name = name, .dim = c->d, .ctx = c, .value = sc_value, .grad = sc_grad,
                         .hvp = sc_hvp, .hess_trace = sc_trace, .hquad = sc_hquad,
                         .smoothed = sc_smoothed, .smoothed_grad = sc_smoothed_grad, .free = free,
                         .noise_model = "exact", .min_value = 0.0,
                         .lipschitz = c->lam + c->beta * c->omega * c->omega};
    return o;
}
static nso_objective *cq_create(const nso_problem_params *pp, char *msg, size_t len)
{
    return sc_create(pp, "cosquad", 0.1, 1.0, msg, len);
}
static nso_objective *sep_create(const nso_problem_params *pp, char *msg, size_t len)
{
    return sc_create(pp, "sepcos", 1.0, 2.0, msg, len);
}

static void cq_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = 2.5 + gsl_ran_gaussian(r, 0.3);
}
/* Theorem 4.3's start W_0 = 1.3 * ones (the non-convex region; no randomness) */
static void sep_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    (void)r;
    for (size_t i = 0; i < o->dim; i++) w0[i] = 1.3;
}

const nso_problem nso_problem_cosquad = {
    "cosquad", "sum of (0.1/2) w^2 + scale (1 - cos w): non-convex, closed-form smoothing",
    cq_create, cq_init};
const nso_problem nso_problem_sepcos = {
    "sepcos", "sum of w^2/2 + scale (1 - cos 2w): Theorem 4.3's test function, closed-form F",
    sep_create, sep_init};
