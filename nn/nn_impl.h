/* nn_impl.h - internal: precision selection for the templated engine sources
 * and the layer kernels' declarations.  A source that includes this file is
 * compiled twice: as is (float, BLAS s*) and with -DNN_F64 (double, BLAS d*). */
#ifndef NN_IMPL_H
#define NN_IMPL_H
#include "nn.h"
#include <cblas.h>
#include <math.h>

#ifdef NN_F64
typedef double real;
#define NN(x) x##_f64
#define GEMM cblas_dgemm
#else
typedef float real;
#ifdef NN_BASELINE_COPY /* tests/kernels.mk: a baseline-ISA copy of a file, renamed */
#define NN(x) x##_f32_base
#else
#define NN(x) x##_f32
#endif
#define GEMM cblas_sgemm
#endif

typedef struct {
    int cin, cout, h, w, ho, wo, k, stride, pad;
} nn_conv_geom;

/* Number of batch parts processed in parallel (OpenMP threads, at most B and
 * NN_MAX_PARTS); 1 without OpenMP.  BLAS should then be single-threaded. */
#define NN_MAX_PARTS 8
#ifdef _OPENMP
#include <omp.h>
static inline int nn_nparts(int B)
{
    int t = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (t > NN_MAX_PARTS) t = NN_MAX_PARTS;
    return t < B ? t : B;
}
static inline int nn_in_parallel(void) { return omp_in_parallel(); }
#else
static inline int nn_nparts(int B) { (void)B; return 1; }
static inline int nn_in_parallel(void) { return 0; }
#endif

/* conv2d.c: y (cout x B*ho*wo) = conv(W, x); acc: y +=.  col receives the
 * layer's prepared input (im2col(x), or the zero-padded grid of the direct
 * float kernels), or already holds it when have_col; it holds
 * nn_conv_prep_size(g, B) reals. */
void NN(nn_conv_forward)(const nn_conv_geom *g, int B, const real *w, const real *x, real *y,
                         real *col, int acc, int have_col);
/* dx += W^T dy (col2im; accx = 0: dx =), dw += dy im2col(x)^T; dx or dw may be NULL.  dwp:
 * 2 NN_MAX_PARTS x cout*cin*k*k workspace (per-part dW partials, transformed
 * weights); colx: the prepared input when have_colx (else prepared inside
 * col); col: workspace of nn_conv_work_size(g, B) reals. */
void NN(nn_conv_backward)(const nn_conv_geom *g, int B, const real *w, const real *x,
                          const real *dy, real *dx, real *dw, real *colx, int have_colx,
                          real *col, real *dwp, int accx);
size_t NN(nn_conv_prep_size)(const nn_conv_geom *g, int B);
size_t NN(nn_conv_work_size)(const nn_conv_geom *g, int B);
/* part q of P of the batch (images [B q / P, B (q + 1) / P)), serial: for
 * callers that run their own threads over the parts.  prep: the part's
 * prepared input (at nn_conv_prep_offset in a layer's buffer of
 * nn_conv_prep_size); work: the part's own workspace of nn_conv_work_part
 * reals (backward: prep NULL = prepare x there); dw: the part's own
 * accumulator; wsp: cout*cin*k*k reals of the part's scratch */
size_t NN(nn_conv_prep_offset)(const nn_conv_geom *g, int B, int P, int q);
size_t NN(nn_conv_work_part)(const nn_conv_geom *g, int nb);
void NN(nn_conv_forward_part)(const nn_conv_geom *g, int B, int P, int q, const real *w,
                              const real *x, real *y, real *prep, int acc, int have_prep);
void NN(nn_conv_backward_part)(const nn_conv_geom *g, int B, int P, int q, const real *w,
                               const real *x, const real *dy, real *dx, real *dw, const real *prep,
                               real *work, real *wsp, int accx);
/* the readable reference (im2col + one gemm per batch part), same contract
 * with prep size cin*k*k*B*ho*wo and work size twice that; the tests compare
 * the fast path to it */
void NN(nn_conv_forward_ref)(const nn_conv_geom *g, int B, const real *w, const real *x, real *y,
                             real *col, int acc, int have_col);
void NN(nn_conv_backward_ref)(const nn_conv_geom *g, int B, const real *w, const real *x,
                              const real *dy, real *dx, real *dw, real *colx, int have_colx,
                              real *col, real *dwp, int accx);

/* NN_CLONES: compile a function for AVX-512, AVX2 and the baseline, the
 * loader picks one for the CPU (GCC function multi-versioning).  For the
 * streaming float kernels written with explicit lanes (batch norm, the
 * element-wise passes): contraction is off (-std=c11) and nothing is
 * reassociated, so every clone computes the same bits (tests/kernels
 * compares them with a baseline-only copy, NN_BASELINE_COPY); off under the
 * sanitizers. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__) && !defined(NN_BASELINE_COPY)
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_CLONES
#endif

/* simd.c: instruction-set variant of the float kernels, chosen at run time
 * from the CPU (capped by the environment variable NN_SIMD=generic|avx2) */
enum { NN_SIMD_GENERIC = 0, NN_SIMD_AVX2 = 1, NN_SIMD_AVX512 = 2 };
int nn_simd_level(void);
const char *nn_simd_name(int level);
/* tests: use variant `level` (capped by the CPU; -1: back to the default
 * choice); returns the variant now in use.  Not thread-safe. */
int nn_simd_force(int level);

/* conv_winograd.c (float only): 3x3, padding 1, stride 1, >= 4 channels in
 * and out.  One batch part of nb images: x, y point at its first image,
 * channel strides ldx, ldy (B h w for a part of a batch of B); prep: the
 * part's prepared input (parity planes) followed by scratch */
int nn_conv_wino_ok(const nn_conv_geom *g);
size_t nn_conv_wino_prep_part(const nn_conv_geom *g, int nb);
void nn_conv_wino_fwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                      const float *x, float *y, float *prep, int have_prep, int acc);
/* the channel-minor layout (forward, dX and dW): where the channel counts
 * are multiples of the vector length */
int nn_conv_wino_cm(const nn_conv_geom *g);
/* the prepared (zero-padded, channel-minor) input of x for layer g at prep:
 * what nn_conv_wino_fwd makes when have_prep is 0 (cm layers) */
void nn_conv_wino_cm_input(const nn_conv_geom *g, int nb, size_t ld, const float *x, float *prep);
/* dw += the part's weight gradient by the transposed Winograd algorithm (cm
 * layers): dyp holds dY prepared for the dX pass (nn_conv_wino_cm_input of
 * the transposed layer), prep the forward's prepared x or NULL (then made
 * in work); work: nn_conv_wino_dw_work_part floats */
size_t nn_conv_wino_dw_work_part(const nn_conv_geom *g, int nb);
void nn_conv_wino_dw(const nn_conv_geom *g, int nb, size_t ldx, const float *x, const float *dyp,
                     float *dw, const float *prep, float *work);

/* conv_direct.c (float only): 3x3, padding 1, stride 1 or 2; one batch part
 * as above.  bwd: dw += the part's weight gradient (NULL: none); prep: the
 * part's prepared input (NULL: prepared in work); wsp: cout*cin*9 floats */
int nn_conv_direct_ok(const nn_conv_geom *g);
size_t nn_conv_direct_prep_part(const nn_conv_geom *g, int nb);
size_t nn_conv_direct_work_part(const nn_conv_geom *g, int nb);
void nn_conv_direct_fwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                        const float *x, float *y, float *prep, int have_prep, int acc);
void nn_conv_direct_bwd(const nn_conv_geom *g, int nb, size_t ldx, size_t ldy, const float *w,
                        const float *x, const float *dy, float *dx, float *dw, const float *prep,
                        float *work, float *wsp, int accx);

/* linear.c: y (out x B) = W (out x in) x (in x B) + b; acc: y += (b added once if non-NULL) */
void NN(nn_linear_forward)(int in, int out, int B, const real *w, const real *b, const real *x,
                           real *y, int acc);
/* dx += W^T dy (acc = 0: dx =); dw += dy x^T; db += sum_b dy (any may be NULL); dwp as
 * for conv.  Below, every backward kernel's acc = 0 likewise overwrites dx instead of
 * adding to it (the first writer of a slot in the backward pass). */
void NN(nn_linear_backward)(int in, int out, int B, const real *w, const real *x, const real *dy,
                            real *dx, real *dw, real *db, real *dwp, int acc);

/* batchnorm.c: C channels of N = B*h*w contiguous values each */
void NN(nn_bn_forward_batch)(int C, int N, const real *x, real *y, const real *gamma,
                             const real *beta, double eps, real *mean, real *invstd,
                             real *run_mean, real *run_var, double momentum);
void NN(nn_bn_forward_eval)(int C, int N, const real *x, real *y, const real *gamma,
                            const real *beta, const real *run_mean, const real *run_var, double eps);
void NN(nn_bn_backward_batch)(int C, int N, const real *x, const real *dy, const real *gamma,
                              const real *mean, const real *invstd, real *dx, real *dgamma,
                              real *dbeta, int acc);
void NN(nn_bn_backward_eval)(int C, int N, const real *x, const real *dy, const real *gamma,
                             const real *run_mean, const real *run_var, double eps, real *dx,
                             real *dgamma, real *dbeta, int acc);
/* the readable references of the four functions above and below that take
 * sums (the float build's versions sum in float lanes; tests compare) */
void NN(nn_bn_forward_batch_ref)(int C, int N, const real *x, real *y, const real *gamma,
                                 const real *beta, double eps, real *mean, real *invstd,
                                 real *run_mean, real *run_var, double momentum);
void NN(nn_bn_backward_batch_ref)(int C, int N, const real *x, const real *dy,
                                  const real *gamma, const real *mean, const real *invstd,
                                  real *dx, real *dgamma, real *dbeta, int acc);
void NN(nn_bn_backward_eval_ref)(int C, int N, const real *x, const real *dy, const real *gamma,
                                 const real *run_mean, const real *run_var, double eps, real *dx,
                                 real *dgamma, real *dbeta, int acc);
void NN(nn_bn_rbackward_eval_ref)(int C, int N, const real *x, const real *rx, const real *dy,
                                  const real *rdy, const real *gamma, const real *vgamma,
                                  const real *run_mean, const real *run_var, double eps,
                                  real *rdx, real *rdgamma, real *rdbeta, int acc);
/* R-operator of the eval-mode layer: ry = vg*xhat + g*inv*rx + vb */
void NN(nn_bn_rforward_eval)(int C, int N, const real *x, const real *rx, real *ry,
                             const real *gamma, const real *vgamma, const real *vbeta,
                             const real *run_mean, const real *run_var, double eps);
/* rdx += rdy*g*inv + dy*vg*inv; rdg += sum(rdy*xhat + dy*inv*rx); rdb += sum rdy */
void NN(nn_bn_rbackward_eval)(int C, int N, const real *x, const real *rx, const real *dy,
                              const real *rdy, const real *gamma, const real *vgamma,
                              const real *run_mean, const real *run_var, double eps, real *rdx,
                              real *rdgamma, real *rdbeta, int acc);

/* batch-norm pieces for one batch part (model.c runs the parts on threads
 * and adds the parts' sums): C channels of n values at stride ld.
 * sum: s[c] += sum x; dev2: s[c] += sum (x - mu)^2; dsum: su[c] += sum u,
 * sux[c] += sum u (x - mu); prod: s[c] += sum u v (sums in double; the
 * float build takes them in float lanes over short blocks).  A mask (may be
 * NULL) stands for a ReLU after the layer: u (and v) count only where
 * mask > 0. */
void NN(nn_bn_part_sum)(int C, int n, size_t ld, const real *x, double *s);
void NN(nn_bn_part_dev2)(int C, int n, size_t ld, const real *x, const real *mu, double *s);
void NN(nn_bn_part_dsum)(int C, int n, size_t ld, const real *u, const real *mask, const real *x,
                         const real *mu, double *su, double *sux);
void NN(nn_bn_part_prod)(int C, int n, size_t ld, const real *u, const real *mask, const real *v,
                         double *s);
/* y = scale (x - mean) + shift, per channel; relu: then max(y, 0) */
void NN(nn_bn_part_affine)(int C, int n, size_t ld, const real *x, real *y, const real *scale,
                           const real *mean, const real *shift, int relu);
/* out (+)= a u + b v + c (x - mean) + d; v, x may be NULL (terms dropped), d
 * NULL: 0; imask: u, v masked as above; omask: out = 0 where omask <= 0 */
void NN(nn_bn_part_comb)(int C, int n, size_t ld, const real *u, const real *v, const real *x,
                         real *out, const real *a, const real *b, const real *c,
                         const real *mean, const real *d, const real *imask, const real *omask,
                         int acc);

/* column j of a K x ld matrix of logits z: probs (same layout) = its
 * softmax; returns its log-sum-exp, *arg = the row of its first largest
 * logit (softmax_ce.c, mlm_ce.c) */
static inline double NN(nn_softmax_col)(int K, size_t ld, size_t j, const real *z, real *probs,
                                        int *arg)
{
    double mx = -INFINITY;
    *arg = 0;
    for (int k = 0; k < K; k++) {
        double v = z[(size_t)k * ld + j];
        if (v > mx) {
            mx = v;
            *arg = k;
        }
    }
    double s = 0;
    for (int k = 0; k < K; k++) s += exp(z[(size_t)k * ld + j] - mx);
    double lse = mx + log(s);
    for (int k = 0; k < K; k++) probs[(size_t)k * ld + j] = (real)exp(z[(size_t)k * ld + j] - lse);
    return lse;
}

/* elementwise.c */
void NN(nn_relu_forward)(size_t n, const real *x, real *y);
/* dx += dy * [x > 0] (also the R-forward and R-backward of ReLU) */
void NN(nn_relu_backward)(size_t n, const real *x, const real *dy, real *dx, int acc);
void NN(nn_relu_rforward)(size_t n, const real *x, const real *rx, real *ry);
/* softplus y = log(1 + e^x): dx += dy s(x); R y = s(x) R x;
 * R dx += R dy s(x) + dy s(x)(1 - s(x)) R x, s = logistic sigmoid */
void NN(nn_softplus_forward)(size_t n, const real *x, real *y);
void NN(nn_softplus_backward)(size_t n, const real *x, const real *dy, real *dx, int acc);
void NN(nn_softplus_rforward)(size_t n, const real *x, const real *rx, real *ry);
void NN(nn_softplus_rbackward)(size_t n, const real *x, const real *rx, const real *dy,
                               const real *rdy, real *rdx, int acc);
void NN(nn_add_forward)(size_t n, const real *a, const real *b, real *y);
/* y = max(a + b, 0); R-forward of that: y = mask > 0 ? a + b : 0 */
void NN(nn_add_relu_forward)(size_t n, const real *a, const real *b, real *y);
void NN(nn_add_masked)(size_t n, const real *a, const real *b, const real *mask, real *y);
void NN(nn_acc)(size_t n, const real *dy, real *dx); /* dx += dy */

/* linear.c, one batch part [b0, b0 + nb) of the columns, serial: y =
 * W x + b; dx (+)= W^T dy; dw += dy x^T; db += sum dy (any may be NULL) */
void NN(nn_linear_forward_part)(int in, int out, int B, int b0, int nb, const real *w,
                                const real *b, const real *x, real *y, int acc);
void NN(nn_linear_backward_part)(int in, int out, int B, int b0, int nb, const real *w,
                                 const real *x, const real *dy, real *dx, real *dw, real *db,
                                 int acc);

/* pool.c: global average pooling, x (C x B*hw) -> y (C x B) */
void NN(nn_gap_forward)(int C, int B, int hw, const real *x, real *y);
void NN(nn_gap_backward)(int C, int B, int hw, const real *dy, real *dx, int acc); /* dx += */
/* the same for the examples [b0, b0 + nb) */
void NN(nn_gap_forward_part)(int C, int B, int b0, int nb, int hw, const real *x, real *y);
void NN(nn_gap_backward_part)(int C, int B, int b0, int nb, int hw, const real *dy, real *dx,
                              int acc);

/* softmax_ce.c: logits z (K x B); labels y; smoothing a.  Returns mean loss,
 * writes probs (K x B). */
double NN(nn_softmax_ce_forward)(int K, int B, const real *z, const uint8_t *y, double a,
                                 real *probs, int *correct);
/* dz = (p - t) / B (overwritten) */
void NN(nn_softmax_ce_backward)(int K, int B, const real *probs, const uint8_t *y, double a,
                                real *dz);
/* R-op: rp = p .* (rz - <p, rz>), rdz = rp / B (overwritten) */
void NN(nn_softmax_ce_rbackward)(int K, int B, const real *probs, const real *rz, real *rdz);
/* sum over the batch of d^2 L / dr^2 along z(r): z' = rz, z'' = 2 sz */
double NN(nn_softmax_ce_quad)(int K, int B, const real *probs, const uint8_t *y, double a,
                              const real *rz, const real *sz);
/* the same for the examples [b0, b0 + nb); forward returns the part's loss
 * sum (not the mean) */
double NN(nn_softmax_ce_forward_part)(int K, int B, int b0, int nb, const real *z,
                                      const uint8_t *y, double a, real *probs, int *correct);
void NN(nn_softmax_ce_backward_part)(int K, int B, int b0, int nb, const real *probs,
                                     const uint8_t *y, double a, real *dz);
void NN(nn_softmax_ce_rbackward_part)(int K, int B, int b0, int nb, const real *probs,
                                      const real *rz, real *rdz);

/* ---- the transformer's layers (issue 9).  Token tensors are feature-major,
 * d x (B L): column b L + t is token t of example b. ---- */

/* gelu.c: exact (erf) GELU y = x Phi(x); R-operator as softplus above */
void NN(nn_gelu_forward)(size_t n, const real *x, real *y);
void NN(nn_gelu_backward)(size_t n, const real *x, const real *dy, real *dx, int acc);
void NN(nn_gelu_rforward)(size_t n, const real *x, const real *rx, real *ry);
void NN(nn_gelu_rbackward)(size_t n, const real *x, const real *rx, const real *dy,
                           const real *rdy, real *rdx, int acc);

/* layernorm_blk.c: C features (stride ld) of the columns [n0, n0 + nn); C <= NN_LN_MAXC.
 * dx/dg/db and rdx/rdg/rdb may be NULL; dg, db, rdg, rdb are added to */
#define NN_LN_MAXC 1024
void NN(nn_ln_forward)(int C, size_t ld, size_t n0, size_t nn, const real *x, real *y,
                       const real *g, const real *b, double eps);
void NN(nn_ln_backward)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *dy,
                        const real *g, double eps, real *dx, real *dg, real *db, int acc);
void NN(nn_ln_rforward)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                        const real *g, const real *vg, const real *vb, double eps, real *ry);
void NN(nn_ln_rbackward)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                         const real *dy, const real *rdy, const real *g, const real *vg,
                         double eps, real *rdx, real *rdg, real *rdb, int acc);
/* the readable references of the four (per column; layernorm.c); the model
 * runs the column-blocked versions above (layernorm_blk.c) */
void NN(nn_ln_forward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, real *y,
                           const real *g, const real *b, double eps);
void NN(nn_ln_backward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *dy,
                            const real *g, double eps, real *dx, real *dg, real *db, int acc);
void NN(nn_ln_rforward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                            const real *g, const real *vg, const real *vb, double eps, real *ry);
void NN(nn_ln_rbackward_ref)(int C, size_t ld, size_t n0, size_t nn, const real *x, const real *rx,
                             const real *dy, const real *rdy, const real *g, const real *vg,
                             double eps, real *rdx, real *rdg, real *rdb, int acc);

/* embedding.c: y = tok[x] + pos[t] for the examples [b0, b0 + nb); backward adds
 * to dtok, dpos (either may be NULL) */
void NN(nn_embed_forward_part)(int d, int L, int B, int b0, int nb, const real *tok,
                               const real *pos, const real *x, real *y);
void NN(nn_embed_backward_part)(int d, int L, int B, int b0, int nb, const real *x,
                                const real *dy, real *dtok, real *dpos);

/* cls_pool.c: y (d x B) = the first token of each example */
void NN(nn_cls_forward_part)(int d, int L, int B, int b0, int nb, const real *x, real *y);
void NN(nn_cls_backward_part)(int d, int L, int B, int b0, int nb, const real *dy, real *dx,
                              int acc);

/* gather.c: y (d x B M) = the states at positions pos (B x M) of x (d x B L):
 * y[:, b M + j] = x[:, b L + pos[b M + j]]; backward dx (+)= scatter-add of dy
 * (acc = 0: the rest of the part's dx is 0).  Linear: the R-operator is the
 * same map on R x / R dy. */
void NN(nn_gather_forward_part)(int d, int L, int M, int B, int b0, int nb, const int32_t *pos,
                                const real *x, real *y);
void NN(nn_gather_backward_part)(int d, int L, int M, int B, int b0, int nb, const int32_t *pos,
                                 const real *dy, real *dx, int acc);

/* mlm_ce.c: cross-entropy over K classes (the vocabulary) of the columns
 * [n0, n0 + nn) of logits z (K x N) with int32 targets lab (-1: none),
 * divided by cnt (the number of targets of the whole batch).  Forward
 * returns the part's loss sum (not divided), writes probs, adds the correct
 * top-1 targets to *correct; backward dz = (p - onehot) / cnt, 0 in the
 * columns without a target; R: rdz = p .* (rz - <p, rz>) / cnt, 0 likewise. */
double NN(nn_mlm_ce_forward_part)(int K, size_t N, size_t n0, size_t nn, const real *z,
                                  const int32_t *lab, real *probs, int *correct);
void NN(nn_mlm_ce_backward_part)(int K, size_t N, size_t n0, size_t nn, const real *probs,
                                 const int32_t *lab, double cnt, real *dz);
void NN(nn_mlm_ce_rbackward_part)(int K, size_t N, size_t n0, size_t nn, const real *probs,
                                  const int32_t *lab, const real *rz, double cnt, real *rdz);

/* attention_gemm.c: scaled dot-product attention of H heads over qkv (3d x B L)
 * with the key padding mask of tok (1 x B L); p, ds, rds: H L x B L */
void NN(nn_attn_forward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                              const real *tok, real *p, real *ctx);
void NN(nn_attn_backward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                               const real *p, const real *dctx, real *ds, real *dqkv, int acc);
void NN(nn_attn_rforward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                               const real *rqkv, const real *p, real *rp, real *rctx);
void NN(nn_attn_rbackward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                                const real *rqkv, const real *p, const real *rp, const real *dctx,
                                const real *rdctx, real *ds, real *rds, real *rdqkv, int acc);
/* zero the columns of examples [b0, b0 + nb) in all `rows` rows of g (N
 * columns, L per example): the first writer of an attention gradient */
void NN(nn_attn_zero_part)(real *g, int rows, size_t N, int L, int b0, int nb);
/* the readable references of the four (loops, sums in double; attention.c);
 * the model runs the GEMM formulation above (attention_gemm.c) */
void NN(nn_attn_forward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                             const real *tok, real *p, real *ctx);
void NN(nn_attn_backward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                              const real *p, const real *dctx, real *ds, real *dqkv, int acc);
void NN(nn_attn_rforward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                              const real *rqkv, const real *p, real *rp, real *rctx);
void NN(nn_attn_rbackward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                               const real *rqkv, const real *p, const real *rp, const real *dctx,
                               const real *rdctx, real *ds, real *rds, real *rdqkv, int acc);

/* ---- the GCN's graph layers (issue 9, graphs; gcn.c).  rec: the input
 * records (stride S, N nodes: nn.h); node tensors C x (B N).  Examples
 * [b0, b0 + nb).  gfeat: y (NN_GCN_FEATURES x B N) = the degree features.
 * gprop: y = A_hat x per graph, x at example stride xex and feature stride
 * xf (a node tensor: N, B N); backward dx (+)= A_hat^T dy.  gpool: y (C x B)
 * = the mean over the n_b nodes; backward dx (+)= dy / n_b (0 at pads). ---- */
void NN(nn_gfeat_part)(int N, size_t S, int B, int b0, int nb, const real *rec, real *y);
void NN(nn_gprop_forward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec,
                               const real *x, size_t xex, size_t xf, real *y);
void NN(nn_gprop_backward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec,
                                const real *dy, real *dx, int acc);
void NN(nn_gpool_forward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec, const real *x,
                               real *y);
void NN(nn_gpool_backward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec, const real *dy,
                                real *dx, int acc);

#endif
