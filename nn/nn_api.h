/* nn_api.h - templated declarations, included twice by nn.h with
 * NN_T = float / double and NN_S(x) = x##_f32 / x##_f64.  No include guard
 * on purpose. */

typedef struct {
    nn_config cfg;
    int nops, nslots, ntensors, nlayers;
    nn_op ops[NN_MAX_OPS];
    nn_slot slots[NN_MAX_SLOTS];
    nn_tensor tensors[NN_MAX_TENSORS];
    char layer_names[NN_MAX_TENSORS][NN_NAME]; /* group names, e.g. "layer1.0.conv1" */
    int64_t num_batches_tracked;
    size_t nparams, nstats;
    NN_T *params, *grads;     /* one flat buffer each */
    NN_T *stats;              /* bn running mean/var */
    int bn_mode;
    double bn_momentum, bn_eps;
    double label_smoothing;
    /* workspace for batches up to maxB */
    int maxB;
    NN_T **act, **dact, **ract, **rdact; /* per slot; r* allocated on first HVP */
    NN_T *bn_mean, *bn_invstd;           /* per-op batch statistics (train/frozen) */
    size_t *bn_off;                      /* offset of op's channels in bn_mean */
    NN_T *col, *col2;                    /* im2col workspace; dW partials + flipped W */
    NN_T **colc;                         /* per conv op: im2col of its input (forward) */
    size_t col_size;
    NN_T *probs, *rprobs;                /* softmax output nclass x B */
    const NN_T *v;                       /* HVP direction during an R pass */
    int B;                               /* current batch size */
    void *priv;                          /* engine internals (model.c: per-thread parts) */
    /* NN_ARCH_MLM: per example nclass masked positions and their target ids
     * (-1: no target), maxB x nclass each; the number of targets of the batch */
    int32_t *mlm_pos, *mlm_lab;
    int mlm_count;
} NN_S(nn_model);

/* Build a model (weights initialised from r: Kaiming-normal convs, PyTorch
 * default linear init, BN gamma 1 beta 0).  Returns NULL with msg set on a
 * bad configuration or when memory runs out. */
NN_S(nn_model) *NN_S(nn_model_create)(const nn_config *cfg, int maxB, gsl_rng *r, char *msg,
                                      size_t len);
void NN_S(nn_model_free)(NN_S(nn_model) *m);
/* re-initialise every parameter and statistic from r */
void NN_S(nn_model_init)(NN_S(nn_model) *m, gsl_rng *r);
/* Load B examples into the input slot; x is B x (c*h*w) row-major (pixels).
 * Returns 0, or 1 (nothing loaded) when B is outside [1, maxB]. */
int NN_S(nn_set_input)(NN_S(nn_model) *m, const float *x, int B);
/* NN_ARCH_MLM: the targets of the next passes for B examples: pos (B x M,
 * M = cfg.nclass) positions in [0, seq), lab (B x M) target token ids in
 * [0, vocab) or -1 (none: that slot is ignored).  The loss of nn_forward /
 * nn_loss / the HVPs is then the mean cross-entropy over the targets (their
 * labels argument is ignored; NULL allowed); `correct` counts the targets
 * predicted top-1.  Returns 0, or 1 (nothing set) for another architecture,
 * B outside [1, maxB] or an entry out of range. */
int NN_S(nn_set_mlm_targets)(NN_S(nn_model) *m, const int32_t *pos, const int32_t *lab, int B);
/* Forward pass on the current input; returns the mean softmax cross-entropy
 * (with the model's label smoothing).  Batch norm per m->bn_mode.  If correct
 * is non-NULL it receives the number of correct top-1 predictions. */
double NN_S(nn_forward)(NN_S(nn_model) *m, const uint8_t *labels, int *correct);
/* Backward pass after nn_forward: grads = d loss / d params (overwritten). */
void NN_S(nn_backward)(NN_S(nn_model) *m, const uint8_t *labels);
/* loss + gradient on a batch in one call (NAN when B is outside [1, maxB];
 * the same for nn_loss and the HVPs, which also return NAN when the R-pass
 * workspace cannot be allocated) */
double NN_S(nn_loss_grad)(NN_S(nn_model) *m, const float *x, const uint8_t *y, int B);
/* Exact Hessian-vector product by the R-operator (Pearlmutter 1994): hv =
 * (d^2 loss / d params^2) v on the batch, batch norm in EVAL mode (forced for
 * the call and restored).  m->grads is left as it was (the product needs the
 * activation gradients only).  Returns the loss. */
double NN_S(nn_hvp)(NN_S(nn_model) *m, const float *x, const uint8_t *y, int B, const NN_T *v,
                    NN_T *hv);
/* nv HVPs on the same batch: one forward and backward pass shared by the nv
 * R passes (amortised cost ~2 gradients per product instead of ~3). */
double NN_S(nn_hvp_multi)(NN_S(nn_model) *m, const float *x, const uint8_t *y, int B, int nv,
                          const NN_T *const *v, NN_T *const *hv);
/* The products of nn_hvp_multi on a sub-block: v must be zero on the
 * parameters of the ops before op `first`; hv is exact on the parameters of
 * ops first.. and 0 on the earlier ones (their entries of H v are not
 * computed).  The R-forward starts at op `first` and the R-backward (and the
 * backward pass of the activation gradients) stop there, so the cost falls
 * with the part of the network after `first` (the forward pass is always
 * whole).  first = 0: nn_hvp_multi; first >= nops: hv = 0. */
double NN_S(nn_hvp_multi_from)(NN_S(nn_model) *m, const float *x, const uint8_t *y, int B, int nv,
                               const NN_T *const *v, NN_T *const *hv, int first);
/* The quadratic forms q[j] = v_j' H v_j on the batch (batch norm in EVAL
 * mode), without H v: one forward pass and, per vector, the R-forward and a
 * second-order forward pass (the loss's second derivative along w + r v_j).
 * Same sub-block rule as nn_hvp_multi_from (v zero before op `first`).  Only
 * for networks of convolutions, batch norm, ReLU, residual adds, average
 * pooling and linear layers with the softmax cross-entropy (nn_quad_ok: the
 * ResNets and the ReLU MLP); NAN otherwise.  Returns the loss. */
int NN_S(nn_quad_ok)(const NN_S(nn_model) *m);
double NN_S(nn_quad_multi_from)(NN_S(nn_model) *m, const float *x, const uint8_t *y, int B, int nv,
                                const NN_T *const *v, double *q, int first);
/* the first op (tape index) owning a parameter tensor t with tsel[t] != 0
 * (tsel: m->ntensors flags); m->nops when none is selected, 0 when a selected
 * parameter tensor belongs to no op (then only the full passes are exact) */
int NN_S(nn_first_op)(const NN_S(nn_model) *m, const unsigned char *tsel);
/* loss only (no gradient) */
double NN_S(nn_loss)(NN_S(nn_model) *m, const float *x, const uint8_t *y, int B, int *correct);
/* the model's logits for the current batch: nclass x B (column b = example b) */
const NN_T *NN_S(nn_logits)(const NN_S(nn_model) *m);
