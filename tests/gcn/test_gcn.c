/* test_gcn.c - the GCN of issue 9 (graphs), one CUnit binary:
 *   - graph layers (double build): the propagation against a dense
 *     A_hat = D^-1/2 (A + I) D^-1/2 built here from the edge list (1e-14),
 *     its backward as the adjoint (<dy, A_hat x> = <A_hat^T dy, x>, 1e-13),
 *     the mean pool and the degree features against hand values;
 *   - the model on 4 tiny graphs (an isolated node, a path, a triangle with
 *     a pendant, a star; 2 layers of width 5): the gradient against central
 *     differences of the loss (h = 1e-5, max error <= 1e-7 (1 + max |g|)),
 *     the HVP against central differences of the gradient (<= 1e-6 (1 + max
 *     |Hv|)), for ReLU, softplus and GELU and one layer (padding nodes hold
 *     nonzero activations there: they must not reach the loss); float against
 *     double; a changed edge changes the loss; bad records give NAN;
 *   - the file reader: a written set read back identical; truncation at
 *     every length, an empty graph, a bad label, self-loops, duplicate and
 *     out-of-range edges, trailing data and a bad magic refused with a
 *     message naming the file;
 *   - the checkpoint: PyTorch Geometric names, configuration read back;
 *   - nn_graphs: the same seed gives the same bytes, another seed other ones,
 *     classes balanced and mean degrees of the three families overlapping. */
#define NN_F64
#include "../cunit_run.h"
#include "nn_impl.h"
#include "graphs.h"
#include "hess.h"
#include "rng.h"
#include "safetensors.h"
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the tiny set: 4 graphs on at most 5 nodes, 3 classes */
static const int TN[4] = {1, 4, 4, 5};
static const uint16_t TE[] = {/* path 0-1-2-3 */ 0, 1, 1, 2, 2, 3,
                              /* triangle 0 1 2 + pendant 3 on 2 */ 0, 1, 0, 2, 1, 2, 2, 3,
                              /* star centred at 0 */ 0, 1, 0, 2, 0, 3, 0, 4};
static const size_t TOFF[5] = {0, 0, 3, 7, 11};
static const uint8_t TY[4] = {0, 1, 2, 1};

static nn_graphset tiny_set(void)
{
    nn_graphset g = {4, 3, 5, 7, malloc(4), malloc(4 * sizeof(int)), malloc(5 * sizeof(size_t)), malloc(sizeof TE)};
    memcpy(g.label, TY, 4);
    memcpy(g.nodes, TN, sizeof TN);
    memcpy(g.eoff, TOFF, sizeof TOFF);
    memcpy(g.edge, TE, sizeof TE);
    return g;
}

/* records (floats) and the model configuration of the tiny set */
static float *tiny_records(nn_config *c, int act, int depth, int hidden)
{
    char msg[200];
    nn_graphset g = tiny_set();
    nn_dataset d;
    CU_ASSERT_FATAL(nn_graphs_dataset(&g, "tiny", &d, msg, sizeof msg) == 0);
    *c = (nn_config){NN_ARCH_GCN, depth, hidden, NN_GCN_FEATURES, d.h, d.h * d.w - 3 - d.h, 3, act};
    size_t S = (size_t)d.h * d.w;
    CU_ASSERT(S == nn_gcn_record_size(c));
    float *x = malloc(sizeof(float) * 4 * S);
    for (size_t i = 0; i < 4 * S; i++) x[i] = (float)d.tokens[i];
    nn_dataset_free(&d);
    nn_graphset_free(&g);
    return x;
}

/* dense A_hat of graph b of the tiny set */
static void dense_ahat(int b, double A[5][5])
{
    int n = TN[b];
    double deg[5] = {0};
    memset(A, 0, sizeof(double) * 25);
    for (size_t e = TOFF[b]; e < TOFF[b + 1]; e++) {
        int u = TE[2 * e], v = TE[2 * e + 1];
        A[u][v] = A[v][u] = 1;
        deg[u]++, deg[v]++;
    }
    for (int i = 0; i < n; i++) A[i][i] = 1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) A[i][j] /= sqrt((1 + deg[i]) * (1 + deg[j]));
}

static void test_layers(void)
{
    nn_config c;
    float *xf = tiny_records(&c, NN_ACT_RELU, 2, 5);
    const int N = c.in_h, B = 4, C = 3;
    const size_t S = nn_gcn_record_size(&c);
    double *rec = malloc(sizeof(double) * B * S), *x = malloc(sizeof(double) * C * B * N);
    double *y = malloc(sizeof(double) * C * B * N), *dy = malloc(sizeof(double) * C * B * N);
    double *dx = malloc(sizeof(double) * C * B * N);
    for (size_t i = 0; i < B * S; i++) rec[i] = xf[i];
    for (int i = 0; i < C * B * N; i++) x[i] = sin(1.3 * i + 0.1), dy[i] = cos(0.7 * i);
    nn_gprop_forward_part_f64(C, N, S, B, 0, 2, rec, x, N, (size_t)B * N, y); /* two parts */
    nn_gprop_forward_part_f64(C, N, S, B, 2, 2, rec, x, N, (size_t)B * N, y);
    double e = 0;
    for (int b = 0; b < B; b++) {
        double A[5][5];
        dense_ahat(b, A);
        for (int ch = 0; ch < C; ch++)
            for (int i = 0; i < N; i++) {
                double s = 0;
                for (int j = 0; j < TN[b]; j++) s += A[i < 5 ? i : 0][j] * x[(ch * B + b) * N + j];
                if (i >= TN[b]) s = 0; /* padding nodes are written as 0 */
                e = fmax(e, fabs(y[(ch * B + b) * N + i] - s));
            }
    }
    CU_ASSERT(e <= 1e-14);
    /* the backward pass is the adjoint on the real nodes */
    for (int b = 0; b < B; b++)
        for (int ch = 0; ch < C; ch++)
            for (int i = TN[b]; i < N; i++) x[(ch * B + b) * N + i] = 0, dy[(ch * B + b) * N + i] = 0;
    nn_gprop_forward_part_f64(C, N, S, B, 0, B, rec, x, N, (size_t)B * N, y);
    nn_gprop_backward_part_f64(C, N, S, B, 0, B, rec, dy, dx, 0);
    double l = 0, r = 0;
    for (int i = 0; i < C * B * N; i++) l += dy[i] * y[i], r += dx[i] * x[i];
    CU_ASSERT(fabs(l - r) <= 1e-13 * (1 + fabs(l)) && fabs(l) > 1e-3);
    /* acc = 1 adds */
    double *dx2 = malloc(sizeof(double) * C * B * N);
    memcpy(dx2, dx, sizeof(double) * C * B * N);
    nn_gprop_backward_part_f64(C, N, S, B, 0, B, rec, dy, dx2, 1);
    e = 0;
    for (int i = 0; i < C * B * N; i++) e = fmax(e, fabs(dx2[i] - 2 * dx[i]));
    CU_ASSERT(e <= 1e-14);
    /* mean pool: graph 2 (4 nodes) */
    double p[3 * 4];
    nn_gpool_forward_part_f64(C, N, S, B, 0, B, rec, x, p);
    double s = 0;
    for (int i = 0; i < 4; i++) s += x[(1 * B + 2) * N + i];
    CU_ASSERT(fabs(p[1 * B + 2] - s / 4) <= 1e-15);
    CU_ASSERT(p[0 * B + 0] == x[(0 * B + 0) * N]); /* one node */
    /* degree features: the star's centre has degree 4, its neighbours 1 */
    double *f = malloc(sizeof(double) * NN_GCN_FEATURES * B * N);
    nn_gfeat_part_f64(N, S, B, 0, B, rec, f);
    size_t ld = (size_t)B * N, c0 = 3 * N; /* graph 3, node 0 */
    CU_ASSERT(f[c0] == 1 && fabs(f[ld + c0] - 0.4) < 1e-15 && fabs(f[2 * ld + c0] - log(5.0)) < 1e-15 &&
              fabs(f[3 * ld + c0] - 0.1) < 1e-15);
    CU_ASSERT(fabs(f[3 * ld + c0 + 1] - 0.4) < 1e-15); /* a leaf: its neighbour has degree 4 */
    CU_ASSERT(f[0] == 1 && f[ld] == 0 && f[3 * ld] == 0); /* the isolated node */
    free(f), free(dx2), free(rec), free(x), free(y), free(dy), free(dx), free(xf);
}

static double maxabs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

static void check_model(int act, int depth)
{
    nn_config c;
    float *X = tiny_records(&c, act, depth, 5);
    char msg[200];
    gsl_rng *r = nso_rng_named(3, "test/gcn");
    nn_model_f64 *m = nn_model_create_f64(&c, 4, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(m != NULL);
    for (size_t i = 0; i < m->nparams; i++) m->params[i] += 0.3 * sin(1.7 * i + 0.2); /* every term shows */
    for (int t = 0; t < m->ntensors; t++) /* and some ReLU units are active, others not */
        if (strstr(m->tensors[t].name, "conv") && strstr(m->tensors[t].name, "bias"))
            for (size_t i = 0; i < m->tensors[t].n; i++) m->params[m->tensors[t].off + i] = 0.6 * cos(2.1 * i) + 0.4;
    const size_t n = m->nparams;
    const double h = 1e-5;
    double *g = malloc(n * sizeof *g), *v = malloc(n * sizeof *v), *hv = malloc(n * sizeof *hv);
    double *g1 = malloc(n * sizeof *g1), *w0 = malloc(n * sizeof *w0);
    double L0 = nn_loss_grad_f64(m, X, TY, 4);
    CU_ASSERT(isfinite(L0));
    memcpy(g, m->grads, n * sizeof *g);
    memcpy(w0, m->params, n * sizeof *w0);
    double eg = 0;
    for (size_t i = 0; i < n; i++) {
        m->params[i] = w0[i] + h;
        double a = nn_loss_f64(m, X, TY, 4, NULL);
        m->params[i] = w0[i] - h;
        double b = nn_loss_f64(m, X, TY, 4, NULL);
        m->params[i] = w0[i];
        eg = fmax(eg, fabs(g[i] - (a - b) / (2 * h)));
    }
    double mg = maxabs(g, n);
    CU_ASSERT(eg <= 1e-7 * (1 + mg) && mg > 1e-3);
    if (!(eg <= 1e-7 * (1 + mg))) printf("\n  act %d: gradient max error %.3g (max |g| %.3g)", act, eg, mg);
    for (size_t i = 0; i < n; i++) v[i] = sin(0.9 * i + 0.4);
    nn_hvp_f64(m, X, TY, 4, v, hv);
    for (size_t i = 0; i < n; i++) m->params[i] = w0[i] + h * v[i];
    nn_loss_grad_f64(m, X, TY, 4);
    memcpy(g1, m->grads, n * sizeof *g1);
    for (size_t i = 0; i < n; i++) m->params[i] = w0[i] - h * v[i];
    nn_loss_grad_f64(m, X, TY, 4);
    memcpy(m->params, w0, n * sizeof *w0);
    double eh = 0;
    for (size_t i = 0; i < n; i++) eh = fmax(eh, fabs(hv[i] - (g1[i] - m->grads[i]) / (2 * h)));
    double mh = maxabs(hv, n);
    CU_ASSERT(eh <= 1e-6 * (1 + mh) && mh > 1e-3);
    if (!(eh <= 1e-6 * (1 + mh))) printf("\n  act %d: HVP max error %.3g (max |Hv| %.3g)", act, eh, mh);
    for (int t = 0; t < m->ntensors; t++) { /* every tensor takes part */
        const nn_tensor *T = &m->tensors[t];
        CU_ASSERT(maxabs(hv + T->off, T->n) > 1e-6);
        if (!(maxabs(hv + T->off, T->n) > 1e-6)) printf("\n  %s: Hv %g, g %g", T->name, maxabs(hv + T->off, T->n), maxabs(g + T->off, T->n));
    }
    /* float against double */
    r = nso_rng_named(1, "test/f32");
    nn_model_f32 *f = nn_model_create_f32(&c, 4, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(f != NULL);
    float *vf = malloc(n * sizeof *vf), *hvf = malloc(n * sizeof *hvf);
    for (size_t i = 0; i < n; i++) f->params[i] = (float)w0[i], vf[i] = (float)v[i];
    double Lf = nn_loss_grad_f32(f, X, TY, 4);
    CU_ASSERT(fabs(Lf - L0) <= 1e-5 * fabs(L0));
    double e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(f->grads[i] - g[i]));
    CU_ASSERT(e <= 1e-4 * mg);
    nn_hvp_f32(f, X, TY, 4, vf, hvf);
    e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(hvf[i] - hv[i]));
    CU_ASSERT(e <= 1e-4 * mh);
    /* the structure is read: one changed edge moves the loss */
    size_t S = nn_gcn_record_size(&c);
    float *X2 = malloc(sizeof(float) * 4 * S);
    memcpy(X2, X, sizeof(float) * 4 * S);
    X2[2 * S + 2 + c.in_h + 1 + 6] = 0; /* graph 2: last entry (3 -> 2) becomes 3 -> 0 */
    double L2 = nn_loss_f64(m, X2, TY, 4, NULL);
    CU_ASSERT(isfinite(L2) && fabs(L2 - nn_loss_f64(m, X, TY, 4, NULL)) > 1e-9);
    /* bad records: NAN, nothing read out of bounds */
    memcpy(X2, X, sizeof(float) * 4 * S);
    X2[S] = 0; /* an empty graph */
    CU_ASSERT(isnan(nn_loss_f64(m, X2, TY, 4, NULL)));
    memcpy(X2, X, sizeof(float) * 4 * S);
    X2[S + 2 + c.in_h + 1] = 4; /* a column past the graph's 4 nodes */
    CU_ASSERT(isnan(nn_loss_grad_f32(f, X2, TY, 4)));
    memcpy(X2, X, sizeof(float) * 4 * S);
    X2[S + 3] = 1.5f; /* a row pointer that is not an integer */
    CU_ASSERT(isnan(nn_loss_f64(m, X2, TY, 4, NULL)));
    free(X2), free(vf), free(hvf);
    nn_model_free_f32(f);
    free(g), free(v), free(hv), free(g1), free(w0), free(X);
    nn_model_free_f64(m);
}

static void test_model_relu(void) { check_model(NN_ACT_RELU, 2); }
static void test_model_smooth(void)
{
    check_model(NN_ACT_SOFTPLUS, 2);
    check_model(NN_ACT_GELU, 2);
    check_model(NN_ACT_SOFTPLUS, 1);
}

static void test_config(void)
{
    char msg[200] = "";
    nn_config c = {NN_ARCH_GCN, 2, 128, NN_GCN_FEATURES, 150, 2000, 3, NN_ACT_RELU};
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) == 0);
    c.hidden = NN_GCN_MAX_WIDTH + 1;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "GCN width"));
    c.hidden = 128, c.depth = 0;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "GCN layers"));
    c.depth = 2, c.in_h = 0;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "largest graph"));
    c.in_h = 150, c.in_c = 3;
    CU_ASSERT(nn_config_check(&c, msg, sizeof msg) && strstr(msg, "node features"));
}

static void test_checkpoint(void)
{
    nn_config c, c2;
    float *X = tiny_records(&c, NN_ACT_SOFTPLUS, 2, 6);
    char msg[300], path[] = "/tmp/test_gcn_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    gsl_rng *r = nso_rng_named(1, "test/gcn/ck");
    nn_model_f32 *m = nn_model_create_f32(&c, 4, r, msg, sizeof msg), *m2;
    gsl_rng_free(r);
    CU_ASSERT_FATAL(m != NULL);
    const char *names[] = {"conv1.lin.weight", "conv1.bias", "conv2.lin.weight", "conv2.bias", "fc.weight", "fc.bias"};
    CU_ASSERT(m->ntensors == 6);
    for (int t = 0; t < 6 && t < m->ntensors; t++) CU_ASSERT(!strcmp(m->tensors[t].name, names[t]));
    CU_ASSERT(m->tensors[0].shape[0] == 6 && m->tensors[0].shape[1] == NN_GCN_FEATURES);
    CU_ASSERT(nn_st_save(path, m, msg, sizeof msg) == 0);
    CU_ASSERT_FATAL(nn_st_config(path, &c2, msg, sizeof msg) == 0);
    CU_ASSERT(!memcmp(&c, &c2, sizeof c));
    r = nso_rng_named(2, "other");
    m2 = nn_model_create_f32(&c2, 4, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT(nn_st_load(path, m2, NULL, msg, sizeof msg) == 0);
    CU_ASSERT(!memcmp(m->params, m2->params, m->nparams * sizeof(float)));
    CU_ASSERT(nn_loss_f32(m, X, TY, 4, NULL) == nn_loss_f32(m2, X, TY, 4, NULL));
    nn_model_free_f32(m), nn_model_free_f32(m2), free(X);
    unlink(path);
}

/* the file of the tiny set */
static uint8_t *tiny_file(size_t *len)
{
    char msg[200], path[] = "/tmp/test_gcn_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    nn_graphset g = tiny_set();
    CU_ASSERT(nn_graphs_write(path, &g, msg, sizeof msg) == 0);
    nn_graphset_free(&g);
    FILE *f = fopen(path, "rb");
    uint8_t *b = malloc(1024);
    *len = fread(b, 1, 1024, f);
    fclose(f);
    unlink(path);
    return b;
}

static int refused(const uint8_t *b, size_t len, const char *want)
{
    char msg[300] = "";
    nn_graphset g;
    int rc = nn_graphs_parse(b, len, "x.bin", &g, msg, sizeof msg);
    if (rc == 0) nn_graphset_free(&g);
    int ok = rc != 0 && !strncmp(msg, "x.bin: ", 7) && strstr(msg, want) && !strchr(msg, '\n');
    if (!ok) printf("\n  expected '%s', got rc %d '%s'", want, rc, msg);
    return ok;
}

static void test_reader(void)
{
    size_t len;
    uint8_t *b = tiny_file(&len), *c = malloc(len + 8);
    CU_ASSERT(len == 24 + 7 * 4 + 4 * 11);
    char msg[300];
    nn_graphset g, t = tiny_set();
    CU_ASSERT_FATAL(nn_graphs_parse(b, len, "x.bin", &g, msg, sizeof msg) == 0);
    CU_ASSERT(g.n == 4 && g.nclass == 3 && g.max_nodes == 5 && g.seed == 7);
    CU_ASSERT(!memcmp(g.nodes, t.nodes, sizeof TN) && !memcmp(g.label, t.label, 4) &&
              !memcmp(g.eoff, t.eoff, sizeof TOFF) && !memcmp(g.edge, t.edge, sizeof TE));
    nn_graphset_free(&g), nn_graphset_free(&t);
    int all = 1;
    for (size_t l = 0; l < len; l++) all &= refused(b, l, "truncated");
    CU_ASSERT(all);
    size_t g1 = 24 + 7; /* graph 1's header (graph 0 has no edges) */
    memcpy(c, b, len), c[g1 + 1] = 0, c[g1 + 2] = 0;
    CU_ASSERT(refused(c, len, "empty graph"));
    memcpy(c, b, len), c[g1 + 1] = 6;
    CU_ASSERT(refused(c, len, "6 nodes"));
    memcpy(c, b, len), c[g1] = 3;
    CU_ASSERT(refused(c, len, "label 3"));
    memcpy(c, b, len), c[g1 + 7 + 2] = 0; /* edge (0, 0) */
    CU_ASSERT(refused(c, len, "self-loop"));
    memcpy(c, b, len), c[g1 + 7 + 4 + 2] = 0; /* edge (1, 0) */
    CU_ASSERT(refused(c, len, "not u < v"));
    memcpy(c, b, len), c[g1 + 7 + 4] = 0; /* (0,1) (0,2): fine; then (2,3) */
    CU_ASSERT(nn_graphs_parse(c, len, "x.bin", &g, msg, sizeof msg) == 0);
    nn_graphset_free(&g);
    memcpy(c, b, len), c[g1 + 7 + 4] = 0, c[g1 + 7 + 6] = 1; /* (0,1) twice */
    CU_ASSERT(refused(c, len, "duplicate"));
    memcpy(c, b, len), c[g1 + 7 + 4 * 2 + 2] = 4; /* (2, 4) in a graph of 4 nodes */
    CU_ASSERT(refused(c, len, "out of range"));
    memcpy(c, b, len), c[g1 + 3] = 7; /* 7 edges in a path of 4 nodes */
    CU_ASSERT(refused(c, len, "more than a simple graph"));
    memcpy(c, b, len), c[len] = 0;
    CU_ASSERT(refused(c, len + 1, "trailing data"));
    memcpy(c, b, len), c[0] = 'X';
    CU_ASSERT(refused(c, len, "magic"));
    memcpy(c, b, len), c[20] = 1, c[21] = 0;
    CU_ASSERT(refused(c, len, "1 classes"));
    memcpy(c, b, len), c[16] = 0, c[17] = 0;
    CU_ASSERT(refused(c, len, "0 graphs"));
    free(b), free(c);
    /* a missing file: one line naming it */
    CU_ASSERT(nn_graphs_load("/nonexistent/g.bin", &g, msg, sizeof msg) != 0 && strstr(msg, "/nonexistent/g.bin"));
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_generator(void)
{
    char cmd[600], msg[300], a[64], b[64], c[64]; /* per process: concurrent runs (make test, test-asan) */
    snprintf(a, sizeof a, "/tmp/test_gcn_gen_a.%ld.bin", (long)getpid());
    snprintf(b, sizeof b, "/tmp/test_gcn_gen_b.%ld.bin", (long)getpid());
    snprintf(c, sizeof c, "/tmp/test_gcn_gen_c.%ld.bin", (long)getpid());
    snprintf(cmd, sizeof cmd, "%s/nn_graphs --seed 5 --graphs 300 --out %s >/dev/null && %s/nn_graphs --seed 5 "
             "--graphs 300 --out %s >/dev/null && %s/nn_graphs --seed 6 --graphs 300 --out %s >/dev/null",
             NN_BIN, a, NN_BIN, b, NN_BIN, c);
    CU_ASSERT_FATAL(run(cmd) == 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, b);
    CU_ASSERT(run(cmd) == 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", a, c);
    CU_ASSERT(run(cmd) == 1);
    nn_graphset g;
    CU_ASSERT_FATAL(nn_graphs_load(a, &g, msg, sizeof msg) == 0);
    CU_ASSERT(g.n == 300 && g.nclass == 3 && g.max_nodes == 150 && g.seed == 5);
    /* per class: count, node range, mean degree range */
    int cnt[3] = {0};
    double lo[3] = {1e9, 1e9, 1e9}, hi[3] = {0};
    int nlo = 1000, nhi = 0;
    for (int i = 0; i < g.n; i++) {
        int k = g.label[i];
        double md = 2.0 * (double)(g.eoff[i + 1] - g.eoff[i]) / g.nodes[i];
        cnt[k]++;
        lo[k] = fmin(lo[k], md), hi[k] = fmax(hi[k], md);
        nlo = g.nodes[i] < nlo ? g.nodes[i] : nlo, nhi = g.nodes[i] > nhi ? g.nodes[i] : nhi;
    }
    CU_ASSERT(cnt[0] == 100 && cnt[1] == 100 && cnt[2] == 100);
    CU_ASSERT(nlo >= 30 && nhi <= 150 && nhi - nlo > 100);
    /* the families' mean-degree ranges overlap pairwise on an interval of width >= 2 */
    for (int x = 0; x < 3; x++)
        for (int y = x + 1; y < 3; y++) CU_ASSERT(fmin(hi[x], hi[y]) - fmax(lo[x], lo[y]) >= 2);
    nn_graphset_free(&g);
    /* bad flags: exit 2, one line, no file */
    snprintf(cmd, sizeof cmd, "%s/nn_graphs --min-nodes 100 --max-nodes 50 --out %s.x 2>/dev/null; test $? = 2 && "
             "test ! -e %s.x", NN_BIN, a, a);
    CU_ASSERT(run(cmd) == 0);
    unlink(a), unlink(b), unlink(c);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("gcn", NULL, NULL);
    CU_add_test(s, "graph layers against a dense A_hat", test_layers);
    CU_add_test(s, "ReLU GCN: gradient and HVP vs central differences", test_model_relu);
    CU_add_test(s, "smooth GCN: gradient and HVP vs central differences", test_model_smooth);
    CU_add_test(s, "configuration checks", test_config);
    CU_add_test(s, "checkpoint names and round trip", test_checkpoint);
    CU_add_test(s, "graph file reader refuses malformed files", test_reader);
    CU_add_test(s, "generator: deterministic, balanced, overlapping degrees", test_generator);
    return nso_cunit_run("test_gcn");
}
