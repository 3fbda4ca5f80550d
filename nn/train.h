/* train.h - training a network with any optimizer of the registry: the
 * model and its training set become an objective of the engine
 * (nn_objective.h) and every step is one nso_opt_step of the chosen method
 * on double master weights.  Also the evaluation of a model on a data set.
 *
 * Recipe knobs (paper App. C for the Table 2 MLPs: SGD = the "gd" method, lr
 * 0.02, batch 32, lr x0.1 at 1/3 and 2/3 of training, no momentum, no weight
 * decay):
 *   - step size schedule: constant; x decay every decay_every epochs; or
 *     x decay at steps floor(T/3) and floor(2T/3) of the T = epochs x nb
 *     steps (decay_thirds; lib/schedule.h milestones);
 *   - momentum and weight decay compose with every method
 *     (nso_opt_compose): v <- mu v - eta (g + wd W), W <- W + v, i.e. PyTorch
 *     SGD with momentum and (coupled) weight decay.  When the step size
 *     changes, the trainer rescales v by eta_new / eta_old, so the iterates
 *     stay those of PyTorch's convention (v_torch = -v / eta) under any
 *     schedule.  The registry method "momentum" (eq. 10) is the paper's own
 *     rule and is left as it is.
 * Streams: minibatches from sample seed = p->seed (so the epoch
 * permutations are those of stream (seed, "nn/shuffle", epoch)); the
 * method's perturbations from stream (seed, "nn/opt").
 * Deterministic for a fixed seed and a fixed thread count. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H
#include "dataset.h"
#include "nn.h"
#include "nn_objective.h"
#include "optimizer.h"
#include "schedule.h"
#include <stdint.h>
#include <stdio.h>

typedef struct {
    double lr;           /* base step size, finite and > 0 */
    int batch;           /* minibatch size, in [1, model maxB] and <= training-set size */
    int epochs;          /* total epochs (sets T for decay_thirds), >= 1 */
    int decay_every;     /* lr *= decay every this many epochs (0: never) */
    double decay;        /* in (0, 1] */
    int decay_thirds;    /* 1: lr *= decay at 1/3 and 2/3 of the T steps instead */
    double momentum;     /* heavy ball around the method, [0, 1) */
    double weight_decay; /* >= 0 */
    uint64_t seed;       /* minibatch and method streams */
} nn_train_params;

extern const nn_train_params nn_train_default; /* 0.02, 32, 30, 10, 0.1, 0, 0, 0, 1 */

typedef struct {
    nn_model_f32 *m;      /* borrowed: its parameters hold w after every epoch */
    const nn_dataset *d;  /* borrowed */
    nn_train_params p;
    nso_objective *obj;   /* the network objective (owned) */
    nso_optimizer *opt;   /* the method (owned); opt->step = steps taken */
    double *w;            /* master weights, m->nparams doubles */
    gsl_rng *r;           /* the method's random stream */
    long nb;              /* steps (minibatches) per epoch */
    nso_schedule sched;   /* eta_t per step */
    double miles[2];
} nn_trainer;

/* A trainer of m on d with method t (NULL: "gd") and its parameters ps
 * (NULL: defaults); w starts at m's parameters.  Returns NULL with the
 * reason in msg (a bad parameter, named by its field / method name, or no
 * memory). */
nn_trainer *nn_trainer_alloc(nn_model_f32 *m, const nn_dataset *d, const nn_train_params *p,
                             const nso_opt_type *t, const nso_param_set *ps, char *msg, size_t len);
void nn_trainer_free(nn_trainer *tr);
/* Steps until the end of the current epoch (a whole epoch from an epoch
 * boundary), then copies w into m's parameters.  loss / acc: the mean
 * minibatch loss and accuracy at W seen during those steps (NULL allowed).
 * Returns NSO_OK, NSO_EDIVERGE (a loss or a weight is NaN/Inf; training
 * should stop) or an error of the oracle. */
int nn_trainer_epoch(nn_trainer *tr, double *loss, double *acc);
/* epochs completed (steps taken / nb) */
int nn_trainer_epochs_done(const nn_trainer *tr);
/* step size of step t (the first step of epoch e is t = e * nb) */
double nn_trainer_lr(const nn_trainer *tr, uint64_t t);
/* Save / restore a whole training run: the optimizer run (nso_opt_save:
 * method state, momentum, w, random stream) and the model's batch-norm
 * running statistics, with a checksum.  A run resumed from a record
 * continues to byte-identical results.  NSO_OK, NSO_EIO, or NSO_EFORMAT
 * with msg on a record of another run / a corrupted record. */
int nn_trainer_save(const nn_trainer *tr, FILE *f);
int nn_trainer_load(nn_trainer *tr, FILE *f, char *msg, size_t len);

/* Mean loss and accuracy over the first n examples of d (n <= 0 or > d->n:
 * all), BN in EVAL mode.  An MLM model (NN_ARCH_MLM): the mean cross-entropy
 * over the targets of the static masks of seed 0, epoch 0 (nn/mlm.h), and
 * the share of targets predicted top-1.  Returns NAN (and *acc = NAN) when
 * its buffers cannot be allocated. */
double nn_evaluate(nn_model_f32 *m, const nn_dataset *d, int n, double *acc);
/* Does data set d fit model m: the same image shape (c x h x w) as the
 * model's input and no label the model cannot score (d->nclass <=
 * m->cfg.nclass)?  0 when it does, else 1 with "data set 1x16x16, 10
 * classes; model 1x28x28 inputs, 5 classes" in msg.  A transformer takes a
 * token data set (d->tokens) whose sequences are as long as its position
 * table (cfg.in_w); image models refuse token data.  nn_evaluate (NaN) and
 * nn_model_op_init (error) refuse a data set that does not fit; programs
 * check it first to name their flags. */
int nn_data_fits(const nn_model_f32 *m, const nn_dataset *d, char *msg, size_t len);

#endif
