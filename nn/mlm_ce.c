/* mlm_ce.c - the masked-language-model loss (BERT, Devlin et al. 2019,
 * Sec. 3.1 "Task #1: Masked LM"; PyTorch CrossEntropyLoss(ignore_index)):
 *     loss = (1 / n) sum_{targets i} -log softmax(z_i)[y_i],
 * over the columns i of the logits z (K = vocabulary rows x N columns) that
 * have a target (lab[i] >= 0), n = the number of targets of the batch (a
 * constant of the batch, not of the weights).  Gradient dz_i = (p_i -
 * onehot(y_i)) / n; the R-operator of the gradient is the softmax Jacobian
 * times R z: R dz_i = p_i .* (R z_i - <p_i, R z_i>) / n (as softmax_ce.c);
 * columns without a target contribute nothing.  Log-sum-exp in double. */
#include "nn_impl.h"
#include <math.h>
#include <string.h>

double NN(nn_mlm_ce_forward_part)(int K, size_t N, size_t n0, size_t nn, const real *z,
                                  const int32_t *lab, real *probs, int *correct)
{
    double loss = 0;
    int ok = 0;
    for (size_t i = n0; i < n0 + nn; i++) {
        if (lab[i] < 0) continue;
        int arg;
        double lse = NN(nn_softmax_col)(K, N, i, z, probs, &arg);
        loss += lse - z[(size_t)lab[i] * N + i];
        ok += arg == lab[i];
    }
    if (correct) *correct += ok;
    return loss;
}

void NN(nn_mlm_ce_backward_part)(int K, size_t N, size_t n0, size_t nn, const real *probs,
                                 const int32_t *lab, double cnt, real *dz)
{
    for (int k = 0; k < K; k++)
        for (size_t i = n0; i < n0 + nn; i++)
            dz[(size_t)k * N + i] =
                lab[i] < 0 ? 0 : (real)((probs[(size_t)k * N + i] - (lab[i] == k)) / cnt);
}

void NN(nn_mlm_ce_rbackward_part)(int K, size_t N, size_t n0, size_t nn, const real *probs,
                                  const int32_t *lab, const real *rz, double cnt, real *rdz)
{
    for (size_t i = n0; i < n0 + nn; i++) {
        if (lab[i] < 0) {
            for (int k = 0; k < K; k++) rdz[(size_t)k * N + i] = 0;
            continue;
        }
        double dot = 0;
        for (int k = 0; k < K; k++) dot += (double)probs[(size_t)k * N + i] * rz[(size_t)k * N + i];
        for (int k = 0; k < K; k++) {
            size_t j = (size_t)k * N + i;
            rdz[j] = (real)(probs[j] * (rz[j] - dot) / cnt);
        }
    }
}
