/* prob_ridge.c - sums of ridge functions (smooth, non-convex test problems
 * with exact Hessians and, where possible, an exact smoothed objective for
 * Prop. 2.1 / Table 2 checks), one implementation for two registry entries:
 *     f(w) = (1/m) sum_j a_j phi(<c_j, w> + b_j)
 *   cossum   phi = 1 - cos;  F(w) = E f(w + U) through the law's characteristic
 *            function (any symmetric law):
 *            E cos(theta + <c, U>) = cos(theta) prod_i E cos(sigma c_i X)
 *   logcosh  phi = log cosh; F for a Gaussian law by one-dimensional GSL
 *            quadrature per term (<c, U> ~ N(0, sigma^2 |c|^2)), NAN otherwise.
 * Data (dim = d, m terms, default m = 2d), drawn in this order per term j:
 * a_j = 0.5 + Uniform(0,1), b_j = Uniform(0,1) - 0.5, c_j ~ N(0, I/d).
 * grad^2 f = (1/m) sum_j a_j phi''(.) c_j c_j', |phi''| <= 1, so
 * C <= (1/m) sum_j a_j |c_j|^2.  Initial point w_0 ~ N(0, 0.2^2 I). */
#include "nso_error.h"
#include "objective.h"
#include "rng.h"
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t d, m;
    double *a, *b, *c; /* m, m, m x d */
} ridge_ctx;

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* value, gradient, u' grad^2 f u and tr grad^2 f from phi, phi' and phi'' */
static double ridge_value(const ridge_ctx *p, const double *w, double (*phi)(double))
{
    double s = 0;
    for (size_t j = 0; j < p->m; j++) s += p->a[j] * phi(dot(p->c + j * p->d, w, p->d) + p->b[j]);
    return s / (double)p->m;
}
static void ridge_grad(const ridge_ctx *p, const double *w, double *g, double (*dphi)(double))
{
    memset(g, 0, p->d * sizeof *g);
    for (size_t j = 0; j < p->m; j++) {
        double s = p->a[j] * dphi(dot(p->c + j * p->d, w, p->d) + p->b[j]) / (double)p->m;
        for (size_t i = 0; i < p->d; i++) g[i] += s * p->c[j * p->d + i];
    }
}
static void ridge_hvp(const ridge_ctx *p, const double *w, const double *v, double *hv,
                      double (*d2phi)(double))
{
    memset(hv, 0, p->d * sizeof *hv);
    for (size_t j = 0; j < p->m; j++) {
        const double *c = p->c + j * p->d;
        double s = p->a[j] * d2phi(dot(c, w, p->d) + p->b[j]) * dot(c, v, p->d) / (double)p->m;
        for (size_t i = 0; i < p->d; i++) hv[i] += s * c[i];
    }
}
static double ridge_hquad(const ridge_ctx *p, const double *w, const double *u,
                          double (*d2phi)(double))
{
    double s = 0;
    for (size_t j = 0; j < p->m; j++) {
        double cu = dot(p->c + j * p->d, u, p->d);
        s += p->a[j] * d2phi(dot(p->c + j * p->d, w, p->d) + p->b[j]) * cu * cu;
    }
    return s / (double)p->m;
}
static double ridge_trace(const ridge_ctx *p, const double *w, double (*d2phi)(double))
{
    double s = 0;
    for (size_t j = 0; j < p->m; j++) {
        const double *c = p->c + j * p->d;
        s += p->a[j] * d2phi(dot(c, w, p->d) + p->b[j]) * dot(c, c, p->d);
    }
    return s / (double)p->m;
}

/* ---- cossum ---------------------------------------------------------------- */
static double one_minus_cos(double x) { return 1.0 - cos(x); }
static double cs_value(void *p, const double *w) { return ridge_value(p, w, one_minus_cos); }
static void cs_grad(void *p, const double *w, double *g) { ridge_grad(p, w, g, sin); }
static void cs_hvp(void *p, const double *w, const double *v, double *hv) { ridge_hvp(p, w, v, hv, cos); }
static double cs_hquad(void *p, const double *w, const double *u) { return ridge_hquad(p, w, u, cos); }
static double cs_trace(void *p, const double *w) { return ridge_trace(p, w, cos); }
static double cs_smoothed(void *pv, const double *w, const nso_noise_law *law, double sigma)
{
    const ridge_ctx *p = pv;
    double s = 0;
    for (size_t j = 0; j < p->m; j++) {
        double prod = 1.0;
        for (size_t i = 0; i < p->d; i++) prod *= nso_noise_cf(law, sigma * p->c[j * p->d + i]);
        s += p->a[j] * (1.0 - cos(dot(p->c + j * p->d, w, p->d) + p->b[j]) * prod);
    }
    return s / (double)p->m;
}
/* dF/dw = (1/m) sum_j a_j prod_j sin(theta_j) c_j */
static int cs_smoothed_grad(void *pv, const double *w, const nso_noise_law *law, double sigma,
                            double *g)
{
    const ridge_ctx *p = pv;
    if (isnan(nso_noise_cf(law, 0.0))) return NSO_EINVAL;
    memset(g, 0, p->d * sizeof *g);
    for (size_t j = 0; j < p->m; j++) {
        const double *c = p->c + j * p->d;
        double prod = 1.0;
        for (size_t i = 0; i < p->d; i++) prod *= nso_noise_cf(law, sigma * c[i]);
        double s = p->a[j] * prod * sin(dot(c, w, p->d) + p->b[j]) / (double)p->m;
        for (size_t i = 0; i < p->d; i++) g[i] += s * c[i];
    }
    return NSO_OK;
}

/* ---- logcosh --------------------------------------------------------------- */
/* log cosh, computed without overflow */
static double logcosh(double x)
{
    double a = fabs(x);
    return a + log1p(exp(-2.0 * a)) - M_LN2;
}
static double sech2(double x)
{
    double c = cosh(x);
    return isfinite(c) ? 1.0 / (c * c) : 0.0;
}
static double lc_value(void *p, const double *w) { return ridge_value(p, w, logcosh); }
static void lc_grad(void *p, const double *w, double *g) { ridge_grad(p, w, g, tanh); }
static void lc_hvp(void *p, const double *w, const double *v, double *hv) { ridge_hvp(p, w, v, hv, sech2); }
static double lc_hquad(void *p, const double *w, const double *u) { return ridge_hquad(p, w, u, sech2); }
static double lc_trace(void *p, const double *w) { return ridge_trace(p, w, sech2); }
typedef struct {
    double theta, s;
} lc_q;
static double lc_integrand(double z, void *v)
{
    const lc_q *q = v;
    /* the Taylor remainder of order 3+ (odd part integrates to zero), so the
     * integral itself is the O(s^4) quantity and keeps its relative accuracy */
    double t = tanh(q->theta), h = sech2(q->theta), x = q->s * z;
    return (logcosh(q->theta + x) - logcosh(q->theta) - t * x - 0.5 * h * x * x) * exp(-0.5 * z * z) /
           sqrt(2 * M_PI);
}
/* Gaussian law only: each ridge term is a 1-D expectation */
static double lc_smoothed(void *pv, const double *w, const nso_noise_law *law, double sigma)
{
    if (law != &nso_noise_gaussian) return NAN;
    const ridge_ctx *p = pv;
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(200);
    if (!ws) return NAN;
    double s = 0;
    for (size_t j = 0; j < p->m; j++) {
        const double *c = p->c + j * p->d;
        lc_q q = {dot(c, w, p->d) + p->b[j], sigma * sqrt(dot(c, c, p->d))};
        gsl_function fn = {lc_integrand, &q};
        double res = 0, err;
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        int st = gsl_integration_qagi(&fn, 1e-300, 1e-9, 200, ws, &res, &err);
        gsl_set_error_handler(old);
        if (st && st != GSL_EROUND) res = NAN;
        s += p->a[j] * (logcosh(q.theta) + 0.5 * q.s * q.s * sech2(q.theta) + res);
    }
    gsl_integration_workspace_free(ws);
    return s / (double)p->m;
}

/* ---- construction ------------------------------------------------------------ */
static void ridge_free(void *pv)
{
    ridge_ctx *p = pv;
    free(p->a);
    free(p->b);
    free(p->c);
    free(p);
}

static ridge_ctx *ridge_new(const nso_problem_params *pp, const char *name, char *msg, size_t len)
{
    size_t d = pp->dim, m = pp->m ? pp->m : 2 * pp->dim;
    if (d < 1 || d > 1000000 || m > 1000000 || (double)m * (double)d > 1e8) {
        snprintf(msg, len, "%s: need dim in [1, 1e6] and m (terms) in [1, 1e6] with m dim <= 1e8, "
                           "got dim %zu, m %zu", name, d, m);
        return NULL;
    }
    ridge_ctx *p = calloc(1, sizeof *p);
    gsl_rng *r = pp->data_rng ? pp->data_rng : gsl_rng_alloc(gsl_rng_mt19937);
    if (p) p->a = malloc(m * sizeof(double)), p->b = malloc(m * sizeof(double)),
           p->c = malloc(m * d * sizeof(double));
    if (!p || !r || !p->a || !p->b || !p->c) {
        if (p) ridge_free(p);
        if (r && r != pp->data_rng) gsl_rng_free(r);
        snprintf(msg, len, "%s: out of memory for dim %zu, m %zu", name, d, m);
        return NULL;
    }
    if (!pp->data_rng) {
        char stream[64];
        snprintf(stream, sizeof stream, "%s/data", name);
        nso_rng_reseed(r, pp->seed, stream, 0);
    }
    p->d = d, p->m = m;
    for (size_t j = 0; j < m; j++) {
        p->a[j] = 0.5 + gsl_rng_uniform(r);
        p->b[j] = gsl_rng_uniform(r) - 0.5;
        for (size_t i = 0; i < d; i++) p->c[j * d + i] = gsl_ran_gaussian(r, 1.0 / sqrt((double)d));
    }
    if (r != pp->data_rng) gsl_rng_free(r);
    return p;
}

static double ridge_lipschitz(const ridge_ctx *p)
{
    double s = 0;
    for (size_t j = 0; j < p->m; j++) s += p->a[j] * dot(p->c + j * p->d, p->c + j * p->d, p->d);
    return s / (double)p->m;
}

static nso_objective *ridge_object(ridge_ctx *p, nso_objective proto, char *msg, size_t len)
{
    nso_objective *o = calloc(1, sizeof *o);
    if (!o) {
        ridge_free(p);
        snprintf(msg, len, "%s: out of memory", proto.name);
        return NULL;
    }
    proto.dim = p->d;
    proto.ctx = p;
    proto.free = ridge_free;
    proto.noise_model = "exact";
    proto.min_value = NAN;
    proto.lipschitz = ridge_lipschitz(p);
    *o = proto;
    return o;
}

static nso_objective *cs_create(const nso_problem_params *pp, char *msg, size_t len)
{
    ridge_ctx *p = ridge_new(pp, "cossum", msg, len);
    if (!p) return NULL;
    return ridge_object(p, (nso_objective){.name = "cossum", .value = cs_value, .grad = cs_grad,
                                           .hvp = cs_hvp, .hess_trace = cs_trace, .hquad = cs_hquad,
                                           .smoothed = cs_smoothed, .smoothed_grad = cs_smoothed_grad},
                        msg, len);
}
static nso_objective *lc_create(const nso_problem_params *pp, char *msg, size_t len)
{
    ridge_ctx *p = ridge_new(pp, "logcosh", msg, len);
    if (!p) return NULL;
    return ridge_object(p, (nso_objective){.name = "logcosh", .value = lc_value, .grad = lc_grad,
                                           .hvp = lc_hvp, .hess_trace = lc_trace, .hquad = lc_hquad,
                                           .smoothed = lc_smoothed},
                        msg, len);
}

static void ridge_init(const nso_objective *o, double *w0, gsl_rng *r)
{
    for (size_t i = 0; i < o->dim; i++) w0[i] = gsl_ran_gaussian(r, 0.2);
}

const nso_problem nso_problem_cossum = {
    "cossum", "(1/m) sum_j a_j (1 - cos(<c_j,w> + b_j)), c_j ~ N(0, I/d); exact F for any symmetric law",
    cs_create, ridge_init};
const nso_problem nso_problem_logcosh = {
    "logcosh", "(1/m) sum_j a_j log cosh(<c_j,w> + b_j), c_j ~ N(0, I/d); Gaussian F by quadrature",
    lc_create, ridge_init};
