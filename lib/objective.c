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

double nso_obj_hquad(const nso_objective *o, const double *w, const double *u)
{
    if (o->hquad) return o->hquad(o->ctx, w, u);
    if (!o->hvp) return NAN;
    double *hu = malloc(o->dim * sizeof(double)), s = 0;
    if (!hu) return NAN;
    o->hvp(o->ctx, w, u, hu);
    for (size_t i = 0; i < o->dim; i++) s += u[i] * hu[i];
    free(hu);
    return s;
}

/* ---- additive Gaussian oracle ---------------------------------------- */
typedef struct {
    nso_objective *inner;
    double sd;  /* per-coordinate std: sigma_g / sqrt(dim) */
    gsl_rng *r; /* reseeded from each sample */
    double *z;  /* the last sample's draw */
    int have;   /* z holds the draw of (zseed, zstep, zslot) */
    uint64_t zseed, zstep;
    uint32_t zslot;
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
/* z depends on (seed, step, slot) only: the same sample gives the same z
 * (drawn once, reused while the sample repeats) */
static int noisy_sgrad(void *c, const double *w, double *g, const nso_sample *s)
{
    noisy_ctx *n = c;
    size_t d = n->inner->dim;
    n->inner->grad(n->inner->ctx, w, g);
    if (!n->have || n->zseed != s->seed || n->zstep != s->step || n->zslot != s->slot) {
        nso_rng_reseed(n->r, s->seed, "oracle", nso_mix64(s->step) ^ (uint64_t)s->slot);
        for (size_t i = 0; i < d; i++) n->z[i] = gsl_ran_gaussian_ziggurat(n->r, n->sd);
        n->have = 1, n->zseed = s->seed, n->zstep = s->step, n->zslot = s->slot;
    }
    for (size_t i = 0; i < d; i++) g[i] += n->z[i];
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
static double noisy_hquad(void *c, const double *w, const double *u)
{
    noisy_ctx *n = c;
    return n->inner->hquad(n->inner->ctx, w, u);
}
static double noisy_smoothed(void *c, const double *w, const nso_noise_law *l, double s)
{
    noisy_ctx *n = c;
    return n->inner->smoothed(n->inner->ctx, w, l, s);
}
static int noisy_smoothed_grad(void *c, const double *w, const nso_noise_law *l, double s, double *g)
{
    noisy_ctx *n = c;
    return n->inner->smoothed_grad(n->inner->ctx, w, l, s, g);
}
static void noisy_free(void *c)
{
    noisy_ctx *n = c;
    nso_obj_free(n->inner);
    gsl_rng_free(n->r);
    free(n->z);
    free(n);
}

nso_objective *nso_obj_additive_noise(nso_objective *inner, double sigma_g)
{
    if (!inner || !(sigma_g >= 0)) NSO_ERROR_NULL("sigma_g must be >= 0", NSO_EINVAL);
    noisy_ctx *c = calloc(1, sizeof *c);
    nso_objective *o = calloc(1, sizeof *o);
    if (c) c->r = gsl_rng_alloc(gsl_rng_taus2);
    if (c) c->z = malloc(inner->dim * sizeof(double));
    if (!c || !o || !c->r || !c->z) {
        if (c && c->r) gsl_rng_free(c->r);
        if (c) free(c->z);
        free(c);
        free(o);
        NSO_ERROR_NULL("out of memory", NSO_ENOMEM);
    }
    c->inner = inner;
    c->sd = sigma_g / sqrt((double)inner->dim);
    *o = *inner;
    o->ctx = c;
    o->value = noisy_value;
    o->grad = noisy_grad;
    o->grad_batch = noisy_grad_batch;
    o->sgrad = noisy_sgrad;
    o->hvp = inner->hvp ? noisy_hvp : NULL;
    o->hess_trace = inner->hess_trace ? noisy_trace : NULL;
    o->observe = inner->observe ? noisy_observe : NULL;
    o->hquad = inner->hquad ? noisy_hquad : NULL;
    o->smoothed = inner->smoothed ? noisy_smoothed : NULL;
    o->smoothed_grad = inner->smoothed_grad ? noisy_smoothed_grad : NULL;
    o->free = noisy_free;
    o->noise_model = "additive Gaussian: g + z, z ~ N(0, sigma_g^2/d I), E||z||^2 = sigma_g^2";
    return o;
}

/* ---- registry -------------------------------------------------------- */
const nso_problem *const nso_problems[] = {
    &nso_problem_quadratic, &nso_problem_quadratic_dense, &nso_problem_cosquad, &nso_problem_sepcos,
    &nso_problem_cossum,    &nso_problem_logcosh,         &nso_problem_logistic, &nso_problem_sensing,
    NULL};

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
