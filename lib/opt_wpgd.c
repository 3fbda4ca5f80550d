/* opt_wpgd.c - weight-perturbed GD (WP-GD / WP-SGD, paper Sec. 2 and 3.1):
 *     U ~ P,   W <- W - eta g(W + U)          (one-point perturbation) */
#include "nso_error.h"
#include "optimizer.h"
#include <stdlib.h>

typedef struct {
    size_t dim;
    nso_opt_params p;
    double *u;
} wp_state;

static size_t wp_max(const nso_opt_params *p) { (void)p; return 1; }
static int wp_alloc(void *s, size_t dim, const nso_opt_params *p)
{
    wp_state *st = s;
    st->dim = dim;
    st->p = *p;
    if (!st->p.law) st->p.law = &nso_noise_gaussian;
    st->u = nso_xmalloc(dim * sizeof(double));
    return NSO_OK;
}
static void wp_free(void *s) { free(((wp_state *)s)->u); }
static size_t wp_ask(void *s, const double *w, size_t phase, double *pts, gsl_rng *r)
{
    wp_state *st = s;
    if (phase > 0) return 0;
    nso_noise_fill_trunc(st->p.law, r, st->p.sigma, st->dim, st->p.trunc, st->p.trunc_mode, st->u);
    for (size_t i = 0; i < st->dim; i++) pts[i] = w[i] + st->u[i];
    return 1;
}
static void wp_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    wp_state *st = s;
    for (size_t i = 0; i < st->dim; i++) w[i] -= eta * g[i];
}

const nso_opt_type nso_opt_wpgd_t = {"wpgd", "weight-perturbed GD: gradient at W + U, U ~ P",
                                     sizeof(wp_state), wp_max, wp_alloc, wp_free, wp_ask, wp_tell};
