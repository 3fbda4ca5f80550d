/* opt_nso.c - noise stability optimization, Algorithm 1 of the paper:
 *     for j = 1..k: U_j ~ P,  G_j = g(W + U_j) + g(W - U_j)          (line 4)
 *     W <- W - eta/(2k) sum_j G_j                                       (line 6)
 * Ablation (no_negative = 1, Sec. 3.2): the same 2k gradient evaluations at
 * W + U_1 .. W + U_2k with 2k independent draws (equal compute). */
#include "nso_error.h"
#include "optimizer.h"
#include <stdlib.h>

typedef struct {
    size_t dim;
    nso_opt_params p;
    double *u;
} nso_state;

static size_t nso_max(const nso_opt_params *p) { return 2 * (size_t)p->k; }
static int nso_alloc(void *s, size_t dim, const nso_opt_params *p)
{
    nso_state *st = s;
    st->dim = dim;
    st->p = *p;
    if (!st->p.law) st->p.law = &nso_noise_gaussian;
    st->u = nso_xmalloc(dim * sizeof(double));
    return NSO_OK;
}
static void nso_free(void *s) { free(((nso_state *)s)->u); }

static size_t nso_ask(void *s, const double *w, size_t phase, double *pts, gsl_rng *r)
{
    nso_state *st = s;
    size_t d = st->dim, k = (size_t)st->p.k;
    if (phase > 0) return 0;
    for (size_t j = 0; j < k; j++) {
        double *plus = pts + (2 * j) * d, *minus = pts + (2 * j + 1) * d;
        nso_noise_fill_trunc(st->p.law, r, st->p.sigma, d, st->p.trunc, st->p.trunc_mode, st->u);
        for (size_t i = 0; i < d; i++) plus[i] = w[i] + st->u[i];
        if (st->p.no_negative)
            nso_noise_fill_trunc(st->p.law, r, st->p.sigma, d, st->p.trunc, st->p.trunc_mode, st->u);
        double sgn = st->p.no_negative ? 1.0 : -1.0;
        for (size_t i = 0; i < d; i++) minus[i] = w[i] + sgn * st->u[i];
    }
    return 2 * k;
}

static void nso_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    nso_state *st = s;
    size_t d = st->dim, n = 2 * (size_t)st->p.k;
    double c = eta / (double)n;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < d; i++) w[i] -= c * g[j * d + i];
}

const nso_opt_type nso_opt_nso_t = {
    "nso", "Algorithm 1: average of g(W+U_j) and g(W-U_j) over k draws (flags --sigma --k)",
    sizeof(nso_state), nso_max, nso_alloc, nso_free, nso_ask, nso_tell};
