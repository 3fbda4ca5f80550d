/* nn_objective.h - a network, its training set and a minibatch sampler
 * presented as an objective of the optimizer engine (lib/objective.h), so
 * every optimizer of the registry trains a network through the one driver
 * (nso_opt_step / nso_driver_step).
 *
 * Weights.  The optimizer keeps the iterate w as doubles (the master
 * weights).  Every oracle call copies w into the model's float parameters
 * ((float) w_i), runs the float engine and widens the float gradient to
 * double.  The model's parameters therefore hold the last evaluated point
 * (for NSO: W - U) after a step; the trainer (train.h) copies the master
 * weights back at the end of every epoch.
 *
 * Samples -> minibatches.  B = the batch size given at creation, n = the
 * training-set size, nb = floor(n / B) minibatches per epoch (the last
 * partial batch is dropped).  For nso_sample s = {seed, step, slot, base}:
 *   slot 0:     the (step mod nb)-th minibatch of epoch e = step / nb, i.e.
 *               examples perm_e[kB .. kB + B) of the epoch permutation perm_e,
 *               a Fisher-Yates shuffle drawn from stream (seed, "nn/shuffle", e)
 *               (the shuffling of the former SGD loop, unchanged);
 *   slot j > 0: B distinct examples drawn uniformly without replacement from
 *               stream (seed, "nn/minibatch", step * 2^32 + j), independent of
 *               slot 0 and of every other slot.
 * Equal samples see the same examples: NSO's W + U and W - U (all on slot 0)
 * are evaluated on one minibatch.
 *
 * Batch norm (the documented choice):
 *   sgrad at a point with base = 1 (the unperturbed iterate W): NN_BN_TRAIN,
 *     batch statistics, running statistics updated (once per step for the
 *     methods that evaluate W once: GD, momentum, SAM's first phase);
 *   sgrad at a point with base = 0 (perturbed / ascent points W + U, W + eps):
 *     NN_BN_FROZEN, batch statistics, running statistics untouched;
 *   observe(W, s): a TRAIN-mode forward pass at W on the minibatch of s (no
 *     backward): the driver calls it once per step for the methods that
 *     evaluate only perturbed points (WP-GD, NSO), so the running statistics
 *     always come from W, never from W + U;
 *   value(w) / grad(w): the full training-set loss / gradient in NN_BN_EVAL
 *     (running statistics: a deterministic function of w), for reporting.
 * Label smoothing is the model's option (m->label_smoothing).
 *
 * Bookkeeping.  Every base = 1 sgrad call and every observe call adds its
 * minibatch loss (at W, before the step's update) and its number of correct
 * top-1 predictions to a tally; the trainer reads and resets it per epoch
 * (the mean minibatch loss seen in the epoch).  Nothing is printed.
 *
 * The objective borrows the model and the data set (both must outlive it)
 * and owns only its buffers; nso_obj_free() releases them.  One objective
 * serves one run: the model's running statistics belong to that run, so
 * runs stepped in lock-step (nso_driver_step) need one model and one
 * objective each unless the model has no batch norm. */
#ifndef NN_OBJECTIVE_H
#define NN_OBJECTIVE_H
#include "dataset.h"
#include "nn.h"
#include "objective.h"

typedef struct {
    double loss_sum; /* sum over counted minibatches of B x (mean minibatch loss) */
    long correct;    /* correct top-1 predictions */
    long seen;       /* examples counted */
} nn_obj_tally;

/* Build the objective for model m (batch <= m->maxB), training set d
 * (batch <= d->n, same input shape and class count as m).  obj->dim =
 * m->nparams, obj->ndata = d->n.  Returns NULL with the reason in msg. */
nso_objective *nn_objective_create(nn_model_f32 *m, const nn_dataset *d, int batch, char *msg,
                                   size_t len);
/* 1 if o was built by nn_objective_create */
int nn_objective_is(const nso_objective *o);
/* Augment every minibatch sgrad / observe load (ISSUE 8, nn/augment.h):
 * random shifts of up to `shift` pixels and, when flip != 0, horizontal
 * flips; drawn from stream (seed, "nn/augment", step * 2^32 + slot) of the
 * sample, so equal samples (NSO's W + U and W - U, the observe pass at W) see
 * the same augmented batch.  shift = flip = 0 (the default): off.  The
 * full-set value / grad are never augmented.  NSO_OK, NSO_EINVAL (shift < 0
 * or >= the image side) or NSO_ENOMEM. */
int nn_objective_set_augment(nso_objective *o, int shift, int flip);
/* minibatches per epoch nb (0 if o is not a network objective) */
long nn_objective_batches(const nso_objective *o);
/* the B example indices the sample s selects (B = the batch size), without
 * evaluating anything; NSO_OK or NSO_EINVAL */
int nn_objective_indices(nso_objective *o, const nso_sample *s, int *idx);
/* the indices of the minibatch of the last sgrad / observe call (NULL before
 * the first call) */
const int *nn_objective_last_batch(const nso_objective *o);
/* the tally since the last reset */
void nn_objective_tally(const nso_objective *o, nn_obj_tally *t);
void nn_objective_tally_reset(nso_objective *o);

#endif
