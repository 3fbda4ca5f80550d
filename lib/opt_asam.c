/* opt_asam.c - adaptive SAM (ASAM), a baseline of the paper's comparison
 * @paper table:3 (its rho grid {0.5, 1, 2}: App. C).
 * Update rule: J. Kwon, J. Kim, H. Park, I. K. Choi, "ASAM: Adaptive
 * Sharpness-Aware Minimization for Scale-Invariant Learning of Deep Neural
 * Networks", ICML 2021, Algorithm 1 with the element-wise normalisation
 * operator T_w = |w| + eta_a (defaults rho 0.5, eta_a 0.01 as in the
 * authors' code, SamsungLabs/ASAM asam.py):
 *     g  = g(W)                               phase 0, the unperturbed W (base)
 *     T  = |W| + eta_a                        element-wise
 *     e  = rho T^2 g / ||T g||_2              (T g, T^2 g element-wise)
 *     g' = g(W + e)                           phase 1, the SAME sample
 *     W <- W - eta g'
 * Flat-vector convention: the authors' code applies T only to tensors whose
 * name contains "weight" (T = 1 for biases and normalisation parameters); a
 * flat parameter vector carries no names, so here T = |w| + eta_a on EVERY
 * coordinate.  If T g = 0 then e = 0.
 * Samples: both points on slot 0; phase 0 is the base point.  Stateless
 * between steps. */
#include "nso_error.h"
#include "opt_ascent.h"
#include "optimizer.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t dim;
    double rho, eta_a;
    double *e;
} asam_state;

static const nso_param_def asam_params[] = {
    {"rho", NSO_PK_REAL, 0.5, 0, 1e6, "ASAM ascent radius rho (l2 norm of T^-1 e)"},
    {"eta-a", NSO_PK_REAL, 0.01, 0, 1e6, "ASAM offset eta in T_w = |w| + eta"},
};

static size_t asam_max(const double *v) { (void)v; return 1; }
static int asam_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)obj;
    asam_state *st = s;
    st->dim = dim;
    st->rho = v[0];
    st->eta_a = v[1];
    st->e = calloc(dim, sizeof(double));
    return st->e ? NSO_OK : NSO_ENOMEM;
}
static void asam_free(void *s) { free(((asam_state *)s)->e); }

static size_t asam_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    (void)r;
    asam_state *st = s;
    return nso_ascent_ask(st->dim, w, st->e, phase, pts, info);
}

static void asam_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    asam_state *st = s;
    size_t d = st->dim;
    if (phase == 0) {
        double n2 = 0;
        for (size_t i = 0; i < d; i++) {
            double tg = (fabs(w[i]) + st->eta_a) * g[i];
            n2 += tg * tg;
        }
        double c = n2 > 0 ? st->rho / sqrt(n2) : 0.0;
        for (size_t i = 0; i < d; i++) {
            double t = fabs(w[i]) + st->eta_a;
            st->e[i] = c * t * t * g[i];
        }
        return;
    }
    for (size_t i = 0; i < d; i++) w[i] -= eta * g[i];
}

const nso_opt_type nso_opt_asam_t = {
    .name = "asam", .help = "adaptive SAM: ascent rho T^2 g/||T g||, T = |w| + eta-a",
    .source = "Kwon et al., ICML 2021, Algorithm 1 (element-wise T_w)", .params = asam_params,
    .nparams = 2, .state_size = sizeof(asam_state), .evaluates_base = 1, .max_points = asam_max,
    .alloc = asam_alloc, .free = asam_free, .ask = asam_ask, .tell = asam_tell};
