/* test_layers.c - the transformer's layers (GELU, layer norm, token +
 * position embedding, [CLS] pooling, multi-head attention with a padding
 * mask), each checked on its own, in the double build against central
 * differences (h = 1e-5):
 *   gradient: bwd(dy = w) against d<w, fwd(in)>/d in_k for every k,
 *             max error <= 1e-7 x (1 + max |grad|);
 *   R forward: rfwd(rin) against (fwd(in + h rin) - fwd(in - h rin)) / 2h,
 *   R backward: rbwd(rin, rdy) against
 *             (bwd(in + h rin, dy + h rdy) - bwd(in - h rin, dy - h rdy)) / 2h,
 *             both max error <= 1e-7 x (1 + max |value|)
 * (central differences of smooth functions: error O(h^2) ~ 1e-10 plus
 * rounding ~ 1e-16 / h ~ 1e-11; the guard that the checked quantity is not
 * trivially zero: max |value| >= 1e-3);
 * the float build against the double build: max error <= 2e-5 x (1 + max |value|);
 * and closed forms of each forward pass (GELU values, normalised columns,
 * table rows, uniform attention when all keys are equal, masked keys). */
#include "layer_test.h"
#include "test_text.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double maxabs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}
static double maxdiff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
    return m;
}
/* deterministic high-entropy values in [-s, s] */
static void fill(double *a, size_t n, double s, double seed)
{
    for (size_t i = 0; i < n; i++) a[i] = s * sin(1.7 * (double)i + seed) * cos(0.31 * (double)i);
}

static int check_close(const char *what, const char *layer, const double *got, const double *want,
                       size_t n, double tol)
{
    double m = maxabs(want, n), e = maxdiff(got, want, n);
    int ok = e <= tol * (1 + m) && m >= 1e-3;
    if (!ok) printf("\n  %s %s: max error %.3g, max |value| %.3g, tol %.3g", layer, what, e, m, tol);
    return ok;
}

/* every check of the header comment on one layer; in: the point */
static void check_layer(const layer *l, const double *in)
{
    const double h = 1e-5, tol = 1e-7, ftol = 2e-5;
    size_t ni = l->n_in, no = l->n_out;
    double *w = malloc(no * sizeof *w), *rdy = malloc(no * sizeof *rdy);
    double *rin = malloc(ni * sizeof *rin), *g = malloc(ni * sizeof *g);
    double *fd = malloc(ni * sizeof *fd), *a = malloc(ni * sizeof *a);
    double *y1 = malloc(no * sizeof *y1), *y2 = malloc(no * sizeof *y2);
    double *ry = malloc(no * sizeof *ry), *g1 = malloc(ni * sizeof *g1);
    double *g2 = malloc(ni * sizeof *g2), *rg = malloc(ni * sizeof *rg);
    double *dp = malloc(no * sizeof *dp), *dm = malloc(no * sizeof *dm);
    fill(w, no, 1.3, 0.4);
    fill(rdy, no, 0.9, 2.1);
    fill(rin, ni, 0.7, 1.1);
    /* gradient */
    l->bwd[0](l, in, w, g);
    memcpy(a, in, ni * sizeof *a);
    for (size_t k = 0; k < ni; k++) {
        double s = 0;
        a[k] = in[k] + h;
        l->fwd[0](l, a, y1);
        a[k] = in[k] - h;
        l->fwd[0](l, a, y2);
        a[k] = in[k];
        for (size_t j = 0; j < no; j++) s += w[j] * (y1[j] - y2[j]);
        fd[k] = s / (2 * h);
    }
    CU_ASSERT(check_close("gradient", l->name, g, fd, ni, tol));
    /* R forward */
    l->rfwd[0](l, in, rin, ry);
    for (size_t k = 0; k < ni; k++) a[k] = in[k] + h * rin[k];
    l->fwd[0](l, a, y1);
    for (size_t k = 0; k < ni; k++) a[k] = in[k] - h * rin[k];
    l->fwd[0](l, a, y2);
    for (size_t j = 0; j < no; j++) y1[j] = (y1[j] - y2[j]) / (2 * h);
    CU_ASSERT(check_close("R-forward", l->name, ry, y1, no, tol));
    /* R backward */
    l->rbwd[0](l, in, rin, w, rdy, rg);
    for (size_t k = 0; k < ni; k++) a[k] = in[k] + h * rin[k];
    for (size_t j = 0; j < no; j++) dp[j] = w[j] + h * rdy[j];
    l->bwd[0](l, a, dp, g1);
    for (size_t k = 0; k < ni; k++) a[k] = in[k] - h * rin[k];
    for (size_t j = 0; j < no; j++) dm[j] = w[j] - h * rdy[j];
    l->bwd[0](l, a, dm, g2);
    for (size_t k = 0; k < ni; k++) g1[k] = (g1[k] - g2[k]) / (2 * h);
    CU_ASSERT(check_close("R-backward", l->name, rg, g1, ni, tol));
    /* float against double */
    l->fwd[0](l, in, y1);
    l->fwd[1](l, in, y2);
    CU_ASSERT(check_close("float forward", l->name, y2, y1, no, ftol));
    l->bwd[1](l, in, w, g1);
    CU_ASSERT(check_close("float backward", l->name, g1, g, ni, ftol));
    l->rfwd[1](l, in, rin, y2);
    CU_ASSERT(check_close("float R-forward", l->name, y2, ry, no, ftol));
    l->rbwd[1](l, in, rin, w, rdy, g1);
    CU_ASSERT(check_close("float R-backward", l->name, g1, rg, ni, ftol));
    free(w); free(rdy); free(rin); free(g); free(fd); free(a); free(y1); free(y2); free(ry);
    free(g1); free(g2); free(rg); free(dp); free(dm);
}

#define FNS(p) {p##_fwd_d, p##_fwd_s}, {p##_bwd_d, p##_bwd_s}, {p##_rfwd_d, p##_rfwd_s}, \
               {p##_rbwd_d, p##_rbwd_s}

static void test_gelu(void)
{
    layer l = {"gelu", 40, 40, 40, 0, 0, 0, 0, 0, NULL, FNS(gelu)};
    double in[40], y[40];
    fill(in, 40, 3.0, 0.2);
    check_layer(&l, in);
    /* closed form: x Phi(x) (Python: x * 0.5 * (1 + math.erf(x / math.sqrt(2)))) */
    double x[3] = {1.0, -0.5, 2.5}, want[3] = {0.8413447460685429, -0.15426876936299344,
                                                2.4844758366855596};
    gelu_fwd_d(&(layer){.n_in = 3}, x, y);
    for (int i = 0; i < 3; i++) CU_ASSERT(fabs(y[i] - want[i]) < 1e-15 * 4);
}

static void test_layernorm(void)
{
    enum { C = 6, N = 10 };
    layer l = {"layernorm", C * N + 2 * C, C * N, N, C, 0, 0, 0, 0, NULL, FNS(ln)};
    double in[C * N + 2 * C], y[C * N];
    fill(in, C * N, 2.0, 0.5);
    for (int c = 0; c < C; c++) {
        in[C * N + c] = 1 + 0.3 * sin(c + 1.0);
        in[C * N + C + c] = 0.2 * cos(2.0 * c);
    }
    check_layer(&l, in);
    /* closed form: gamma 1, beta 0 -> every column has mean 0 and mean square
     * var / (var + eps) */
    for (int c = 0; c < C; c++) {
        in[C * N + c] = 1;
        in[C * N + C + c] = 0;
    }
    ln_fwd_d(&l, in, y);
    for (int n = 0; n < N; n++) {
        double m = 0, q = 0, mx = 0, v = 0;
        for (int c = 0; c < C; c++) mx += in[c * N + n] / C;
        for (int c = 0; c < C; c++) v += (in[c * N + n] - mx) * (in[c * N + n] - mx) / C;
        for (int c = 0; c < C; c++) {
            m += y[c * N + n] / C;
            q += y[c * N + n] * y[c * N + n] / C;
        }
        CU_ASSERT(fabs(m) < 1e-14 && fabs(q - v / (v + 1e-5)) < 1e-13);
    }
}

static void test_embedding(void)
{
    enum { V = 7, d = 4, L = 5, B = 3, N = B * L };
    double tok[N];
    for (int i = 0; i < N; i++) tok[i] = (i * 5 + 3) % V;
    tok[4] = 0;
    layer l = {"embedding", (V + L) * d, d * N, N, d, L, B, 0, V, tok, FNS(emb)};
    double in[(V + L) * d], y[d * N];
    fill(in, (V + L) * d, 0.8, 0.9);
    check_layer(&l, in);
    emb_fwd_d(&l, in, y);
    for (int n = 0; n < N; n++)
        for (int c = 0; c < d; c++)
            CU_ASSERT(y[c * N + n] == in[(int)tok[n] * d + c] + in[V * d + (n % L) * d + c]);
}

static void test_cls(void)
{
    enum { d = 3, L = 4, B = 3, N = B * L };
    layer l = {"cls", d * N, d * B, N, d, L, B, 0, 0, NULL, FNS(cls)};
    double in[d * N], y[d * B];
    fill(in, d * N, 1.0, 0.3);
    check_layer(&l, in);
    cls_fwd_d(&l, in, y);
    for (int c = 0; c < d; c++)
        for (int b = 0; b < B; b++) CU_ASSERT(y[c * B + b] == in[c * N + b * L]);
}

static void test_attention(void)
{
    enum { d = 6, H = 2, L = 5, B = 3, N = B * L };
    double tok[N];
    for (int i = 0; i < N; i++) tok[i] = 1 + i % 4;
    tok[3] = tok[4] = 0;   /* example 0: two padded keys */
    tok[L + 2] = 0;        /* example 1: one, in the middle */
    layer l = {"attention", 3 * d * N, d * N, N, d, L, B, H, 0, tok, FNS(att)};
    double *in = malloc(3 * d * N * sizeof *in), y[d * N], y2[d * N];
    fill(in, 3 * d * N, 1.2, 0.7);
    check_layer(&l, in);
    /* the mask: changing the keys and values of padded positions changes nothing */
    att_fwd_d(&l, in, y);
    for (int r = d; r < 3 * d; r++) {
        in[r * N + 3] += 5;
        in[r * N + L + 2] -= 3;
    }
    att_fwd_d(&l, in, y2);
    CU_ASSERT(maxdiff(y, y2, d * N) == 0);
    /* closed form: equal keys -> uniform weights -> ctx = mean of the unmasked values */
    for (int r = d; r < 2 * d; r++)
        for (int n = 0; n < N; n++) in[r * N + n] = 0.37 * (r + 1);
    att_fwd_d(&l, in, y);
    for (int c = 0; c < d; c++)
        for (int b = 0; b < B; b++) {
            double s = 0;
            int k = 0;
            for (int j = 0; j < L; j++)
                if (tok[b * L + j] != 0) {
                    s += in[(2 * d + c) * N + b * L + j];
                    k++;
                }
            for (int i = 0; i < L; i++) CU_ASSERT(fabs(y[c * N + b * L + i] - s / k) < 1e-14);
        }
    free(in);
}

void text_suite_layers(void)
{
    CU_pSuite s = CU_add_suite("text_layers", NULL, NULL);
    CU_add_test(s, "GELU (erf): gradient, R-op vs central differences; float; values", test_gelu);
    CU_add_test(s, "layer norm: gradient, R-op; float; normalised columns", test_layernorm);
    CU_add_test(s, "token + position embedding: gradient, R-op; float; rows", test_embedding);
    CU_add_test(s, "[CLS] pooling: gradient, R-op; float; first token", test_cls);
    CU_add_test(s, "attention + padding mask: gradient, R-op; float; mask; uniform", test_attention);
}
