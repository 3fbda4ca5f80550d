/* attention.c - the core of multi-head self-attention with a key padding
 * mask (Vaswani et al. 2017, eq. 1; torch.nn.MultiheadAttention with
 * key_padding_mask).  The projections around it (in_proj: qkv = W x + b,
 * out_proj) are linear.c's token-wise linear layers.
 *
 * Layout (N = B L columns, column b L + t = token t of example b):
 *   qkv (3d x N): rows [0, d) the queries, [d, 2d) the keys, [2d, 3d) the
 *   values; head h uses rows h dh .. (h + 1) dh - 1 of each (dh = d / H).
 *   tok (1 x N): token ids; key j of example b is masked when tok = 0 ([PAD]).
 *   p (H L x N): p[(h L + i) N + b L + j] = P_bh(i, j), the attention weights.
 *   ctx (d x N): the heads' outputs, concatenated (row h dh + c).
 * Per example b and head h, with s = 1 / sqrt(dh):
 *   S_ij = s sum_c Q_ci K_cj,  P_i. = softmax over unmasked j (0 at masked
 *   keys; a row with no unmasked key is 0),  ctx_ci = sum_j P_ij V_cj.
 * Backward: dP_ij = sum_c dctx_ci V_cj, dV_cj = sum_i P_ij dctx_ci,
 *   dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik), dQ_ci = s sum_j dS_ij K_cj,
 *   dK_cj = s sum_i dS_ij Q_ci.
 * R-operator (R{.} = d/dr at r = 0 along the direction; no parameters here):
 *   RS_ij = s sum_c (RQ_ci K_cj + Q_ci RK_cj),  RP_ij = P_ij (RS_ij - sum_k P_ik RS_ik),
 *   Rctx_ci = sum_j (RP_ij V_cj + P_ij RV_cj);
 *   RdP_ij = sum_c (Rdctx_ci V_cj + dctx_ci RV_cj),
 *   RdS_ij = RP_ij (dP_ij - a_i) + P_ij (RdP_ij - Ra_i), a_i = sum_k P_ik dP_ik,
 *            Ra_i = sum_k (RP_ik dP_ik + P_ik RdP_ik),
 *   RdV_cj = sum_i (RP_ij dctx_ci + P_ij Rdctx_ci),
 *   RdQ_ci = s sum_j (RdS_ij K_cj + dS_ij RK_cj),  RdK_cj = s sum_i (RdS_ij Q_ci + dS_ij RQ_ci).
 * This file is the readable reference (loops, sums in double), kept next to
 * the GEMM formulation the model runs (attention_gemm.c) and tested against
 * it (tests/kernels/); a batch part [b0, b0 + nb) at a time, as the model's
 * passes run them. */
#include "nn_impl.h"
#include <math.h>
#include <string.h>

/* element (row r, token t of example b) of a feature-major tensor */
#define AT(a, r, b, t) (a)[(size_t)(r) * N + (size_t)(b) * L + (t)]
/* attention weight (i, j) of head h, example b */
#define PA(a, h, i, b, j) (a)[((size_t)(h) * L + (i)) * N + (size_t)(b) * L + (j)]

void NN(nn_attn_forward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                              const real *tok, real *p, real *ctx)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const double s = 1.0 / sqrt((double)dh);
    for (int b = b0; b < b0 + nb; b++)
        for (int h = 0; h < H; h++) {
            const int q0 = h * dh, k0 = d + h * dh, v0 = 2 * d + h * dh;
            for (int i = 0; i < L; i++) {
                double mx = -INFINITY;
                for (int j = 0; j < L; j++) {
                    if (AT(tok, 0, b, j) == 0) continue;
                    double z = 0;
                    for (int c = 0; c < dh; c++) z += (double)AT(qkv, q0 + c, b, i) * AT(qkv, k0 + c, b, j);
                    z *= s;
                    PA(p, h, i, b, j) = (real)z;
                    if (z > mx) mx = z;
                }
                double sum = 0;
                for (int j = 0; j < L; j++) {
                    if (AT(tok, 0, b, j) == 0) continue;
                    sum += exp((double)PA(p, h, i, b, j) - mx);
                }
                for (int j = 0; j < L; j++)
                    PA(p, h, i, b, j) = AT(tok, 0, b, j) == 0
                                            ? 0
                                            : (real)(exp((double)PA(p, h, i, b, j) - mx) / sum);
            }
            for (int c = 0; c < dh; c++)
                for (int i = 0; i < L; i++) {
                    double z = 0;
                    for (int j = 0; j < L; j++) z += (double)PA(p, h, i, b, j) * AT(qkv, v0 + c, b, j);
                    AT(ctx, q0 + c, b, i) = (real)z;
                }
        }
}

/* zero the part's columns of all 3d rows of g (the first writer overwrites) */
void NN(nn_attn_zero_part)(real *g, int rows, size_t N, int L, int b0, int nb)
{
    for (int r = 0; r < rows; r++) memset(g + r * N + (size_t)b0 * L, 0, (size_t)nb * L * sizeof(real));
}

/* dq += s ds k, dk += s ds^T q for head h of example b (ds in p's layout) */
static void qk_back(int d, int dh, int h, int L, size_t N, int b, double s, const real *ds,
                    const real *qkv, real *g)
{
    const int q0 = h * dh, k0 = d + h * dh;
    for (int c = 0; c < dh; c++) {
        for (int i = 0; i < L; i++) {
            double z = 0;
            for (int j = 0; j < L; j++) z += (double)PA(ds, h, i, b, j) * AT(qkv, k0 + c, b, j);
            AT(g, q0 + c, b, i) += (real)(s * z);
        }
        for (int j = 0; j < L; j++) {
            double z = 0;
            for (int i = 0; i < L; i++) z += (double)PA(ds, h, i, b, j) * AT(qkv, q0 + c, b, i);
            AT(g, k0 + c, b, j) += (real)(s * z);
        }
    }
}

void NN(nn_attn_backward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                               const real *p, const real *dctx, real *ds, real *dqkv, int acc)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const double s = 1.0 / sqrt((double)dh);
    if (!acc) NN(nn_attn_zero_part)(dqkv, 3 * d, N, L, b0, nb);
    for (int b = b0; b < b0 + nb; b++)
        for (int h = 0; h < H; h++) {
            const int q0 = h * dh, v0 = 2 * d + h * dh;
            for (int i = 0; i < L; i++) {
                double a = 0;
                for (int j = 0; j < L; j++) {
                    double z = 0;
                    for (int c = 0; c < dh; c++) z += (double)AT(dctx, q0 + c, b, i) * AT(qkv, v0 + c, b, j);
                    PA(ds, h, i, b, j) = (real)z;
                    a += PA(p, h, i, b, j) * z;
                }
                for (int j = 0; j < L; j++)
                    PA(ds, h, i, b, j) = (real)(PA(p, h, i, b, j) * (PA(ds, h, i, b, j) - a));
            }
            for (int c = 0; c < dh; c++)
                for (int j = 0; j < L; j++) {
                    double z = 0;
                    for (int i = 0; i < L; i++) z += (double)PA(p, h, i, b, j) * AT(dctx, q0 + c, b, i);
                    AT(dqkv, v0 + c, b, j) += (real)z;
                }
            qk_back(d, dh, h, L, N, b, s, ds, qkv, dqkv);
        }
}

void NN(nn_attn_rforward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                               const real *rqkv, const real *p, real *rp, real *rctx)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const double s = 1.0 / sqrt((double)dh);
    for (int b = b0; b < b0 + nb; b++)
        for (int h = 0; h < H; h++) {
            const int q0 = h * dh, k0 = d + h * dh, v0 = 2 * d + h * dh;
            for (int i = 0; i < L; i++) {
                double a = 0;
                for (int j = 0; j < L; j++) {
                    double z = 0;
                    for (int c = 0; c < dh; c++)
                        z += (double)AT(rqkv, q0 + c, b, i) * AT(qkv, k0 + c, b, j) +
                             (double)AT(qkv, q0 + c, b, i) * AT(rqkv, k0 + c, b, j);
                    z *= s;
                    PA(rp, h, i, b, j) = (real)z;
                    a += PA(p, h, i, b, j) * z;
                }
                for (int j = 0; j < L; j++)
                    PA(rp, h, i, b, j) = (real)(PA(p, h, i, b, j) * (PA(rp, h, i, b, j) - a));
            }
            for (int c = 0; c < dh; c++)
                for (int i = 0; i < L; i++) {
                    double z = 0;
                    for (int j = 0; j < L; j++)
                        z += (double)PA(rp, h, i, b, j) * AT(qkv, v0 + c, b, j) +
                             (double)PA(p, h, i, b, j) * AT(rqkv, v0 + c, b, j);
                    AT(rctx, q0 + c, b, i) = (real)z;
                }
        }
}

void NN(nn_attn_rbackward_ref)(int d, int H, int L, int B, int b0, int nb, const real *qkv,
                                const real *rqkv, const real *p, const real *rp, const real *dctx,
                                const real *rdctx, real *ds, real *rds, real *rdqkv, int acc)
{
    const size_t N = (size_t)B * L;
    const int dh = d / H;
    const double s = 1.0 / sqrt((double)dh);
    if (!acc) NN(nn_attn_zero_part)(rdqkv, 3 * d, N, L, b0, nb);
    for (int b = b0; b < b0 + nb; b++)
        for (int h = 0; h < H; h++) {
            const int q0 = h * dh, v0 = 2 * d + h * dh;
            for (int i = 0; i < L; i++) {
                double a = 0, ra = 0;
                for (int j = 0; j < L; j++) {
                    double z = 0, rz = 0;
                    for (int c = 0; c < dh; c++) {
                        z += (double)AT(dctx, q0 + c, b, i) * AT(qkv, v0 + c, b, j);
                        rz += (double)AT(rdctx, q0 + c, b, i) * AT(qkv, v0 + c, b, j) +
                              (double)AT(dctx, q0 + c, b, i) * AT(rqkv, v0 + c, b, j);
                    }
                    PA(ds, h, i, b, j) = (real)z;
                    PA(rds, h, i, b, j) = (real)rz;
                    a += PA(p, h, i, b, j) * z;
                    ra += PA(rp, h, i, b, j) * z + PA(p, h, i, b, j) * rz;
                }
                for (int j = 0; j < L; j++) {
                    double dp = PA(ds, h, i, b, j), rdp = PA(rds, h, i, b, j);
                    double pj = PA(p, h, i, b, j), rpj = PA(rp, h, i, b, j);
                    PA(rds, h, i, b, j) = (real)(rpj * (dp - a) + pj * (rdp - ra));
                    PA(ds, h, i, b, j) = (real)(pj * (dp - a));
                }
            }
            for (int c = 0; c < dh; c++)
                for (int j = 0; j < L; j++) {
                    double z = 0;
                    for (int i = 0; i < L; i++)
                        z += (double)PA(rp, h, i, b, j) * AT(dctx, q0 + c, b, i) +
                             (double)PA(p, h, i, b, j) * AT(rdctx, q0 + c, b, i);
                    AT(rdqkv, v0 + c, b, j) += (real)z;
                }
            qk_back(d, dh, h, L, N, b, s, rds, qkv, rdqkv);
            qk_back(d, dh, h, L, N, b, s, ds, rqkv, rdqkv);
        }
}
