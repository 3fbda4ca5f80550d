/* sensing.c - matrix sensing data, batched gradient passes, closed-form Hessian
 * trace and batched Hessian-vector products (see sensing.h for the equations;
 * paper eq. (4), (22)-(23), Prop. 2.3). */
#include "sensing.h"
#include "nso_error.h"
#include "rng.h"
#include <gsl/gsl_cblas.h> /* OpenBLAS provides these symbols */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nso_sensing_pack_sym(size_t d, const double *X, double *xp)
{
    size_t t = 0;
    for (size_t j = 0; j < d; j++) {
        xp[t++] = X[j * d + j];
        for (size_t k = j + 1; k < d; k++) xp[t++] = X[j * d + k] + X[k * d + j];
    }
}

void nso_sensing_unpack(size_t d, const double *sp, double *S)
{
    size_t t = 0;
    for (size_t j = 0; j < d; j++) {
        S[j * d + j] = sp[t++];
        for (size_t k = j + 1; k < d; k++) S[j * d + k] = S[k * d + j] = sp[t++];
    }
}

int nso_sensing_use_fused = 1;

/* OpenBLAS's own thread control (libopenblas; not in GSL's cblas header).  The
 * fused path runs its small d x d BLAS calls single-threaded: idle OpenBLAS
 * threads spin-wait and would otherwise steal both cores from the OpenMP
 * workers of the fused pass (measured: a 12 ms step instead of 2.6 ms). */
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);

static void ensure_cap(nso_sensing *s, size_t nb)
{
    if (nb <= s->cap) return;
    /* threads only pay off on large arrays (and spin-waiting OpenMP threads
     * hurt small problems on a busy machine) */
    if (!s->nthreads) s->nthreads = s->m[0] * s->p >= 1000000 ? nso_sensing_threads() : 1;
    free(s->Sthr);
    s->Sthr = nso_xmalloc((size_t)s->nthreads * (nb < NSO_FUSED_MAX ? nb : NSO_FUSED_MAX) * s->p *
                          sizeof(double));
    size_t mmax = s->m[0];
    for (int i = 1; i < 3; i++) if (s->m[i] > mmax) mmax = s->m[i];
    free(s->Xp); free(s->R); free(s->S);
    s->Xp = nso_xmalloc(nb * s->p * sizeof(double));
    s->R = nso_xmalloc(nb * mmax * sizeof(double));
    s->S = nso_xmalloc(nb * s->p * sizeof(double));
    s->cap = nb;
}

void nso_sensing_pass1(nso_sensing *s, int set, size_t nb, const double *Xp, double *R)
{
    int m = (int)s->m[set], p = (int)s->p;
    if (nb == 1)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, m, p, 1.0, s->A[set], p, Xp, 1, 0.0, R, 1);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, (int)nb, p, 1.0, s->A[set], p, Xp,
                    p, 0.0, R, (int)nb);
}

void nso_sensing_pass2(nso_sensing *s, size_t nb, const double *C, double *S)
{
    int m = (int)s->m[0], p = (int)s->p;
    if (nb == 1)
        cblas_dgemv(CblasRowMajor, CblasTrans, m, p, 1.0, s->A[0], p, C, 1, 0.0, S, 1);
    else
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nb, p, m, 1.0, C, (int)nb,
                    s->A[0], p, 0.0, S, p);
}

/* Xp row b = pack(U_b U_b^T) */
static void pack_gram(nso_sensing *s, size_t nb, const double *U)
{
    size_t d = s->d, dd = d * d;
    for (size_t b = 0; b < nb; b++) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)d, (int)d, 1.0, U + b * dd,
                    (int)d, 0.0, s->Sfull, (int)d);
        size_t t = 0;
        double *xp = s->Xp + b * s->p;
        for (size_t j = 0; j < d; j++) {
            xp[t++] = s->Sfull[j * d + j];
            for (size_t k = j + 1; k < d; k++) xp[t++] = 2.0 * s->Sfull[j * d + k];
        }
    }
}

nso_sensing *nso_sensing_alloc(const nso_sensing_params *pp, char *msg, size_t len)
{
    if (pp->d < 1 || pp->d > 2000) {
        snprintf(msg, len, "sensing: d must be in [1, 2000], got %zu", pp->d);
        return NULL;
    }
    if (pp->r < 1 || pp->r > pp->d) {
        snprintf(msg, len, "sensing: rank r must be in [1, d = %zu], got %zu", pp->d, pp->r);
        return NULL;
    }
    if (pp->m[0] < 1 || pp->m[0] > 10000000 || pp->m[1] > 10000000 || pp->m[2] > 10000000) {
        snprintf(msg, len, "sensing: measurements per set must be in [1, 1e7] (validation and test may be 0), got %zu, %zu, %zu",
                 pp->m[0], pp->m[1], pp->m[2]);
        return NULL;
    }
    nso_sensing *s = nso_xcalloc(1, sizeof *s);
    size_t d = pp->d;
    s->d = d;
    s->r = pp->r;
    s->p = d * (d + 1) / 2;
    memcpy(s->m, pp->m, sizeof s->m);
    s->Sfull = nso_xmalloc(d * d * sizeof(double));
    /* ground truth */
    gsl_rng *rg = nso_rng_named(pp->fixed_ustar ? pp->ustar_seed : pp->seed, "sensing/ustar");
    s->Ustar = nso_xmalloc(d * s->r * sizeof(double));
    for (size_t i = 0; i < d * s->r; i++) s->Ustar[i] = gsl_ran_gaussian(rg, 1.0);
    gsl_rng_free(rg);
    s->Xstar = nso_xmalloc(d * d * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)s->r, 1.0, s->Ustar,
                (int)s->r, s->Ustar, (int)s->r, 0.0, s->Xstar, (int)d);
    s->xstar_norm = cblas_dnrm2((int)(d * d), s->Xstar, 1);
    double *xsp = nso_xmalloc(s->p * sizeof(double));
    nso_sensing_pack_sym(d, s->Xstar, xsp);
    static const char *names[3] = {"sensing/A/train", "sensing/A/val", "sensing/A/test"};
    /* A_i = (G + G^T)/2: diagonal ~ N(0,1), off-diagonal ~ N(0,1/2), independent */
    for (int set = 0; set < 3; set++) {
        size_t m = s->m[set];
        if (!m) continue;
        s->A[set] = nso_xmalloc(m * s->p * sizeof(double));
        s->y[set] = nso_xmalloc(m * sizeof(double));
        gsl_rng *r = nso_rng_named(pp->seed, names[set]);
        for (size_t i = 0; i < m; i++) {
            double *a = s->A[set] + i * s->p;
            size_t t = 0;
            for (size_t j = 0; j < d; j++) {
                a[t++] = gsl_ran_gaussian_ziggurat(r, 1.0);
                for (size_t k = j + 1; k < d; k++) a[t++] = gsl_ran_gaussian_ziggurat(r, M_SQRT1_2);
            }
        }
        gsl_rng_free(r);
        nso_sensing_pass1(s, set, 1, xsp, s->y[set]);
        double ms = 0;
        for (size_t i = 0; i < m; i++) ms += s->y[set][i] * s->y[set][i];
        s->ymsq[set] = ms / (double)m;
    }
    free(xsp);
    s->trA = nso_xmalloc(s->m[0] * sizeof(double));
    for (size_t i = 0; i < s->m[0]; i++) {
        const double *a = s->A[0] + i * s->p;
        double tr = 0;
        size_t t = 0;
        for (size_t j = 0; j < d; j++) {
            tr += a[t];
            t += d - j;
        }
        s->trA[i] = tr;
    }
    ensure_cap(s, 1);
    return s;
}

void nso_sensing_free(nso_sensing *s)
{
    if (!s) return;
    for (int i = 0; i < 3; i++) { free(s->A[i]); free(s->y[i]); }
    free(s->trA); free(s->M); free(s->Ustar); free(s->Xstar);
    free(s->Xp); free(s->R); free(s->S); free(s->Sfull); free(s->Sthr);
    free(s);
}

/* residuals <A_i, UU'> - y_i and the loss of @paper eq:4 */
void nso_sensing_residuals(nso_sensing *s, int set, size_t nb, const double *U, double *res,
                           double *relmse)
{
    size_t m = s->m[set];
    ensure_cap(s, nb);
    pack_gram(s, nb, U);
    nso_sensing_pass1(s, set, nb, s->Xp, s->R);
    for (size_t b = 0; b < nb; b++) {
        double ss = 0;
        for (size_t i = 0; i < m; i++) {
            double r = s->R[i * nb + b] - s->y[set][i];
            ss += r * r;
            if (res) res[b * m + i] = r;
        }
        if (relmse) relmse[b] = ss / (double)m / s->ymsq[set];
    }
}

/* @paper eq:22 */
void nso_sensing_grad(nso_sensing *s, size_t nb, const double *U, double *G, double *loss)
{
    size_t m = s->m[0], d = s->d, dd = d * d;
    ensure_cap(s, nb);
    int fused = nso_sensing_use_fused && nb <= NSO_FUSED_MAX;
    int blas_threads = fused ? openblas_get_num_threads() : 0;
    if (fused && blas_threads > 1) openblas_set_num_threads(1);
    pack_gram(s, nb, U);
    double *R = s->R;
    if (fused) {
        nso_sensing_fused(s, nb, s->Xp, s->y[0], R, s->S, 1.0, s->Sthr, s->nthreads);
    } else {
        nso_sensing_pass1(s, 0, nb, s->Xp, R);
        for (size_t i = 0; i < m; i++)
            for (size_t b = 0; b < nb; b++) R[i * nb + b] -= s->y[0][i];
    }
    if (loss)
        for (size_t b = 0; b < nb; b++) {
            double ss = 0;
            for (size_t i = 0; i < m; i++) ss += R[i * nb + b] * R[i * nb + b];
            loss[b] = ss / (4.0 * (double)m);
        }
    if (!fused) nso_sensing_pass2(s, nb, R, s->S);
    for (size_t b = 0; b < nb; b++) {
        nso_sensing_unpack(d, s->S + b * s->p, s->Sfull);
        cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)d, 1.0 / (double)m, s->Sfull,
                    (int)d, U + b * dd, (int)d, 0.0, G + b * dd, (int)d);
    }
    if (fused && blas_threads > 1) openblas_set_num_threads(blas_threads);
}

double nso_sensing_dist(const nso_sensing *s, const double *U)
{
    size_t d = s->d;
    double *X = nso_xmalloc(d * d * sizeof(double));
    memcpy(X, s->Xstar, d * d * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)d, 1.0, U, (int)d, U,
                (int)d, -1.0, X, (int)d);
    double r = cblas_dnrm2((int)(d * d), X, 1) / s->xstar_norm;
    free(X);
    return r;
}

static void compute_M(nso_sensing *s)
{
    size_t d = s->d, blk = 64;
    s->M = nso_xcalloc(d * d, sizeof(double));
    double *B = nso_xmalloc(d * d * blk * sizeof(double)); /* d x (blk d): [A_1 .. A_blk] */
    double *tmp = nso_xmalloc(d * d * sizeof(double));
    for (size_t i0 = 0; i0 < s->m[0]; i0 += blk) {
        size_t nbk = s->m[0] - i0 < blk ? s->m[0] - i0 : blk;
        for (size_t q = 0; q < nbk; q++) {
            nso_sensing_unpack(d, s->A[0] + (i0 + q) * s->p, tmp);
            for (size_t j = 0; j < d; j++)
                memcpy(B + j * (blk * d) + q * d, tmp + j * d, d * sizeof(double));
        }
        /* M += B B^T = sum_q A_q A_q^T = sum_q A_q^2 */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)d, (int)(nbk * d), 1.0, B,
                    (int)(blk * d), 1.0, s->M, (int)d);
    }
    for (size_t j = 0; j < d; j++)
        for (size_t k = j + 1; k < d; k++) s->M[k * d + j] = s->M[j * d + k];
    free(B);
    free(tmp);
}

const double *nso_sensing_M(nso_sensing *s)
{
    if (!s->M) compute_M(s);
    return s->M;
}

/* closed-form trace of the Hessian of @paper eq:23 */
double nso_sensing_trace(nso_sensing *s, const double *U, const double *res)
{
    size_t d = s->d, m = s->m[0];
    if (!s->M) compute_M(s);
    double *MU = nso_xmalloc(d * d * sizeof(double));
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)d, 1.0, s->M, (int)d, U, (int)d,
                0.0, MU, (int)d);
    double gn = cblas_ddot((int)(d * d), MU, 1, U, 1);
    double rt = 0;
    for (size_t i = 0; i < m; i++) rt += res[i] * s->trA[i];
    free(MU);
    return (2.0 * gn + (double)d * rt) / (double)m;
}

void nso_sensing_hess_prepare(nso_sensing *s, size_t nb, const double *U, const double *given,
                              nso_sensing_hess *h)
{
    size_t m = s->m[0], d = s->d, dd = d * d;
    h->s = s;
    h->nb = nb;
    h->U = U;
    h->S0 = nso_xmalloc(nb * dd * sizeof(double));
    double *own = NULL;
    const double *res = given;
    if (!res) {
        own = nso_xmalloc(nb * m * sizeof(double));
        nso_sensing_residuals(s, 0, nb, U, own, NULL);
        res = own;
    }
    ensure_cap(s, nb);
    for (size_t i = 0; i < m; i++)
        for (size_t b = 0; b < nb; b++) s->R[i * nb + b] = res[b * m + i] / (double)m;
    nso_sensing_pass2(s, nb, s->R, s->S);
    for (size_t b = 0; b < nb; b++) nso_sensing_unpack(d, s->S + b * s->p, h->S0 + b * dd);
    free(own);
}

nso_linop nso_sensing_hess_linop(nso_sensing_hess *h)
{
    return (nso_linop){.n = h->s->d * h->s->d, .nops = h->nb, .block = 1,
                       .apply = nso_sensing_hvp_batch, .ctx = h};
}

void nso_sensing_hess_free(nso_sensing_hess *h)
{
    free(h->S0);
    h->S0 = NULL;
}

void nso_sensing_hvp_batch(void *hp, size_t nops, const double *V, double *out)
{
    nso_sensing_hess *h = hp;
    nso_sensing *s = h->s;
    size_t d = s->d, dd = d * d, m = s->m[0];
    ensure_cap(s, nops);
    int fused = nso_sensing_use_fused && nops <= NSO_FUSED_MAX;
    int blas_threads = fused ? openblas_get_num_threads() : 0;
    if (fused && blas_threads > 1) openblas_set_num_threads(1);
    for (size_t b = 0; b < nops; b++) {
        /* X = U V^T + V U^T (symmetric): pack its upper triangle, off-diagonals doubled */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)d, 1.0,
                    h->U + b * dd, (int)d, V + b * dd, (int)d, 0.0, s->Sfull, (int)d);
        double *xp = s->Xp + b * s->p;
        size_t t = 0;
        for (size_t j = 0; j < d; j++) {
            xp[t++] = 2.0 * s->Sfull[j * d + j];
            for (size_t k = j + 1; k < d; k++)
                xp[t++] = 2.0 * (s->Sfull[j * d + k] + s->Sfull[k * d + j]);
        }
    }
    /* R_ib = <A_i, X_b> = 2 <A_i U_b, V_b>;  S_b = (1/m) sum_i R_ib A_i */
    if (fused) {
        nso_sensing_fused(s, nops, s->Xp, NULL, s->R, s->S, 1.0 / (double)m, s->Sthr,
                          s->nthreads);
    } else {
        nso_sensing_pass1(s, 0, nops, s->Xp, s->R);
        for (size_t i = 0; i < m * nops; i++) s->R[i] /= (double)m;
        nso_sensing_pass2(s, nops, s->R, s->S);
    }
    for (size_t b = 0; b < nops; b++) {
        nso_sensing_unpack(d, s->S + b * s->p, s->Sfull);
        cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)d, 1.0, s->Sfull, (int)d,
                    h->U + b * dd, (int)d, 0.0, out + b * dd, (int)d);
        cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)d, 1.0, h->S0 + b * dd,
                    (int)d, V + b * dd, (int)d, 1.0, out + b * dd, (int)d);
    }
    if (fused && blas_threads > 1) openblas_set_num_threads(blas_threads);
}
