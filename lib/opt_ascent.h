/* opt_ascent.h - the two phases SAM and ASAM share (opt_sam.c, opt_asam.c):
 * phase 0 asks for the gradient at W itself (the base point, whose pass may
 * update batch-norm statistics), phase 1 at the ascent point W + e that the
 * method's tell computed from it, on the same sample (slot 0). */
#ifndef NSO_OPT_ASCENT_H
#define NSO_OPT_ASCENT_H
#include "optimizer.h"
#include <string.h>

static inline size_t nso_ascent_ask(size_t dim, const double *w, const double *e, size_t phase,
                                    double *pts, nso_pt *info)
{
    if (phase == 0) {
        memcpy(pts, w, dim * sizeof(double));
        info[0] = (nso_pt){0, 1};
        return 1;
    }
    if (phase > 1) return 0;
    for (size_t i = 0; i < dim; i++) pts[i] = w[i] + e[i];
    info[0] = (nso_pt){0, 0};
    return 1;
}

#endif
