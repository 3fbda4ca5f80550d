/* sensing.h - over-parameterised matrix sensing (paper Sec. 2.1.1 eq. (4), Sec. 3.1).
 *
 * X* = U* U*^T with U* ~ N(0,1)^{d x r}; measurements A_i = (G + G^T)/2,
 * G ~ N(0,1)^{d x d}; y_i = <A_i, X*>.  The model is U in R^{d x d} and the
 * training loss is
 *     L(U) = (1/4m) sum_i r_i^2,   r_i = <A_i, U U^T> - y_i,
 * so that grad L = (1/m) sum_i r_i A_i U exactly as in the authors' code
 * (the paper's eq. (4) writes 1/(2n), which doubles both gradient and Hessian;
 * every ratio we report is unaffected).
 *
 * Hessian (in direction V):  H[V] = (1/m) sum_i [ 2 <A_i U, V> A_i U + r_i A_i V ]
 * Trace (closed form):       tr H = (2/m) tr(U^T M U) + (d/m) sum_i r_i tr(A_i),
 *                            M = sum_i A_i^2 (precomputed once).
 *
 * Storage: each A_i is symmetric, so it is stored as its packed upper triangle
 * (p = d(d+1)/2 entries; off-diagonal entries of X are doubled when packed).
 * A set of m measurements is one m x p row-major matrix, and a "pass" over it
 * serves many evaluation points at once as a matrix-matrix product (dgemm):
 *     pass 1: R = A Xp^T      (residuals of nb points)
 *     pass 2: S = C A         (S_b = sum_i c_bi A_i, packed)
 * A gradient is pass 1 + pass 2 + a d x d x d product per point.
 */
#ifndef NSO_SENSING_H
#define NSO_SENSING_H
#include "linop.h"
#include <stddef.h>
#include <stdint.h>

enum { NSO_SET_TRAIN = 0, NSO_SET_VAL = 1, NSO_SET_TEST = 2 };

typedef struct {
    size_t d, r;
    size_t m[3]; /* train, validation, test measurements (0 allowed for val/test) */
    uint64_t seed;
    /* optional: draw U* from this seed instead (same X* across problems) */
    int fixed_ustar;
    uint64_t ustar_seed;
} nso_sensing_params;

typedef struct nso_sensing nso_sensing;
struct nso_sensing {
    size_t d, r, p, m[3];
    double *A[3];    /* m x p packed measurements */
    double *y[3];    /* labels */
    double *trA;     /* tr(A_i), training set */
    double *M;       /* sum_i A_i^2 over the training set, d x d (lazy) */
    double *Ustar;   /* d x r */
    double *Xstar;   /* d x d */
    double xstar_norm, ymsq[3]; /* ||X*||_F and mean(y^2) per set */
    /* workspace for batches of up to cap points */
    size_t cap;
    int nthreads;
    double *Xp, *R, *S, *Sfull, *Sthr;
};

/* Generate a problem (deterministic in params->seed).  Returns NULL with a
 * message naming the bad field when r > d, d < 1, or m_train < 1. */
/* NULL with the reason in msg on a bad size (nothing printed) */
nso_sensing *nso_sensing_alloc(const nso_sensing_params *p, char *msg, size_t len);
void nso_sensing_free(nso_sensing *s);

/* Residuals r_bi = <A_i, U_b U_b^T> - y_i on `set` for nb points U (nb x d*d);
 * writes mean(r^2)/mean(y^2) (relative MSE) per point into relmse (may be NULL)
 * and the residuals into res (nb x m, may be NULL). One pass. */
void nso_sensing_residuals(nso_sensing *s, int set, size_t nb, const double *U, double *res,
                           double *relmse);
/* Gradients of L at nb points (nb x d*d) into G; losses L(U_b) into loss
 * (may be NULL).  Two passes over the training set shared by all points. */
void nso_sensing_grad(nso_sensing *s, size_t nb, const double *U, double *G, double *loss);
/* ||U U^T - X*||_F / ||X*||_F */
double nso_sensing_dist(const nso_sensing *s, const double *U);
/* M = sum_i A_i^2 over the training set (d x d, computed on first use): the
 * Gauss-Newton part of the trace is (2/m) tr(U^T M U), the whole trace at an
 * interpolating U */
const double *nso_sensing_M(nso_sensing *s);
/* closed-form Hessian trace at U given its training residuals res (m) */
double nso_sensing_trace(nso_sensing *s, const double *U, const double *res);

/* Hessian-vector products at nb fixed points, lock-step (for Lanczos):
 * prepare with the points (computes S0_b = sum_i r_bi A_i), then apply. */
typedef struct {
    nso_sensing *s;
    size_t nb;
    const double *U;  /* nb x d*d (not owned) */
    double *S0;       /* nb x d*d, (1/m) sum r_i A_i, unpacked */
} nso_sensing_hess;
/* res: the training residuals of the nb points (nb x m) when the caller has
 * them already, or NULL to compute them (one more pass) */
void nso_sensing_hess_prepare(nso_sensing *s, size_t nb, const double *U, const double *res,
                              nso_sensing_hess *h);
void nso_sensing_hess_free(nso_sensing_hess *h);
/* out_b = H(U_b) V_b for b < nops (nops must equal h->nb) */
void nso_sensing_hvp_batch(void *h, size_t nops, const double *V, double *out);
/* the nb Hessians as one lock-step operator (linop.h: nops = nb, n = d*d) */
nso_linop nso_sensing_hess_linop(nso_sensing_hess *h);

/* the two passes, exposed for the benchmark: one point uses dgemv */
void nso_sensing_pass1(nso_sensing *s, int set, size_t nb, const double *Xp, double *R);
void nso_sensing_pass2(nso_sensing *s, size_t nb, const double *C, double *S);
/* Fused pass for nb <= NSO_FUSED_MAX points (sensing_fused.c): one read of the
 * training measurements computes residuals R (m x nb; minus y) and
 * S = scale * R^T A (nb x p).  Sthr: nthreads x nb x p workspace. */
#define NSO_FUSED_MAX 4
void nso_sensing_fused(const nso_sensing *s, size_t nb, const double *Xp, const double *y,
                       double *R, double *S, double scale, double *Sthr, int nthreads);
int nso_sensing_threads(void);
/* vector width of the fused kernel: 0 (default) the widest the CPU runs
 * (nso_sensing_fused_widest(): 8 doubles with AVX-512, else 4); 4 forces the
 * 4-wide kernel.  Both give bit-identical results (tests/sens/test_fused.c). */
extern int nso_sensing_fused_width;
int nso_sensing_fused_widest(void);
/* 1 (default): gradients and HVPs of <= NSO_FUSED_MAX points use the fused
 * pass; 0: two BLAS passes (dgemv / dgemm).  Both give the same numbers up to
 * rounding (tests/test_lib.c checks 1e-12). */
extern int nso_sensing_use_fused;

/* pack a symmetric d x d matrix (off-diagonals doubled) / unpack a packed one */
void nso_sensing_pack_sym(size_t d, const double *X, double *xp);
void nso_sensing_unpack(size_t d, const double *sp, double *S);

/* Interpolating solutions that are hard for Prop. 2.3 (sensing_search.c).
 * nso_sensing_min_trace: `stages` stages of stage_steps GD steps on
 * L(U) + lambda (2/m) tr(U^T M U), lambda = lambda0, lambda0/2, ..., then
 * final_steps plain GD steps (step eta throughout); U is updated in place.
 * nso_sensing_gd_run: steps plain GD steps.  Both return NSO_OK,
 * NSO_EDIVERGE (U no longer finite) or NSO_ENOMEM. */
typedef struct {
    double eta, lambda0;
    long stages, stage_steps, final_steps;
} nso_trace_search;
int nso_sensing_min_trace(nso_sensing *s, double *U, const nso_trace_search *o);
int nso_sensing_gd_run(nso_sensing *s, double *U, double eta, long steps);

/* The sensing loss as an objective (exact oracle; grad_batch in chunks of 32
 * points sharing each pass).  owns = 1: nso_obj_free also frees s. */
struct nso_objective;
struct nso_objective *nso_sensing_objective(nso_sensing *s, int owns);

#endif
