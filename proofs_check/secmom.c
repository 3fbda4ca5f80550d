/* secmom.c - second-moment recursion of momentum SGD on a quadratic (App. B.3). */
#include "secmom.h"

void sm_step(sm_state *s, double c, double eta, double mu, double noise2)
{
    double a = 1 - c * eta, b = mu, p = -c * eta, q = mu;
    /* X S X' with X = [a b; p q], S = [ww wm; wm mm] */
    double ww = a * a * s->ww + 2 * a * b * s->wm + b * b * s->mm;
    double wm = a * p * s->ww + (a * q + b * p) * s->wm + b * q * s->mm;
    double mm = p * p * s->ww + 2 * p * q * s->wm + q * q * s->mm;
    double e = eta * eta * noise2;
    s->ww = ww + e, s->wm = wm + e, s->mm = mm + e;
}

double sm_lemma_b5(const double *eta, size_t t, double c, double w0sq, double noise2, int k_is_c_squared)
{
    double prod = 1.0, noise = 0.0;
    for (size_t j = 0; j < t; j++) {
        double f = (1 - c * eta[j]) * (1 - c * eta[j]);
        prod *= f;
        noise = noise * f + eta[j] * eta[j] * noise2;
    }
    return c * c * w0sq * prod + (k_is_c_squared ? c * c : c) * noise;
}
