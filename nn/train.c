/* train.c - training through the optimizer engine (see train.h): one
 * nso_opt_step of the chosen method per minibatch on the network objective
 * (nn_objective.c), the step-size schedule of the recipe, and the
 * evaluation of a model on a data set. */
#include "train.h"
#include "mlm.h"
#include "nso_error.h"
#include "rng.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

const nn_train_params nn_train_default = {0.02, 32, 30, 10, 0.1, 0, 0.0, 0.0, 1};

static int check_params(const nn_train_params *p, const nn_model_f32 *m, const nn_dataset *d,
                        char *msg, size_t len)
{
    if (!(p->lr > 0) || !isfinite(p->lr))
        snprintf(msg, len, "lr must be a finite number > 0, got %g", p->lr);
    else if (p->batch < 1 || p->batch > m->maxB || p->batch > d->n)
        snprintf(msg, len, "batch must be in [1, %d] (model capacity %d, %d examples), got %d",
                 m->maxB < d->n ? m->maxB : d->n, m->maxB, d->n, p->batch);
    else if (p->epochs < 1)
        snprintf(msg, len, "epochs must be >= 1, got %d", p->epochs);
    else if (p->decay_every < 0)
        snprintf(msg, len, "decay_every must be >= 0, got %d", p->decay_every);
    else if (!(p->decay > 0 && p->decay <= 1))
        snprintf(msg, len, "decay must be in (0, 1], got %g", p->decay);
    else
        return NSO_OK;
    return NSO_EINVAL;
}

nn_trainer *nn_trainer_alloc(nn_model_f32 *m, const nn_dataset *d, const nn_train_params *p,
                             const nso_opt_type *t, const nso_param_set *ps, char *msg, size_t len)
{
    if (!m || !d || !p) {
        snprintf(msg, len, "a model, a data set and training parameters are required");
        return NULL;
    }
    if (check_params(p, m, d, msg, len)) return NULL;
    nn_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) goto nomem;
    tr->m = m;
    tr->d = d;
    tr->p = *p;
    tr->obj = nn_objective_create(m, d, p->batch, msg, len);
    if (!tr->obj) goto fail;
    tr->nb = nn_objective_batches(tr->obj);
    tr->opt = nso_optimizer_alloc(t ? t : nso_opt_gd, m->nparams, ps, tr->obj, msg, len);
    if (!tr->opt) goto fail;
    if (nso_opt_compose(tr->opt, p->momentum, p->weight_decay, msg, len)) goto fail;
    tr->opt->sample_seed = p->seed;
    tr->w = malloc(m->nparams * sizeof(double));
    tr->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!tr->w || !tr->r) goto nomem;
    nso_rng_reseed(tr->r, p->seed, "nn/opt", 0);
    for (size_t i = 0; i < m->nparams; i++) tr->w[i] = m->params[i];
    nso_schedule *s = &tr->sched;
    memset(s, 0, sizeof *s);
    s->kind = NSO_SCHED_CONSTANT;
    s->eta = p->lr;
    s->factor = p->decay;
    s->every = 1;
    uint64_t T = (uint64_t)p->epochs * (uint64_t)tr->nb;
    if (p->decay_thirds) {
        tr->miles[0] = (double)(T / 3);
        tr->miles[1] = (double)(2 * T / 3);
        s->kind = NSO_SCHED_MILESTONES;
        s->list = tr->miles;
        s->nlist = 2;
    } else if (p->decay_every > 0) {
        s->kind = NSO_SCHED_STEP;
        s->every = (size_t)p->decay_every * (size_t)tr->nb;
    }
    return tr;
nomem:
    snprintf(msg, len, "out of memory (trainer)");
fail:
    nn_trainer_free(tr);
    return NULL;
}

void nn_trainer_free(nn_trainer *tr)
{
    if (!tr) return;
    nso_optimizer_free(tr->opt);
    nso_obj_free(tr->obj);
    free(tr->w);
    if (tr->r) gsl_rng_free(tr->r);
    free(tr);
}

double nn_trainer_lr(const nn_trainer *tr, uint64_t t) { return nso_schedule_eta(&tr->sched, t); }

int nn_trainer_epochs_done(const nn_trainer *tr) { return (int)(tr->opt->step / (uint64_t)tr->nb); }

int nn_trainer_epoch(nn_trainer *tr, double *loss, double *acc)
{
    nso_optimizer *o = tr->opt;
    uint64_t end = (o->step / (uint64_t)tr->nb + 1) * (uint64_t)tr->nb;
    int rc = NSO_OK;
    nn_objective_tally_reset(tr->obj);
    while (o->step < end) {
        uint64_t t = o->step;
        double eta = nso_schedule_eta(&tr->sched, t);
        if (t > 0 && o->hb_mu > 0 && o->vel) { /* PyTorch convention under a schedule */
            double prev = nso_schedule_eta(&tr->sched, t - 1);
            if (prev != eta)
                for (size_t i = 0; i < o->dim; i++) o->vel[i] *= eta / prev;
        }
        rc = nso_opt_step(o, tr->obj, tr->w, eta, tr->r);
        if (rc != NSO_OK) break;
    }
    float *p = tr->m->params;
    for (size_t i = 0, n = tr->m->nparams; i < n; i++) p[i] = (float)tr->w[i];
    nn_obj_tally ta;
    nn_objective_tally(tr->obj, &ta);
    if (loss) *loss = ta.seen ? ta.loss_sum / ta.seen : NAN;
    if (acc) *acc = ta.seen ? (double)ta.correct / ta.seen : NAN;
    return rc;
}

/* ---- save / restore -------------------------------------------------------
 * nso_opt_save's record, then "NNTRAIN1", the number of statistics, the
 * statistics (floats), num_batches_tracked and a 64-bit FNV-1a checksum of
 * this trailer. */
#define TMAGIC "NNTRAIN1"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int nn_trainer_save(const nn_trainer *tr, FILE *f)
{
    int rc = nso_opt_save(tr->opt, tr->w, tr->r, f);
    if (rc != NSO_OK) return rc;
    const nn_model_f32 *m = tr->m;
    uint64_t ns = m->nstats, h = 1469598103934665603ULL;
    int64_t nbt = m->num_batches_tracked;
    h = fnv(h, TMAGIC, 8);
    h = fnv(h, &ns, sizeof ns);
    h = fnv(h, m->stats, ns * sizeof(float));
    h = fnv(h, &nbt, sizeof nbt);
    if (fwrite(TMAGIC, 1, 8, f) != 8 || fwrite(&ns, sizeof ns, 1, f) != 1 ||
        (ns && fwrite(m->stats, sizeof(float), ns, f) != ns) || fwrite(&nbt, sizeof nbt, 1, f) != 1 ||
        fwrite(&h, sizeof h, 1, f) != 1)
        NSO_ERROR("trainer: write failed", NSO_EIO);
    return NSO_OK;
}

int nn_trainer_load(nn_trainer *tr, FILE *f, char *msg, size_t len)
{
    int rc = nso_opt_load(tr->opt, tr->w, tr->r, f, msg, len);
    if (rc != NSO_OK) return rc;
    nn_model_f32 *m = tr->m;
    char mg[8];
    uint64_t ns = 0, h = 1469598103934665603ULL, hf = 0;
    int64_t nbt = 0;
    if (fread(mg, 1, 8, f) != 8 || memcmp(mg, TMAGIC, 8) != 0) {
        snprintf(msg, len, "not a network training record (no batch-norm trailer)");
        return NSO_EFORMAT;
    }
    if (fread(&ns, sizeof ns, 1, f) != 1 || ns != m->nstats) {
        snprintf(msg, len, "record holds %llu batch-norm statistics, the model has %zu",
                 (unsigned long long)ns, m->nstats);
        return NSO_EFORMAT;
    }
    float *st = malloc((ns ? ns : 1) * sizeof(float));
    if (!st) NSO_ERROR("out of memory", NSO_ENOMEM);
    if ((ns && fread(st, sizeof(float), ns, f) != ns) || fread(&nbt, sizeof nbt, 1, f) != 1 ||
        fread(&hf, sizeof hf, 1, f) != 1) {
        free(st);
        snprintf(msg, len, "training record is truncated");
        return NSO_EFORMAT;
    }
    h = fnv(h, TMAGIC, 8);
    h = fnv(h, &ns, sizeof ns);
    h = fnv(h, st, ns * sizeof(float));
    h = fnv(h, &nbt, sizeof nbt);
    if (h != hf) {
        free(st);
        snprintf(msg, len, "training record is corrupted (checksum mismatch)");
        return NSO_EFORMAT;
    }
    memcpy(m->stats, st, ns * sizeof(float));
    free(st);
    m->num_batches_tracked = nbt;
    for (size_t i = 0; i < m->nparams; i++) m->params[i] = (float)tr->w[i];
    return NSO_OK;
}

/* ---- evaluation ------------------------------------------------------------ */
int nn_data_fits(const nn_model_f32 *m, const nn_dataset *d, char *msg, size_t len)
{
    const nn_config *c = &m->cfg;
    if (c->arch == NN_ARCH_GCN) { /* graph records (nn/graphs.h) */
        if (d->tokens && d->c == 1 && d->h == c->in_h && (size_t)d->h * d->w == nn_gcn_record_size(c) &&
            d->nclass <= c->nclass && d->nclass >= 1)
            return 0;
        snprintf(msg, len, "data set %dx%dx%d (%s), %d classes; GCN model of graphs up to %d nodes, %d adjacency "
                 "entries, %d classes", d->c, d->h, d->w, d->tokens ? "records" : "images", d->nclass, c->in_h,
                 c->in_w, c->nclass);
        return 1;
    }
    const int tf = c->arch == NN_ARCH_TRANSFORMER || c->arch == NN_ARCH_MLM;
    if (tf || d->tokens) { /* token ids, c = h = 1, w = the sequence (MLM: labels unused) */
        if (tf && d->tokens && d->c == 1 && d->h == 1 && d->w == c->in_w && d->nclass >= 1 &&
            (c->arch == NN_ARCH_MLM || d->nclass <= c->nclass))
            return 0;
        snprintf(msg, len, "%s data set of %d x %d, %d classes; %s model of %d tokens, %d classes",
                 d->tokens ? "token" : "image", d->h, d->w, d->nclass, tf ? nn_arch_name(c->arch) : "image",
                 c->in_w, c->nclass);
        return 1;
    }
    if (d->c == c->in_c && d->h == c->in_h && d->w == c->in_w && d->nclass <= c->nclass && d->nclass >= 1)
        return 0;
    snprintf(msg, len, "data set %dx%dx%d, %d classes; model %dx%dx%d inputs, %d classes", d->c, d->h, d->w,
             d->nclass, c->in_c, c->in_h, c->in_w, c->nclass);
    return 1;
}

double nn_evaluate(nn_model_f32 *m, const nn_dataset *d, int n, double *acc)
{
    char why[256];
    if (nn_data_fits(m, d, why, sizeof why)) { /* would read past the buffers */
        if (acc) *acc = NAN;
        return NAN;
    }
    if (n > d->n || n <= 0) n = d->n;
    int B = m->maxB, mode = m->bn_mode, M = m->cfg.arch == NN_ARCH_MLM ? m->cfg.nclass : 0;
    size_t per = (size_t)d->c * d->h * d->w;
    float *x = malloc(sizeof(float) * per * B);
    uint8_t *y = malloc(B);
    int *idx = malloc(sizeof(int) * B);
    int32_t *pos = M ? malloc(sizeof(int32_t) * B * M) : NULL, *lab = M ? malloc(sizeof(int32_t) * B * M) : NULL;
    gsl_rng *r = M ? gsl_rng_alloc(gsl_rng_mt19937) : NULL;
    if (!x || !y || !idx || n <= 0 || (M && (!pos || !lab || !r))) {
        free(x);
        free(y);
        free(idx);
        free(pos);
        free(lab);
        if (r) gsl_rng_free(r);
        if (acc) *acc = NAN;
        return NAN;
    }
    double L = 0, tot = 0;
    long ok = 0;
    m->bn_mode = NN_BN_EVAL;
    for (int s = 0; s < n; s += B) {
        int b = n - s < B ? n - s : B, c = 0;
        for (int i = 0; i < b; i++) idx[i] = s + i;
        nn_dataset_batch(d, idx, b, x, y);
        double wgt = b;
        if (M) { /* MLM: the static masks of seed 0, epoch 0; mean over the targets */
            nn_mlm_batch(d, idx, b, M, m->cfg.in_c, 0, 0, r, x, pos, lab);
            nn_set_input_f32(m, x, b);
            nn_set_mlm_targets_f32(m, pos, lab, b);
            wgt = m->mlm_count;
        }
        L += nn_loss_f32(m, x, y, b, &c) * wgt;
        ok += c;
        tot += wgt;
    }
    m->bn_mode = mode;
    free(x);
    free(y);
    free(idx);
    free(pos);
    free(lab);
    if (r) gsl_rng_free(r);
    if (tot <= 0) tot = 1;
    if (acc) *acc = (double)ok / (M ? tot : n);
    return L / tot;
}
