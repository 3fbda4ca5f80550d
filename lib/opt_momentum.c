/* opt_momentum.c - heavy-ball momentum, paper eq. (10):
 *     M_{i+1} = mu M_i - eta_i G_i,   W_{i+1} = W_i + M_{i+1},   M_0 = 0. */
#include "nso_error.h"
#include "optimizer.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t dim;
    double mu;
    double *m;
} mom_state;

static size_t mom_max(const nso_opt_params *p) { (void)p; return 1; }
static int mom_alloc(void *s, size_t dim, const nso_opt_params *p)
{
    mom_state *st = s;
    st->dim = dim;
    st->mu = p->mu;
    st->m = nso_xcalloc(dim, sizeof(double));
    return NSO_OK;
}
static void mom_free(void *s) { free(((mom_state *)s)->m); }
static size_t mom_ask(void *s, const double *w, size_t phase, double *pts, gsl_rng *r)
{
    (void)r;
    if (phase > 0) return 0;
    memcpy(pts, w, ((mom_state *)s)->dim * sizeof(double));
    return 1;
}
static void mom_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    mom_state *st = s;
    for (size_t i = 0; i < st->dim; i++) {
        st->m[i] = st->mu * st->m[i] - eta * g[i];
        w[i] += st->m[i];
    }
}

const nso_opt_type nso_opt_momentum_t = {"momentum", "heavy-ball momentum, eq. (10) (flag --mu)",
                                      sizeof(mom_state), mom_max, mom_alloc, mom_free, mom_ask,
                                      mom_tell};
