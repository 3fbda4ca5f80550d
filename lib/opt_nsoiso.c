/* opt_nsoiso.c - NSO plus isotropic noise as large as WP-GD's extra noise: the
 * control of the Fig. 3 mechanism experiment (issue 10; our supplement, not a
 * method of the paper).
 *
 * With exact gradients, the one-point estimate of WP-GD at W + U_j is the
 * two-point estimate of NSO plus the odd part of the gradient,
 *     g(W+U_j) = [g(W+U_j) + g(W-U_j)]/2 + delta_j,
 *     delta_j  = [g(W+U_j) - g(W-U_j)]/2 = H(W) U_j + O(sigma^3),
 * a zero-mean noise shaped by the curvature (covariance sigma^2 H^2 to first
 * order).  This method takes NSO's step (Algorithm 1, k pairs) and adds an
 * isotropic Gaussian noise xi of the same total variance, scaled by iso:
 *     dbar = (1/k) sum_j delta_j                     (WP-GD's extra noise, k draws)
 *     xi   = sqrt(iso ||dbar||^2 / D) z,  z ~ N(0, I_D)
 *     W   <- W - eta ( (1/2k) sum_j [g(W+U_j) + g(W-U_j)] + xi )
 * so E||xi||^2 = iso E||dbar||^2: iso = 1 matches WP-GD averaging k draws, iso
 * = 1/q matches WP-GD averaging q k draws, iso = 0 is NSO.  The scale is
 * measured at the method's own iterate, every step, from its own +-U pairs, so
 * no extra gradient is spent.  z is drawn in ask (after the U_j) from the
 * run's stream.  Samples: all 2k points on slot 0, as NSO.  Stateless between
 * steps.  NSO itself (Algorithm 1) is opt_nso.c; this file only adds the
 * noise, so it carries no paper tag. */
#include "nso_error.h"
#include "optimizer.h"
#include "perturb.h"
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

typedef struct {
    size_t dim, k;
    double iso;
    nso_perturb p;
    double *u, *z;
} iso_state;

static const nso_param_def iso_params[] = {
    NSO_PERTURB_ROWS("perturbation scale sigma (std per coordinate)"),
    {"k", NSO_PK_INT, 1, 1, 4096, "perturbations per step (2k gradients)"},
    {"iso-noise", NSO_PK_REAL, 1, 0, 1e6,
     "added isotropic noise: this multiple of the variance of WP-GD's extra noise (g(W+U)-g(W-U))/2"},
};

static size_t iso_max(const double *v) { return 2 * (size_t)v[4]; }
static int iso_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)obj;
    iso_state *st = s;
    st->dim = dim;
    st->k = (size_t)v[4];
    st->iso = v[5];
    if (nso_perturb_init(&st->p, dim, v)) return NSO_ENOMEM;
    st->u = malloc(dim * sizeof(double));
    st->z = malloc(dim * sizeof(double));
    return st->u && st->z ? NSO_OK : NSO_ENOMEM;
}
static void iso_free(void *s)
{
    iso_state *st = s;
    nso_perturb_free(&st->p);
    free(st->u);
    free(st->z);
}

static size_t iso_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    iso_state *st = s;
    size_t d = st->dim, k = st->k;
    if (phase > 0) return 0;
    for (size_t j = 0; j < k; j++) {
        double *plus = pts + (2 * j) * d, *minus = pts + (2 * j + 1) * d;
        nso_perturb_draw(&st->p, r, d, st->u);
        for (size_t i = 0; i < d; i++) {
            plus[i] = w[i] + st->u[i];
            minus[i] = w[i] - st->u[i];
        }
        info[2 * j] = info[2 * j + 1] = (nso_pt){0, 0};
    }
    for (size_t i = 0; i < d; i++) st->z[i] = gsl_ran_gaussian(r, 1.0);
    return 2 * k;
}

static void iso_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    iso_state *st = s;
    size_t d = st->dim, k = st->k;
    /* ||dbar||^2, dbar_i = (1/2k) sum_j (g+_ji - g-_ji) */
    double nd = 0;
    for (size_t i = 0; i < d; i++) {
        double a = 0;
        for (size_t j = 0; j < k; j++) a += g[(2 * j) * d + i] - g[(2 * j + 1) * d + i];
        a /= (double)(2 * k);
        nd += a * a;
    }
    double sc = sqrt(st->iso * nd / (double)d), c = eta / (double)(2 * k);
    for (size_t j = 0; j < 2 * k; j++)
        for (size_t i = 0; i < d; i++) w[i] -= c * g[j * d + i];
    for (size_t i = 0; i < d; i++) w[i] -= eta * sc * st->z[i];
}

const nso_opt_type nso_opt_nsoiso_t = {
    .name = "nsoiso",
    .help = "NSO + isotropic noise with the variance of WP-GD's extra one-point noise (mechanism control)",
    .source = "issue 10's Fig. 3 mechanism experiment (ours): Algorithm 1 plus an isotropic noise",
    .params = iso_params, .nparams = 6, .state_size = sizeof(iso_state), .evaluates_base = 0,
    .max_points = iso_max, .alloc = iso_alloc, .free = iso_free, .ask = iso_ask, .tell = iso_tell};
