/* optimizer.c - registry, parameter checks and the single-run driver of the
 * ask/tell optimizer interface (optimizer.h). */
#include "optimizer.h"
#include "nso_error.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const nso_opt_params nso_opt_params_default = {
    .sigma = 0.01, .k = 1, .mu = 0.9, .no_negative = 0, .law = NULL, .trunc = NULL,
    .trunc_mode = NSO_TRUNC_NONE};

int nso_opt_params_check(const nso_opt_params *p, char *msg, size_t len)
{
    if (!(p->sigma >= 0) || !isfinite(p->sigma)) {
        snprintf(msg, len, "sigma must be a finite number >= 0, got %g", p->sigma);
        return NSO_EINVAL;
    }
    if (p->k < 1 || p->k > 4096) {
        snprintf(msg, len, "k must be an integer in [1, 4096], got %ld", p->k);
        return NSO_EINVAL;
    }
    if (!(p->mu >= 0 && p->mu < 1)) {
        snprintf(msg, len, "mu must be in [0, 1), got %g", p->mu);
        return NSO_EINVAL;
    }
    if (p->trunc_mode < NSO_TRUNC_NONE || p->trunc_mode > NSO_TRUNC_ONE_SIDED) {
        snprintf(msg, len, "unknown truncation mode %d", p->trunc_mode);
        return NSO_EINVAL;
    }
    return NSO_OK;
}

const nso_opt_type *const nso_opt_types[] = {&nso_opt_gd_t, &nso_opt_momentum_t, &nso_opt_wpgd_t,
                                             &nso_opt_nso_t, NULL};

const nso_opt_type *nso_opt_find(const char *name)
{
    const nso_opt_type *const *l = nso_opt_types;
    for (size_t i = 0; l[i]; i++)
        if (strcmp(l[i]->name, name) == 0) return l[i];
    return NULL;
}

const char *nso_opt_names(void)
{
    static char buf[256];
    const nso_opt_type *const *l = nso_opt_types;
    buf[0] = 0;
    for (size_t i = 0; l[i]; i++) {
        if (i) strcat(buf, ", ");
        strcat(buf, l[i]->name);
    }
    return buf;
}

nso_optimizer *nso_optimizer_alloc(const nso_opt_type *t, size_t dim, const nso_opt_params *p)
{
    char msg[160];
    if (!t || dim == 0) NSO_ERROR_NULL("optimizer type and dim > 0 required", NSO_EINVAL);
    if (nso_opt_params_check(p, msg, sizeof msg)) NSO_ERROR_NULL(msg, NSO_EINVAL);
    nso_optimizer *o = nso_xcalloc(1, sizeof *o);
    o->type = t;
    o->dim = dim;
    o->state = nso_xcalloc(1, t->state_size);
    if (t->alloc(o->state, dim, p) != NSO_OK) {
        free(o->state);
        free(o);
        NSO_ERROR_NULL("optimizer state allocation failed", NSO_ENOMEM);
    }
    o->maxpts = t->max_points(p);
    o->pts = nso_xmalloc(o->maxpts * dim * sizeof(double));
    o->grads = nso_xmalloc(o->maxpts * dim * sizeof(double));
    return o;
}

void nso_optimizer_free(nso_optimizer *o)
{
    if (!o) return;
    o->type->free(o->state);
    free(o->state);
    free(o->pts);
    free(o->grads);
    free(o);
}

int nso_all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

int nso_opt_step(nso_optimizer *o, const nso_objective *obj, double *w, double eta, gsl_rng *r)
{
    for (size_t phase = 0;; phase++) {
        size_t n = o->type->ask(o->state, w, phase, o->pts, r);
        if (n == 0) break;
        if (obj->sgrad) {
            for (size_t i = 0; i < n; i++)
                obj->sgrad(obj->ctx, o->pts + i * o->dim, o->grads + i * o->dim, r);
        } else {
            nso_obj_grad_batch(obj, n, o->pts, o->grads);
        }
        o->type->tell(o->state, w, phase, o->grads, eta);
    }
    return nso_all_finite(w, o->dim) ? NSO_OK : NSO_EDIVERGE;
}
