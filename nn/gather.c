/* gather.c - the masked-language-model head's gather: the final states of
 * the masked positions of each sequence (BERT's gather_indexes in
 * run_pretraining.py: the MLM decoder runs on those positions only).
 * x (d x B L) -> y (d x B M): y[c, b M + j] = x[c, b L + pos[b M + j]].
 * Linear, so the R-operator is the same map applied to R x / R dy.  The
 * positions of a part are read as given (nn_set_mlm_targets validated them). */
#include "nn_impl.h"
#include <string.h>

void NN(nn_gather_forward_part)(int d, int L, int M, int B, int b0, int nb, const int32_t *pos,
                                const real *x, real *y)
{
    const size_t lx = (size_t)B * L, ly = (size_t)B * M;
    for (int c = 0; c < d; c++)
        for (int b = b0; b < b0 + nb; b++)
            for (int j = 0; j < M; j++)
                y[c * ly + (size_t)b * M + j] = x[c * lx + (size_t)b * L + pos[(size_t)b * M + j]];
}

/* dx (+)= scatter-add of dy (a position chosen twice receives both) */
void NN(nn_gather_backward_part)(int d, int L, int M, int B, int b0, int nb, const int32_t *pos,
                                 const real *dy, real *dx, int acc)
{
    const size_t lx = (size_t)B * L, ly = (size_t)B * M;
    for (int c = 0; c < d; c++) {
        if (!acc) memset(dx + c * lx + (size_t)b0 * L, 0, (size_t)nb * L * sizeof(real));
        for (int b = b0; b < b0 + nb; b++)
            for (int j = 0; j < M; j++)
                dx[c * lx + (size_t)b * L + pos[(size_t)b * M + j]] += dy[c * ly + (size_t)b * M + j];
    }
}
