/* thm43.c - the Theorem 4.3 Monte Carlo through the engine (see thm43.h). */
#include "thm43.h"
#include "nso_error.h"
#include "optimizer.h"
#include "pc_util.h"
#include "rng.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void t43_run(const t43_cfg *c, const double *W0, uint64_t seed, const char *name, long r0, long R,
             double *avg, double *at_random)
{
    size_t d = c->f->dim;
    nso_param_set ps;
    char msg[256];
    t43_nso_params(c->law, c->sigma, c->k, &ps);
    double *W = nso_xmalloc(2 * d * sizeof(double)), *gF = W + d;
    for (long rr = 0; rr < R; rr++) {
        gsl_rng *r = nso_rng_indexed(seed, name, (uint64_t)(r0 + rr));
        nso_optimizer *o = nso_optimizer_alloc(nso_opt_nso, d, &ps, c->oracle, msg, sizeof msg);
        if (!o) nso_die("--sigma/--k: %s", msg);
        o->sample_seed = nso_stream_id(seed, pc_fmt("%s/oracle", name), (uint64_t)(r0 + rr));
        long tr = (long)gsl_rng_uniform_int(r, (unsigned long)c->T); /* Lemma B.1 iterate, eta constant */
        memcpy(W, W0, d * sizeof(double));
        double acc = 0, atr = NAN;
        for (long t = 0; t < c->T; t++) {
            if (c->f->smoothed_grad(c->f->ctx, W, c->law, c->sigma, gF) != NSO_OK)
                nso_die("%s: no closed-form grad F for the %s law", c->f->name, c->law->name);
            double n2 = 0;
            for (size_t i = 0; i < d; i++) n2 += gF[i] * gF[i];
            acc += n2;
            if (t == tr) atr = n2;
            if (nso_opt_step(o, c->oracle, W, c->eta, r) != NSO_OK)
                nso_die("NSO run %ld diverged (non-finite iterate)", r0 + rr);
        }
        avg[rr] = acc / (double)c->T;
        at_random[rr] = atr;
        nso_optimizer_free(o);
        gsl_rng_free(r);
    }
    free(W);
}

void t43_nso_params(const nso_noise_law *law, double sigma, long k, nso_param_set *ps)
{
    size_t li = 0;
    while (nso_noise_laws[li] && nso_noise_laws[li] != law) li++;
    nso_params_clear(ps);
    nso_params_set(ps, "sigma", sigma);
    nso_params_set(ps, "noise", (double)li);
    nso_params_set(ps, "k", (double)k);
    nso_params_set(ps, "pair-samples", 1);
}
