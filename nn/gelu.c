/* gelu.c - GELU activation, exact (erf) form, PyTorch's default
 * (torch.nn.GELU(approximate='none')): y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
 * g'(x) = Phi(x) + x phi(x), g''(x) = phi(x) (2 - x^2), phi the standard
 * normal density.  Backward dx += dy g'(x); R-operator R y = g'(x) R x and
 * R dx += R dy g'(x) + dy g''(x) R x.  Smooth (g'' is not zero almost
 * everywhere), the activation of BERT and of the text half of Table 2
 * (the ReLU control is elementwise.c's ReLU). */
#include "nn_impl.h"
#include <math.h>

/* the float build evaluates phi and Phi in float (expf, erff: within an ulp
 * or two of float); the double build, the tests' independent path, in double */
#ifdef NN_F64
static inline double phi(double x) { return 0.3989422804014327 * exp(-0.5 * x * x); }
static inline double Phi(double x) { return 0.5 * (1.0 + erf(x * 0.7071067811865476)); }
#else
static inline float phi(float x) { return 0.3989422804014327f * expf(-0.5f * x * x); }
static inline float Phi(float x) { return 0.5f * (1.0f + erff(x * 0.7071067811865476f)); }
#endif

void NN(nn_gelu_forward)(size_t n, const real *x, real *y)
{
    for (size_t i = 0; i < n; i++) y[i] = (real)(x[i] * Phi(x[i]));
}

void NN(nn_gelu_backward)(size_t n, const real *x, const real *dy, real *dx, int acc)
{
    for (size_t i = 0; i < n; i++) {
        real v = x[i], d = Phi(v) + v * phi(v);
        dx[i] = (real)((acc ? dx[i] : 0) + dy[i] * d);
    }
}

void NN(nn_gelu_rforward)(size_t n, const real *x, const real *rx, real *ry)
{
    for (size_t i = 0; i < n; i++) {
        real v = x[i];
        ry[i] = (real)((Phi(v) + v * phi(v)) * rx[i]);
    }
}

void NN(nn_gelu_rbackward)(size_t n, const real *x, const real *rx, const real *dy,
                           const real *rdy, real *rdx, int acc)
{
    for (size_t i = 0; i < n; i++) {
        real v = x[i], d1 = Phi(v) + v * phi(v), d2 = phi(v) * (2 - v * v);
        rdx[i] = (real)((acc ? rdx[i] : 0) + rdy[i] * d1 + dy[i] * d2 * rx[i]);
    }
}
