/* noise.c - the perturbation laws of noise.h.  Unit-variance draws, scaled by
 * sigma.  Laplace scale 1/sqrt(2), uniform on [-sqrt 3, sqrt 3], centred
 * Binomial(4,1/2) - 2, Rademacher +-1: all variance 1, as in the authors' code. */
#include "noise.h"
#include "nso_error.h"
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

static double draw_gaussian(const gsl_rng *r) { return gsl_ran_gaussian_ziggurat(r, 1.0); }
static double draw_laplace(const gsl_rng *r) { return gsl_ran_laplace(r, M_SQRT1_2); }
static double draw_uniform(const gsl_rng *r) { return sqrt(3.0) * (2.0 * gsl_rng_uniform(r) - 1.0); }
static double draw_binomial(const gsl_rng *r) { return (double)gsl_ran_binomial(r, 0.5, 4) - 2.0; }
static double draw_rademacher(const gsl_rng *r) { return gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0; }
static double draw_binomial4(const gsl_rng *r) { return (double)gsl_ran_binomial(r, 0.5, 4); }

const nso_noise_law nso_noise_gaussian = {"gaussian", "N(0, sigma^2)", 1, 0.0, draw_gaussian, 3.0};
const nso_noise_law nso_noise_laplace = {"laplace", "Laplace, scale sigma/sqrt(2)", 1, 0.0,
                                         draw_laplace, 6.0};
const nso_noise_law nso_noise_uniform = {"uniform", "uniform on [-sqrt(3) sigma, sqrt(3) sigma]", 1,
                                         0.0, draw_uniform, 1.8};
/* centred Binomial(4,1/2): values -2..2 with probs 1,4,6,4,1 /16; E u^4 = (16*2+4*2)/16 = 2.5 */
const nso_noise_law nso_noise_binomial = {"binomial", "sigma * (Binomial(4,1/2) - 2), centred", 1,
                                          0.0, draw_binomial, 2.5};
const nso_noise_law nso_noise_rademacher = {"rademacher", "+-sigma with probability 1/2", 1, 0.0,
                                            draw_rademacher, 1.0};
/* uncentred: E u^4 of B(4,1/2) = 17.5 (raw moment) */
const nso_noise_law nso_noise_binomial4_uncentred = {
    "binomial4_uncentred", "sigma * Binomial(4,1/2): the authors' law, MEAN 2 sigma", 0, 2.0,
    draw_binomial4, 17.5};

const nso_noise_law *const nso_noise_laws[] = {
    &nso_noise_gaussian, &nso_noise_laplace, &nso_noise_uniform, &nso_noise_binomial,
    &nso_noise_rademacher, &nso_noise_binomial4_uncentred, NULL};

const nso_noise_law *nso_noise_find(const char *name)
{
    for (size_t i = 0; nso_noise_laws[i]; i++)
        if (strcmp(nso_noise_laws[i]->name, name) == 0) return nso_noise_laws[i];
    return NULL;
}

const char *nso_noise_names(void)
{
    static char buf[256];
    buf[0] = 0;
    for (size_t i = 0; nso_noise_laws[i]; i++) {
        if (i) strcat(buf, ", ");
        strcat(buf, nso_noise_laws[i]->name);
    }
    return buf;
}

double nso_noise_cf(const nso_noise_law *law, double s)
{
    if (law == &nso_noise_gaussian) return exp(-0.5 * s * s);
    if (law == &nso_noise_laplace) return 1.0 / (1.0 + 0.5 * s * s); /* scale 1/sqrt 2 */
    if (law == &nso_noise_uniform) {
        double a = sqrt(3.0) * s;
        return fabs(a) < 1e-8 ? 1.0 - a * a / 6.0 : sin(a) / a;
    }
    if (law == &nso_noise_binomial) { /* sum of four +-1/2 coins */
        double c = cos(0.5 * s);
        return c * c * c * c;
    }
    if (law == &nso_noise_rademacher) return cos(s);
    return NAN;
}

void nso_noise_fill(const nso_noise_law *law, const gsl_rng *r, double sigma, size_t n,
                    double *out)
{
    if (law == &nso_noise_gaussian) {
        for (size_t i = 0; i < n; i++) out[i] = gsl_ran_gaussian_ziggurat(r, sigma);
        return;
    }
    for (size_t i = 0; i < n; i++) out[i] = sigma * law->draw(r);
}

/* N(0, sigma^2) conditioned on |u| <= a, by inverting the CDF on [-a, a] */
static double trunc_gaussian(const gsl_rng *r, double sigma, double a)
{
    double plo = gsl_cdf_ugaussian_P(-a / sigma);
    double p = plo + gsl_rng_uniform_pos(r) * (1.0 - 2.0 * plo);
    double z = gsl_cdf_ugaussian_Pinv(p);
    double u = sigma * z;
    if (u > a) u = a; /* guard the last ulp */
    if (u < -a) u = -a;
    return u;
}

/* the truncated perturbation distribution of @paper lemma:B.2 (App. B.2) */
void nso_noise_fill_trunc(const nso_noise_law *law, const gsl_rng *r, double sigma, size_t n,
                          const double *a, int mode, double *out)
{
    for (size_t i = 0; i < n; i++) {
        double ai = a ? a[i] : INFINITY;
        int active = mode != NSO_TRUNC_NONE && ai > 0 && isfinite(ai);
        if (!active) {
            out[i] = sigma * law->draw(r);
        } else if (mode == NSO_TRUNC_ONE_SIDED) {
            double u = sigma * law->draw(r);
            out[i] = u < ai ? u : ai;
        } else if (law == &nso_noise_gaussian) {
            out[i] = trunc_gaussian(r, sigma, ai);
        } else {
            double u;
            int tries = 0;
            do {
                u = sigma * law->draw(r);
                if (++tries > 1000000) { u = 0.0; break; } /* a below the law's support */
            } while (fabs(u) > ai);
            out[i] = u;
        }
    }
}
