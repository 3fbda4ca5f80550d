/* opt_sam.c - sharpness-aware minimization (SAM), a baseline of the paper's
 * comparison @paper table:3 (its rho grid {0.01, 0.02, 0.05}: App. C).
 * Update rule: P. Foret, A. Kleiner, H. Mobahi, B. Neyshabur, "Sharpness-Aware
 * Minimization for Efficiently Improving Generalization", ICLR 2021, eq. (2)
 * with p = 2 and Algorithm 1:
 *     g  = g(W)                       phase 0, at the unperturbed W (base)
 *     e  = rho g / ||g||_2            one global norm over all coordinates
 *     g' = g(W + e)                   phase 1, on the SAME sample as phase 0
 *     W <- W - eta g'
 * If g = 0 then e = 0 (public code divides by ||g|| + 1e-12, which gives the
 * same e = 0 there and differs by ~1e-12 relative elsewhere).
 * Samples: both points on the step's shared sample (slot 0); phase 0 is
 * flagged as the base point, so an objective with running statistics updates
 * them there and freezes them for W + e (as the reference code does).
 * Stateless between steps. */
#include "nso_error.h"
#include "opt_ascent.h"
#include "optimizer.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t dim;
    double rho;
    double *e; /* the ascent vector, from phase 0 to phase 1 */
} sam_state;

static const nso_param_def sam_params[] = {
    {"rho", NSO_PK_REAL, 0.05, 0, 1e6, "SAM ascent radius rho (l2 norm of the weight perturbation)"},
};

static size_t sam_max(const double *v) { (void)v; return 1; }
static int sam_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)obj;
    sam_state *st = s;
    st->dim = dim;
    st->rho = v[0];
    st->e = calloc(dim, sizeof(double));
    return st->e ? NSO_OK : NSO_ENOMEM;
}
static void sam_free(void *s) { free(((sam_state *)s)->e); }

static size_t sam_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    (void)r;
    sam_state *st = s;
    return nso_ascent_ask(st->dim, w, st->e, phase, pts, info);
}

static void sam_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    sam_state *st = s;
    size_t d = st->dim;
    if (phase == 0) {
        double n2 = 0;
        for (size_t i = 0; i < d; i++) n2 += g[i] * g[i];
        double c = n2 > 0 ? st->rho / sqrt(n2) : 0.0;
        for (size_t i = 0; i < d; i++) st->e[i] = c * g[i];
        return;
    }
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

const nso_opt_type nso_opt_sam_t = {
    .name = "sam", .help = "SAM: gradient at W + rho g/||g|| (same sample), step from W",
    .source = "Foret et al., ICLR 2021, eq. (2) (p = 2) and Algorithm 1", .params = sam_params,
    .nparams = 1, .state_size = sizeof(sam_state), .evaluates_base = 1, .max_points = sam_max,
    .alloc = sam_alloc, .free = sam_free, .ask = sam_ask, .tell = sam_tell};
