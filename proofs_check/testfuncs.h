/* testfuncs.h - test objectives with known Hessians and, where possible, a
 * closed-form smoothed objective F(W) = E_{U~P}[f(W+U)] (Prop. 2.1, eq. 1;
 * Theorem 4.3 and Lemma 4.4 need F and grad F exactly).
 *
 *   quadratic   f = 1/2 w'Aw + b'w                 F - f = (sigma^2/2) tr A exactly
 *   cossum      f = 1/m sum_j a_j (1 - cos(c_j'w + b_j))
 *               F via the characteristic function of P (any symmetric law):
 *               E cos(theta + c'U) = cos(theta) prod_i phi_P(sigma c_i)
 *   logcosh     f = 1/m sum_j a_j log cosh(c_j'w + b_j); F for Gaussian P by
 *               one-dimensional GSL quadrature (c'U ~ N(0, sigma^2 |c|^2))
 *   logistic    f = 1/n sum log(1 + exp(-y_i x_i'w)) + lambda/2 |w|^2 (synthetic)
 *   sensing     f = 1/(4m) sum (<A_i, U U'> - y_i)^2, U d x d, A_i = (G+G')/2,
 *               y_i = <A_i, U* U*'>, U* d x r (the paper's Sec. 3.1 at small d)
 *   sepcos      f = sum_i [lam w_i^2/2 + beta (1 - cos(omega w_i))]  (Thm 4.3):
 *               F = sum_i [lam (w_i^2 + sigma^2)/2 + beta (1 - e cos(omega w_i))],
 *               e = phi_P(omega sigma); C = lam + beta omega^2.
 * Every objective exposes value, gradient, u'H u and tr H.
 */
#ifndef TESTFUNCS_H
#define TESTFUNCS_H
#include "noise.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

/* characteristic function E cos(s X) of the unit-variance symmetric law X;
 * NAN for a law without a closed form here (non-symmetric) */
double tf_law_cf(const nso_noise_law *law, double s);

struct nso_objective;
typedef struct tf_obj tf_obj;
struct tf_obj {
    const char *name;
    size_t dim;
    double (*f)(const tf_obj *o, const double *w);
    void (*grad)(const tf_obj *o, const double *w, double *g);
    double (*hquad)(const tf_obj *o, const double *w, const double *u); /* u' H(w) u */
    double (*htrace)(const tf_obj *o, const double *w);
    /* exact F(w) under iid law*sigma per coordinate, NAN when unknown */
    double (*smoothed)(const tf_obj *o, const double *w, const nso_noise_law *law, double sigma);
    void *p;            /* parameters */
    double *w_eval;     /* the point at which Prop. 2.1 is checked (dim entries) */
    double sigma_max;   /* top of the sigma sweep (curvature scale of the problem) */
    double *work;       /* scratch */
    struct nso_objective *lib; /* owned library objective the data came from, or NULL */
};

/* builders (data from the given rng); free with tf_free */
tf_obj *tf_quadratic(size_t d, gsl_rng *r);
tf_obj *tf_cossum(size_t d, size_t m, gsl_rng *r);
tf_obj *tf_logcosh(size_t d, size_t m, gsl_rng *r);
tf_obj *tf_logistic(size_t d, size_t n, double lambda, gsl_rng *r);
/* interp = 1: evaluate at an interpolating point U = [U*, 0]; else U ~ N(0,1) */
tf_obj *tf_sensing(size_t d, size_t rank, size_t m, int interp, gsl_rng *r);
/* the same loss on the data of the library's registry problem "sensing"
 * (lib/prob_sensing.c, seed `seed`); interp: U = [U*, 0] with the library's U*.
 * NULL if the registry has no "sensing". */
tf_obj *tf_sensing_registry(size_t d, size_t rank, size_t m, uint64_t seed, int interp, gsl_rng *r);
/* the registry objective behind a tf_sensing_registry() object (else NULL) */
struct nso_objective *tf_sensing_lib(const tf_obj *o);
void tf_free(tf_obj *o);

/* ---- the separable cosine of Theorem 4.3 / Lemma 4.4 ----------------- */
typedef struct {
    size_t d;
    double lam, beta, omega;
} tf_sepcos;
static inline double tf_sepcos_C(const tf_sepcos *s) { return s->lam + s->beta * s->omega * s->omega; }
double tf_sepcos_f(const tf_sepcos *s, const double *w);
double tf_sepcos_dphi(const tf_sepcos *s, double x);             /* f'(x), one coordinate */
/* e = E cos(omega U) for U = sigma * law */
double tf_sepcos_e(const tf_sepcos *s, const nso_noise_law *law, double sigma);
double tf_sepcos_F(const tf_sepcos *s, const double *w, double e, double sigma);
double tf_sepcos_dF(const tf_sepcos *s, double x, double e);     /* dF/dw_i at w_i = x */
/* F(w) - min F (min at w = 0) */
double tf_sepcos_gap(const tf_sepcos *s, const double *w, double e);

#endif
