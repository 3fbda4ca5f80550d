/* iso_quad.h - f(W) = (c/2)||W||^2 as an objective's value and gradient, the
 * isotropic quadratic of Lemmas B.5 / B.6 and of the errata checks (one copy,
 * shared by momentum.c and errata.c).  Not an algorithm file. */
#ifndef PC_ISO_QUAD_H
#define PC_ISO_QUAD_H
#include <stddef.h>

typedef struct {
    size_t d;
    double c;
} iso_ctx;

static inline double iso_value(void *p, const double *w)
{
    const iso_ctx *q = p;
    double s = 0;
    for (size_t i = 0; i < q->d; i++) s += 0.5 * q->c * w[i] * w[i];
    return s;
}

static inline void iso_grad(void *p, const double *w, double *g)
{
    const iso_ctx *q = p;
    for (size_t i = 0; i < q->d; i++) g[i] = q->c * w[i];
}
#endif
