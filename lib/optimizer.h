/* optimizer.h - the optimizer interface (GSL "type table") and its registry.
 *
 * Optimizers are written in ask/tell form so the caller owns the loop and can
 * pool the gradient evaluations of many runs (and of NSO's 2k points) into one
 * batched call:
 *
 *   for each phase p = 0, 1, ... until ask() returns 0:
 *       n = ask(state, w, p, pts, rng)   -> n points (n x dim) to evaluate
 *       grads = oracle(pts)                 (the caller: batched or not)
 *       tell(state, w, p, grads, eta)    -> updates w after the last phase
 *
 * nso_opt_step() is that loop for one run and one objective.  No logging and
 * no allocation inside ask/tell.
 */
#ifndef NSO_OPTIMIZER_H
#define NSO_OPTIMIZER_H
#include "noise.h"
#include "objective.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef struct {
    double sigma;                 /* perturbation std per coordinate, >= 0 */
    long k;                       /* NSO: number of perturbations, >= 1 */
    double mu;                    /* momentum in [0, 1) (eq. 10) */
    int no_negative;              /* NSO ablation: 2k independent one-point draws */
    const nso_noise_law *law;     /* perturbation law P (default Gaussian) */
    const double *trunc;          /* optional per-coordinate truncation levels */
    int trunc_mode;               /* NSO_TRUNC_* */
} nso_opt_params;

extern const nso_opt_params nso_opt_params_default;
/* Range-check every field; returns NSO_OK or NSO_EINVAL with a message in msg. */
int nso_opt_params_check(const nso_opt_params *p, char *msg, size_t len);

typedef struct {
    const char *name;
    const char *help;
    size_t state_size;
    /* largest number of points any phase asks for */
    size_t (*max_points)(const nso_opt_params *p);
    int (*alloc)(void *state, size_t dim, const nso_opt_params *p);
    void (*free)(void *state);
    size_t (*ask)(void *state, const double *w, size_t phase, double *pts, gsl_rng *r);
    void (*tell)(void *state, double *w, size_t phase, const double *grads, double eta);
} nso_opt_type;

extern const nso_opt_type nso_opt_gd_t, nso_opt_momentum_t, nso_opt_wpgd_t, nso_opt_nso_t;
#define nso_opt_gd (&nso_opt_gd_t)
#define nso_opt_momentum (&nso_opt_momentum_t)
#define nso_opt_wpgd (&nso_opt_wpgd_t)
#define nso_opt_nso (&nso_opt_nso_t)
extern const nso_opt_type *const nso_opt_types[]; /* NULL-terminated registry */
const nso_opt_type *nso_opt_find(const char *name);
const char *nso_opt_names(void);

typedef struct {
    const nso_opt_type *type;
    void *state;
    size_t dim, maxpts;
    double *pts, *grads; /* workspace maxpts x dim */
} nso_optimizer;

nso_optimizer *nso_optimizer_alloc(const nso_opt_type *t, size_t dim, const nso_opt_params *p);
void nso_optimizer_free(nso_optimizer *o);
/* One full step on objective obj with the stochastic oracle.  Returns NSO_OK,
 * or NSO_EDIVERGE if w is no longer finite. */
int nso_opt_step(nso_optimizer *o, const nso_objective *obj, double *w, double eta, gsl_rng *r);
/* 1 if every entry is finite */
int nso_all_finite(const double *x, size_t n);

#endif
