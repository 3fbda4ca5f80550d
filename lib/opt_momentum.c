/* opt_momentum.c - heavy-ball momentum, @paper eq:10
 *     M_{i+1} = mu M_i - eta_i G_i,   W_{i+1} = W_i + M_{i+1},   M_0 = 0.
 * G_i: the gradient at W_i on the step's sample.  State: M (saved in
 * checkpoints). */
#include "nso_error.h"
#include "optimizer.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t dim;
    double mu;
    double *m;
} mom_state;

static const nso_param_def mom_params[] = {
    {"mu", NSO_PK_REAL, 0.9, 0, 0.999999, "momentum coefficient mu of eq. (10)"},
};

static size_t mom_max(const double *v) { (void)v; return 1; }
static int mom_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)obj;
    mom_state *st = s;
    st->dim = dim;
    st->mu = v[0];
    st->m = calloc(dim, sizeof(double));
    return st->m ? NSO_OK : NSO_ENOMEM;
}
static void mom_free(void *s) { free(((mom_state *)s)->m); }
static size_t mom_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    (void)r;
    if (phase > 0) return 0;
    memcpy(pts, w, ((mom_state *)s)->dim * sizeof(double));
    info[0] = (nso_pt){0, 1};
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
static size_t mom_len(const void *s) { return ((const mom_state *)s)->dim; }
static void mom_get(const void *s, double *out)
{
    const mom_state *st = s;
    memcpy(out, st->m, st->dim * sizeof(double));
}
static void mom_set(void *s, const double *in)
{
    mom_state *st = s;
    memcpy(st->m, in, st->dim * sizeof(double));
}

const nso_opt_type nso_opt_momentum_t = {
    .name = "momentum", .help = "heavy-ball momentum, eq. (10)", .source = "paper eq. (10)",
    .params = mom_params, .nparams = 1, .state_size = sizeof(mom_state), .evaluates_base = 1,
    .max_points = mom_max, .alloc = mom_alloc, .free = mom_free, .ask = mom_ask,
    .tell = mom_tell, .state_len = mom_len, .state_get = mom_get, .state_set = mom_set};
