/* objective.h - the objective ("oracle") interface every optimizer and every
 * Hessian tool works through, and the registry of test problems.
 *
 * An objective has a dimension, a value, an exact gradient, optionally a
 * batched gradient (n points in one call, so a problem such as matrix sensing
 * can share one pass over its data among many points), a stochastic-gradient
 * oracle g_z with a documented noise model (Assumption 4.1: unbiased, variance
 * <= sigma_g^2), and a Hessian-vector product where available.
 */
#ifndef NSO_OBJECTIVE_H
#define NSO_OBJECTIVE_H
#include "noise.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

/* The sample an oracle call is evaluated on: the run's oracle stream `seed`,
 * the step index and the point's slot (0: the step's shared sample).  Two
 * calls with equal samples see the same minibatch / the same noise draw. */
typedef struct {
    uint64_t seed, step;
    uint32_t slot;
    uint32_t base; /* 1 if the point is the unperturbed iterate */
} nso_sample;

typedef struct nso_objective nso_objective;
struct nso_objective {
    const char *name;
    size_t dim;
    void *ctx;
    double (*value)(void *ctx, const double *w);
    void (*grad)(void *ctx, const double *w, double *g);
    /* optional: gradients at n points (row-major n x dim) into g (n x dim) */
    void (*grad_batch)(void *ctx, size_t n, const double *w, double *g);
    /* optional stochastic oracle g_z(w) on an explicit sample (see
     * nso_sample); NULL means the exact gradient is used.  Returns NSO_OK or
     * an error status. */
    int (*sgrad)(void *ctx, const double *w, double *g, const nso_sample *s);
    /* optional: called by the driver once per step at the unperturbed W when
     * the method evaluates only perturbed points, so state such as batch-norm
     * running statistics is updated from W, never from W + U */
    int (*observe)(void *ctx, const double *w, const nso_sample *s);
    /* optional Hessian-vector product */
    void (*hvp)(void *ctx, const double *w, const double *v, double *hv);
    /* optional closed-form Hessian trace */
    double (*hess_trace)(void *ctx, const double *w);
    /* optional closed-form u' grad^2 f(w) u (else nso_obj_hquad uses hvp) */
    double (*hquad)(void *ctx, const double *w, const double *u);
    /* optional smoothed objective F(w) = E f(w + U), U = sigma * (iid draws
     * of law) (Prop. 2.1), in closed form; NAN when there is none for law */
    double (*smoothed)(void *ctx, const double *w, const nso_noise_law *law, double sigma);
    /* optional grad F(w) likewise into g; NSO_OK, or NSO_EINVAL when there is
     * no closed form for law (g untouched) */
    int (*smoothed_grad)(void *ctx, const double *w, const nso_noise_law *law, double sigma,
                         double *g);
    void (*free)(void *ctx);
    const char *noise_model; /* words describing sgrad's noise, or "exact" */
    double min_value;        /* known minimum of f (NAN if unknown) */
    double lipschitz;        /* gradient-Lipschitz constant C (NAN if unknown) */
    size_t ndata;            /* training-set size behind the oracle (0: synthetic) */
};

/* Gradients at n points: grad_batch when present, else n calls to grad. */
void nso_obj_grad_batch(const nso_objective *o, size_t n, const double *w, double *g);
/* The oracle: sgrad when present, else grad. */
int nso_obj_sgrad(const nso_objective *o, const double *w, double *g, const nso_sample *s);
void nso_obj_free(nso_objective *o);
/* u' grad^2 f(w) u: hquad when present, else u . hvp(u); NAN when the
 * objective has neither (or memory runs out) */
double nso_obj_hquad(const nso_objective *o, const double *w, const double *u);

/* Wrap an objective with an additive Gaussian oracle: g_z(w) = grad f(w) + z,
 * z ~ N(0, (sigma_g^2/dim) I), so E||z||^2 = sigma_g^2 (Assumption 4.1).  z is
 * a function of the sample alone (stream (sample.seed, "oracle", step, slot)),
 * so points evaluated on one sample see one z (drawn once per sample: the
 * wrapper keeps the last sample's z).  The generator is taus2, which is cheap
 * to reseed for every sample.  The wrapper owns `inner`. */
nso_objective *nso_obj_additive_noise(nso_objective *inner, double sigma_g);

/* ---- registry of problems ------------------------------------------- */
typedef struct {
    size_t dim;       /* problem size (meaning depends on the problem) */
    size_t rank;      /* sensing: rank r of X* */
    size_t m;         /* data size: sensing measurements per set, logistic
                         examples, cossum/logcosh ridge terms (0: default) */
    uint64_t seed;    /* data seed */
    double scale;     /* problem-specific scale (default 1) */
    /* optional: draw the random data from this stream, in the documented
     * order, leaving it advanced (NULL: the problem's own stream from seed).
     * Honoured by every problem with random data except sensing (seed). */
    gsl_rng *data_rng;
} nso_problem_params;

typedef struct {
    const char *name;
    const char *help;
    /* build; returns NULL with the reason (naming the bad parameter) in msg;
     * never prints, never exits */
    nso_objective *(*create)(const nso_problem_params *p, char *msg, size_t len);
    /* initial point (dim entries) */
    void (*init)(const nso_objective *o, double *w0, gsl_rng *r);
} nso_problem;

extern const nso_problem nso_problem_quadratic, nso_problem_quadratic_dense, nso_problem_cosquad,
    nso_problem_sepcos, nso_problem_cossum, nso_problem_logcosh, nso_problem_logistic,
    nso_problem_sensing;
extern const nso_problem *const nso_problems[]; /* NULL-terminated */
const nso_problem *nso_problem_find(const char *name);
const char *nso_problem_names(void);

/* The coefficients of a separable cosine f = sum_i [lam w_i^2/2 + beta (1 -
 * cos(omega w_i))] (problems cosquad and sepcos): NSO_OK, or NSO_EINVAL if o
 * is not one (for fast paths that exploit the separable form) */
int nso_sepcos_coef(const nso_objective *o, double *lam, double *beta, double *omega);

#endif
