/* optimizer.c - the registry, parameter tables, the allocation and the
 * composition options of the optimizer interface (optimizer.h).  The driver
 * is in opt_driver.c, saving/restoring runs in opt_state.c, the command-line
 * side in opt_cli.c. */
#include "optimizer.h"
#include "nso_error.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const nso_opt_type *const nso_opt_types[] = {&nso_opt_gd_t,   &nso_opt_momentum_t, &nso_opt_wpgd_t,
                                             &nso_opt_nso_t,  &nso_opt_sam_t,      &nso_opt_asam_t,
                                             &nso_opt_rsam_t, &nso_opt_bsam_t,     &nso_opt_nsoiso_t,
                                             NULL};

const nso_opt_type *nso_opt_find(const char *name)
{
    for (size_t i = 0; nso_opt_types[i]; i++)
        if (strcmp(nso_opt_types[i]->name, name) == 0) return nso_opt_types[i];
    return NULL;
}

const char *nso_opt_names(void)
{
    static char buf[512];
    buf[0] = 0;
    for (size_t i = 0; nso_opt_types[i]; i++) {
        if (i) strcat(buf, ", ");
        strcat(buf, nso_opt_types[i]->name);
    }
    return buf;
}

int nso_opt_param_index(const nso_opt_type *t, const char *name)
{
    for (size_t i = 0; i < t->nparams; i++)
        if (strcmp(t->params[i].name, name) == 0) return (int)i;
    return -1;
}

/* ---- parameter sets ------------------------------------------------------- */
void nso_params_clear(nso_param_set *s) { s->n = 0; }

int nso_params_set(nso_param_set *s, const char *name, double v)
{
    if (strlen(name) >= sizeof s->name[0]) NSO_ERROR("parameter name too long", NSO_EINVAL);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0) {
            s->val[i] = v;
            return NSO_OK;
        }
    if (s->n == NSO_MAX_PARAMS) NSO_ERROR("too many parameters in one set", NSO_EINVAL);
    strcpy(s->name[s->n], name);
    s->val[s->n++] = v;
    return NSO_OK;
}

static void takes(const nso_opt_type *t, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t->nparams && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", t->params[i].name);
    if (t->nparams == 0) snprintf(buf, len, "none");
}

static void range_text(const nso_param_def *p, char *buf, size_t len)
{
    switch (p->kind) {
    case NSO_PK_REAL: snprintf(buf, len, "a number in [%g, %g]", p->min, p->max); break;
    case NSO_PK_INT: snprintf(buf, len, "an integer in [%.0f, %.0f]", p->min, p->max); break;
    case NSO_PK_FLAG: snprintf(buf, len, "0 or 1"); break;
    case NSO_PK_LAW: snprintf(buf, len, "one of: %s", nso_noise_names()); break;
    }
}

static int check_value(const nso_opt_type *t, const nso_param_def *p, double v, char *msg,
                       size_t len)
{
    int ok = isfinite(v) && v >= p->min && v <= p->max;
    if (ok && (p->kind == NSO_PK_INT || p->kind == NSO_PK_FLAG || p->kind == NSO_PK_LAW))
        ok = v == floor(v);
    if (ok && p->kind == NSO_PK_LAW) {
        size_t n = 0;
        while (nso_noise_laws[n]) n++;
        ok = v < (double)n;
    }
    if (!ok) {
        char r[256];
        range_text(p, r, sizeof r);
        snprintf(msg, len, "%s: %s expects %s, got %g", t->name, p->name, r, v);
        return NSO_EINVAL;
    }
    return NSO_OK;
}

int nso_params_set_str(nso_param_set *s, const nso_opt_type *t, const char *name, const char *text,
                       char *msg, size_t len)
{
    int i = nso_opt_param_index(t, name);
    if (i < 0) {
        char tk[256];
        takes(t, tk, sizeof tk);
        snprintf(msg, len, "method '%s' takes no parameter '%s' (it takes: %s)", t->name, name, tk);
        return NSO_EINVAL;
    }
    const nso_param_def *p = &t->params[i];
    double v;
    if (p->kind == NSO_PK_LAW) {
        const nso_noise_law *law = nso_noise_find(text);
        if (!law) {
            snprintf(msg, len, "%s: unknown law '%s' (one of: %s)", name, text, nso_noise_names());
            return NSO_EINVAL;
        }
        size_t k = 0;
        while (nso_noise_laws[k] != law) k++;
        v = (double)k;
    } else {
        char *end, r[256];
        errno = 0;
        v = strtod(text, &end);
        if (*text == 0 || *end || errno) {
            range_text(p, r, sizeof r);
            snprintf(msg, len, "%s: expected %s, got '%s'", name, r, text);
            return NSO_EINVAL;
        }
    }
    if (check_value(t, p, v, msg, len)) return NSO_EINVAL;
    return nso_params_set(s, name, v);
}

int nso_params_resolve(const nso_opt_type *t, const nso_param_set *s, double *vals, char *msg,
                       size_t len)
{
    if (t->nparams > NSO_MAX_PARAMS) {
        snprintf(msg, len, "%s: too many parameters in its table", t->name);
        return NSO_EINVAL;
    }
    for (size_t i = 0; i < t->nparams; i++) vals[i] = t->params[i].def;
    for (size_t j = 0; s && j < s->n; j++) {
        int i = nso_opt_param_index(t, s->name[j]);
        if (i < 0) {
            char tk[256];
            takes(t, tk, sizeof tk);
            snprintf(msg, len, "method '%s' takes no parameter '%s' (it takes: %s)", t->name,
                     s->name[j], tk);
            return NSO_EINVAL;
        }
        if (check_value(t, &t->params[i], s->val[j], msg, len)) return NSO_EINVAL;
        vals[i] = s->val[j];
    }
    return NSO_OK;
}

void nso_params_format(const nso_opt_type *t, const double *vals, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t->nparams && o < len; i++) {
        const nso_param_def *p = &t->params[i];
        if (p->kind == NSO_PK_LAW)
            o += (size_t)snprintf(buf + o, len - o, "%s%s=%s", i ? " " : "", p->name,
                                  nso_noise_laws[(size_t)vals[i]]->name);
        else
            o += (size_t)snprintf(buf + o, len - o, "%s%s=%.17g", i ? " " : "", p->name, vals[i]);
    }
}

/* ---- allocation ------------------------------------------------------------ */
nso_optimizer *nso_optimizer_alloc(const nso_opt_type *t, size_t dim, const nso_param_set *s,
                                   const nso_objective *obj, char *msg, size_t len)
{
    if (!t || dim == 0) {
        snprintf(msg, len, "an optimizer type and a dimension > 0 are required");
        return NULL;
    }
    nso_optimizer *o = calloc(1, sizeof *o);
    if (!o) goto nomem;
    o->type = t;
    o->dim = dim;
    if (nso_params_resolve(t, s, o->vals, msg, len)) {
        free(o);
        return NULL;
    }
    if (t->check && t->check(o->vals, obj, msg, len) != NSO_OK) {
        free(o);
        return NULL;
    }
    o->state = calloc(1, t->state_size ? t->state_size : 1);
    if (!o->state) goto nomem;
    if (t->alloc(o->state, dim, o->vals, obj) != NSO_OK) {
        t->free(o->state); /* the state was zeroed: free() of what alloc did not set is a no-op */
        free(o->state);
        free(o);
        snprintf(msg, len, "%s: could not allocate its state (dim %zu)", t->name, dim);
        return NULL;
    }
    o->maxpts = t->max_points(o->vals);
    o->sample_seed = 0;
    return o;
nomem:
    free(o);
    snprintf(msg, len, "out of memory");
    return NULL;
}

void nso_optimizer_free(nso_optimizer *o)
{
    if (!o) return;
    o->type->free(o->state);
    free(o->state);
    free(o->vel);
    free(o->wold);
    nso_driver_free(o->d1);
    free(o);
}

double nso_opt_param(const nso_optimizer *o, const char *name)
{
    int i = nso_opt_param_index(o->type, name);
    return i < 0 ? NAN : o->vals[i];
}

int nso_opt_compose(nso_optimizer *o, double mu, double wd, char *msg, size_t len)
{
    if (!(mu >= 0 && mu < 1)) {
        snprintf(msg, len, "momentum must be in [0, 1), got %g", mu);
        return NSO_EINVAL;
    }
    if (!(wd >= 0) || !isfinite(wd)) {
        snprintf(msg, len, "weight decay must be a finite number >= 0, got %g", wd);
        return NSO_EINVAL;
    }
    o->hb_mu = mu;
    o->wd = wd;
    if ((mu > 0 || wd > 0) && !o->wold) {
        o->wold = malloc(o->dim * sizeof(double));
        o->vel = calloc(o->dim, sizeof(double));
        if (!o->wold || !o->vel) {
            snprintf(msg, len, "out of memory");
            return NSO_ENOMEM;
        }
    }
    return NSO_OK;
}

int nso_all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}
