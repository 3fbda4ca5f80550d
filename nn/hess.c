/* hess.c - Hutchinson trace, Lanczos with full re-orthogonalisation, SLQ
 * (see hess.h).  References: Hutchinson (1989); Ghorbani, Krishnan & Xiao
 * (2019) for SLQ on network Hessians; PyHessian (Yao et al. 2020) for the
 * trace stopping rule. */
#include "hess.h"
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int nn_hutchinson(const nn_linop *op, const int *group, size_t min_probes, size_t max_probes,
                  double rel_tol, gsl_rng *r, nn_trace_result *res,
                  void (*progress)(void *, size_t), void *pctx)
{
    size_t n = op->n;
    int G = res->ngroups > 0 ? res->ngroups : 1;
    int blk = op->apply_multi ? NN_HESS_BLOCK : 1;
    double *vb = malloc(n * blk * sizeof(double)), *avb = malloc(n * blk * sizeof(double));
    double *v = vb, *av = avb;
    int inblk = 0, nblk = 0;
    double *gs = calloc(G, sizeof(double)), *gss = calloc(G, sizeof(double));
    double *gp = calloc(G, sizeof(double));
    double s = 0, ss = 0, prev = 0;
    size_t p;
    for (p = 0; p < max_probes; p++) {
        if (inblk == nblk) { /* draw and apply the next block of probes */
            nblk = (int)(max_probes - p < (size_t)blk ? max_probes - p : (size_t)blk);
            for (int j = 0; j < nblk; j++)
                for (size_t i = 0; i < n; i++)
                    vb[j * n + i] = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
            if (nblk > 1) op->apply_multi(op->ctx, nblk, vb, avb);
            else op->apply(op->ctx, vb, avb);
            inblk = 0;
        }
        v = vb + inblk * n;
        av = avb + inblk * n;
        inblk++;
        memset(gp, 0, G * sizeof(double));
        double q = 0;
        for (size_t i = 0; i < n; i++) {
            double t = v[i] * av[i];
            q += t;
            gp[group ? group[i] : 0] += t;
        }
        s += q;
        ss += q * q;
        for (int g = 0; g < G; g++) {
            gs[g] += gp[g];
            gss[g] += gp[g] * gp[g];
        }
        if (progress) progress(pctx, p + 1);
        double mean = s / (p + 1);
        int stop = p + 1 >= min_probes && p > 0 &&
                   fabs(mean - prev) <= rel_tol * (fabs(prev) + 1e-12);
        prev = mean;
        if (!isfinite(mean)) {
            p++;
            break;
        }
        if (stop) {
            p++;
            break;
        }
    }
    if (p > max_probes) p = max_probes;
    res->probes = p;
    res->mean = s / p;
    double var = p > 1 ? (ss - s * s / p) / (p - 1) : NAN;
    res->se = sqrt(fmax(var, 0) / p);
    res->ci95 = 1.96 * res->se;
    if (res->group_mean)
        for (int g = 0; g < G; g++) {
            res->group_mean[g] = gs[g] / p;
            double vg = p > 1 ? (gss[g] - gs[g] * gs[g] / p) / (p - 1) : NAN;
            if (res->group_se) res->group_se[g] = sqrt(fmax(vg, 0) / p);
        }
    free(vb);
    free(avb);
    free(gs);
    free(gss);
    free(gp);
    return isfinite(res->mean) ? 0 : 4;
}

size_t nn_lanczos(const nn_linop *op, size_t m, gsl_rng *r, double *alpha, double *beta,
                  void (*progress)(void *, size_t), void *pctx)
{
    size_t n = op->n;
    if (m > n) m = n;
    double *Q = malloc(sizeof(double) * n * m), *w = malloc(sizeof(double) * n);
    double nrm = 0;
    for (size_t i = 0; i < n; i++) {
        Q[i] = gsl_ran_gaussian(r, 1.0);
        nrm += Q[i] * Q[i];
    }
    nrm = sqrt(nrm);
    for (size_t i = 0; i < n; i++) Q[i] /= nrm;
    size_t k;
    for (k = 0; k < m; k++) {
        double *q = Q + k * n;
        op->apply(op->ctx, q, w);
        double a = 0;
        for (size_t i = 0; i < n; i++) a += q[i] * w[i];
        alpha[k] = a;
        if (progress) progress(pctx, k + 1);
        if (k + 1 == m) {
            k++;
            break;
        }
        /* full re-orthogonalisation against all previous vectors, twice */
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = 0; j <= k; j++) {
                const double *qj = Q + j * n;
                double d = 0;
                for (size_t i = 0; i < n; i++) d += qj[i] * w[i];
                for (size_t i = 0; i < n; i++) w[i] -= d * qj[i];
            }
        double b = 0;
        for (size_t i = 0; i < n; i++) b += w[i] * w[i];
        b = sqrt(b);
        if (!(b > 1e-12 * (fabs(a) + 1e-300))) {
            k++;
            break;
        }
        beta[k] = b;
        double *qn = Q + (k + 1) * n;
        for (size_t i = 0; i < n; i++) qn[i] = w[i] / b;
    }
    free(Q);
    free(w);
    return k;
}

int nn_tridiag_eig(size_t m, const double *alpha, const double *beta, double *theta, double *w)
{
    double *e = malloc(sizeof(double) * (m > 1 ? m : 2)), *Z = malloc(sizeof(double) * m * m);
    memcpy(theta, alpha, m * sizeof(double));
    for (size_t i = 0; i + 1 < m; i++) e[i] = beta[i];
    int info = LAPACKE_dstev(LAPACK_ROW_MAJOR, 'V', (lapack_int)m, theta, e, Z, (lapack_int)m);
    if (info == 0 && w)
        for (size_t j = 0; j < m; j++) w[j] = Z[j] * Z[j]; /* first row, column j */
    free(e);
    free(Z);
    return info;
}

/* ---- the model operator -------------------------------------------- */

static int match_prefix(const char *name, const char *list)
{
    if (!list || !*list || strcmp(list, "all") == 0) return 1;
    const char *p = list;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        if (l && strncmp(name, p, l) == 0 && (name[l] == 0 || name[l] == '.')) return 1;
        p += l + (c ? 1 : 0);
    }
    return 0;
}

int nn_model_op_init(nn_model_op *mo, nn_model_f32 *m, const nn_dataset *d, const int *idx,
                     int n, int chunk, const char *params, char *msg, size_t len)
{
    memset(mo, 0, sizeof *mo);
    mo->m = m;
    mo->d = d;
    mo->idx = idx;
    mo->n = n;
    mo->chunk = chunk < m->maxB ? chunk : m->maxB;
    mo->sel = malloc(sizeof(size_t) * m->nparams);
    mo->group = malloc(sizeof(int) * m->nparams);
    /* every prefix in the list must match something */
    if (params && *params && strcmp(params, "all") != 0) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", params);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            int hit = 0;
            for (int t = 0; t < m->ntensors; t++)
                if (m->tensors[t].buffer == 0 && match_prefix(m->tensors[t].name, tok)) hit = 1;
            if (!hit) {
                snprintf(msg, len, "'%s' matches no parameter tensor (names like %s, %s)", tok,
                         m->tensors[0].name, m->tensors[m->ntensors - 1].name);
                nn_model_op_free(mo);
                return 1;
            }
        }
    }
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        if (T->buffer != 0 || !match_prefix(T->name, params)) continue;
        for (size_t i = 0; i < T->n; i++) {
            mo->sel[mo->nsel] = T->off + i;
            mo->group[mo->nsel++] = T->layer;
        }
    }
    mo->v32 = calloc(m->nparams, sizeof(float));
    mo->hv32 = calloc(m->nparams, sizeof(float));
    mo->acc = calloc(mo->nsel ? mo->nsel : 1, sizeof(double));
    size_t per = (size_t)d->c * d->h * d->w;
    mo->x = malloc(sizeof(float) * per * mo->chunk);
    mo->y = malloc(mo->chunk);
    return 0;
}

void nn_model_op_free(nn_model_op *mo)
{
    free(mo->sel);
    free(mo->group);
    free(mo->v32);
    free(mo->hv32);
    free(mo->acc);
    free(mo->x);
    free(mo->y);
    for (int j = 0; j < NN_HESS_BLOCK; j++) {
        free(mo->vb32[j]);
        free(mo->hvb32[j]);
    }
    memset(mo, 0, sizeof *mo);
}

static void model_apply(void *ctx, const double *v, double *out)
{
    nn_model_op *mo = ctx;
    for (size_t i = 0; i < mo->nsel; i++) mo->v32[mo->sel[i]] = (float)v[i];
    memset(out, 0, sizeof(double) * mo->nsel);
    for (int s = 0; s < mo->n; s += mo->chunk) {
        int B = mo->n - s < mo->chunk ? mo->n - s : mo->chunk;
        nn_dataset_batch(mo->d, mo->idx + s, B, mo->x, mo->y);
        nn_hvp_f32(mo->m, mo->x, mo->y, B, mo->v32, mo->hv32);
        double wgt = (double)B / mo->n; /* full-set average of per-example losses */
        for (size_t i = 0; i < mo->nsel; i++) out[i] += wgt * mo->hv32[mo->sel[i]];
        mo->hvps++;
    }
}

static void model_apply_multi(void *ctx, int nv, const double *v, double *out)
{
    nn_model_op *mo = ctx;
    for (int j = 0; j < nv; j++) {
        if (!mo->vb32[j]) {
            mo->vb32[j] = calloc(mo->m->nparams, sizeof(float));
            mo->hvb32[j] = calloc(mo->m->nparams, sizeof(float));
        }
        for (size_t i = 0; i < mo->nsel; i++) mo->vb32[j][mo->sel[i]] = (float)v[j * mo->nsel + i];
    }
    memset(out, 0, sizeof(double) * mo->nsel * nv);
    for (int s = 0; s < mo->n; s += mo->chunk) {
        int B = mo->n - s < mo->chunk ? mo->n - s : mo->chunk;
        nn_dataset_batch(mo->d, mo->idx + s, B, mo->x, mo->y);
        nn_hvp_multi_f32(mo->m, mo->x, mo->y, B, nv, (const float *const *)mo->vb32, mo->hvb32);
        double wgt = (double)B / mo->n;
        for (int j = 0; j < nv; j++)
            for (size_t i = 0; i < mo->nsel; i++)
                out[j * mo->nsel + i] += wgt * mo->hvb32[j][mo->sel[i]];
        mo->hvps += nv;
    }
}

nn_linop nn_model_op_linop(nn_model_op *mo)
{
    return (nn_linop){mo->nsel, model_apply, mo, model_apply_multi};
}

double nn_model_op_loss(nn_model_op *mo, double *acc)
{
    int mode = mo->m->bn_mode;
    mo->m->bn_mode = NN_BN_EVAL;
    double L = 0;
    long ok = 0;
    for (int s = 0; s < mo->n; s += mo->chunk) {
        int B = mo->n - s < mo->chunk ? mo->n - s : mo->chunk, c;
        nn_dataset_batch(mo->d, mo->idx + s, B, mo->x, mo->y);
        L += nn_loss_f32(mo->m, mo->x, mo->y, B, &c) * B;
        ok += c;
    }
    mo->m->bn_mode = mode;
    if (acc) *acc = (double)ok / mo->n;
    return L / mo->n;
}
