/* nsovec.c - batched NSO runs for Theorem 4.3 (see nsovec.h). */
#include "nsovec.h"
#include "nso_error.h"
#include "rng.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* g: 2d scratch (sum_j cos(omega u_ij), sum_j z_ij); u, z: d scratch */
void nv_step(const nv_cfg *c, double *W, double *g, double *u, double *z, const gsl_rng *r)
{
    const tf_sepcos *f = c->f;
    size_t d = f->d;
    double sz = c->sigma_g / sqrt((double)d), *cs = g, *zs = g + d;
    memset(g, 0, 2 * d * sizeof *g);
    for (long j = 0; j < c->k; j++) {
        nso_noise_fill(c->law, r, c->sigma_p, d, u);
        nso_noise_fill(&nso_noise_gaussian, r, sz, d, z);
        for (size_t i = 0; i < d; i++) cs[i] += cos(f->omega * u[i]), zs[i] += z[i];
    }
    double ik = 1.0 / (double)c->k;
    for (size_t i = 0; i < d; i++) {
        /* (1/2k) sum_j [f'(w+u_j) + f'(w-u_j) + 2 z_j] */
        double gi = f->lam * W[i] + f->beta * f->omega * sin(f->omega * W[i]) * cs[i] * ik + zs[i] * ik;
        W[i] -= c->eta * gi;
    }
}

void nv_run(const nv_cfg *c, const double *W0, uint64_t seed, const char *name, long r0, long R, double *avg,
            double *at_random)
{
    size_t d = c->f->d;
    double e = tf_sepcos_e(c->f, c->law, c->sigma_p);
    double *W = nso_xmalloc(5 * d * sizeof(double)), *g = W + d, *u = W + 3 * d, *z = W + 4 * d;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (long rr = 0; rr < R; rr++) {
        nso_rng_reseed(r, seed, name, (uint64_t)(r0 + rr));
        long tr = (long)gsl_rng_uniform_int(r, (unsigned long)c->T); /* Lemma B.1 iterate, eta constant */
        memcpy(W, W0, d * sizeof(double));
        double acc = 0, atr = NAN;
        for (long t = 0; t < c->T; t++) {
            double n2 = 0;
            for (size_t i = 0; i < d; i++) {
                double gF = tf_sepcos_dF(c->f, W[i], e);
                n2 += gF * gF;
            }
            acc += n2;
            if (t == tr) atr = n2;
            nv_step(c, W, g, u, z, r);
        }
        avg[rr] = acc / (double)c->T;
        at_random[rr] = atr;
        if (!isfinite(avg[rr])) nso_die("NSO run %ld diverged (non-finite iterate)", r0 + rr);
    }
    gsl_rng_free(r);
    free(W);
}
