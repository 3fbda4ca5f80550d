/* attention_gemm.c - multi-head self-attention with a key padding mask
 * (Vaswani et al. 2017, eq. 1; torch.nn.MultiheadAttention with
 * key_padding_mask) as the model runs it: the same formulas as the readable
 * reference attention.c (its header has them, with the layout), each sum
 * over a head's dh features or over L tokens done as one small GEMM per
 * (example, head) on the feature-major tensors in place (leading dimension
 * N = B L), with the softmax and its derivatives as row loops in between.
 *
 * Per example b and head h (dh x L blocks Q, K, V, dctx, ... at row h dh, or
 * d + h dh, 2d + h dh, column b L; L x L blocks S, P, dS, ... at row h L,
 * column b L of the H L x N attention tensors), s = 1 / sqrt(dh):
 *   forward     S = s Q^T K;  P = masked row softmax of S;  ctx = V P^T
 *   backward    dP = dctx^T V;  dS = P o (dP - rowsum(P o dP));
 *               dV += dctx P;  dQ += s K dS^T;  dK += s Q dS
 *   R-forward   RS = s (RQ^T K + Q^T RK);  RP = P o (RS - rowsum(P o RS));
 *               Rctx = V RP^T + RV P^T
 *   R-backward  RdP = Rdctx^T V + dctx^T RV;  a = rowsum(P o dP),
 *               Ra = rowsum(RP o dP + P o RdP);
 *               RdS = RP o (dP - a) + P o (RdP - Ra);
 *               RdV += dctx RP + Rdctx P;  RdQ += s (K RdS^T + RK dS^T);
 *               RdK += s (Q RdS + RQ dS)
 * Templated (float: sgemm, double: dgemm; nn_impl.h).  The model calls the
 * BLAS from inside its own threads with one BLAS thread, so a result depends
 * on the thread count only through the batch parts, as everywhere else.
 * tests/kernels/ checks every function against the reference. */
#include "nn_impl.h"
#include <math.h>

#ifdef NN_F64
#define EXP exp
#else
#define EXP expf
#endif

/* the four blocks of head h, example b */
#define QB(a) ((a) + (size_t)(h * dh) * N + (size_t)b * L)
#define KB(a) ((a) + (size_t)(d + h * dh) * N + (size_t)b * L)
#define VB(a) ((a) + (size_t)(2 * d + h * dh) * N + (size_t)b * L)
#define PB(a) ((a) + (size_t)h * L * N + (size_t)b * L)

/* C (m x n, ldc) = alpha op(A) op(B) + beta C, row-major, every ld = N */
static void mm(int ta, int tb, int m, int n, int k, real alpha, const real *A, size_t lda,
               const real *B, size_t ldb, real beta, real *C, size_t ldc)
{
    GEMM(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k,
         alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void NN(nn_attn_forward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                              const real *tok, real *p, real *ctx)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const real s = (real)(1.0 / sqrt((double)dh));
    for (int b = b0; b < b0 + nb; b++) {
        const real *tk = tok + (size_t)b * L;
        for (int h = 0; h < H; h++) {
            real *P = PB(p);
            mm(1, 0, L, L, dh, s, QB(qkv), N, KB(qkv), N, 0, P, N);
            for (int i = 0; i < L; i++) {
                real *row = P + (size_t)i * N, mx = -INFINITY, sum = 0;
                for (int j = 0; j < L; j++)
                    if (tk[j] != 0 && row[j] > mx) mx = row[j];
                for (int j = 0; j < L; j++) {
                    row[j] = tk[j] != 0 ? EXP(row[j] - mx) : 0;
                    sum += row[j];
                }
                const real inv = sum > 0 ? 1 / sum : 0; /* no unmasked key: a row of zeros */
                for (int j = 0; j < L; j++) row[j] *= inv;
            }
            mm(0, 1, dh, L, L, 1, VB(qkv), N, P, N, 0, QB(ctx), N);
        }
    }
}

/* dS = P o (dP - rowsum(P o dP)) in place of dP */
static void softmax_back(int L, size_t N, const real *P, real *dS)
{
    for (int i = 0; i < L; i++) {
        const real *pr = P + (size_t)i * N;
        real *r = dS + (size_t)i * N, a = 0;
        for (int j = 0; j < L; j++) a += pr[j] * r[j];
        for (int j = 0; j < L; j++) r[j] = pr[j] * (r[j] - a);
    }
}

void NN(nn_attn_backward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                               const real *p, const real *dctx, real *ds, real *dqkv, int acc)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const real s = (real)(1.0 / sqrt((double)dh));
    if (!acc) NN(nn_attn_zero_part)(dqkv, 3 * d, N, L, b0, nb);
    for (int b = b0; b < b0 + nb; b++)
        for (int h = 0; h < H; h++) {
            const real *P = PB(p), *dc = QB(dctx);
            real *dS = PB(ds);
            mm(1, 0, L, L, dh, 1, dc, N, VB(qkv), N, 0, dS, N);
            softmax_back(L, N, P, dS);
            mm(0, 0, dh, L, L, 1, dc, N, P, N, 1, VB(dqkv), N);
            mm(0, 1, dh, L, L, s, KB(qkv), N, dS, N, 1, QB(dqkv), N);
            mm(0, 0, dh, L, L, s, QB(qkv), N, dS, N, 1, KB(dqkv), N);
        }
}

void NN(nn_attn_rforward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                               const real *rqkv, const real *p, real *rp, real *rctx)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const real s = (real)(1.0 / sqrt((double)dh));
    for (int b = b0; b < b0 + nb; b++)
        for (int h = 0; h < H; h++) {
            const real *P = PB(p);
            real *RP = PB(rp);
            mm(1, 0, L, L, dh, s, QB(rqkv), N, KB(qkv), N, 0, RP, N);
            mm(1, 0, L, L, dh, s, QB(qkv), N, KB(rqkv), N, 1, RP, N);
            softmax_back(L, N, P, RP); /* RP = P o (RS - rowsum(P o RS)): the same map */
            mm(0, 1, dh, L, L, 1, VB(qkv), N, RP, N, 0, QB(rctx), N);
            mm(0, 1, dh, L, L, 1, VB(rqkv), N, P, N, 1, QB(rctx), N);
        }
}

void NN(nn_attn_rbackward_part)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                                const real *rqkv, const real *p, const real *rp, const real *dctx,
                                const real *rdctx, real *ds, real *rds, real *rdqkv, int acc)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const real s = (real)(1.0 / sqrt((double)dh));
    if (!acc) NN(nn_attn_zero_part)(rdqkv, 3 * d, N, L, b0, nb);
    for (int b = b0; b < b0 + nb; b++)
        for (int h = 0; h < H; h++) {
            const real *P = PB(p), *RP = PB(rp), *dc = QB(dctx), *rdc = QB(rdctx);
            real *dS = PB(ds), *RdS = PB(rds);
            mm(1, 0, L, L, dh, 1, dc, N, VB(qkv), N, 0, dS, N);     /* dP */
            mm(1, 0, L, L, dh, 1, rdc, N, VB(qkv), N, 0, RdS, N);   /* RdP */
            mm(1, 0, L, L, dh, 1, dc, N, VB(rqkv), N, 1, RdS, N);
            for (int i = 0; i < L; i++) {
                const real *pr = P + (size_t)i * N, *rpr = RP + (size_t)i * N;
                real *dp = dS + (size_t)i * N, *rdp = RdS + (size_t)i * N, a = 0, ra = 0;
                for (int j = 0; j < L; j++) {
                    a += pr[j] * dp[j];
                    ra += rpr[j] * dp[j] + pr[j] * rdp[j];
                }
                for (int j = 0; j < L; j++) {
                    rdp[j] = rpr[j] * (dp[j] - a) + pr[j] * (rdp[j] - ra);
                    dp[j] = pr[j] * (dp[j] - a);
                }
            }
            mm(0, 0, dh, L, L, 1, dc, N, RP, N, 1, VB(rdqkv), N);
            mm(0, 0, dh, L, L, 1, rdc, N, P, N, 1, VB(rdqkv), N);
            mm(0, 1, dh, L, L, s, KB(qkv), N, RdS, N, 1, QB(rdqkv), N);
            mm(0, 1, dh, L, L, s, KB(rqkv), N, dS, N, 1, QB(rdqkv), N);
            mm(0, 0, dh, L, L, s, QB(qkv), N, RdS, N, 1, KB(rdqkv), N);
            mm(0, 0, dh, L, L, s, QB(rqkv), N, dS, N, 1, KB(rdqkv), N);
        }
}
