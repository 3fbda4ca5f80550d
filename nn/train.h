/* train.h - minibatch SGD training loop for the nn models (paper App. C:
 * lr 0.02, batch 32, lr x0.1 every 10 epochs, no momentum, no weight decay).
 * Deterministic for a fixed seed and a fixed BLAS thread count. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H
#include "dataset.h"
#include "nn.h"
#include <stdint.h>

typedef struct {
    double lr;          /* base step size, (0, 10] */
    int batch;          /* minibatch size, >= 1 */
    int epochs;         /* total epochs */
    int decay_every;    /* lr *= decay every this many epochs (0: never) */
    double decay;       /* in (0, 1] */
    double momentum;    /* heavy ball, [0, 1) */
    double weight_decay;/* L2 coefficient, >= 0 */
    uint64_t seed;      /* shuffling seed */
} nn_train_params;

extern const nn_train_params nn_train_default;

/* One epoch of SGD on d (BN in TRAIN mode).  velocity: nparams floats (zeroed
 * by the caller once) or NULL when momentum == 0.  Writes the mean training
 * loss/accuracy seen during the epoch.  Returns 0, or 4 (diverged: a loss or
 * a weight is NaN/Inf). */
int nn_train_epoch(nn_model_f32 *m, const nn_dataset *d, int epoch, const nn_train_params *p,
                   float *velocity, double *loss, double *acc);
/* lr in effect during `epoch` */
double nn_train_lr(const nn_train_params *p, int epoch);
/* Mean loss and accuracy over the first n examples of d, BN in EVAL mode. */
double nn_evaluate(nn_model_f32 *m, const nn_dataset *d, int n, double *acc);

#endif
