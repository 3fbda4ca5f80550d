/* softmax_ce.c - softmax cross-entropy with optional label smoothing a:
 * target t = (1 - a) onehot(y) + a / K (PyTorch's label_smoothing), loss =
 * mean_b -sum_k t_k log p_k.  Gradient (p - t)/B.  R-operator of the gradient:
 * R p = p .* (R z - <p, R z>) (softmax Jacobian), R dz = R p / B.
 * Logits are K x B (column b = example b).  Log-sum-exp in double. */
#include "nn_impl.h"
#include <math.h>

double NN(nn_softmax_ce_forward_part)(int K, int B, int b0, int nb, const real *z,
                                      const uint8_t *y, double a, real *probs, int *correct)
{
    double loss = 0;
    int ok = 0;
    for (int b = b0; b < b0 + nb; b++) {
        int arg;
        double lse = NN(nn_softmax_col)(K, (size_t)B, (size_t)b, z, probs, &arg), sumz = 0;
        for (int k = 0; k < K; k++) sumz += z[(size_t)k * B + b];
        double nll = lse - z[(size_t)y[b] * B + b];
        double smooth = lse - sumz / K; /* -mean_k log p_k */
        loss += (1 - a) * nll + a * smooth;
        ok += arg == y[b];
    }
    if (correct) *correct = ok;
    return loss;
}

double NN(nn_softmax_ce_forward)(int K, int B, const real *z, const uint8_t *y, double a,
                                 real *probs, int *correct)
{
    return NN(nn_softmax_ce_forward_part)(K, B, 0, B, z, y, a, probs, correct) / B;
}

void NN(nn_softmax_ce_backward_part)(int K, int B, int b0, int nb, const real *probs,
                                     const uint8_t *y, double a, real *dz)
{
    for (int k = 0; k < K; k++)
        for (int b = b0; b < b0 + nb; b++) {
            double t = a / K + (y[b] == k ? 1 - a : 0);
            dz[(size_t)k * B + b] = (real)((probs[(size_t)k * B + b] - t) / B);
        }
}

void NN(nn_softmax_ce_backward)(int K, int B, const real *probs, const uint8_t *y, double a,
                                real *dz)
{
    NN(nn_softmax_ce_backward_part)(K, B, 0, B, probs, y, a, dz);
}

void NN(nn_softmax_ce_rbackward_part)(int K, int B, int b0, int nb, const real *probs,
                                      const real *rz, real *rdz)
{
    for (int b = b0; b < b0 + nb; b++) {
        double dot = 0;
        for (int k = 0; k < K; k++) dot += (double)probs[(size_t)k * B + b] * rz[(size_t)k * B + b];
        for (int k = 0; k < K; k++) {
            size_t i = (size_t)k * B + b;
            rdz[i] = (real)(probs[i] * (rz[i] - dot) / B);
        }
    }
}

void NN(nn_softmax_ce_rbackward)(int K, int B, const real *probs, const real *rz, real *rdz)
{
    NN(nn_softmax_ce_rbackward_part)(K, B, 0, B, probs, rz, rdz);
}

/* sum over the batch of d^2 L / dr^2 along a path z(r) with z' = rz and
 * (1/2) z'' = sz: 2 (p - t) . sz + rz^T (diag p - p p^T) rz per example
 * (t: the smoothed target), in double, examples in order */
double NN(nn_softmax_ce_quad)(int K, int B, const real *probs, const uint8_t *y, double a,
                              const real *rz, const real *sz)
{
    double sum = 0;
    for (int b = 0; b < B; b++) {
        double lin = 0, pz = 0, pzz = 0;
        for (int k = 0; k < K; k++) {
            size_t i = (size_t)k * B + b;
            double t = a / K + (y[b] == k ? 1 - a : 0), p = probs[i], z = rz[i];
            lin += (p - t) * sz[i];
            pz += p * z;
            pzz += p * z * z;
        }
        sum += 2 * lin + pzz - pz * pz;
    }
    return sum;
}
