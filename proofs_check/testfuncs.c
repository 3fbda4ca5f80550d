/* testfuncs.c - test objectives of testfuncs.h (Prop. 2.1, Thm 4.3, Lemma 4.4). */
#include "testfuncs.h"
#include "nso_error.h"
#include "objective.h"
#include "sensing.h"
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double tf_law_cf(const nso_noise_law *law, double s)
{
    if (law == &nso_noise_gaussian) return exp(-0.5 * s * s);
    if (law == &nso_noise_laplace) return 1.0 / (1.0 + 0.5 * s * s); /* scale 1/sqrt 2 */
    if (law == &nso_noise_uniform) {
        double a = sqrt(3.0) * s;
        return fabs(a) < 1e-8 ? 1.0 - a * a / 6.0 : sin(a) / a;
    }
    if (law == &nso_noise_binomial) { /* sum of four +-1/2 coins */
        double c = cos(0.5 * s);
        return c * c * c * c;
    }
    if (law == &nso_noise_rademacher) return cos(s);
    return NAN;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static tf_obj *tf_new(const char *name, size_t dim, size_t work)
{
    tf_obj *o = nso_xcalloc(1, sizeof *o);
    o->name = name;
    o->dim = dim;
    o->w_eval = nso_xcalloc(dim, sizeof(double));
    o->work = nso_xcalloc(work ? work : 1, sizeof(double));
    return o;
}

void tf_free(tf_obj *o)
{
    if (!o) return;
    if (o->lib) nso_obj_free(o->lib);
    free(o->p);
    free(o->w_eval);
    free(o->work);
    free(o);
}

static double no_smooth(const tf_obj *o, const double *w, const nso_noise_law *l, double s)
{
    (void)o, (void)w, (void)l, (void)s;
    return NAN;
}

/* ---- quadratic -------------------------------------------------------- */
typedef struct {
    size_t d;
    double *A, *b; /* A d x d symmetric positive definite */
} quad_p;

static double quad_f(const tf_obj *o, const double *w)
{
    const quad_p *q = o->p;
    double s = 0;
    for (size_t i = 0; i < q->d; i++) s += w[i] * (0.5 * dot(q->A + i * q->d, w, q->d) + q->b[i]);
    return s;
}
static void quad_g(const tf_obj *o, const double *w, double *g)
{
    const quad_p *q = o->p;
    for (size_t i = 0; i < q->d; i++) g[i] = dot(q->A + i * q->d, w, q->d) + q->b[i];
}
static double quad_hq(const tf_obj *o, const double *w, const double *u)
{
    (void)w;
    const quad_p *q = o->p;
    double s = 0;
    for (size_t i = 0; i < q->d; i++) s += u[i] * dot(q->A + i * q->d, u, q->d);
    return s;
}
static double quad_tr(const tf_obj *o, const double *w)
{
    (void)w;
    const quad_p *q = o->p;
    double s = 0;
    for (size_t i = 0; i < q->d; i++) s += q->A[i * q->d + i];
    return s;
}
static double quad_F(const tf_obj *o, const double *w, const nso_noise_law *l, double s)
{
    (void)l;
    return quad_f(o, w) + 0.5 * s * s * quad_tr(o, w);
}

tf_obj *tf_quadratic(size_t d, gsl_rng *r)
{
    tf_obj *o = tf_new("quadratic", d, 0);
    quad_p *q = nso_xcalloc(1, sizeof *q + (d * d + d) * sizeof(double));
    q->d = d;
    q->A = (double *)(q + 1);
    q->b = q->A + d * d;
    double *B = nso_xmalloc(d * d * sizeof(double));
    for (size_t i = 0; i < d * d; i++) B[i] = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            q->A[i * d + j] = dot(B + i * d, B + j * d, d) / (double)d + (i == j ? 0.5 : 0.0);
    free(B);
    for (size_t i = 0; i < d; i++) q->b[i] = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < d; i++) o->w_eval[i] = gsl_ran_gaussian(r, 1.0);
    o->p = q;
    o->f = quad_f, o->grad = quad_g, o->hquad = quad_hq, o->htrace = quad_tr, o->smoothed = quad_F;
    o->sigma_max = 0.5;
    return o;
}

/* ---- sums of ridge functions: cossum and logcosh ---------------------- */
typedef struct {
    size_t d, m;
    double *a, *b, *c; /* c: m x d */
} ridge_p;

static tf_obj *ridge_new(const char *name, size_t d, size_t m, gsl_rng *r, double cscale)
{
    tf_obj *o = tf_new(name, d, 0);
    ridge_p *p = nso_xcalloc(1, sizeof *p + (2 * m + m * d) * sizeof(double));
    p->d = d, p->m = m;
    p->a = (double *)(p + 1);
    p->b = p->a + m;
    p->c = p->b + m;
    for (size_t j = 0; j < m; j++) {
        p->a[j] = 0.5 + gsl_rng_uniform(r);
        p->b[j] = gsl_rng_uniform(r) - 0.5;
        for (size_t i = 0; i < d; i++) p->c[j * d + i] = gsl_ran_gaussian(r, cscale / sqrt((double)d));
    }
    for (size_t i = 0; i < d; i++) o->w_eval[i] = gsl_ran_gaussian(r, 0.2);
    o->p = p;
    o->sigma_max = 0.5;
    return o;
}

/* Ridge sums f(w) = (1/m) sum_j a_j phi(<c_j, w> + b_j): value, gradient,
 * u' grad^2 f u and tr grad^2 f from phi, phi' and phi''. */
static double ridge_value(const tf_obj *o, const double *w, double (*phi)(double))
{
    const ridge_p *p = o->p;
    double s = 0;
    for (size_t j = 0; j < p->m; j++) s += p->a[j] * phi(dot(p->c + j * p->d, w, p->d) + p->b[j]);
    return s / (double)p->m;
}
static void ridge_grad(const tf_obj *o, const double *w, double *g, double (*dphi)(double))
{
    const ridge_p *p = o->p;
    memset(g, 0, p->d * sizeof *g);
    for (size_t j = 0; j < p->m; j++) {
        double s = p->a[j] * dphi(dot(p->c + j * p->d, w, p->d) + p->b[j]) / (double)p->m;
        for (size_t i = 0; i < p->d; i++) g[i] += s * p->c[j * p->d + i];
    }
}
static double ridge_hquad(const tf_obj *o, const double *w, const double *u, double (*d2phi)(double))
{
    const ridge_p *p = o->p;
    double s = 0;
    for (size_t j = 0; j < p->m; j++) {
        double cu = dot(p->c + j * p->d, u, p->d);
        s += p->a[j] * d2phi(dot(p->c + j * p->d, w, p->d) + p->b[j]) * cu * cu;
    }
    return s / (double)p->m;
}
static double ridge_trace(const tf_obj *o, const double *w, double (*d2phi)(double))
{
    const ridge_p *p = o->p;
    double s = 0;
    for (size_t j = 0; j < p->m; j++) {
        const double *c = p->c + j * p->d;
        s += p->a[j] * d2phi(dot(c, w, p->d) + p->b[j]) * dot(c, c, p->d);
    }
    return s / (double)p->m;
}

static double one_minus_cos(double x) { return 1.0 - cos(x); }
static double cos_f(const tf_obj *o, const double *w) { return ridge_value(o, w, one_minus_cos); }
static void cos_g(const tf_obj *o, const double *w, double *g) { ridge_grad(o, w, g, sin); }
static double cos_hq(const tf_obj *o, const double *w, const double *u) { return ridge_hquad(o, w, u, cos); }
static double cos_tr(const tf_obj *o, const double *w) { return ridge_trace(o, w, cos); }
static double cos_F(const tf_obj *o, const double *w, const nso_noise_law *law, double sigma)
{
    const ridge_p *p = o->p;
    double s = 0;
    for (size_t j = 0; j < p->m; j++) {
        double prod = 1.0;
        for (size_t i = 0; i < p->d; i++) prod *= tf_law_cf(law, sigma * p->c[j * p->d + i]);
        s += p->a[j] * (1.0 - cos(dot(p->c + j * p->d, w, p->d) + p->b[j]) * prod);
    }
    return s / (double)p->m;
}

tf_obj *tf_cossum(size_t d, size_t m, gsl_rng *r)
{
    tf_obj *o = ridge_new("cossum", d, m, r, 1.0);
    o->f = cos_f, o->grad = cos_g, o->hquad = cos_hq, o->htrace = cos_tr, o->smoothed = cos_F;
    return o;
}

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
static double lc_f(const tf_obj *o, const double *w) { return ridge_value(o, w, logcosh); }
static void lc_g(const tf_obj *o, const double *w, double *g) { ridge_grad(o, w, g, tanh); }
static double lc_hq(const tf_obj *o, const double *w, const double *u) { return ridge_hquad(o, w, u, sech2); }
static double lc_tr(const tf_obj *o, const double *w) { return ridge_trace(o, w, sech2); }
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
/* Gaussian P only: each ridge term is a 1-D expectation (c'U ~ N(0, sigma^2 |c|^2)) */
static double lc_F(const tf_obj *o, const double *w, const nso_noise_law *law, double sigma)
{
    if (law != &nso_noise_gaussian) return NAN;
    const ridge_p *p = o->p;
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(200);
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

tf_obj *tf_logcosh(size_t d, size_t m, gsl_rng *r)
{
    tf_obj *o = ridge_new("logcosh", d, m, r, 1.0);
    o->f = lc_f, o->grad = lc_g, o->hquad = lc_hq, o->htrace = lc_tr, o->smoothed = lc_F;
    return o;
}

/* ---- logistic regression on synthetic data ---------------------------- */
typedef struct {
    size_t d, n;
    double lambda;
    double *X, *y;
} logi_p;

static double softplus(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }
static double sigm(double t) { return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t)); }

static double logi_f(const tf_obj *o, const double *w)
{
    const logi_p *p = o->p;
    double s = 0;
    for (size_t i = 0; i < p->n; i++) s += softplus(-p->y[i] * dot(p->X + i * p->d, w, p->d));
    return s / (double)p->n + 0.5 * p->lambda * dot(w, w, p->d);
}
static void logi_g(const tf_obj *o, const double *w, double *g)
{
    const logi_p *p = o->p;
    for (size_t k = 0; k < p->d; k++) g[k] = p->lambda * w[k];
    for (size_t i = 0; i < p->n; i++) {
        const double *x = p->X + i * p->d;
        double c = -p->y[i] * sigm(-p->y[i] * dot(x, w, p->d)) / (double)p->n;
        for (size_t k = 0; k < p->d; k++) g[k] += c * x[k];
    }
}
static double logi_hq(const tf_obj *o, const double *w, const double *u)
{
    const logi_p *p = o->p;
    double s = 0;
    for (size_t i = 0; i < p->n; i++) {
        const double *x = p->X + i * p->d;
        double q = sigm(dot(x, w, p->d)), xu = dot(x, u, p->d);
        s += q * (1 - q) * xu * xu;
    }
    return s / (double)p->n + p->lambda * dot(u, u, p->d);
}
static double logi_tr(const tf_obj *o, const double *w)
{
    const logi_p *p = o->p;
    double s = 0;
    for (size_t i = 0; i < p->n; i++) {
        const double *x = p->X + i * p->d;
        double q = sigm(dot(x, w, p->d));
        s += q * (1 - q) * dot(x, x, p->d);
    }
    return s / (double)p->n + p->lambda * (double)p->d;
}

tf_obj *tf_logistic(size_t d, size_t n, double lambda, gsl_rng *r)
{
    tf_obj *o = tf_new("logistic", d, 0);
    logi_p *p = nso_xcalloc(1, sizeof *p + (n * d + n + d) * sizeof(double));
    p->d = d, p->n = n, p->lambda = lambda;
    p->X = (double *)(p + 1);
    p->y = p->X + n * d;
    double *teacher = p->y + n;
    for (size_t k = 0; k < d; k++) teacher[k] = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < d; k++) p->X[i * d + k] = gsl_ran_gaussian(r, 1.0);
        double t = dot(p->X + i * d, teacher, d);
        p->y[i] = (gsl_rng_uniform(r) < sigm(2.0 * t)) ? 1.0 : -1.0; /* noisy labels */
    }
    for (size_t k = 0; k < d; k++) o->w_eval[k] = 0.5 * teacher[k] + gsl_ran_gaussian(r, 0.2);
    o->p = p;
    o->f = logi_f, o->grad = logi_g, o->hquad = logi_hq, o->htrace = logi_tr, o->smoothed = no_smooth;
    o->sigma_max = 0.5;
    return o;
}

/* ---- matrix sensing (Sec. 3.1, small d) ------------------------------ */
typedef struct {
    size_t d, m;
    double *A, *y; /* A: m x d x d symmetric */
} sens_p;

/* <A_i, U U'> for U d x d row-major, via P = U U' (work: d*d) */
static void sens_uut(const sens_p *p, const double *U, double *P)
{
    size_t d = p->d;
    for (size_t a = 0; a < d; a++)
        for (size_t b = a; b < d; b++) P[a * d + b] = P[b * d + a] = dot(U + a * d, U + b * d, d);
}
static double sens_f(const tf_obj *o, const double *U)
{
    const sens_p *p = o->p;
    size_t d = p->d;
    double *P = o->work;
    sens_uut(p, U, P);
    double s = 0;
    for (size_t i = 0; i < p->m; i++) {
        double r = dot(p->A + i * d * d, P, d * d) - p->y[i];
        s += r * r;
    }
    return s / (4.0 * (double)p->m);
}
/* grad = 1/m sum r_i A_i U */
static void sens_g(const tf_obj *o, const double *U, double *g)
{
    const sens_p *p = o->p;
    size_t d = p->d;
    double *P = o->work;
    sens_uut(p, U, P);
    memset(g, 0, d * d * sizeof *g);
    for (size_t i = 0; i < p->m; i++) {
        const double *A = p->A + i * d * d;
        double r = (dot(A, P, d * d) - p->y[i]) / (double)p->m;
        for (size_t a = 0; a < d; a++)
            for (size_t c = 0; c < d; c++) {
                double Aac = r * A[a * d + c];
                for (size_t b = 0; b < d; b++) g[a * d + b] += Aac * U[c * d + b];
            }
    }
}
/* V'HV = 1/m sum [2 <A_i U, V>^2 + r_i <A_i V, V>] */
static double sens_hq(const tf_obj *o, const double *U, const double *V)
{
    const sens_p *p = o->p;
    size_t d = p->d;
    double *P = o->work, *Q = o->work + d * d, *Rm = o->work + 2 * d * d;
    sens_uut(p, U, P);
    /* Q = sym(U V'), Rm = V V' */
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            Q[a * d + b] = 0.5 * (dot(U + a * d, V + b * d, d) + dot(V + a * d, U + b * d, d));
            Rm[a * d + b] = dot(V + a * d, V + b * d, d);
        }
    double s = 0;
    for (size_t i = 0; i < p->m; i++) {
        const double *A = p->A + i * d * d;
        double r = dot(A, P, d * d) - p->y[i], au = dot(A, Q, d * d), av = dot(A, Rm, d * d);
        s += 2.0 * au * au + r * av;
    }
    return s / (double)p->m;
}
/* tr H = 1/m sum [2 |A_i U|_F^2 + r_i d tr A_i] */
static double sens_tr(const tf_obj *o, const double *U)
{
    const sens_p *p = o->p;
    size_t d = p->d;
    double *P = o->work;
    sens_uut(p, U, P);
    double s = 0;
    for (size_t i = 0; i < p->m; i++) {
        const double *A = p->A + i * d * d;
        double r = dot(A, P, d * d) - p->y[i], tr = 0, au2 = 0;
        for (size_t a = 0; a < d; a++) {
            tr += A[a * d + a];
            for (size_t b = 0; b < d; b++) {
                double x = 0;
                for (size_t c = 0; c < d; c++) x += A[a * d + c] * U[c * d + b];
                au2 += x * x;
            }
        }
        s += 2.0 * au2 + r * (double)d * tr;
    }
    return s / (double)p->m;
}

tf_obj *tf_sensing(size_t d, size_t rank, size_t m, int interp, gsl_rng *r)
{
    tf_obj *o = tf_new(interp ? "sensing_interp" : "sensing_random", d * d, 3 * d * d);
    sens_p *p = nso_xcalloc(1, sizeof *p + (m * d * d + m) * sizeof(double));
    p->d = d, p->m = m;
    p->A = (double *)(p + 1);
    p->y = p->A + m * d * d;
    double *Us = nso_xcalloc(d * d, sizeof(double)); /* [U*, 0] */
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < rank; b++) Us[a * d + b] = gsl_ran_gaussian(r, 1.0);
    double *Xs = nso_xmalloc(d * d * sizeof(double));
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) Xs[a * d + b] = dot(Us + a * d, Us + b * d, d);
    for (size_t i = 0; i < m; i++) {
        double *A = p->A + i * d * d;
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++) A[a * d + b] = gsl_ran_gaussian(r, 1.0);
        for (size_t a = 0; a < d; a++)
            for (size_t b = a + 1; b < d; b++) A[a * d + b] = A[b * d + a] = 0.5 * (A[a * d + b] + A[b * d + a]);
        p->y[i] = dot(A, Xs, d * d);
    }
    if (interp) memcpy(o->w_eval, Us, d * d * sizeof(double));
    else
        for (size_t i = 0; i < d * d; i++) o->w_eval[i] = gsl_ran_gaussian(r, 1.0);
    free(Us);
    free(Xs);
    o->p = p;
    o->f = sens_f, o->grad = sens_g, o->hquad = sens_hq, o->htrace = sens_tr, o->smoothed = no_smooth;
    o->sigma_max = 0.1;
    return o;
}

tf_obj *tf_sensing_registry(size_t d, size_t rank, size_t m, uint64_t seed, int interp, gsl_rng *r)
{
    const nso_problem *pr = nso_problem_find("sensing");
    if (!pr) return NULL;
    nso_problem_params pp = {.dim = d, .rank = rank, .m = m, .seed = seed, .scale = 1.0};
    nso_objective *lib = pr->create(&pp);
    if (!lib) return NULL;
    const nso_sensing *ls = lib->ctx;
    tf_obj *o = tf_new(interp ? "sensing_interp" : "sensing_random", d * d, 3 * d * d);
    sens_p *p = nso_xcalloc(1, sizeof *p + (m * d * d + m) * sizeof(double));
    p->d = d, p->m = m;
    o->lib = lib;
    p->A = (double *)(p + 1);
    p->y = p->A + m * d * d;
    for (size_t i = 0; i < m; i++) nso_sensing_unpack(d, ls->A[0] + i * ls->p, p->A + i * d * d);
    memcpy(p->y, ls->y[0], m * sizeof(double));
    if (interp) {
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < rank; b++) o->w_eval[a * d + b] = ls->Ustar[a * rank + b];
    } else {
        pr->init(lib, o->w_eval, r);
    }
    o->p = p;
    o->f = sens_f, o->grad = sens_g, o->hquad = sens_hq, o->htrace = sens_tr, o->smoothed = no_smooth;
    o->sigma_max = 0.1;
    return o;
}

nso_objective *tf_sensing_lib(const tf_obj *o)
{
    return o->lib;
}

/* ---- separable cosine (Theorem 4.3, Lemma 4.4) ----------------------- */
double tf_sepcos_dphi(const tf_sepcos *s, double x)
{
    return s->lam * x + s->beta * s->omega * sin(s->omega * x);
}
double tf_sepcos_f(const tf_sepcos *s, const double *w)
{
    double v = 0;
    for (size_t i = 0; i < s->d; i++) v += 0.5 * s->lam * w[i] * w[i] + s->beta * (1.0 - cos(s->omega * w[i]));
    return v;
}
double tf_sepcos_e(const tf_sepcos *s, const nso_noise_law *law, double sigma)
{
    return tf_law_cf(law, s->omega * sigma);
}
double tf_sepcos_F(const tf_sepcos *s, const double *w, double e, double sigma)
{
    double v = 0;
    for (size_t i = 0; i < s->d; i++)
        v += 0.5 * s->lam * (w[i] * w[i] + sigma * sigma) + s->beta * (1.0 - e * cos(s->omega * w[i]));
    return v;
}
double tf_sepcos_dF(const tf_sepcos *s, double x, double e)
{
    return s->lam * x + s->beta * e * s->omega * sin(s->omega * x);
}
double tf_sepcos_gap(const tf_sepcos *s, const double *w, double e)
{
    /* per coordinate lam x^2/2 + beta e (1 - cos(omega x)) >= 0 = value at 0 (e > 0) */
    double v = 0;
    for (size_t i = 0; i < s->d; i++)
        v += 0.5 * s->lam * w[i] * w[i] + s->beta * e * (1.0 - cos(s->omega * w[i]));
    return v;
}
