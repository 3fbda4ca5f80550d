/* prob_quadratic.c - f(w) = 1/2 sum_i lambda_i (w_i - c_i)^2, a diagonal
 * quadratic with known Hessian diag(lambda).  For it the two-point average
 * [g(w+u) + g(w-u)]/2 equals grad f(w) for every u (Prop. 2.1 is exact). */
#include "nso_error.h"
#include "objective.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    size_t d;
    double *lam, *c;
} quad_ctx;

static double q_value(void *p, const double *w)
{
    quad_ctx *q = p;
    double s = 0;
    for (size_t i = 0; i < q->d; i++) s += 0.5 * q->lam[i] * (w[i] - q->c[i]) * (w[i] - q->c[i]);
    return s;
}
static void q_grad(void *p, const double *w, double *g)
{
    quad_ctx *q = p;
    for (size_t i = 0; i < q->d; i++) g[i] = q->lam[i] * (w[i] - q->c[i]);
}
static void q_hvp(void *p, const double *w, const double *v, double *hv)
{
    (void)w;
    quad_ctx *q = p;
    for (size_t i = 0; i < q->d; i++) hv[i] = q->lam[i] * v[i];
}
static double q_trace(void *p, const double *w)
{
    (void)w;
    quad_ctx *q = p;
    double s = 0;
    for (size_t i = 0; i < q->d; i++) s += q->lam[i];
    return s;
}
static void q_free(void *p)
{
    quad_ctx *q = p;
    free(q->lam);
    free(q->c);
    free(q);
}

/* eigenvalues spread log-uniformly over [scale/10, scale], centre c_i = sin(1.7 i) */
static nso_objective *q_create(const nso_problem_params *pp)
{
    if (pp->dim < 1 || pp->dim > 100000000) {
        fprintf(stderr, "quadratic: --dim must be in [1, 1e8]\n");
        return NULL;
    }
    quad_ctx *q = nso_xcalloc(1, sizeof *q);
    q->d = pp->dim;
    q->lam = nso_xmalloc(q->d * sizeof(double));
    q->c = nso_xmalloc(q->d * sizeof(double));
    double sc = pp->scale > 0 ? pp->scale : 1.0, lmax = 0;
    for (size_t i = 0; i < q->d; i++) {
        double t = q->d > 1 ? (double)i / (double)(q->d - 1) : 1.0;
        q->lam[i] = sc * pow(10.0, t - 1.0);
        q->c[i] = sin(1.7 * (double)(i + 1));
        if (q->lam[i] > lmax) lmax = q->lam[i];
    }
    nso_objective *o = nso_xcalloc(1, sizeof *o);
    *o = (nso_objective){.name = "quadratic", .dim = q->d, .ctx = q, .value = q_value,
                         .grad = q_grad, .hvp = q_hvp, .hess_trace = q_trace, .free = q_free,
                         .noise_model = "exact", .min_value = 0.0, .lipschitz = lmax};
    return o;
}

static void q_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = 2.0 + gsl_ran_gaussian(r, 1.0);
}

const nso_problem nso_problem_quadratic = {
    "quadratic", "diagonal quadratic, eigenvalues log-spaced in [scale/10, scale]", q_create, q_init};
