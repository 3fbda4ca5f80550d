/* kink.h - the ReLU kink term of a perturbed MLP loss: why the Taylor term
 * (sigma^2/2) tr H of Table 2 (paper Sec. 2.2, Prop. 2.1) underestimates the
 * gap E f(W+U) - f(W) of a ReLU network (nn/tools/nn_table2.c).
 *
 * Setting: the engine's MLP (fc1 -> ReLU -> fc2, softmax cross-entropy), every
 * parameter perturbed by U ~ N(0, sigma^2 I).  The pre-activation of hidden
 * unit j on example i, z_ij = w_j . x_i + b_j, moves by dz_ij ~ N(0, s_i^2)
 * with s_i = sigma c_i, c_i^2 = ||x_i||^2 + 1 (exactly, for Gaussian U).
 *
 * The Hessian of the engine (R-operator, as PyTorch's double backward) uses
 * relu'' = 0, so its Taylor term holds no contribution of the kinks.  For
 * dz ~ N(0, s^2),
 *     E relu(z + dz) - relu(z) - relu'(z) E dz = s psi(|z| / s),
 *     psi(a) = phi(a) - a Phi(-a)          (the same for z > 0 and z < 0),
 * and the loss feels this shift of the hidden activation through
 * g_ij = d loss_i / d h_ij at W.  To leading order in sigma the kink term of
 * the gap is
 *     K(sigma) = (1/n) sum_ij g_ij s_i psi(|z_ij| / s_i)
 *              ~ (sigma^2 / 2) D0,   D0 = (1/n) sum_ij g_ij c_i^2 delta(z_ij),
 * because int psi(|t|) dt = 1/2: D0 is the weighted density of the
 * pre-activations at 0, the trace of the singular part of the loss's
 * distributional Hessian that the R-operator drops.  K is D0 estimated with
 * the perturbation's own smoothing kernel; nn_kink_density0 gives the box-kernel
 * estimate.  So the gap should be (sigma^2/2)(tr H + D0), i.e. gap / approx =
 * 1 + D0 / tr H at every sigma of the grid.
 *
 * Sign changes: unit (i, j) changes sign with probability Phi(-|z_ij| / s_i);
 * their mean is nn_kink_flip_expected, ~ sqrt(2/pi) sigma E[c delta(z)] to
 * leading order; nn_kink_flips counts them for given (perturbed) parameters.
 *
 * Engine code: returns status and message, never prints. */
#ifndef NN_KINK_H
#define NN_KINK_H
#include "dataset.h"
#include "nn.h"
#include <stddef.h>

typedef struct {
    int n, H, D, C;     /* examples, hidden units, inputs, classes */
    float *x;           /* n x D inputs (pixels / 255) */
    float *z;           /* n x H pre-activations of fc1 at W */
    float *zp;          /* n x H scratch (nn_kink_flips) */
    double *g;          /* n x H: d loss_i / d h_ij at W */
    double *c2;         /* n: ||x_i||^2 + 1 */
    double loss;        /* mean loss recomputed here in double (to compare with the engine's) */
    size_t w1, b1;      /* offsets of fc1.weight (H x D) and fc1.bias in the parameters */
} nn_kink;

/* psi(a) = phi(a) - a Phi(-a), a >= 0 (psi(0) = 1/sqrt(2 pi), int_0^inf psi = 1/4) */
double nn_kink_psi(double a);

/* The pre-activations, activation gradients and input norms of model m (an
 * MLP with ReLU) on examples idx[0..n) of d.  Returns 0, or 1 with msg (not an
 * MLP, not ReLU, data that does not fit, no memory). */
int nn_kink_init(nn_kink *k, const nn_model_f32 *m, const nn_dataset *d, const int *idx, int n, char *msg,
                 size_t len);
void nn_kink_free(nn_kink *k);

/* K(sigma) above */
double nn_kink_term(const nn_kink *k, double sigma);
/* expected fraction of the n x H pre-activations that change sign under U */
double nn_kink_flip_expected(const nn_kink *k, double sigma);
/* box-kernel estimates at bandwidth h > 0: returns D0 = (1/n) sum g c^2
 * 1{|z| < h} / (2h); *p0 (if not NULL) gets the density of z at 0 per unit,
 * (1/(nH)) sum 1{|z| < h} / (2h) */
double nn_kink_density0(const nn_kink *k, double h, double *p0);
/* fraction of the n x H pre-activations whose sign under the parameters
 * `params` (the model's layout, e.g. W + U) differs from that at W */
double nn_kink_flips(nn_kink *k, const float *params);

#endif
