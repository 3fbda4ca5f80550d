/* sensing_search.c - interpolating solutions of matrix sensing that are hard
 * for Prop. 2.3 (issue 10): Prop. 2.3 says tr H(U*) <= tr H(W) + O(m^{-1/2})
 * for every W with L(W) = 0, and at such a W the trace is the Gauss-Newton
 * part (2/m) tr(W^T M W) = (2/m) tr(M W W^T), M = sum_i A_i^2 (eq. 23's second
 * term vanishes).  Two ways to look for interpolating W of small trace:
 *
 *  - GD from a small initialisation (U_0 = c N(0,1), c = 1e-3 in the issue),
 *    which is known to find near-low-rank solutions close to U* (Li, Ma and
 *    Zhang 2018): nso_sensing_gd_run from such a U;
 *  - an explicit search, nso_sensing_min_trace: GD on the trace-penalised loss
 *        L(W) + lambda (2/m) tr(W^T M W),
 *    gradient grad L(W) + lambda (4/m) M W, with lambda halved after every
 *    stage (continuation; convex in X = W W^T, and W is d x d, so no rank
 *    constraint), then plain GD to bring W back to interpolation (the final
 *    stage, lambda = 0).  The penalty is the trace at interpolation, so the
 *    search heads for the interpolating X of least tr(M X); its result is an
 *    upper bound on that minimum.
 *
 * Both use nso_sensing_grad (one point: the fused pass).  No paper equation
 * is implemented here (the trace is sensing.c's, eq. 23), hence no tag. */
#include "sensing.h"
#include "nso_error.h"
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>

int nso_sensing_gd_run(nso_sensing *s, double *U, double eta, long steps)
{
    return nso_sensing_min_trace(s, U, &(nso_trace_search){.eta = eta, .final_steps = steps});
}

int nso_sensing_min_trace(nso_sensing *s, double *U, const nso_trace_search *o)
{
    size_t d = s->d, dd = d * d, m = s->m[0];
    const double *M = o->stages > 0 ? nso_sensing_M(s) : NULL;
    double *G = malloc(dd * sizeof(double)), *MU = malloc(dd * sizeof(double));
    if (!G || !MU) {
        free(G);
        free(MU);
        return NSO_ENOMEM;
    }
    double lambda = o->lambda0;
    int rc = NSO_OK;
    for (long st = 0; st <= o->stages && rc == NSO_OK; st++, lambda *= 0.5) {
        long n = st < o->stages ? o->stage_steps : o->final_steps;
        double c = st < o->stages ? lambda * 4.0 / (double)m : 0.0;
        for (long t = 0; t < n; t++) {
            nso_sensing_grad(s, 1, U, G, NULL);
            if (c > 0) {
                cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)d, 1.0, M, (int)d, U, (int)d, 0.0, MU,
                            (int)d);
                cblas_daxpy((int)dd, c, MU, 1, G, 1);
            }
            cblas_daxpy((int)dd, -o->eta, G, 1, U, 1);
        }
        for (size_t i = 0; i < dd; i++)
            if (!isfinite(U[i])) {
                rc = NSO_EDIVERGE;
                break;
            }
    }
    free(G);
    free(MU);
    return rc;
}
