/* objective.c - generic helpers over the objective interface: batched and
 * stochastic gradients, the additive-noise oracle wrapper (Assumption 4.1),
 * and the problem registry. */
#include "objective.h"
#include "nso_error.h"
#include "rng.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void nso_obj_grad_batch(const nso_objective *o, size_t n, const double *w, double *g)
{
    if (o->grad_batch) {
        o->grad_batch(o->ctx, n, w, g);
        return;
    }
    for (size_t i = 0; i < n; i++) o->grad(o->ctx, w + i * o->dim, g + i * o->dim);
}

int nso_obj_sgrad(const nso_objective *o, const double *w, double *g, const nso_sample *s)
{
    if (o->sgrad) return o->sgrad(o->ctx, w, g, s);
    o->grad(o->ctx, w, g);
    return NSO_OK;
}

void nso_obj_free(nso_objective *o)
{
    if (!o) return;
    if (o->free) o->free(o->ctx);
    free(o);
}

/* ---- additive Gaussian oracle ---------------------------------------- */
typedef struct {
    nso_objective *inner;
    double sd; /* per-coordinate std: sigma_g / sqrt(dim) */
    gsl_rng *r; /* reseeded from each sample */
} noisy_ctx;

static double noisy_value(void *c, const double *w)
{
    noisy_ctx *n = c;
    return n->inner->value(n->inner->ctx, w);
}
static void noisy_grad(void *c, const double *w, double *g)
{
    noisy_ctx *n = c;
    n->inner->grad(n->inner->ctx, w, g);
}
static void noisy_grad_batch(void *c, size_t k, const double *w, double *g)
{
    noisy_ctx *n = c;
    nso_obj_grad_batch(n->inner, k, w, g);
}
/* z depends on (seed, step, slot) only: the same sample gives the same z */
static int noisy_sgrad(void *c, const double *w, double *g, const nso_sample *s)
{
    noisy_ctx *n = c;
    n->inner->grad(n->inner->ctx, w, g);
    nso_rng_reseed(n->r, s->seed, "oracle", nso_mix64(s->step) ^ (uint64_t)s->slot);
    for (size_t i = 0; i < n->inner->dim; i++) g[i] += gsl_ran_gaussian_ziggurat(n->r, n->sd);
    return NSO_OK;
}
static void noisy_hvp(void *c, const double *w, const double *v, double *hv)
{
    noisy_ctx *n = c;
    n->inner->hvp(n->inner->ctx, w, v, hv);
}
static int noisy_observe(void *c, const double *w, const nso_sample *s)
{
    noisy_ctx *n = c;
    return n->inner->observe(n->inner->ctx, w, s);
}
static double noisy_trace(void *c, const double *w)
{
    noisy_ctx *n = c;
    return n->inner->hess_trace(n->inner->ctx, w);
}
static void noisy_free(void *c)
{
    noisy_ctx *n = c;
    nso_obj_free(n->inner);
    gsl_rng_free(n->r);
    free(n);
}

nso_objective *nso_obj_additive_noise(nso_objective *inner, double sigma_g)
{
    if (!inner || !(sigma_g >= 0)) NSO_ERROR_NULL("sigma_g must be >= 0", NSO_EINVAL);
    noisy_ctx *c = nso_xcalloc(1, sizeof *c);
    c->inner = inner;
    c->sd = sigma_g / sqrt((double)inner->dim);
    c->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!c->r) {
        free(c);
        NSO_ERROR_NULL("out of memory", NSO_ENOMEM);
    }
    nso_objective *o = nso_xcalloc(1, sizeof *o);
    *o = *inner;
    o->ctx = c;
    o->value = noisy_value;
    o->grad = noisy_grad;
    o->grad_batch = noisy_grad_batch;
    o->sgrad = noisy_sgrad;
    o->hvp = inner->hvp ? noisy_hvp : NULL;
    o->hess_trace = inner->hess_trace ? noisy_trace : NULL;
    o->observe = inner->observe ? noisy_observe : NULL;
    o->free = noisy_free;
    o->noise_model = "additive Gaussian: g + z, z ~ N(0, sigma_g^2/d I), E||z||^2 = sigma_g^2";
    return o;
}

/* ---- registry -------------------------------------------------------- */
const nso_problem *const nso_problems[] = {&nso_problem_quadratic, &nso_problem_cosquad,
                                           &nso_problem_logistic, &nso_problem_sensing, NULL};

const nso_problem *nso_problem_find(const char *name)
{
    for (size_t i = 0; nso_problems[i]; i++)
        if (strcmp(nso_problems[i]->name, name) == 0) return nso_problems[i];
    return NULL;
}

const char *nso_problem_names(void)
{
    static char buf[256];
    buf[0] = 0;
    for (size_t i = 0; nso_problems[i]; i++) {
        if (i) strcat(buf, ", ");
        strcat(buf, nso_problems[i]->name);
    }
    return buf;
}
