/* perturb.h - the weight perturbation U ~ P shared by the perturbation
 * methods (WP-GD, NSO, RSAM): a law from the registry scaled by sigma per
 * coordinate, optionally truncated at |u_i| <= trunc (two-sided, the
 * P-truncation of Theorem 4.5's construction, Sec. 4 / Lemma B.2) or clipped at u_i <= trunc (one-sided), and the
 * parameter-table rows every such method declares. */
#ifndef NSO_PERTURB_H
#define NSO_PERTURB_H
#include "noise.h"
#include <gsl/gsl_rng.h>
#include <stddef.h>

typedef struct {
    const nso_noise_law *law;
    double sigma;
    double *a; /* per-coordinate truncation levels, NULL when none */
    int mode;  /* NSO_TRUNC_* */
} nso_perturb;

/* rows of a parameter table (optimizer.h), in this order */
#define NSO_PERTURB_ROWS(sigma_help)                                                              \
    {"sigma", NSO_PK_REAL, 0.01, 0, 10, sigma_help},                                               \
    {"noise", NSO_PK_LAW, 0, 0, 64, "perturbation law P (unit variance before scaling)"},          \
    {"trunc", NSO_PK_REAL, 0, 0, 1e6, "truncate each |u_i| at this level (0: none; Thm 4.5 / Lemma B.2)"},  \
    {"one-sided", NSO_PK_FLAG, 0, 0, 1, "with --trunc: clip u_i at the level instead (one-sided)"}

/* from the four table values starting at vals[0]; returns NSO_OK or NSO_ENOMEM */
int nso_perturb_init(nso_perturb *p, size_t dim, const double *vals);
void nso_perturb_free(nso_perturb *p);
/* u = one draw of U (dim entries) */
void nso_perturb_draw(const nso_perturb *p, gsl_rng *r, size_t dim, double *u);

#endif
