/* noise.h - perturbation distributions P for WP-GD and NSO (Algorithm 1).
 *
 * Each law is mean zero with per-coordinate standard deviation sigma, except
 * the explicitly named "binomial4_uncentred", which reproduces the authors'
 * Binomial(4, 1/2) noise: variance sigma^2 but MEAN 2 sigma
 * (docs/reference_notes.md; paper Table 1, Binomial row).
 *
 * Truncation (needed by the Theorem 4.5 construction, Sec. 4 / App. B.2):
 *   NSO_TRUNC_TWO_SIDED  |u_i| <= a_i   (what the proof uses; keeps symmetry)
 *   NSO_TRUNC_ONE_SIDED  min(u_i, a_i)  (what the text writes; not mean zero)
 */
#ifndef NSO_NOISE_H
#define NSO_NOISE_H
#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef struct {
    const char *name;
    const char *help;
    int symmetric;      /* 1 if u and -u have the same law */
    double mean_over_sigma; /* E[u]/sigma: 0 except binomial4_uncentred (2) */
    double (*draw)(const gsl_rng *r); /* one unit-variance draw (before scaling) */
    /* E[u^4]/sigma^4, used by tests and by H(P) computations */
    double kurtosis;
} nso_noise_law;

extern const nso_noise_law nso_noise_gaussian, nso_noise_laplace, nso_noise_uniform,
    nso_noise_binomial, nso_noise_rademacher, nso_noise_binomial4_uncentred;

/* NULL-terminated registry of every law */
extern const nso_noise_law *const nso_noise_laws[];
/* Look up by name; NULL if unknown. */
const nso_noise_law *nso_noise_find(const char *name);
/* "gaussian, laplace, ..." for error messages (static buffer) */
const char *nso_noise_names(void);

/* Characteristic function E cos(s X) of the unit-variance law X (real for a
 * symmetric law): Gaussian exp(-s^2/2), Laplace 1/(1 + s^2/2), uniform
 * sin(sqrt3 s)/(sqrt3 s), centred binomial cos(s/2)^4, Rademacher cos(s).
 * NAN for a law without a closed form here (the uncentred binomial). */
double nso_noise_cf(const nso_noise_law *law, double s);

enum { NSO_TRUNC_NONE = 0, NSO_TRUNC_TWO_SIDED = 1, NSO_TRUNC_ONE_SIDED = 2 };

/* out[i] = sigma * draw(), i < n */
void nso_noise_fill(const nso_noise_law *law, const gsl_rng *r, double sigma, size_t n,
                    double *out);
/* Truncated fill: coordinate i is conditioned on |u_i| <= a[i] (two-sided; exact
 * inverse-CDF sampling for the Gaussian, rejection otherwise) or clipped to
 * min(u_i, a[i]) (one-sided).  a[i] <= 0 or INFINITY means "no truncation". */
void nso_noise_fill_trunc(const nso_noise_law *law, const gsl_rng *r, double sigma, size_t n,
                          const double *a, int mode, double *out);

#endif
