/* hutchinson.c - the trace of a symmetric operator by Hutchinson's estimator
 * (Hutchinson 1989): tr A = E[v' A v] for v with independent Rademacher
 * entries, averaged over probes until the stopping rule of hessian.h.
 * Also: the standard error and 95% CI of the mean, per-group partial traces
 * from the same probes (per-layer traces of a network), and blocked
 * application (several probes share one pass of the operator).  An operator
 * with quadratic forms (linop.h: a network's second-order forward mode) gives
 * v' A v itself when no per-group split is asked: the same estimator.
 *
 * @paper table:3 (the trace of the Hessian; Table 2 compares it with the
 * perturbed-loss gap).  Running sums of q and q^2 (not Welford), so a fixed
 * set of probes always gives the same bits whatever the block size. */
#include "hessian.h"
#include "nso_error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int nso_hutchinson(const nso_linop *op, const nso_hutch_opts *opt, gsl_rng *r, nso_trace_est *res)
{
    if (op->nops != 1) NSO_ERROR("Hutchinson takes a single operator (nops = 1)", NSO_EINVAL);
    if (opt->max_probes < 1) NSO_ERROR("Hutchinson needs max_probes >= 1", NSO_EINVAL);
    if (!(opt->rel_tol >= 0)) NSO_ERROR("Hutchinson needs rel_tol >= 0", NSO_EINVAL);
    if (opt->group && opt->ngroups < 1) NSO_ERROR("Hutchinson: group given with ngroups < 1", NSO_EINVAL);
    size_t n = op->n;
    int G = opt->group ? opt->ngroups : 1;
    for (size_t i = 0; opt->group && i < n; i++)
        if (opt->group[i] < 0 || opt->group[i] >= G)
            NSO_ERROR("Hutchinson: a group index is outside [0, ngroups)", NSO_EINVAL);
    size_t blk = op->block > 1 ? op->block : 1;
    /* the operator's own quadratic forms when it has them and one group is asked */
    const int use_quad = op->quad != NULL && !opt->group;
    double *vb = nso_xmalloc(n * blk * sizeof(double)), *avb = nso_xmalloc(n * blk * sizeof(double));
    double *gs = nso_xcalloc((size_t)G, sizeof(double)), *gss = nso_xcalloc((size_t)G, sizeof(double));
    double *gp = nso_xcalloc((size_t)G, sizeof(double));
    double s = 0, ss = 0, prev = 0;
    size_t inblk = 0, nblk = 0, p;
    for (p = 0; p < opt->max_probes; p++) {
        if (inblk == nblk) { /* draw and apply the next block of probes */
            nblk = opt->max_probes - p < blk ? opt->max_probes - p : blk;
            for (size_t j = 0; j < nblk; j++)
                for (size_t i = 0; i < n; i++) vb[j * n + i] = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
            if (use_quad)
                op->quad(op->ctx, nblk, vb, avb);
            else
                op->apply(op->ctx, nblk, vb, avb);
            inblk = 0;
        }
        const double *v = vb + inblk * n, *av = avb + inblk * n;
        memset(gp, 0, (size_t)G * sizeof(double));
        double q = 0;
        if (use_quad) /* v' A v directly (one group) */
            gp[0] = q = avb[inblk];
        else
            for (size_t i = 0; i < n; i++) {
                double t = v[i] * av[i];
                q += t;
                gp[opt->group ? opt->group[i] : 0] += t;
            }
        inblk++;
        s += q;
        ss += q * q;
        for (int g = 0; g < G; g++) {
            gs[g] += gp[g];
            gss[g] += gp[g] * gp[g];
        }
        if (opt->progress.fn) opt->progress.fn(opt->progress.ctx, p + 1);
        double mean = s / (double)(p + 1);
        /* the stopping rule of hessian.h */
        int stop = p + 1 >= opt->min_probes && p > 0 &&
                   fabs(mean - prev) <= opt->rel_tol * (fabs(prev) + 1e-12);
        prev = mean;
        if (!isfinite(mean) || stop) {
            p++;
            break;
        }
    }
    res->probes = p;
    res->mean = s / (double)p;
    /* one probe: no variance estimate, se = NaN */
    double var = p > 1 ? fmax((ss - s * s / (double)p) / (double)(p - 1), 0) : NAN;
    res->se = sqrt(var / (double)p);
    res->ci95 = 1.96 * res->se;
    if (res->group_mean)
        for (int g = 0; g < G; g++) {
            res->group_mean[g] = gs[g] / (double)p;
            double vg = p > 1 ? fmax((gss[g] - gs[g] * gs[g] / (double)p) / (double)(p - 1), 0) : NAN;
            if (res->group_se) res->group_se[g] = sqrt(vg / (double)p);
        }
    free(vb);
    free(avb);
    free(gs);
    free(gss);
    free(gp);
    return isfinite(res->mean) ? NSO_OK : NSO_EDIVERGE;
}
