/* opt_gd.c - (stochastic) gradient descent: W <- W - eta g(W).
 * The baseline of Sec. 3 ("SGD" with a stochastic oracle).
 * Sample: the step's one sample (slot 0). */
#include "nso_error.h"
#include "optimizer.h"
#include <string.h>

typedef struct {
    size_t dim;
} gd_state;

static size_t gd_max(const double *v) { (void)v; return 1; }
static int gd_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)v;
    (void)obj;
    ((gd_state *)s)->dim = dim;
    return NSO_OK;
}
static void gd_free(void *s) { (void)s; }
static size_t gd_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    (void)r;
    if (phase > 0) return 0;
    memcpy(pts, w, ((gd_state *)s)->dim * sizeof(double));
    info[0] = (nso_pt){0, 1};
    return 1;
}
static void gd_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    size_t d = ((gd_state *)s)->dim;
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

const nso_opt_type nso_opt_gd_t = {
    .name = "gd", .help = "gradient descent (SGD with a stochastic oracle)",
    .source = "the paper's SGD baseline (Sec. 3)", .params = NULL, .nparams = 0,
    .state_size = sizeof(gd_state), .evaluates_base = 1, .max_points = gd_max,
    .alloc = gd_alloc, .free = gd_free, .ask = gd_ask, .tell = gd_tell};
