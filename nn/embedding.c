/* embedding.c - token + position embedding of the transformer (BERT's
 * input layer without segment embeddings):
 *   y[:, b L + t] = tok[x_bt, :] + pos[t, :]
 * x holds token ids (as reals, validated by nn_set_input), tok is
 * torch.nn.Embedding(V, d).weight (V x d row-major), pos is (L x d); y is
 * feature-major (d x B L).  Linear in (tok, pos), so the R-operator is the
 * forward pass with the direction's tables, and R dW is the backward pass of
 * R dy (the Hessian has no embedding-embedding block). */
#include "nn_impl.h"

void NN(nn_embed_forward_part)(int d, int L, int B, int b0, int nb, const real *tok,
                               const real *pos, const real *x, real *y)
{
    const size_t ld = (size_t)B * L;
    for (int b = b0; b < b0 + nb; b++)
        for (int t = 0; t < L; t++) {
            size_t n = (size_t)b * L + t, id = (size_t)x[n];
            for (int c = 0; c < d; c++) y[c * ld + n] = tok[id * d + c] + pos[(size_t)t * d + c];
        }
}

void NN(nn_embed_backward_part)(int d, int L, int B, int b0, int nb, const real *x,
                                const real *dy, real *dtok, real *dpos)
{
    const size_t ld = (size_t)B * L;
    for (int b = b0; b < b0 + nb; b++)
        for (int t = 0; t < L; t++) {
            size_t n = (size_t)b * L + t, id = (size_t)x[n];
            for (int c = 0; c < d; c++) {
                if (dtok) dtok[id * d + c] += dy[c * ld + n];
                if (dpos) dpos[(size_t)t * d + c] += dy[c * ld + n];
            }
        }
}
