/* hess.c - the network's Hessian over an evaluation set as a toolkit
 * operator (see hess.h); the estimators are in lib/hutchinson.c and
 * lib/lanczos.c.  A selection of tensors (--params) runs the R passes only
 * from its first layer on (nn_hvp_multi_from): a last-layer trace costs a
 * fraction of a full one.  For networks that have them (nn_quad_ok) the
 * operator also gives the quadratic forms v' H v by second-order forward
 * mode (nn_quad_multi_from), which Hutchinson's estimator uses: no backward
 * pass per probe. */
#include "hess.h"
#include "train.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    if (nn_data_fits(m, d, msg, len)) return 1;
    if (m->cfg.arch == NN_ARCH_MLM) { /* its loss needs masks and targets, which the operator does not draw */
        snprintf(msg, len, "a masked-language model has no Hessian operator here (fine-tune it: --arch transformer --init)");
        return 1;
    }
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
    unsigned char tsel[NN_MAX_TENSORS] = {0};
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *T = &m->tensors[t];
        if (T->buffer != 0 || !match_prefix(T->name, params)) continue;
        tsel[t] = 1;
        for (size_t i = 0; i < T->n; i++) {
            mo->sel[mo->nsel] = T->off + i;
            mo->group[mo->nsel++] = T->layer;
        }
    }
    /* the R passes start (forward) and stop (backward) at the first selected
     * layer: v is zero before it, and Hv is wanted only on the selection */
    mo->first = nn_first_op_f32(m, tsel);
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

static void model_apply_one(nn_model_op *mo, const double *v, double *out)
{
    for (size_t i = 0; i < mo->nsel; i++) mo->v32[mo->sel[i]] = (float)v[i];
    memset(out, 0, sizeof(double) * mo->nsel);
    for (int s = 0; s < mo->n; s += mo->chunk) {
        int B = mo->n - s < mo->chunk ? mo->n - s : mo->chunk;
        nn_dataset_batch(mo->d, mo->idx + s, B, mo->x, mo->y);
        const float *v32 = mo->v32;
        nn_hvp_multi_from_f32(mo->m, mo->x, mo->y, B, 1, &v32, &mo->hv32, mo->first);
        double wgt = (double)B / mo->n; /* full-set average of per-example losses */
        for (size_t i = 0; i < mo->nsel; i++) out[i] += wgt * mo->hv32[mo->sel[i]];
        mo->hvps++;
    }
}

static void model_apply_multi(nn_model_op *mo, int nv, const double *v, double *out)
{
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
        nn_hvp_multi_from_f32(mo->m, mo->x, mo->y, B, nv, (const float *const *)mo->vb32, mo->hvb32,
                              mo->first);
        double wgt = (double)B / mo->n;
        for (int j = 0; j < nv; j++)
            for (size_t i = 0; i < mo->nsel; i++)
                out[j * mo->nsel + i] += wgt * mo->hvb32[j][mo->sel[i]];
        mo->hvps += nv;
    }
}

/* one product: nn_hvp_f32; several (<= NN_HESS_BLOCK): one shared pass */
static void model_apply(void *ctx, size_t nv, const double *v, double *out)
{
    if (nv == 1) model_apply_one(ctx, v, out);
    else model_apply_multi(ctx, (int)nv, v, out);
}

/* q_j = v_j' H v_j by second-order forward mode (nn_quad_multi_from): no
 * backward pass; chunk by chunk, weighted as the products */
static void model_quad(void *ctx, size_t nv, const double *v, double *q)
{
    nn_model_op *mo = ctx;
    for (size_t j = 0; j < nv; j++) {
        if (!mo->vb32[j]) {
            mo->vb32[j] = calloc(mo->m->nparams, sizeof(float));
            mo->hvb32[j] = calloc(mo->m->nparams, sizeof(float));
        }
        for (size_t i = 0; i < mo->nsel; i++) mo->vb32[j][mo->sel[i]] = (float)v[j * mo->nsel + i];
        q[j] = 0;
    }
    double qc[NN_HESS_BLOCK];
    for (int s = 0; s < mo->n; s += mo->chunk) {
        int B = mo->n - s < mo->chunk ? mo->n - s : mo->chunk;
        nn_dataset_batch(mo->d, mo->idx + s, B, mo->x, mo->y);
        nn_quad_multi_from_f32(mo->m, mo->x, mo->y, B, (int)nv, (const float *const *)mo->vb32, qc,
                               mo->first);
        double wgt = (double)B / mo->n;
        for (size_t j = 0; j < nv; j++) q[j] += wgt * qc[j];
        mo->hvps += nv;
    }
}

nso_linop nn_model_op_linop(nn_model_op *mo)
{
    return (nso_linop){.n = mo->nsel, .nops = 1, .block = NN_HESS_BLOCK, .apply = model_apply,
                       .ctx = mo, .quad = nn_quad_ok_f32(mo->m) ? model_quad : NULL};
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
