/* opt_wpgd.c - weight-perturbed GD (WP-GD / WP-SGD, paper Sec. 2, Table 1 and
 * Sec. 3.1):   U ~ P,   W <- W - eta g(W + U)      (one-point perturbation)
 * @paper table:1 (WP-SGD with each perturbation law)
 * Sample: the step's one sample (slot 0).  Stateless between steps. */
#include "nso_error.h"
#include "optimizer.h"
#include "perturb.h"
#include <stdlib.h>

typedef struct {
    size_t dim;
    nso_perturb p;
    double *u;
} wp_state;

static const nso_param_def wp_params[] = {
    NSO_PERTURB_ROWS("perturbation scale sigma (std per coordinate)"),
};

static size_t wp_max(const double *v) { (void)v; return 1; }
static int wp_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)obj;
    wp_state *st = s;
    st->dim = dim;
    if (nso_perturb_init(&st->p, dim, v)) return NSO_ENOMEM;
    st->u = malloc(dim * sizeof(double));
    return st->u ? NSO_OK : NSO_ENOMEM;
}
static void wp_free(void *s)
{
    wp_state *st = s;
    nso_perturb_free(&st->p);
    free(st->u);
}
static size_t wp_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    wp_state *st = s;
    if (phase > 0) return 0;
    nso_perturb_draw(&st->p, r, st->dim, st->u);
    for (size_t i = 0; i < st->dim; i++) pts[i] = w[i] + st->u[i];
    info[0] = (nso_pt){0, 0};
    return 1;
}
static void wp_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    wp_state *st = s;
    for (size_t i = 0; i < st->dim; i++) w[i] -= eta * g[i];
}

const nso_opt_type nso_opt_wpgd_t = {
    .name = "wpgd", .help = "weight-perturbed GD: gradient at W + U, U ~ P",
    .source = "paper Sec. 2 (WP-SGD), Table 1", .params = wp_params, .nparams = 4,
    .state_size = sizeof(wp_state), .evaluates_base = 0, .max_points = wp_max,
    .alloc = wp_alloc, .free = wp_free, .ask = wp_ask, .tell = wp_tell};
