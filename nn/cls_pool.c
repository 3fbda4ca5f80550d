/* cls_pool.c - [CLS] pooling: the sequence representation is the final
 * hidden state of the first token (BERT, Devlin et al. 2019, Sec. 3; here
 * without BERT's tanh "pooler" layer: the classification head reads it
 * directly).  x (d x B L) -> y (d x B): y[c, b] = x[c, b L].  Linear, so the
 * R-operator is the same map applied to R x / R dy. */
#include "nn_impl.h"
#include <string.h>

void NN(nn_cls_forward_part)(int d, int L, int B, int b0, int nb, const real *x, real *y)
{
    const size_t ld = (size_t)B * L;
    for (int c = 0; c < d; c++)
        for (int b = b0; b < b0 + nb; b++) y[(size_t)c * B + b] = x[c * ld + (size_t)b * L];
}

/* dx (+)= scatter of dy into the first token; acc = 0: the rest of the part's dx is 0 */
void NN(nn_cls_backward_part)(int d, int L, int B, int b0, int nb, const real *dy, real *dx,
                              int acc)
{
    const size_t ld = (size_t)B * L;
    for (int c = 0; c < d; c++) {
        real *p = dx + c * ld + (size_t)b0 * L;
        if (!acc) memset(p, 0, (size_t)nb * L * sizeof(real));
        for (int b = b0; b < b0 + nb; b++) dx[c * ld + (size_t)b * L] += dy[(size_t)c * B + b];
    }
}
