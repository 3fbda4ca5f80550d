/* elementwise.c - ReLU, softplus and the residual add, with R-operators.
 * ReLU's second derivative is zero almost everywhere, so R(dx) = R(dy) [x>0]
 * and R y = R x [x>0]: both are the backward kernel.  The mask [x > 0] may
 * be taken from the output y = max(x, 0) just as well ([y > 0] = [x > 0]):
 * model.c does, so that a ReLU fused into the layer before it needs no copy
 * of that layer's output. */
#include "nn_impl.h"
#include <math.h>

void NN(nn_relu_forward)(size_t n, const real *x, real *y)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

void NN(nn_relu_backward)(size_t n, const real *x, const real *dy, real *dx, int acc)
{
    if (!acc) {
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
        for (size_t i = 0; i < n; i++) { /* both operands loaded: a select, vectorises */
            real d = dy[i], z = 0;
            dx[i] = x[i] > 0 ? d : z;
        }
        return;
    }
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) { /* unconditional loads, a select: vectorises */
        real d = dy[i], a = dx[i];
        dx[i] = x[i] > 0 ? a + d : a;
    }
}

void NN(nn_relu_rforward)(size_t n, const real *x, const real *rx, real *ry)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) { /* both operands loaded: a select, vectorises */
        real r = rx[i], z = 0;
        ry[i] = x[i] > 0 ? r : z;
    }
}

void NN(nn_add_forward)(size_t n, const real *a, const real *b, real *y)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

void NN(nn_add_relu_forward)(size_t n, const real *a, const real *b, real *y)
{
    for (size_t i = 0; i < n; i++) {
        real v = a[i] + b[i], z = 0;
        y[i] = v > 0 ? v : z;
    }
}

void NN(nn_add_masked)(size_t n, const real *a, const real *b, const real *mask, real *y)
{
    for (size_t i = 0; i < n; i++) {
        real v = a[i] + b[i], z = 0;
        y[i] = mask[i] > 0 ? v : z;
    }
}

void NN(nn_acc)(size_t n, const real *dy, real *dx)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) dx[i] += dy[i];
}

static inline real sigm(real x) { return (real)(1.0 / (1.0 + exp(-(double)x))); }

void NN(nn_softplus_forward)(size_t n, const real *x, real *y)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) /* stable: max(x, 0) + log1p(e^-|x|) */
        y[i] = (real)((x[i] > 0 ? x[i] : 0) + log1p(exp(-fabs((double)x[i]))));
}

void NN(nn_softplus_backward)(size_t n, const real *x, const real *dy, real *dx, int acc)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) dx[i] = (acc ? dx[i] : 0) + dy[i] * sigm(x[i]);
}

void NN(nn_softplus_rforward)(size_t n, const real *x, const real *rx, real *ry)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) ry[i] = sigm(x[i]) * rx[i];
}

void NN(nn_softplus_rbackward)(size_t n, const real *x, const real *rx, const real *dy,
                               const real *rdy, real *rdx, int acc)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !nn_in_parallel())
    for (size_t i = 0; i < n; i++) {
        real s = sigm(x[i]);
        rdx[i] = (acc ? rdx[i] : 0) + rdy[i] * s + dy[i] * s * (1 - s) * rx[i];
    }
}
