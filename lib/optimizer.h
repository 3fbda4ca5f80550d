/* optimizer.h - the optimizer interface (GSL "type table"), its registry,
 * per-method parameter tables, and the one driver every program steps through.
 *
 * Optimizers are written in ask/tell form so the driver can pool the gradient
 * evaluations of many runs (and of NSO's 2k points) into one batched call:
 *
 *   for each phase p = 0, 1, ... until ask() returns 0:
 *       n = ask(state, w, p, pts, info, rng) -> n points (n x dim) to evaluate,
 *                                               info[i]: the point's sample slot
 *       grads = oracle(pts, samples)            (the driver: batched or not)
 *       tell(state, w, p, grads, eta)        -> updates w after the last phase
 *
 * Samples.  Every point a step asks for carries a sample *slot*: slot 0 is
 * the step's shared sample (one minibatch, or one draw of the synthetic
 * oracle's noise), slot j > 0 an independent one.  Which slots a method uses
 * is its documented choice; the paper's NSO evaluates all 2k points on slot 0
 * (one minibatch per step, as in the authors' code).  The driver turns (run,
 * step, slot) into an nso_sample for the objective's oracle.
 *
 * Parameters.  Each type carries a table of its parameters (name, kind,
 * default, closed range, one-line meaning; NLopt style).  Callers fill an
 * nso_param_set by name; nso_optimizer_alloc() fills defaults, rejects names
 * the method does not take and values out of range, and hands the method its
 * values in table order.  Command-line flags and --help come from the tables
 * (nso_opt_cli_*).  One vocabulary: --sigma is always the weight-perturbation
 * scale; the oracle noise is a problem option (--sigma-g).
 *
 * Composition.  Heavy-ball momentum (PyTorch convention, constant lr: v <- mu v
 * + step, w <- w_old + v) and decoupled weight decay are driver options that
 * compose with every method (nso_opt_compose); with both off the driver adds
 * no arithmetic, so a method's iterates are exactly its own update rule.
 *
 * State.  A method with state between steps (momentum buffers, bSAM's
 * posterior) exposes it as a vector of doubles; nso_opt_save/nso_opt_load
 * write and read a whole run (type, parameters, step, method state, momentum
 * buffer, iterate and random stream) so an interrupted run resumes to
 * byte-identical output.
 *
 * No logging, no exit and no allocation inside ask/tell.
 */
#ifndef NSO_OPTIMIZER_H
#define NSO_OPTIMIZER_H
#include "cli.h"
#include "noise.h"
#include "objective.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- parameter tables -------------------------------------------------- */
typedef enum {
    NSO_PK_REAL, /* a finite real in [min, max] */
    NSO_PK_INT,  /* an integer in [min, max] */
    NSO_PK_FLAG, /* 0 or 1 (a bare command-line flag) */
    NSO_PK_LAW   /* a perturbation law by name; the value is its index in nso_noise_laws[] */
} nso_param_kind;

typedef struct {
    const char *name; /* also the command-line flag, without "--" */
    nso_param_kind kind;
    double def, min, max;
    const char *help;
} nso_param_def;

#define NSO_MAX_PARAMS 16
/* Values given by a caller, by name (later settings of a name replace earlier ones). */
typedef struct {
    size_t n;
    char name[NSO_MAX_PARAMS][32];
    double val[NSO_MAX_PARAMS];
} nso_param_set;

void nso_params_clear(nso_param_set *s);
/* set a numeric value (for a LAW parameter: the index in nso_noise_laws[]) */
int nso_params_set(nso_param_set *s, const char *name, double v);
/* set from text: numbers, "1"/"0" for flags, law names for LAW parameters.
 * Checked against the table of type t; on error msg says which parameter,
 * the accepted range and (for unknown names) the parameters t takes. */
struct nso_opt_type;
int nso_params_set_str(nso_param_set *s, const struct nso_opt_type *t, const char *name,
                       const char *text, char *msg, size_t len);
/* values in t's table order: defaults overridden by s; checks ranges and that
 * every name in s is one of t's parameters */
int nso_params_resolve(const struct nso_opt_type *t, const nso_param_set *s, double *vals,
                       char *msg, size_t len);
/* "sigma=0.01 k=1 noise=gaussian" for output headers */
void nso_params_format(const struct nso_opt_type *t, const double *vals, char *buf, size_t len);

/* ---- the type table ----------------------------------------------------- */
typedef struct {
    uint32_t slot; /* sample slot: 0 = the step's shared sample */
    uint32_t base; /* 1 if the point is the unperturbed iterate W itself */
} nso_pt;

typedef struct nso_opt_type {
    const char *name;
    const char *help;
    const char *source;          /* where the update rule comes from */
    const nso_param_def *params; /* the method's parameter table */
    size_t nparams;
    size_t state_size;
    /* 1 if some phase evaluates the unperturbed W (its oracle call may update
     * running statistics); 0 if every point is perturbed, in which case the
     * driver calls the objective's `observe` at W once per step */
    int evaluates_base;
    /* largest number of points any phase asks for */
    size_t (*max_points)(const double *vals);
    int (*alloc)(void *state, size_t dim, const double *vals, const nso_objective *obj);
    void (*free)(void *state);
    size_t (*ask)(void *state, const double *w, size_t phase, double *pts, nso_pt *info,
                  gsl_rng *r);
    void (*tell)(void *state, double *w, size_t phase, const double *grads, double eta);
    /* optional persistent state between steps (NULL when stateless) */
    size_t (*state_len)(const void *state); /* number of doubles */
    void (*state_get)(const void *state, double *out);
    void (*state_set)(void *state, const double *in);
    /* optional: called by nso_optimizer_alloc before alloc; rejects values
     * that are invalid together or for this objective (obj may be NULL) with
     * the reason in msg, returning NSO_EINVAL */
    int (*check)(const double *vals, const nso_objective *obj, char *msg, size_t len);
} nso_opt_type;

extern const nso_opt_type nso_opt_gd_t, nso_opt_momentum_t, nso_opt_wpgd_t, nso_opt_nso_t;
extern const nso_opt_type nso_opt_sam_t, nso_opt_asam_t, nso_opt_rsam_t, nso_opt_bsam_t;
/* the Fig. 3 mechanism control (ours): NSO + isotropic noise, opt_nsoiso.c */
extern const nso_opt_type nso_opt_nsoiso_t;
#define nso_opt_gd (&nso_opt_gd_t)
#define nso_opt_momentum (&nso_opt_momentum_t)
#define nso_opt_wpgd (&nso_opt_wpgd_t)
#define nso_opt_nso (&nso_opt_nso_t)
#define nso_opt_sam (&nso_opt_sam_t)
#define nso_opt_asam (&nso_opt_asam_t)
#define nso_opt_rsam (&nso_opt_rsam_t)
#define nso_opt_bsam (&nso_opt_bsam_t)
#define nso_opt_nsoiso (&nso_opt_nsoiso_t)
extern const nso_opt_type *const nso_opt_types[]; /* NULL-terminated registry */
const nso_opt_type *nso_opt_find(const char *name);
const char *nso_opt_names(void);
/* index of parameter `name` in t's table, or -1 */
int nso_opt_param_index(const nso_opt_type *t, const char *name);

/* ---- one run's optimizer ------------------------------------------------ */
typedef struct nso_driver nso_driver;
typedef struct {
    const nso_opt_type *type;
    void *state;
    size_t dim, maxpts;
    double vals[NSO_MAX_PARAMS]; /* resolved parameters, table order */
    uint64_t step;               /* steps taken (the sample index of the next step) */
    uint64_t sample_seed;        /* the run's oracle stream (nso_sample.seed) */
    double hb_mu, wd;            /* composition: heavy-ball momentum, weight decay */
    double *vel, *wold;          /* allocated when composition is on */
    nso_driver *d1;              /* the single-run driver of nso_opt_step (lazy) */
} nso_optimizer;

/* Allocate with parameters s (NULL: all defaults).  On a bad parameter
 * returns NULL with the reason in msg (no output).  obj may be NULL; methods
 * that need the objective (bSAM: its data size) read it here. */
nso_optimizer *nso_optimizer_alloc(const nso_opt_type *t, size_t dim, const nso_param_set *s,
                                   const nso_objective *obj, char *msg, size_t len);
void nso_optimizer_free(nso_optimizer *o);
/* value of a resolved parameter by name (NAN if the method has none) */
double nso_opt_param(const nso_optimizer *o, const char *name);
/* Heavy-ball momentum mu in [0, 1) and weight decay wd >= 0 around any
 * method (both 0: off).  Returns NSO_EINVAL with msg on a bad value. */
int nso_opt_compose(nso_optimizer *o, double mu, double wd, char *msg, size_t len);

/* ---- the driver ---------------------------------------------------------- */
/* One step of `nruns` runs in lock-step on one objective: every phase of
 * every run; an exact objective (no sgrad) gets all points of a phase in one
 * nso_obj_grad_batch call, a stochastic one each point with its run's sample
 * (seed = o->sample_seed, index = o->step, the point's slot).  eta[i] is run
 * i's step size.  Returns NSO_OK, or NSO_EDIVERGE if some run's w is no
 * longer finite (its status in status[i] when status != NULL), or the
 * oracle's error. */
nso_driver *nso_driver_alloc(size_t nruns, size_t dim, size_t maxpts_total);
void nso_driver_free(nso_driver *d);
int nso_driver_step(nso_driver *d, nso_optimizer *const *o, const nso_objective *obj,
                    double *const *w, const double *eta, gsl_rng *const *r, size_t nruns,
                    int *status);
/* The single-run driver: the same code path with nruns = 1. */
int nso_opt_step(nso_optimizer *o, const nso_objective *obj, double *w, double eta, gsl_rng *r);

/* ---- saving and restoring a run ----------------------------------------- */
/* Write type, parameters, step, method state, momentum buffer, w and the
 * state of r.  Returns NSO_OK or NSO_EIO. */
int nso_opt_save(const nso_optimizer *o, const double *w, const gsl_rng *r, FILE *f);
/* Read what nso_opt_save wrote into an optimizer of the same type, dimension
 * and parameters; NSO_EFORMAT with msg on any mismatch, truncation or bad
 * checksum.  The record is read and verified whole before anything is
 * restored, so on failure o, w and r are untouched. */
int nso_opt_load(nso_optimizer *o, double *w, gsl_rng *r, FILE *f, char *msg, size_t len);

/* ---- command-line flags from the tables --------------------------------- */
/* Fill `specs` (capacity cap) with one string flag per distinct parameter
 * name over the registry; the parsed texts land in texts[] (NULL = not
 * given).  Returns the number of specs. */
size_t nso_opt_cli_specs(nso_arg_spec *specs, size_t cap, const char **texts);
/* Apply the given flags to a parameter set for type t; dies (exit 2) naming
 * the flag if t does not take it or the value is out of range.  Programs
 * only. */
void nso_opt_cli_apply(const nso_opt_type *t, const char *const *texts, nso_param_set *s);
/* Print every method with its parameter table (for --list / --help). */
void nso_opt_print_list(FILE *f);

/* 1 if every entry is finite */
int nso_all_finite(const double *x, size_t n);

#endif
