/* opt_driver.c - the one driver of the optimizer interface (optimizer.h):
 * every phase of every method, for one run or many runs in lock-step.
 *
 * One step of runs 0..n-1 on objective f:
 *   (each run)  remember W if a composition option is on; if the method
 *               evaluates only perturbed points, f.observe(W) (batch-norm
 *               running statistics come from the unperturbed point)
 *   phase p:    every run still active asks for its points; an exact
 *               objective evaluates all of them in one grad_batch call (matrix
 *               sensing shares one pass over its data), a stochastic one each
 *               point on its run's sample (seed, step, slot); each run is told
 *               its gradients; a run whose ask returns 0 is done
 *   (each run)  composition (eq. 10 momentum M <- mu M + (W' - W) - eta wd W,
 *               W' <- W + M), step counter + 1, finiteness check.
 * A single run is the same code with n = 1, so single and batched runs give
 * identical iterates whenever the objective's batched gradient equals its
 * per-point gradient. */
#include "nso_error.h"
#include "optimizer.h"
#include <stdlib.h>
#include <string.h>

struct nso_driver {
    size_t nruns, dim, cap; /* cap: points per phase over all runs */
    double *P, *G;
    nso_pt *info;
    size_t *cnt;
    unsigned char *active;
};

nso_driver *nso_driver_alloc(size_t nruns, size_t dim, size_t cap)
{
    nso_driver *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->nruns = nruns;
    d->dim = dim;
    d->cap = cap;
    d->P = malloc(cap * dim * sizeof(double));
    d->G = malloc(cap * dim * sizeof(double));
    d->info = malloc(cap * sizeof(nso_pt));
    d->cnt = malloc(nruns * sizeof(size_t));
    d->active = malloc(nruns);
    if (!d->P || !d->G || !d->info || !d->cnt || !d->active) {
        nso_driver_free(d);
        return NULL;
    }
    return d;
}

void nso_driver_free(nso_driver *d)
{
    if (!d) return;
    free(d->P);
    free(d->G);
    free(d->info);
    free(d->cnt);
    free(d->active);
    free(d);
}

static void compose_after(nso_optimizer *o, double *w, double eta)
{
    size_t n = o->dim;
    if (o->hb_mu > 0) {
        for (size_t i = 0; i < n; i++) {
            double step = (w[i] - o->wold[i]) - eta * o->wd * o->wold[i];
            o->vel[i] = o->hb_mu * o->vel[i] + step;
            w[i] = o->wold[i] + o->vel[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) w[i] -= eta * o->wd * o->wold[i];
    }
}

int nso_driver_step(nso_driver *d, nso_optimizer *const *o, const nso_objective *obj,
                    double *const *w, const double *eta, gsl_rng *const *r, size_t nruns,
                    int *status)
{
    size_t dim = d->dim, need = 0;
    if (nruns > d->nruns) NSO_ERROR("driver: more runs than allocated", NSO_EINVAL);
    for (size_t i = 0; i < nruns; i++) {
        if (o[i]->dim != dim) NSO_ERROR("driver: run dimension differs", NSO_EINVAL);
        need += o[i]->maxpts;
    }
    if (need > d->cap) NSO_ERROR("driver: more points per phase than allocated", NSO_EINVAL);
    if (obj->dim != dim) NSO_ERROR("driver: objective dimension differs", NSO_EINVAL);

    for (size_t i = 0; i < nruns; i++) {
        d->active[i] = 1;
        if (o[i]->wold) memcpy(o[i]->wold, w[i], dim * sizeof(double));
        if (obj->observe && !o[i]->type->evaluates_base) {
            nso_sample s = {o[i]->sample_seed, o[i]->step, 0, 1};
            int rc = obj->observe(obj->ctx, w[i], &s);
            if (rc != NSO_OK) return rc;
        }
    }
    for (size_t phase = 0;; phase++) {
        size_t np = 0;
        for (size_t i = 0; i < nruns; i++) {
            d->cnt[i] = 0;
            if (!d->active[i]) continue;
            size_t n = o[i]->type->ask(o[i]->state, w[i], phase, d->P + np * dim, d->info + np, r[i]);
            if (n == 0) {
                d->active[i] = 0;
                continue;
            }
            d->cnt[i] = n;
            np += n;
        }
        if (np == 0) break;
        if (!obj->sgrad) {
            nso_obj_grad_batch(obj, np, d->P, d->G);
        } else {
            size_t p = 0;
            for (size_t i = 0; i < nruns; i++)
                for (size_t j = 0; j < d->cnt[i]; j++, p++) {
                    nso_sample s = {o[i]->sample_seed, o[i]->step, d->info[p].slot, d->info[p].base};
                    int rc = obj->sgrad(obj->ctx, d->P + p * dim, d->G + p * dim, &s);
                    if (rc != NSO_OK) return rc;
                }
        }
        size_t off = 0;
        for (size_t i = 0; i < nruns; i++) {
            if (!d->cnt[i]) continue;
            o[i]->type->tell(o[i]->state, w[i], phase, d->G + off * dim, eta[i]);
            off += d->cnt[i];
        }
    }
    int rc = NSO_OK;
    for (size_t i = 0; i < nruns; i++) {
        if (o[i]->wold) compose_after(o[i], w[i], eta[i]);
        o[i]->step++;
        int ok = nso_all_finite(w[i], dim);
        if (status) status[i] = ok ? NSO_OK : NSO_EDIVERGE;
        if (!ok) rc = NSO_EDIVERGE;
    }
    return rc;
}

int nso_opt_step(nso_optimizer *o, const nso_objective *obj, double *w, double eta, gsl_rng *r)
{
    if (!o->d1) {
        o->d1 = nso_driver_alloc(1, o->dim, o->maxpts);
        if (!o->d1) NSO_ERROR("out of memory", NSO_ENOMEM);
    }
    return nso_driver_step(o->d1, &o, obj, &w, &eta, &r, 1, NULL);
}
