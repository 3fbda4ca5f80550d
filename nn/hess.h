/* hess.h - a network's Hessian as an operator of the toolkit (lib/linop.h,
 * lib/hessian.h: Hutchinson with per-layer traces, Lanczos, SLQ).
 *
 * nn_model_op wraps a float model over a fixed evaluation set: the full-set
 * average Hessian (sum over chunks weighted by chunk size), restricted to a
 * chosen set of parameter tensors; group[] gives each selected coordinate's
 * layer, for per-layer partial traces.  Up to NN_HESS_BLOCK products share one
 * forward/backward pass (nn_hvp_multi_f32). */
#ifndef NN_HESS_H
#define NN_HESS_H
#include "dataset.h"
#include "hessian.h"
#include "nn.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>

#define NN_HESS_BLOCK 8 /* probes per shared forward/backward pass (the operator's block) */

/* ---- the model as an operator over an evaluation set ----------------- */
typedef struct {
    nn_model_f32 *m;
    const nn_dataset *d;
    const int *idx;        /* evaluation examples */
    int n;                 /* number of them */
    int chunk;             /* batch size of one HVP pass (<= m->maxB) */
    size_t nsel;           /* selected coordinates */
    size_t *sel;           /* their parameter indices */
    int *group;            /* per selected coordinate: layer index */
    float *v32, *hv32, *x;
    float *vb32[NN_HESS_BLOCK], *hvb32[NN_HESS_BLOCK]; /* block buffers (lazy) */
    uint8_t *y;
    double *acc;
    long hvps;             /* HVP passes done (chunks) */
    int first;             /* first op owning a selected tensor: the R passes start/stop there */
} nn_model_op;

/* `params`: NULL or "all" for every parameter, else a comma-separated list of
 * name prefixes ("layer1,fc", "fc2.weight").  Fails (returns nonzero, msg)
 * when a prefix matches nothing. */
int nn_model_op_init(nn_model_op *mo, nn_model_f32 *m, const nn_dataset *d, const int *idx,
                     int n, int chunk, const char *params, char *msg, size_t len);
void nn_model_op_free(nn_model_op *mo);
/* the operator (nops = 1, n = nsel, block = NN_HESS_BLOCK); mo must outlive it */
nso_linop nn_model_op_linop(nn_model_op *mo);
/* mean loss and accuracy over the evaluation set (eval-mode batch norm) */
double nn_model_op_loss(nn_model_op *mo, double *acc);

#endif
