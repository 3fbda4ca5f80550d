/* opt_gd.c - (stochastic) gradient descent: W <- W - eta g(W). */
#include "nso_error.h"
#include "optimizer.h"
#include <string.h>

typedef struct {
    size_t dim;
} gd_state;

static size_t gd_max(const nso_opt_params *p) { (void)p; return 1; }
static int gd_alloc(void *s, size_t dim, const nso_opt_params *p)
{
    (void)p;
    ((gd_state *)s)->dim = dim;
    return NSO_OK;
}
static void gd_free(void *s) { (void)s; }
static size_t gd_ask(void *s, const double *w, size_t phase, double *pts, gsl_rng *r)
{
    (void)r;
    if (phase > 0) return 0;
    memcpy(pts, w, ((gd_state *)s)->dim * sizeof(double));
    return 1;
}
static void gd_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    size_t d = ((gd_state *)s)->dim;
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

const nso_opt_type nso_opt_gd_t = {"gd", "gradient descent (SGD with a stochastic oracle)",
                                     sizeof(gd_state), gd_max, gd_alloc, gd_free, gd_ask, gd_tell};
