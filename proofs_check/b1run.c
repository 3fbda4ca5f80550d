/* b1run.c - one run of Lemma B.1's estimator with any schedule (see b1run.h).
 * @paper eq:29 */
#include "b1run.h"
#include "thm43.h"
#include "nso_error.h"
#include "optimizer.h"
#include "pc_util.h"
#include "rng.h"
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const b1_sched_names[B1_NSCHED] = {"sqrt", "milestones", "step", "constant"};

void b1_schedule(int kind, double e0, long T, double *buf, nso_schedule *out)
{
    memset(out, 0, sizeof *out);
    out->eta = e0;
    out->factor = 1;
    out->every = 1;
    switch (kind) {
    case B1_SQRT:
        for (long t = 0; t < T; t++) buf[t] = e0 / sqrt((double)t + 1);
        out->kind = NSO_SCHED_LIST, out->list = buf, out->nlist = (size_t)T;
        break;
    case B1_MILESTONES:
        buf[0] = floor((double)T / 3), buf[1] = floor(2.0 * (double)T / 3);
        out->kind = NSO_SCHED_MILESTONES, out->factor = 0.1, out->list = buf, out->nlist = 2;
        break;
    case B1_STEP: out->kind = NSO_SCHED_STEP, out->factor = 0.5, out->every = (size_t)(T / 5 > 0 ? T / 5 : 1); break;
    default: out->kind = NSO_SCHED_CONSTANT;
    }
}

b1_res b1_run(const b1_cfg *c, const nso_schedule *sch, long T, uint64_t seed, const char *name, long rr)
{
    size_t d = c->f->dim;
    nso_param_set ps;
    char msg[256];
    t43_nso_params(c->law, c->sigma, c->k, &ps);
    gsl_rng *r = nso_rng_indexed(seed, name, (uint64_t)rr);
    nso_optimizer *o = nso_optimizer_alloc(nso_opt_nso, d, &ps, c->oracle, msg, sizeof msg);
    if (!o) nso_die("--sigma/--k: %s", msg);
    o->sample_seed = nso_stream_id(seed, pc_fmt("%s/oracle", name), (uint64_t)rr);
    size_t tr = nso_random_iterate(sch, (size_t)T, r); /* Lemma B.1's t, drawn first */
    double *W = nso_xmalloc(3 * d * sizeof(double)), *Wn = W + d, *gF = Wn + d;
    double A = 0, B = 0, S = 0, ssum = 0, atr = NAN;
    memcpy(W, c->w0, d * sizeof(double));
    for (long t = 0; t < T; t++) {
        double e = nso_schedule_eta(sch, (size_t)t), n2 = 0, s2 = 0;
        if (c->f->smoothed_grad(c->f->ctx, W, c->law, c->sigma, gF) != NSO_OK)
            nso_die("%s: no closed-form grad F for the %s law", c->f->name, c->law->name);
        for (size_t i = 0; i < d; i++) n2 += gF[i] * gF[i];
        if ((size_t)t == tr) atr = n2;
        memcpy(Wn, W, d * sizeof(double));
        if (nso_opt_step(o, c->oracle, Wn, e, r) != NSO_OK) nso_die("NSO run %ld diverged (non-finite iterate)", rr);
        for (size_t i = 0; i < d; i++) {
            double dv = (W[i] - Wn[i]) / e - gF[i]; /* delta_t + xi_t */
            s2 += dv * dv;
        }
        A += e * n2, B += e * e * s2, S += e, ssum += s2;
        memcpy(W, Wn, d * sizeof(double));
    }
    nso_optimizer_free(o);
    gsl_rng_free(r);
    free(W);
    return (b1_res){A / S, (2 * c->D2 + c->C * B) / S, atr, ssum / (double)T, S, tr};
}

double b1_rule_pvalue(const nso_schedule *sch, long T, const size_t *ts, long n)
{
    long *grp = nso_xmalloc((size_t)T * sizeof(long));
    double mass[64] = {0}, acc = 0, S = 0;
    for (long t = 0; t < T; t++) S += nso_schedule_eta(sch, (size_t)t);
    long g = 0;
    for (long t = 0; t < T; t++) {
        grp[t] = g;
        double e = nso_schedule_eta(sch, (size_t)t) / S;
        mass[g] += e, acc += e;
        if (mass[g] >= 0.1 && g < 63 && 1 - acc > 1e-12) g++;
    }
    long ng = g + 1;
    if (ng > 1 && mass[ng - 1] < 0.05) {
        for (long t = 0; t < T; t++)
            if (grp[t] == ng - 1) grp[t] = ng - 2;
        mass[ng - 2] += mass[ng - 1];
        ng--;
    }
    double cnt[64] = {0}, chi2 = 0;
    for (long r = 0; r < n; r++) cnt[grp[ts[r]]] += 1;
    for (long j = 0; j < ng; j++) {
        double E = mass[j] * (double)n;
        chi2 += (cnt[j] - E) * (cnt[j] - E) / E;
    }
    free(grp);
    return ng > 1 ? gsl_cdf_chisq_Q(chi2, (double)(ng - 1)) : 1.0;
}
