/* opt_nso.c - noise stability optimization, @paper alg:1
 *     for j = 1..k: U_j ~ P,  G_j = g(W + U_j) + g(W - U_j)          (line 4)
 *     W <- W - eta/(2k) sum_j G_j                                       (line 6)
 * Samples: all 2k points on the step's one sample (slot 0), as in the
 * authors' code (one minibatch per step); --pair-samples gives pair j its own
 * sample (slot j+1) shared by W+U_j and W-U_j, the oracle noise of the proof
 * of Lemma 4.4 (z_j shared within a pair, independent across pairs, so
 * E||xi||^2 = sigma_g^2/k); --split-samples gives every point its own sample
 * (slot 1..2k), the noise then independent across the +-U points (it takes
 * precedence over --pair-samples).  Ablation (--no-negative, Sec. 3.2): the
 * same 2k gradient evaluations at W + U_1 .. W + U_2k with 2k independent
 * draws (equal compute).  Stateless between steps. */
#include "nso_error.h"
#include "optimizer.h"
#include "perturb.h"
#include <stdlib.h>

typedef struct {
    size_t dim, k;
    int no_negative, split, pair;
    nso_perturb p;
    double *u;
} nso_state;

static const nso_param_def nso_params[] = {
    NSO_PERTURB_ROWS("perturbation scale sigma (std per coordinate)"),
    {"k", NSO_PK_INT, 1, 1, 4096, "perturbations per step (2k gradients)"},
    {"no-negative", NSO_PK_FLAG, 0, 0, 1, "ablation: 2k independent one-point draws, no -U"},
    {"split-samples", NSO_PK_FLAG, 0, 0, 1, "each of the 2k points on its own sample"},
    {"pair-samples", NSO_PK_FLAG, 0, 0, 1, "W+U_j and W-U_j on one sample per pair j (Lemma 4.4's proof)"},
};

static size_t nso_max(const double *v) { return 2 * (size_t)v[4]; }
static int nso_alloc(void *s, size_t dim, const double *v, const nso_objective *obj)
{
    (void)obj;
    nso_state *st = s;
    st->dim = dim;
    st->k = (size_t)v[4];
    st->no_negative = v[5] > 0;
    st->split = v[6] > 0;
    st->pair = v[7] > 0;
    if (nso_perturb_init(&st->p, dim, v)) return NSO_ENOMEM;
    st->u = malloc(dim * sizeof(double));
    return st->u ? NSO_OK : NSO_ENOMEM;
}
static void nso_free(void *s)
{
    nso_state *st = s;
    nso_perturb_free(&st->p);
    free(st->u);
}

static size_t nso_ask(void *s, const double *w, size_t phase, double *pts, nso_pt *info, gsl_rng *r)
{
    nso_state *st = s;
    size_t d = st->dim, k = st->k;
    if (phase > 0) return 0;
    for (size_t j = 0; j < k; j++) {
        double *plus = pts + (2 * j) * d, *minus = pts + (2 * j + 1) * d;
        nso_perturb_draw(&st->p, r, d, st->u);
        for (size_t i = 0; i < d; i++) plus[i] = w[i] + st->u[i];
        if (st->no_negative) nso_perturb_draw(&st->p, r, d, st->u);
        double sgn = st->no_negative ? 1.0 : -1.0;
        for (size_t i = 0; i < d; i++) minus[i] = w[i] + sgn * st->u[i];
        uint32_t pslot = st->pair ? (uint32_t)(j + 1) : 0;
        info[2 * j] = (nso_pt){st->split ? (uint32_t)(2 * j + 1) : pslot, 0};
        info[2 * j + 1] = (nso_pt){st->split ? (uint32_t)(2 * j + 2) : pslot, 0};
    }
    return 2 * k;
}

static void nso_tell(void *s, double *w, size_t phase, const double *g, double eta)
{
    (void)phase;
    nso_state *st = s;
    size_t d = st->dim, n = 2 * st->k;
    double c = eta / (double)n;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < d; i++) w[i] -= c * g[j * d + i];
}

const nso_opt_type nso_opt_nso_t = {
    .name = "nso", .help = "Algorithm 1: average of g(W+U_j) and g(W-U_j) over k draws",
    .source = "paper Algorithm 1", .params = nso_params, .nparams = 8,
    .state_size = sizeof(nso_state), .evaluates_base = 0, .max_points = nso_max,
    .alloc = nso_alloc, .free = nso_free, .ask = nso_ask, .tell = nso_tell};
