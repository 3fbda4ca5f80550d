/* perturb.c - the weight perturbation of WP-GD / NSO / RSAM (perturb.h). */
#include "perturb.h"
#include "nso_error.h"
#include <stdlib.h>

int nso_perturb_init(nso_perturb *p, size_t dim, const double *vals)
{
    p->sigma = vals[0];
    p->law = nso_noise_laws[(size_t)vals[1]];
    p->a = NULL;
    p->mode = NSO_TRUNC_NONE;
    if (vals[2] > 0) {
        p->a = malloc(dim * sizeof(double));
        if (!p->a) return NSO_ENOMEM;
        for (size_t i = 0; i < dim; i++) p->a[i] = vals[2];
        p->mode = vals[3] > 0 ? NSO_TRUNC_ONE_SIDED : NSO_TRUNC_TWO_SIDED;
    }
    return NSO_OK;
}

void nso_perturb_free(nso_perturb *p)
{
    free(p->a);
    p->a = NULL;
}

void nso_perturb_draw(const nso_perturb *p, gsl_rng *r, size_t dim, double *u)
{
    nso_noise_fill_trunc(p->law, r, p->sigma, dim, p->a, p->mode, u);
}
