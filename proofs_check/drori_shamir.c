/* drori_shamir.c - pieces of Theorem 4.5's constructions (eq. 8, eq. 45) and
 * truncated-Gaussian expectations; the two instances with the adversarial
 * oracle (eq. 40) as objectives; see drori_shamir.h.
 * @paper eq:8  @paper eq:45  @paper eq:40 */
#include "drori_shamir.h"
#include "noise.h"
#include "nso_error.h"
#include "optimizer.h"
#include "rng.h"
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdlib.h>

double ds_h(double x, double a, double C)
{
    double ax = fabs(x);
    if (ax <= a) return C * a * a / 4;
    if (ax <= 1.5 * a) return -C * (ax - a) * (ax - a) / 2 + C * a * a / 4;
    if (ax <= 2 * a) return C * (ax - 2 * a) * (ax - 2 * a) / 2;
    return 0.0;
}
double ds_dh(double x, double a, double C)
{
    double ax = fabs(x), sg = x < 0 ? -1.0 : 1.0;
    if (ax <= a) return 0.0;
    if (ax <= 1.5 * a) return -sg * C * (ax - a);
    if (ax <= 2 * a) return sg * C * (ax - 2 * a);
    return 0.0;
}
double ds_g(double x, double a, double C)
{
    double ax = fabs(x);
    if (ax <= a / 2) return -C * x * x / 2 + C * a * a / 4;
    if (ax <= a) return C * (ax - a) * (ax - a) / 2;
    return 0.0;
}
double ds_dg(double x, double a, double C)
{
    double ax = fabs(x), sg = x < 0 ? -1.0 : 1.0;
    if (ax <= a / 2) return -C * x;
    if (ax <= a) return sg * C * (ax - a);
    return 0.0;
}

static ds_piece pc(double lo, double hi, double c0, double c1, double c2)
{
    ds_piece p = {lo, hi, c0, c1, c2};
    return p;
}

size_t ds_h_pieces(double a, double C, ds_piece *o)
{
    size_t n = 0;
    o[n++] = pc(-INFINITY, -2 * a, 0, 0, 0);
    o[n++] = pc(-2 * a, -1.5 * a, 2 * a * a * C, 2 * a * C, C / 2);   /* C(y+2a)^2/2 */
    o[n++] = pc(-1.5 * a, -a, -C * a * a / 4, -C * a, -C / 2);       /* -C(y+a)^2/2 + Ca^2/4 */
    o[n++] = pc(-a, a, C * a * a / 4, 0, 0);
    o[n++] = pc(a, 1.5 * a, -C * a * a / 4, C * a, -C / 2);          /* -C(y-a)^2/2 + Ca^2/4 */
    o[n++] = pc(1.5 * a, 2 * a, 2 * a * a * C, -2 * a * C, C / 2);    /* C(y-2a)^2/2 */
    o[n++] = pc(2 * a, INFINITY, 0, 0, 0);
    return n;
}

size_t ds_g_pieces(double a, double C, ds_piece *o)
{
    size_t n = 0;
    o[n++] = pc(-INFINITY, -a, 0, 0, 0);
    o[n++] = pc(-a, -a / 2, C * a * a / 2, C * a, C / 2);             /* C(y+a)^2/2 */
    o[n++] = pc(-a / 2, a / 2, C * a * a / 4, 0, -C / 2);
    o[n++] = pc(a / 2, a, C * a * a / 2, -C * a, C / 2);              /* C(y-a)^2/2 */
    o[n++] = pc(a, INFINITY, 0, 0, 0);
    return n;
}

void ds_pieces_deriv(const ds_piece *in, size_t n, ds_piece *out)
{
    for (size_t i = 0; i < n; i++) out[i] = pc(in[i].lo, in[i].hi, in[i].c1, 2 * in[i].c2, 0);
}

double ds_pieces_eval(const ds_piece *p, size_t n, double y)
{
    for (size_t i = 0; i < n; i++)
        if (y >= p[i].lo && y <= p[i].hi) return p[i].c0 + y * (p[i].c1 + y * p[i].c2);
    return NAN;
}

/* integral over u in [l, r] of (q0 + q1 u + q2 u^2) N(u; 0, s^2) du */
static double gauss_poly(double l, double r, double s, double q0, double q1, double q2)
{
    if (!(r > l)) return 0.0;
    double L = l / s, R = r / s;
    double phiL = isinf(L) ? 0.0 : exp(-0.5 * L * L) / sqrt(2 * M_PI);
    double phiR = isinf(R) ? 0.0 : exp(-0.5 * R * R) / sqrt(2 * M_PI);
    double M0 = L >= 0 ? gsl_cdf_ugaussian_Q(L) - gsl_cdf_ugaussian_Q(R)
                       : gsl_cdf_ugaussian_P(R) - gsl_cdf_ugaussian_P(L);
    double LphiL = isinf(L) ? 0.0 : L * phiL, RphiR = isinf(R) ? 0.0 : R * phiR;
    double M1 = s * (phiL - phiR);
    double M2 = s * s * (M0 + LphiL - RphiR);
    return q0 * M0 + q1 * M1 + q2 * M2;
}

double ds_expect(const ds_piece *p, size_t n, double x, double s, double t, int mode)
{
    double ulo = -INFINITY, uhi = INFINITY, norm = 1.0, atom = 0.0;
    if (mode == NSO_TRUNC_TWO_SIDED) {
        ulo = -t, uhi = t;
        norm = 1.0 - 2.0 * gsl_cdf_ugaussian_Q(t / s);
    } else if (mode == NSO_TRUNC_ONE_SIDED) {
        uhi = t;
        atom = gsl_cdf_ugaussian_Q(t / s) * ds_pieces_eval(p, n, x + t);
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i].c0 == 0 && p[i].c1 == 0 && p[i].c2 == 0) continue;
        double l = fmax(p[i].lo - x, ulo), r = fmin(p[i].hi - x, uhi);
        /* psi(x+u) = c0 + c1 (x+u) + c2 (x+u)^2 */
        double q0 = p[i].c0 + p[i].c1 * x + p[i].c2 * x * x, q1 = p[i].c1 + 2 * p[i].c2 * x, q2 = p[i].c2;
        sum += gauss_poly(l, r, s, q0, q1, q2);
    }
    return sum / norm + atom;
}

typedef struct {
    const ds_piece *p;
    size_t n;
    double x, s;
} qctx;
static double qf(double u, void *v)
{
    const qctx *q = v;
    return ds_pieces_eval(q->p, q->n, q->x + u) * exp(-0.5 * u * u / (q->s * q->s)) / (q->s * sqrt(2 * M_PI));
}

double ds_expect_quad(const ds_piece *p, size_t n, double x, double s, double t, int mode)
{
    /* psi has compact support of the finite pieces: integrate over it */
    double ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (p[i].c0 == 0 && p[i].c1 == 0 && p[i].c2 == 0) continue;
        if (p[i].lo < ylo) ylo = p[i].lo;
        if (p[i].hi > yhi) yhi = p[i].hi;
    }
    double ulo = ylo - x, uhi = yhi - x, norm = 1.0, atom = 0.0;
    if (mode == NSO_TRUNC_TWO_SIDED) {
        ulo = fmax(ulo, -t), uhi = fmin(uhi, t);
        norm = 1.0 - 2.0 * gsl_cdf_ugaussian_Q(t / s);
    } else if (mode == NSO_TRUNC_ONE_SIDED) {
        uhi = fmin(uhi, t);
        atom = gsl_cdf_ugaussian_Q(t / s) * ds_pieces_eval(p, n, x + t);
    }
    double res = 0.0;
    if (uhi > ulo) {
        double pts[DS_MAXPIECES * 2 + 2];
        size_t np = 0;
        pts[np++] = ulo;
        for (size_t i = 0; i < n; i++) {
            double b = p[i].hi - x;
            if (b > ulo && b < uhi) pts[np++] = b;
        }
        pts[np++] = uhi;
        gsl_integration_workspace *ws = gsl_integration_workspace_alloc(500);
        qctx q = {p, n, x, s};
        gsl_function fn = {qf, &q};
        double err;
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        int st = gsl_integration_qagp(&fn, pts, np, 1e-15, 1e-11, 500, ws, &res, &err);
        gsl_set_error_handler(old);
        if (st && st != GSL_EROUND) res = NAN;
        gsl_integration_workspace_free(ws);
    }
    return res / norm + atom;
}

double ds_trunc_mean(double s, double t, int mode)
{
    if (mode != NSO_TRUNC_ONE_SIDED) return 0.0;
    /* E min(Z, t) = -s phi(t/s) + t Q(t/s) */
    double z = t / s;
    return -s * exp(-0.5 * z * z) / sqrt(2 * M_PI) + t * gsl_cdf_ugaussian_Q(z);
}

/* ---- the instances as objectives ---------------------------------------- */
static double chain_value(void *p, const double *w)
{
    const ds_chain *c = p;
    double v = c->kind == DS_CHAIN_B2 ? w[0] * w[0] / (2 * c->G) : ds_g(w[0], c->alpha[0], c->C);
    for (size_t i = 1; i < c->dim; i++)
        v += c->kind == DS_CHAIN_B2 ? ds_h(w[i], c->alpha[i - 1], c->C) : 0.5 * c->C * w[i] * w[i];
    return v;
}
static void chain_grad(void *p, const double *w, double *g)
{
    ds_chain *c = p;
    if (c->kind == DS_CHAIN_B3) {
        g[0] = ds_dg(w[0], c->alpha[0], c->C);
        for (size_t i = 1; i < c->dim; i++) g[i] = c->C * w[i];
        return;
    }
    g[0] = w[0] / c->G;
    for (size_t i = 1; i < c->dim; i++) {
        g[i] = ds_dh(w[i], c->alpha[i - 1], c->C);
        c->felt += g[i] != 0;
    }
    c->evals += c->dim - 1;
}
double ds_oracle_sign(const nso_sample *s)
{
    uint64_t h = nso_mix64(nso_mix64(s->seed ^ nso_mix64(s->step)) ^ ((uint64_t)s->slot + 0x9e37ULL));
    return (h >> 63) ? 1.0 : -1.0;
}
static int chain_sgrad(void *p, const double *w, double *g, const nso_sample *s)
{
    ds_chain *c = p;
    chain_grad(p, w, g);
    if (s->step + 1 < c->dim) g[s->step + 1] += ds_oracle_sign(s) * c->noise;
    return NSO_OK;
}

nso_objective *ds_chain_objective(ds_chain *c)
{
    nso_objective *o = nso_xcalloc(1, sizeof *o);
    *o = (nso_objective){.name = c->kind == DS_CHAIN_B2 ? "thm4.5/B.2 chain (eq. 8)" : "thm4.5/B.3 chain (eq. 45)",
                         .dim = c->dim, .ctx = c, .value = chain_value, .grad = chain_grad,
                         .sgrad = chain_sgrad, .noise_model = "adversarial: +-noise on e_{t+1} at step t",
                         .min_value = NAN, .lipschitz = c->C};
    return o;
}

nso_optimizer *ds_engine(size_t dim, double sigma, long k, double level, int mode, char *msg, size_t len)
{
    nso_param_set ps;
    nso_params_clear(&ps);
    nso_params_set(&ps, "sigma", sigma);
    nso_params_set(&ps, "k", (double)k);
    nso_params_set(&ps, "trunc", level);
    nso_params_set(&ps, "one-sided", mode == NSO_TRUNC_ONE_SIDED);
    nso_params_set(&ps, "pair-samples", 1);
    return nso_optimizer_alloc(nso_opt_nso, dim, &ps, NULL, msg, len);
}

double ds_xi_bar(const nso_optimizer *o, uint64_t t, long k, double noise)
{
    double z = 0;
    for (long j = 0; j < k; j++) z += ds_oracle_sign(&(nso_sample){o->sample_seed, t, (uint32_t)(j + 1), 0}) * noise;
    return z / (double)k;
}
