/* linear.c - fully connected layer y = W x + b on a batch stored feature
 * major (x: in x B, y: out x B); W is PyTorch's (out, in) row-major.
 * R-operator by bilinearity, as in conv2d.c. */
#include "nn_impl.h"

void NN(nn_linear_forward)(int in, int out, int B, const real *w, const real *b, const real *x,
                           real *y, int acc)
{
    const int P = nn_nparts(B);
#pragma omp parallel for num_threads(P) schedule(static, 1)
    for (int q = 0; q < P; q++) {
        int b0 = B * q / P, nb = B * (q + 1) / P - b0;
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, nb, in, 1, w, in, x + b0, B,
             acc ? 1 : 0, y + b0, B);
    }
    if (b)
        for (int o = 0; o < out; o++)
            for (int j = 0; j < B; j++) y[(size_t)o * B + j] += b[o];
}

void NN(nn_linear_backward)(int in, int out, int B, const real *w, const real *x, const real *dy,
                            real *dx, real *dw, real *db, real *dwp, int acc)
{
    /* batch split as in conv2d.c: dW partials reduced in a fixed order */
    const int P = nn_nparts(B);
    const size_t nw = (size_t)out * in;
#pragma omp parallel for num_threads(P) schedule(static, 1)
    for (int q = 0; q < P; q++) {
        int b0 = B * q / P, nb = B * (q + 1) / P - b0;
        if (dw) {
            real *t = q == 0 ? dw : dwp + (size_t)(q - 1) * nw;
            GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, out, in, nb, 1, dy + b0, B, x + b0, B,
                 q == 0 ? 1 : 0, t, in);
        }
        if (dx)
            GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, in, nb, out, 1, w, in, dy + b0, B,
                 acc ? 1 : 0, dx + b0, B);
    }
    if (dw)
        for (int q = 1; q < P; q++) {
            const real *t = dwp + (size_t)(q - 1) * nw;
            for (size_t i = 0; i < nw; i++) dw[i] += t[i];
        }
    if (db)
        for (int o = 0; o < out; o++) {
            real s = 0;
            for (int j = 0; j < B; j++) s += dy[(size_t)o * B + j];
            db[o] += s;
        }
}

void NN(nn_linear_forward_part)(int in, int out, int B, int b0, int nb, const real *w,
                                const real *b, const real *x, real *y, int acc)
{
    GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, out, nb, in, 1, w, in, x + b0, B, acc ? 1 : 0,
         y + b0, B);
    if (b)
        for (int o = 0; o < out; o++)
            for (int j = b0; j < b0 + nb; j++) y[(size_t)o * B + j] += b[o];
}

void NN(nn_linear_backward_part)(int in, int out, int B, int b0, int nb, const real *w,
                                 const real *x, const real *dy, real *dx, real *dw, real *db,
                                 int acc)
{
    if (dw)
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, out, in, nb, 1, dy + b0, B, x + b0, B, 1, dw,
             in);
    if (dx)
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, in, nb, out, 1, w, in, dy + b0, B,
             acc ? 1 : 0, dx + b0, B);
    if (db)
        for (int o = 0; o < out; o++) {
            real s = 0;
            for (int j = b0; j < b0 + nb; j++) s += dy[(size_t)o * B + j];
            db[o] += s;
        }
}
