/* layer_wrap.h - the transformer layers behind one signature on double
 * arrays, included by layer_f64.c and layer_f32.c (REAL = double / float,
 * W(x) the suffix, KN the engine's), so the same checks run on both builds.  Every layer maps
 * in = [its inputs | its parameters] (n_in doubles) to out (n_out); bwd gives
 * the gradient of <dy, out> with respect to in; rfwd / rbwd are the
 * R-operator along rin (and rdy for the backward pass).  No include guard. */

static void W(to)(const double *a, REAL *b, size_t n)
{
    for (size_t i = 0; i < n; i++) b[i] = (REAL)a[i];
}
static void W(from)(const REAL *a, double *b, size_t n)
{
    for (size_t i = 0; i < n; i++) b[i] = a[i];
}
#define TMP(name, n) REAL *name = calloc((size_t)(n) + 1, sizeof(REAL))

/* ---- GELU: in = x (n) ---- */
void W(gelu_fwd)(const layer *l, const double *in, double *out)
{
    size_t n = l->n_in;
    TMP(x, n); TMP(y, n);
    W(to)(in, x, n);
    KN(nn_gelu_forward)(n, x, y);
    W(from)(y, out, n);
    free(x); free(y);
}
void W(gelu_bwd)(const layer *l, const double *in, const double *dy, double *g)
{
    size_t n = l->n_in;
    TMP(x, n); TMP(d, n); TMP(dx, n);
    W(to)(in, x, n); W(to)(dy, d, n);
    for (size_t i = 0; i < n; i++) dx[i] = (REAL)0.25; /* acc = 0 must overwrite */
    KN(nn_gelu_backward)(n, x, d, dx, 0);
    W(from)(dx, g, n);
    free(x); free(d); free(dx);
}
void W(gelu_rfwd)(const layer *l, const double *in, const double *rin, double *rout)
{
    size_t n = l->n_in;
    TMP(x, n); TMP(rx, n); TMP(ry, n);
    W(to)(in, x, n); W(to)(rin, rx, n);
    KN(nn_gelu_rforward)(n, x, rx, ry);
    W(from)(ry, rout, n);
    free(x); free(rx); free(ry);
}
void W(gelu_rbwd)(const layer *l, const double *in, const double *rin, const double *dy,
                         const double *rdy, double *rg)
{
    size_t n = l->n_in;
    TMP(x, n); TMP(rx, n); TMP(d, n); TMP(rd, n); TMP(r, n);
    W(to)(in, x, n); W(to)(rin, rx, n); W(to)(dy, d, n); W(to)(rdy, rd, n);
    KN(nn_gelu_rbackward)(n, x, rx, d, rd, r, 0);
    W(from)(r, rg, n);
    free(x); free(rx); free(d); free(rd); free(r);
}

/* ---- layer norm: in = [x (C x N) | g (C) | b (C)], out = y (C x N) ---- */
void W(ln_fwd)(const layer *l, const double *in, double *out)
{
    int C = l->d;
    size_t N = l->N, n = l->n_in;
    TMP(a, n); TMP(y, C * N);
    W(to)(in, a, n);
    KN(nn_ln_forward)(C, N, 0, N, a, y, a + C * N, a + C * N + C, 1e-5);
    W(from)(y, out, C * N);
    free(a); free(y);
}
void W(ln_bwd)(const layer *l, const double *in, const double *dy, double *g)
{
    int C = l->d;
    size_t N = l->N, n = l->n_in;
    TMP(a, n); TMP(d, C * N); TMP(ga, n);
    W(to)(in, a, n); W(to)(dy, d, C * N);
    /* two column blocks, as two batch parts would call it */
    KN(nn_ln_backward)(C, N, 0, N / 2, a, d, a + C * N, 1e-5, ga, ga + C * N, ga + C * N + C, 0);
    KN(nn_ln_backward)(C, N, N / 2, N - N / 2, a, d, a + C * N, 1e-5, ga, ga + C * N,
                       ga + C * N + C, 0);
    W(from)(ga, g, n);
    free(a); free(d); free(ga);
}
void W(ln_rfwd)(const layer *l, const double *in, const double *rin, double *rout)
{
    int C = l->d;
    size_t N = l->N, n = l->n_in;
    TMP(a, n); TMP(ra, n); TMP(ry, C * N);
    W(to)(in, a, n); W(to)(rin, ra, n);
    KN(nn_ln_rforward)(C, N, 0, N, a, ra, a + C * N, ra + C * N, ra + C * N + C, 1e-5, ry);
    W(from)(ry, rout, C * N);
    free(a); free(ra); free(ry);
}
void W(ln_rbwd)(const layer *l, const double *in, const double *rin, const double *dy,
                       const double *rdy, double *rg)
{
    int C = l->d;
    size_t N = l->N, n = l->n_in;
    TMP(a, n); TMP(ra, n); TMP(d, C * N); TMP(rd, C * N); TMP(r, n);
    W(to)(in, a, n); W(to)(rin, ra, n); W(to)(dy, d, C * N); W(to)(rdy, rd, C * N);
    KN(nn_ln_rbackward)(C, N, 0, N, a, ra, d, rd, a + C * N, ra + C * N, 1e-5, r, r + C * N,
                        r + C * N + C, 0);
    W(from)(r, rg, n);
    free(a); free(ra); free(d); free(rd); free(r);
}

/* ---- embedding: in = [tok (V x d) | pos (L x d)], token ids fixed (l->tok) ---- */
void W(emb_fwd)(const layer *l, const double *in, double *out)
{
    int d = l->d, L = l->L, B = l->B;
    size_t n = l->n_in, N = l->N;
    TMP(a, n); TMP(x, N); TMP(y, d * N);
    W(to)(in, a, n);
    W(to)(l->tok, x, N);
    KN(nn_embed_forward_part)(d, L, B, 0, 1, a, a + (size_t)l->V * d, x, y);
    KN(nn_embed_forward_part)(d, L, B, 1, B - 1, a, a + (size_t)l->V * d, x, y);
    W(from)(y, out, d * N);
    free(a); free(x); free(y);
}
void W(emb_bwd)(const layer *l, const double *in, const double *dy, double *g)
{
    int d = l->d, L = l->L, B = l->B;
    size_t n = l->n_in, N = l->N;
    TMP(x, N); TMP(dd, d * N); TMP(ga, n);
    (void)in;
    W(to)(l->tok, x, N); W(to)(dy, dd, d * N);
    KN(nn_embed_backward_part)(d, L, B, 0, B, x, dd, ga, ga + (size_t)l->V * d);
    W(from)(ga, g, n);
    free(x); free(dd); free(ga);
}
/* linear in its parameters: R y = forward(V), R{grad} = backward(R dy) */
void W(emb_rfwd)(const layer *l, const double *in, const double *rin, double *rout)
{
    (void)in;
    W(emb_fwd)(l, rin, rout);
}
void W(emb_rbwd)(const layer *l, const double *in, const double *rin, const double *dy,
                        const double *rdy, double *rg)
{
    (void)rin; (void)dy;
    W(emb_bwd)(l, in, rdy, rg);
}

/* ---- [CLS] pooling: in = x (d x N), out = d x B ---- */
void W(cls_fwd)(const layer *l, const double *in, double *out)
{
    int d = l->d, L = l->L, B = l->B;
    size_t N = l->N;
    TMP(x, d * N); TMP(y, d * B);
    W(to)(in, x, d * N);
    KN(nn_cls_forward_part)(d, L, B, 0, B, x, y);
    W(from)(y, out, (size_t)d * B);
    free(x); free(y);
}
void W(cls_bwd)(const layer *l, const double *in, const double *dy, double *g)
{
    int d = l->d, L = l->L, B = l->B;
    size_t N = l->N;
    TMP(dd, d * B); TMP(dx, d * N);
    (void)in;
    W(to)(dy, dd, (size_t)d * B);
    for (size_t i = 0; i < d * N; i++) dx[i] = 7; /* acc = 0 must overwrite */
    KN(nn_cls_backward_part)(d, L, B, 0, 1, dd, dx, 0);
    KN(nn_cls_backward_part)(d, L, B, 1, B - 1, dd, dx, 0);
    W(from)(dx, g, d * N);
    free(dd); free(dx);
}
void W(cls_rfwd)(const layer *l, const double *in, const double *rin, double *rout)
{
    (void)in;
    W(cls_fwd)(l, rin, rout);
}
void W(cls_rbwd)(const layer *l, const double *in, const double *rin, const double *dy,
                        const double *rdy, double *rg)
{
    (void)rin; (void)dy;
    W(cls_bwd)(l, in, rdy, rg);
}

/* ---- attention core: in = qkv (3d x N), out = ctx (d x N); mask from l->tok ---- */
void W(att_fwd)(const layer *l, const double *in, double *out)
{
    int d = l->d, L = l->L, B = l->B, H = l->H;
    size_t N = l->N;
    TMP(q, 3 * d * N); TMP(x, N); TMP(p, (size_t)H * L * N); TMP(y, d * N);
    W(to)(in, q, 3 * d * N); W(to)(l->tok, x, N);
    KN(nn_attn_forward_part)(d, H, L, B, 0, 1, q, x, p, y);
    KN(nn_attn_forward_part)(d, H, L, B, 1, B - 1, q, x, p, y);
    W(from)(y, out, d * N);
    free(q); free(x); free(p); free(y);
}
void W(att_bwd)(const layer *l, const double *in, const double *dy, double *g)
{
    int d = l->d, L = l->L, B = l->B, H = l->H;
    size_t N = l->N;
    TMP(q, 3 * d * N); TMP(x, N); TMP(p, (size_t)H * L * N); TMP(y, d * N); TMP(dd, d * N);
    TMP(ds, (size_t)H * L * N); TMP(dq, 3 * d * N);
    W(to)(in, q, 3 * d * N); W(to)(l->tok, x, N); W(to)(dy, dd, d * N);
    KN(nn_attn_forward_part)(d, H, L, B, 0, B, q, x, p, y);
    for (size_t i = 0; i < 3 * d * N; i++) dq[i] = 3; /* acc = 0 must overwrite */
    KN(nn_attn_backward_part)(d, H, L, B, 0, 1, q, p, dd, ds, dq, 0);
    KN(nn_attn_backward_part)(d, H, L, B, 1, B - 1, q, p, dd, ds, dq, 0);
    W(from)(dq, g, 3 * d * N);
    free(q); free(x); free(p); free(y); free(dd); free(ds); free(dq);
}
void W(att_rfwd)(const layer *l, const double *in, const double *rin, double *rout)
{
    int d = l->d, L = l->L, B = l->B, H = l->H;
    size_t N = l->N;
    TMP(q, 3 * d * N); TMP(rq, 3 * d * N); TMP(x, N); TMP(p, (size_t)H * L * N);
    TMP(rp, (size_t)H * L * N); TMP(y, d * N); TMP(ry, d * N);
    W(to)(in, q, 3 * d * N); W(to)(rin, rq, 3 * d * N); W(to)(l->tok, x, N);
    KN(nn_attn_forward_part)(d, H, L, B, 0, B, q, x, p, y);
    KN(nn_attn_rforward_part)(d, H, L, B, 0, B, q, rq, p, rp, ry);
    W(from)(ry, rout, d * N);
    free(q); free(rq); free(x); free(p); free(rp); free(y); free(ry);
}
void W(att_rbwd)(const layer *l, const double *in, const double *rin, const double *dy,
                        const double *rdy, double *rg)
{
    int d = l->d, L = l->L, B = l->B, H = l->H;
    size_t N = l->N, np = (size_t)H * L * N;
    TMP(q, 3 * d * N); TMP(rq, 3 * d * N); TMP(x, N); TMP(p, np); TMP(rp, np); TMP(y, d * N);
    TMP(ry, d * N); TMP(dd, d * N); TMP(rdd, d * N); TMP(ds, np); TMP(rds, np);
    TMP(r, 3 * d * N);
    W(to)(in, q, 3 * d * N); W(to)(rin, rq, 3 * d * N); W(to)(l->tok, x, N);
    W(to)(dy, dd, d * N); W(to)(rdy, rdd, d * N);
    KN(nn_attn_forward_part)(d, H, L, B, 0, B, q, x, p, y);
    KN(nn_attn_rforward_part)(d, H, L, B, 0, B, q, rq, p, rp, ry);
    KN(nn_attn_rbackward_part)(d, H, L, B, 0, B, q, rq, p, rp, dd, rdd, ds, rds, r, 0);
    W(from)(r, rg, 3 * d * N);
    free(q); free(rq); free(x); free(p); free(rp); free(y); free(ry); free(dd); free(rdd);
    free(ds); free(rds); free(r);
}
#undef TMP
