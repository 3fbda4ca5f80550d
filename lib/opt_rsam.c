/* opt_rsam.c - random sharpness-aware minimization (R-SAM), a baseline of the
 * paper's comparison @paper table:3 (its grids rho {0.01, 0.02, 0.05} x
 * sigma {0.008, 0.01, 0.012}: App. C).
 * Source: Y. Liu, S. Mai, M. Cheng, X. Chen, C.-J. Hsieh, Y. You, "Random
 * Sharpness-Aware Minimization", NeurIPS 2022: smooth the loss with a random
 * perturbation, then take SAM's one-step ascent on the smoothed loss:
 *     delta ~ P  (sigma per coordinate)       phase 0: g_d = g(W + delta)
 *     v = g_d + kappa delta                   (delta + lambda g_d of the authors'
 *                                              code, over lambda: kappa = 1/lambda)
 *     e = rho v / ||v||_2                      (e = 0 if v = 0)
 *     g' = g(W + e)                           phase 1, the SAME sample
 *     W <- W - eta g'
 * The ascent point is W + e, not W + delta + e: the random vector enters
 * through the ascent direction, and the authors' public code (the R-SAM
 * vit_jax train.py) evaluates the second gradient at W + rho v/||v|| with
 * v = 2 g_d + delta, i.e. lambda = 2, kappa = 0.5, our default.  kappa = 0
 * gives the ascent rho g_d/||g_d|| from the noisy gradient alone, which is
 * the direction of the port the NSO authors ran (their utils/rsam.py
 * normalises by a per-tensor lambda||g|| + ||delta|| instead, not
 * reproduced).  Both public codes scale delta per filter by the weight norm;
 * a flat vector has no filters, so delta ~ P with sigma per coordinate
 * (perturb.h: any law, optional truncation).  The paper's text itself was
 * not available to us; the rule above is read from its authors' code.
 * Samples: both points on slot 0; neither is the unperturbed W
 * (evaluates_base = 0: the driver calls the objective's observe at W).
 * Stateless between steps. */
#include "nso_error.h"
#include "optimizer.h"
#include "perturb.h"
#include <math.h>
#include <stdlib.h>

typedef struct {
    size_t dim;
    double rho, kappa;
    nso_perturb p;
    double *u; /* delta after phase 0's ask, the ascent e after its tell */
} rsam_state;

static const nso_param_def rsam_params[] = {
    NSO_PERTURB_ROWS("perturbation scale sigma (std per coordinate)"),
    {"rho", NSO_PK_REAL, 0.05, 0, 1e6, "SAM ascent radius rho (l2 norm of the weight perturbation)"},
    {"delta-weight", NSO_PK_REAL, 0.5, 0, 1e12,
     "R-SAM: ascent along g + kappa delta (kappa = 1/lambda; 0: g only)"},
};

static size_t rsam_max(const double *v) { (void)v; return 1; }
static int rsam_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)obj;
    rsam_state *st = s;
    st->dim = dim;
    st->rho = v[4];
    st->kappa = v[5];
    if (nso_perturb_init(&st->p, dim, v)) return NSO_ENOMEM;
    st->u = malloc(dim * sizeof(double));
    return st->u ? NSO_OK : NSO_ENOMEM;
}
static void rsam_free(void *s)
{
    rsam_state *st = s;
    nso_perturb_free(&st->p);
    free(st->u);
}

static size_t rsam_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    rsam_state *st = s;
    if (phase > 1) return 0;
    if (phase == 0) nso_perturb_draw(&st->p, r, st->dim, st->u);
    for (size_t i = 0; i < st->dim; i++) pts[i] = w[i] + st->u[i];
    info[0] = (nso_pt){0, 0};
    return 1;
}

static void rsam_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    rsam_state *st = s;
    size_t d = st->dim;
    if (phase == 0) {
        double n2 = 0;
        for (size_t i = 0; i < d; i++) {
            double v = g[i] + st->kappa * st->u[i];
            n2 += v * v;
        }
        double c = n2 > 0 ? st->rho / sqrt(n2) : 0.0;
        for (size_t i = 0; i < d; i++) st->u[i] = c * (g[i] + st->kappa * st->u[i]);
        return;
    }
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

const nso_opt_type nso_opt_rsam_t = {
    .name = "rsam", .help = "random SAM: ascent from the gradient at W + delta, delta ~ P",
    .source = "Liu et al., NeurIPS 2022, as in the authors' code (ascent at W + e)",
    .params = rsam_params, .nparams = 6, .state_size = sizeof(rsam_state), .evaluates_base = 0,
    .max_points = rsam_max, .alloc = rsam_alloc, .free = rsam_free, .ask = rsam_ask,
    .tell = rsam_tell};
