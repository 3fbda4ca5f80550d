/* prob_sensing.c - matrix sensing (sensing.h) behind the objective interface,
 * for the registry, the teaching CLI and the tests.  Full-batch: the oracle is
 * the exact gradient.  dim = d, rank = r (default min(5, d)), m = training
 * measurements (default 5 d r, as in the paper); validation and test sets of
 * the same size are generated too.  The data come from the seed (the
 * registry's data_rng is not used: sensing.c names its own streams). */
#include "nso_error.h"
#include "objective.h"
#include "sensing.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double ms_value(void *c, const double *U)
{
    nso_sensing *s = c;
    double rel;
    nso_sensing_residuals(s, NSO_SET_TRAIN, 1, U, NULL, &rel);
    return rel * s->ymsq[0] / 4.0; /* (1/4m) sum r^2 */
}
static void ms_grad(void *c, const double *U, double *G) { nso_sensing_grad(c, 1, U, G, NULL); }
static void ms_grad_batch(void *c, size_t n, const double *U, double *G)
{
    nso_sensing *s = c;
    size_t dd = s->d * s->d, chunk = 32;
    for (size_t i = 0; i < n; i += chunk)
        nso_sensing_grad(s, n - i < chunk ? n - i : chunk, U + i * dd, G + i * dd, NULL);
}
static void ms_hvp(void *c, const double *U, const double *V, double *HV)
{
    nso_sensing_hess h;
    nso_sensing_hess_prepare(c, 1, U, NULL, &h);
    nso_sensing_hvp_batch(&h, 1, V, HV);
    nso_sensing_hess_free(&h);
}
static double ms_trace(void *c, const double *U)
{
    nso_sensing *s = c;
    double *res = nso_xmalloc(s->m[0] * sizeof(double));
    nso_sensing_residuals(s, NSO_SET_TRAIN, 1, U, res, NULL);
    double t = nso_sensing_trace(s, U, res);
    free(res);
    return t;
}
static void ms_free(void *c) { nso_sensing_free(c); }

nso_objective *nso_sensing_objective(nso_sensing *s, int owns)
{
    nso_objective *o = calloc(1, sizeof *o);
    if (!o) NSO_ERROR_NULL("out of memory", NSO_ENOMEM);
    *o = (nso_objective){.name = "sensing", .dim = s->d * s->d, .ctx = s, .value = ms_value,
                         .grad = ms_grad, .grad_batch = ms_grad_batch, .hvp = ms_hvp,
                         .hess_trace = ms_trace, .free = owns ? ms_free : NULL,
                         .noise_model = "exact (full batch)", .min_value = 0.0, .lipschitz = NAN};
    return o;
}

static nso_objective *ms_create(const nso_problem_params *pp, char *msg, size_t len)
{
    size_t d = pp->dim ? pp->dim : 100;
    size_t r = pp->rank ? pp->rank : (d < 5 ? d : 5);
    size_t m = pp->m ? pp->m : 5 * d * r;
    /* the ranges nso_sensing_alloc accepts, checked here so it never prints */
    if (d > 2000) {
        snprintf(msg, len, "sensing: dim d must be in [1, 2000], got %zu", d);
        return NULL;
    }
    if (r > d) {
        snprintf(msg, len, "sensing: rank r must be in [1, d = %zu], got %zu", d, r);
        return NULL;
    }
    if (m > 10000000) {
        snprintf(msg, len, "sensing: measurements m must be in [1, 1e7], got %zu", m);
        return NULL;
    }
    nso_sensing_params sp = {.d = d, .r = r, .m = {m, m, m}, .seed = pp->seed};
    nso_sensing *s = nso_sensing_alloc(&sp, msg, len);
    if (!s) return NULL;
    nso_objective *o = nso_sensing_objective(s, 1);
    if (!o) {
        nso_sensing_free(s);
        snprintf(msg, len, "sensing: out of memory");
    }
    return o;
}

/* U_0 with N(0,1) entries (paper Sec. 3.1) */
static void ms_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = gsl_ran_gaussian(r, 1.0);
}

const nso_problem nso_problem_sensing = {
    "sensing", "matrix sensing, U in R^{d x d}, X* rank r, A_i = (G+G^T)/2 (--dim d --rank r --m m)",
    ms_create, ms_init};
