/* adagrad_ds.c - AdaGrad-norm steps on the construction of eq. (8) with the
 * widths set online (see adagrad_ds.h): the remark after Theorem 4.5 that the
 * lower bound covers step sizes chosen from the previous iterates.
 * @paper thm:4.5 */
#include "adagrad_ds.h"
#include "drori_shamir.h"
#include "noise.h"
#include "nso_error.h"
#include "objective.h"
#include "optimizer.h"
#include "pc_util.h"
#include "rng.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

double ad_ebar_sums(const ad_cfg *c, double eta0, double *s2)
{
    double b02 = c->sigma_g * c->sigma_g / (double)c->k, x2 = b02 / ((double)c->k * (double)c->k), s = 0, q = 0;
    for (long t = 0; t < c->T; t++) {
        double e = fmin(1.0 / c->C, eta0 / sqrt(b02 + (double)t * x2));
        s += e, q += e * e;
    }
    *s2 = q;
    return s;
}

/* bisection on log eta0 (sum ebar^2 is increasing in eta0) */
double ad_solve_eta0(const ad_cfg *c)
{
    double target = (double)c->k * c->D * c->D / (2 * c->C * c->sigma_g * c->sigma_g), lo = 1e-12, hi = 1e6, s2;
    ad_ebar_sums(c, hi, &s2);
    if (s2 <= target) return hi; /* every step capped at 1/C already fits */
    for (int it = 0; it < 200; it++) {
        double mid = sqrt(lo * hi);
        ad_ebar_sums(c, mid, &s2);
        if (s2 > target) hi = mid;
        else lo = mid;
    }
    return lo;
}

void ad_run(const ad_cfg *c, uint64_t seed, const char *name, ad_res *o)
{
    long T = c->T, k = c->k;
    double sk = sqrt((double)k), s2bar;
    o->eta0 = ad_solve_eta0(c);
    o->sbar = ad_ebar_sums(c, o->eta0, &s2bar);
    double G = fmax(1.0 / c->C, 2.0 * o->sbar), W00 = c->D * sqrt(G);
    double b02 = c->sigma_g * c->sigma_g / (double)k, gmax2 = W00 * W00 / (G * G) + c->sigma_g * c->sigma_g / (double)k;
    double level = fmin(1.0 / c->C, o->eta0 / sqrt(b02 + (double)T * gmax2)) * c->sigma_g / sk;
    o->G = G, o->level = level;
    double *alpha = nso_xmalloc((size_t)T * sizeof(double)), *W = nso_xmalloc((size_t)(T + 1) * sizeof(double));
    double *Wp = nso_xmalloc((size_t)(T + 1) * sizeof(double)), *xib = nso_xmalloc((size_t)T * sizeof(double));
    double *eta = nso_xmalloc((size_t)T * sizeof(double));
    o->gf2 = nso_xcalloc((size_t)T + 1, sizeof(double));
    o->eta_sum = nso_xcalloc((size_t)T, sizeof(double));
    o->sum_eta_mean = o->sum_eta_max = o->sum_eta2_max = o->gap_max = o->max_dev42 = 0;
    ds_chain ch = {(size_t)T + 1, DS_CHAIN_B2, c->C, G, alpha, c->sigma_g / sk, 0, 0};
    nso_objective *obj = ds_chain_objective(&ch);
    ds_piece hp[DS_MAXPIECES], dhp[DS_MAXPIECES];
    char msg[256];
    for (long rep = 0; rep < c->reps; rep++) {
        /* placeholders: the bound's widths (>= 2 level, so h_i is flat at 0 +- U) */
        for (long i = 0; i < T; i++)
            alpha[i] = 2 * fmin(1.0 / c->C, o->eta0 / sqrt(b02 + (double)i * b02 / ((double)k * (double)k))) * c->sigma_g / sk;
        gsl_rng *r = nso_rng_indexed(seed, pc_fmt("lower_adaptive/%s", name), (uint64_t)rep);
        nso_optimizer *opt = ds_engine((size_t)T + 1, c->sigma, k, level, NSO_TRUNC_TWO_SIDED, msg, sizeof msg);
        if (!opt) nso_die("--sigma/--sigma-g/--C: the truncated perturbation is out of the engine's range: %s", msg);
        opt->sample_seed = nso_stream_id(seed, pc_fmt("lower_adaptive/%s/oracle", name), (uint64_t)rep);
        memset(W, 0, (size_t)(T + 1) * sizeof(double));
        W[0] = W00;
        double acc = b02, prod = 1, se = 0, se2 = 0;
        for (long t = 0; t < T; t++) {
            /* the adaptive step from the past iterates (AdaGrad-norm) */
            eta[t] = fmin(1.0 / c->C, o->eta0 / sqrt(acc));
            alpha[t] = 2 * eta[t] * c->sigma_g / sk; /* eq. (41), set when eta_t is known */
            se += eta[t], se2 += eta[t] * eta[t];
            o->eta_sum[t] += eta[t];
            memcpy(Wp, W, (size_t)(T + 1) * sizeof(double));
            if (nso_opt_step(opt, obj, W, eta[t], r) != NSO_OK) pc_check_finite(NAN, "the adaptive iterates");
            double g2 = 0;
            for (long i = 0; i <= T; i++) g2 += (Wp[i] - W[i]) * (Wp[i] - W[i]);
            acc += g2 / (eta[t] * eta[t]);
            xib[t] = ds_xi_bar(opt, (uint64_t)t, k, ch.noise);
            /* eq. (42): W_{t+1} = W_0 prod (1 - eta_i/G) - sum_{i<=t} eta_i xi_i */
            prod *= 1.0 - eta[t] / G;
            double dev = fabs(W[0] - W00 * prod);
            for (long i = 0; i < T; i++) dev = fmax(dev, fabs(W[i + 1] - (i <= t ? -eta[i] * xib[i] : 0.0)));
            o->max_dev42 = fmax(o->max_dev42, dev / W00);
        }
        /* F(W_0) - min F for this run's widths: D^2/2 + sum_i E h_i(U_{i+1}) (min F - sigma^2/(2G) = 0) */
        double gap = 0.5 * c->D * c->D;
        for (long i = 0; i < T; i++) {
            size_t n = ds_h_pieces(alpha[i], c->C, hp);
            gap += ds_expect(hp, n, 0.0, c->sigma, level, NSO_TRUNC_TWO_SIDED);
        }
        o->gap_max = fmax(o->gap_max, gap / (c->D * c->D));
        /* ||grad F(W_t)||^2 along the run, t = 0..T, replayed from eq. (42) (checked above to rounding) */
        double w0 = W00;
        for (long t = 0; t <= T; t++) {
            double nrm = (w0 / G) * (w0 / G);
            for (long i = 0; i < t && i < T; i++) { /* coordinates not yet reached are 0: flat */
                double x = -eta[i] * xib[i];
                if (fabs(x) + level <= alpha[i]) continue; /* h' = 0 there */
                size_t n = ds_h_pieces(alpha[i], c->C, hp);
                ds_pieces_deriv(hp, n, dhp);
                double v = ds_expect(dhp, n, x, c->sigma, level, NSO_TRUNC_TWO_SIDED);
                nrm += v * v;
            }
            o->gf2[t] += nrm;
            if (t < T) w0 *= 1.0 - eta[t] / G;
        }
        o->sum_eta_mean += se / (double)c->reps;
        o->sum_eta_max = fmax(o->sum_eta_max, se);
        o->sum_eta2_max = fmax(o->sum_eta2_max, se2);
        nso_optimizer_free(opt);
        gsl_rng_free(r);
    }
    o->felt = ch.evals > 0 ? (double)ch.felt : 0;
    nso_obj_free(obj);
    free(alpha), free(W), free(Wp), free(xib), free(eta);
}

