/* pool.c - global average pooling: x (C x B*hw) -> y (C x B), linear. */
#include "nn_impl.h"

void NN(nn_gap_forward)(int C, int B, int hw, const real *x, real *y)
{
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            const real *p = x + ((size_t)c * B + b) * hw;
            double s = 0;
            for (int i = 0; i < hw; i++) s += p[i];
            y[(size_t)c * B + b] = (real)(s / hw);
        }
}

void NN(nn_gap_backward)(int C, int B, int hw, const real *dy, real *dx, int acc)
{
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            real g = dy[(size_t)c * B + b] / hw;
            real *p = dx + ((size_t)c * B + b) * hw;
            if (acc)
                for (int i = 0; i < hw; i++) p[i] += g;
            else
                for (int i = 0; i < hw; i++) p[i] = g;
        }
}

void NN(nn_gap_forward_part)(int C, int B, int b0, int nb, int hw, const real *x, real *y)
{
    for (int c = 0; c < C; c++)
        for (int b = b0; b < b0 + nb; b++) {
            const real *p = x + ((size_t)c * B + b) * hw;
            double s = 0;
            for (int i = 0; i < hw; i++) s += p[i];
            y[(size_t)c * B + b] = (real)(s / hw);
        }
}

void NN(nn_gap_backward_part)(int C, int B, int b0, int nb, int hw, const real *dy, real *dx,
                              int acc)
{
    for (int c = 0; c < C; c++)
        for (int b = b0; b < b0 + nb; b++) {
            real g = dy[(size_t)c * B + b] / hw;
            real *p = dx + ((size_t)c * B + b) * hw;
            if (acc)
                for (int i = 0; i < hw; i++) p[i] += g;
            else
                for (int i = 0; i < hw; i++) p[i] = g;
        }
}
