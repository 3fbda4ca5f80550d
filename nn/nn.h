/* nn.h - a small CPU network engine with exact Hessian-vector products.
 *
 * What it is: float32 layers (conv2d by Winograd / direct kernels, with an
 * im2col + BLAS gemm reference; batch norm, ReLU,
 * residual add, global average pooling, linear, softmax cross-entropy with
 * label smoothing), two models (the 784-128-C MLP of the paper's Table 2 and a
 * CIFAR-style ResNet for 28x28x1 inputs), all parameters in one flat buffer
 * (llm.c style), and Pearlmutter's R-operator through the forward and the
 * backward pass of every layer, for exact Hessian-vector products (paper
 * Sec. 2.2, Table 2; Prop. 2.1 needs tr(grad^2 f)).
 *
 * What it is not: a general autodiff system.  A model is a fixed "tape" of
 * ops over activation slots; the passes walk the tape.
 *
 * Two precisions: every engine function exists as name_f32 (the production
 * path) and name_f64 (the same source compiled with -DNN_F64, used by the
 * tests as an independent double-precision path for finite differences).
 *
 * Activation layout: a slot of per-example shape (c, h, w) is stored channel
 * major, c x (B*h*w) ("CNHW"), so a convolution is one gemm over the batch
 * and batch norm works on contiguous rows.  Weights use PyTorch layouts:
 * conv OIHW, linear (out, in).
 */
#ifndef NN_H
#define NN_H
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

enum { NN_OP_CONV, NN_OP_BN, NN_OP_RELU, NN_OP_ADD, NN_OP_GAP, NN_OP_LINEAR, NN_OP_SOFTPLUS,
       /* the transformer's (issue 9) */
       NN_OP_EMBED, NN_OP_LN, NN_OP_ATTN, NN_OP_GELU, NN_OP_CLS,
       /* the GCN's (issue 9, graphs): node features from degrees; y = D^-1/2 (A + I) D^-1/2 x
        * per graph; mean over nodes */
       NN_OP_GFEAT, NN_OP_GPROP, NN_OP_GPOOL,
       /* masked-language-model head: the masked positions' states */
       NN_OP_GATHER };

/* activation: ReLU (default, as the paper) or softplus log(1 + e^x), a smooth
 * control whose second derivative is not zero almost everywhere; GELU (exact
 * erf form, PyTorch's default and BERT's), the transformer's default */
enum { NN_ACT_RELU = 0, NN_ACT_SOFTPLUS = 1, NN_ACT_GELU = 2 };

/* batch-norm modes (paper Sec. 3 / reference notes: perturbed passes must not
 * touch the running statistics) */
enum {
    NN_BN_TRAIN = 0,  /* batch statistics, running statistics updated */
    NN_BN_EVAL = 1,   /* running statistics (loss is a deterministic function of w) */
    NN_BN_FROZEN = 2  /* batch statistics, running statistics left untouched */
};

enum { NN_ARCH_MLP = 0, NN_ARCH_RESNET = 1, NN_ARCH_TRANSFORMER = 2, NN_ARCH_GCN = 3, NN_ARCH_MLM = 4 };

#define NN_MAX_OPS 96
#define NN_MAX_SLOTS 96
#define NN_MAX_TENSORS 128
#define NN_NAME 64

typedef struct {
    int kind;
    int x, x2, y;             /* input slot(s), output slot */
    size_t w, b;              /* parameter offsets (conv/linear weight, bias; bn gamma, beta) */
    size_t stat;              /* bn: offset of running mean in stats (running var follows) */
    int tw, tb;               /* tensor-table indices of w and b (-1 if none) */
    int cin, cout, k, stride, pad; /* conv geometry; linear: cin -> cout; attention: k heads */
    int init;                 /* linear: 0 PyTorch default, 1 Xavier-uniform weight and zero
                               * bias (attention in_proj), 2 zero bias (out_proj) */
} nn_op;

typedef struct {
    int c, h, w;              /* per-example shape */
} nn_slot;

typedef struct {
    char name[NN_NAME];       /* PyTorch state_dict name */
    int buffer;               /* 0 parameter (in params), 1 running stat (in stats), 2 counter */
    size_t off, n;
    int ndim;
    int64_t shape[4];
    int layer;                /* index of the layer group this tensor belongs to */
} nn_tensor;

/* The transformer (NN_ARCH_TRANSFORMER, a BERT-shaped encoder, post-LN as
 * torch.nn.TransformerEncoderLayer): token + position embedding, layer norm,
 * depth x [self-attention, add & norm, feed-forward (4 x width, act),
 * add & norm], the first ([CLS]) token's state, a linear head "fc".  Its
 * input is a sequence of in_w token ids (in_w is also the length of the
 * position table) over a vocabulary of in_c (one-hot "channels"); token 0
 * is [PAD] (masked as a key in attention).  A token sequence has no height:
 * in_h carries the number of attention heads (it must divide the width), so
 * that the configuration keeps its eight fields (positional initialisers
 * across the code base stay valid).
 *
 * NN_ARCH_MLM is the same encoder for masked-language-model pretraining
 * (BERT's MLM task): instead of [CLS] + "fc", the final states of nclass
 * masked positions per sequence (BERT's max_predictions_per_seq; the
 * positions and their target ids are set by nn_set_mlm_targets) go through a
 * token-wise linear decoder "fc" (width -> vocabulary, not tied to the token
 * table), and the loss is the mean cross-entropy over the vocabulary at the
 * masked positions (nn/mlm_ce.c).  Its encoder tensors have the names and
 * shapes of the classifier's, so a classifier loads them with skip "fc". */
/* The GCN (NN_ARCH_GCN; Kipf and Welling 2017, graph classification): depth
 * x [graph convolution y = A_hat x W^T + b with A_hat = D^-1/2 (A + I) D^-1/2
 * (D the degrees of A + I), act], the mean over a graph's nodes, a linear head
 * "fc".  Tensor names are those of a PyTorch Geometric module with GCNConv
 * layers conv1, conv2, ... (conv<l>.lin.weight, conv<l>.bias) and nn.Linear
 * fc.  The input of an example is one graph record (integers as floats, see
 * nn_gcn_record_size): in_c = node features (NN_GCN_FEATURES, computed by the
 * engine from the degrees: 1, d / 10, ln(1 + d), mean neighbour degree / 10),
 * in_h = largest number of nodes N, in_w = largest number of adjacency
 * entries (2 x edges).  Node tensors are feature-major, c x (B N), padded:
 * node i >= n of a graph is not read. */
typedef struct {
    int arch;                 /* NN_ARCH_* */
    int depth;                /* ResNet depth 6n+2 (8, 14, 20); MLP: 2; transformer: layers */
    int hidden;               /* MLP hidden width (128); transformer: width d */
    int in_c, in_h, in_w;     /* input shape (1, 28, 28); transformer: (vocab, heads, seq) */
    int nclass;
    int act;                  /* NN_ACT_*, MLP and transformer (the ResNet uses ReLU) */
} nn_config;

/* ---------------- the templated API (float and double) -------------- */
#define NN_T float
#define NN_S(x) x##_f32
#include "nn_api.h"
#undef NN_T
#undef NN_S
#define NN_T double
#define NN_S(x) x##_f64
#include "nn_api.h"
#undef NN_T
#undef NN_S

/* transformer limits */
#define NN_TF_MAX_LAYERS 8
#define NN_TF_MAX_WIDTH 1024
#define NN_TF_MAX_SEQ 512
#define NN_TF_LN_EPS 1e-5
#define NN_TF_FFN_MULT 4 /* feed-forward width / model width (BERT) */

/* GCN limits and its input record: [n, nnz, row pointers (in_h + 1, CSR of
 * A without self-loops, entries past n equal nnz), column indices (in_w,
 * past nnz 0)], integers stored exactly as floats */
#define NN_GCN_MAX_LAYERS 4
#define NN_GCN_MAX_WIDTH 1024
#define NN_GCN_MAX_NODES 1024
#define NN_GCN_FEATURES 4
#define NN_GCN_MAX_NNZ (1 << 20)
size_t nn_gcn_record_size(const nn_config *c);
/* 0 when rec is a valid record for c (n in [1, in_h], nnz in [0, in_w], row
 * pointers non-decreasing from 0 to nnz, columns in [0, n)); else 1 with
 * msg set */
int nn_gcn_record_check(const nn_config *c, const float *rec, char *msg, size_t len);

/* ResNet depth check: 6n+2 with 1 <= n <= 3; the transformer's geometry */
int nn_config_check(const nn_config *c, char *msg, size_t len);
const char *nn_arch_name(int arch);

#endif
