/* gcn.c - the graph layers of the GCN (issue 9, graphs): node features from
 * the degrees (1, d_i / 10, ln(1 + d_i), mean degree of i's neighbours / 10,
 * 0 for an isolated node: no parameters, independent of w), sparse propagation
 * by the symmetric normalised adjacency with self-loops (Kipf and Welling,
 * ICLR 2017, eq. 2: A_hat = D^-1/2 (A + I) D^-1/2, D_ii = 1 + sum_j A_ij) and
 * the mean over a graph's nodes (readout).  Both are linear in their input
 * and have no parameters, so their R-operator is the layer itself applied to
 * R x (forward) and to R dy (backward).  Graph structure (CSR of A without
 * self-loops) comes from the model's input records (nn.h,
 * nn_gcn_record_size), one per example at stride S; node tensors are
 * feature-major and padded, c x (B N): column b N + i is node i of graph b,
 * and nodes i >= n_b are written as 0 and never read.
 *
 * The backward pass applies the transpose A_hat^T explicitly (a scatter over
 * the same CSR), so it is exact for any record, symmetric or not. */
#include "nn_impl.h"
#include <math.h>
#include <string.h>

typedef struct {
    int n, nnz;
    const real *rp, *col;
} graph_t;

static graph_t graph_of(int N, size_t S, const real *rec, int b)
{
    const real *r = rec + (size_t)b * S;
    graph_t g = {(int)r[0], (int)r[1], r + 2, NULL};
    g.col = g.rp + N + 1;
    return g;
}

/* dinv[i] = (1 + deg_i)^-1/2 */
static void dinv_of(const graph_t *g, real *dinv)
{
    for (int i = 0; i < g->n; i++) dinv[i] = (real)(1.0 / sqrt(1.0 + (double)(g->rp[i + 1] - g->rp[i])));
}

void NN(nn_gfeat_part)(int N, size_t S, int B, int b0, int nb, const real *rec, real *y)
{
    const size_t ld = (size_t)B * N;
    for (int b = b0; b < b0 + nb; b++) {
        graph_t g = graph_of(N, S, rec, b);
        real *y0 = y + (size_t)b * N;
        for (int i = 0; i < g.n; i++) {
            int d = (int)g.rp[i + 1] - (int)g.rp[i];
            double nd = 0;
            for (int k = (int)g.rp[i]; k < (int)g.rp[i + 1]; k++) {
                int j = (int)g.col[k];
                nd += (int)g.rp[j + 1] - (int)g.rp[j];
            }
            y0[i] = 1;
            y0[ld + i] = (real)(d / 10.0);
            y0[2 * ld + i] = (real)log1p((double)d);
            y0[3 * ld + i] = d ? (real)(nd / d / 10.0) : 0;
        }
        for (int f = 0; f < NN_GCN_FEATURES; f++)
            for (int i = g.n; i < N; i++) y0[f * ld + i] = 0;
    }
}

void NN(nn_gprop_forward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec,
                               const real *x, size_t xex, size_t xf, real *y)
{
    real dinv[NN_GCN_MAX_NODES];
    for (int b = b0; b < b0 + nb; b++) {
        graph_t g = graph_of(N, S, rec, b);
        dinv_of(&g, dinv);
        for (int c = 0; c < C; c++) {
            const real *xr = x + (size_t)b * xex + (size_t)c * xf;
            real *yr = y + ((size_t)c * B + b) * N;
            for (int i = 0; i < g.n; i++) {
                real s = dinv[i] * xr[i];
                for (int k = (int)g.rp[i]; k < (int)g.rp[i + 1]; k++) {
                    int j = (int)g.col[k];
                    s += dinv[j] * xr[j];
                }
                yr[i] = dinv[i] * s;
            }
            for (int i = g.n; i < N; i++) yr[i] = 0;
        }
    }
}

void NN(nn_gprop_backward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec,
                                const real *dy, real *dx, int acc)
{
    real dinv[NN_GCN_MAX_NODES];
    for (int b = b0; b < b0 + nb; b++) {
        graph_t g = graph_of(N, S, rec, b);
        dinv_of(&g, dinv);
        for (int c = 0; c < C; c++) {
            const real *dr = dy + ((size_t)c * B + b) * N;
            real *xr = dx + ((size_t)c * B + b) * N;
            if (!acc) memset(xr, 0, (size_t)N * sizeof(real));
            for (int i = 0; i < g.n; i++) {
                real a = dinv[i] * dr[i];
                xr[i] += dinv[i] * a;
                for (int k = (int)g.rp[i]; k < (int)g.rp[i + 1]; k++) {
                    int j = (int)g.col[k];
                    xr[j] += dinv[j] * a;
                }
            }
        }
    }
}

void NN(nn_gpool_forward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec, const real *x,
                               real *y)
{
    for (int b = b0; b < b0 + nb; b++) {
        const int n = (int)rec[(size_t)b * S];
        for (int c = 0; c < C; c++) {
            const real *xr = x + ((size_t)c * B + b) * N;
            double s = 0;
            for (int i = 0; i < n; i++) s += xr[i];
            y[(size_t)c * B + b] = (real)(s / n);
        }
    }
}

void NN(nn_gpool_backward_part)(int C, int N, size_t S, int B, int b0, int nb, const real *rec, const real *dy,
                                real *dx, int acc)
{
    for (int b = b0; b < b0 + nb; b++) {
        const int n = (int)rec[(size_t)b * S];
        for (int c = 0; c < C; c++) {
            real *xr = dx + ((size_t)c * B + b) * N, d = (real)(dy[(size_t)c * B + b] / n);
            if (acc)
                for (int i = 0; i < n; i++) xr[i] += d;
            else {
                for (int i = 0; i < n; i++) xr[i] = d;
                for (int i = n; i < N; i++) xr[i] = 0;
            }
        }
    }
}
