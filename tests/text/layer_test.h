/* layer_test.h - the layer descriptor of test_layers.c and the wrappers of
 * layer_wrap.h in both precisions (_d: the double build, _s: the float build). */
#ifndef LAYER_TEST_H
#define LAYER_TEST_H
#include <stddef.h>

typedef struct layer layer;
typedef void (*fwd_fn)(const layer *, const double *, double *);
typedef void (*bwd_fn)(const layer *, const double *, const double *, double *);
typedef void (*rfwd_fn)(const layer *, const double *, const double *, double *);
typedef void (*rbwd_fn)(const layer *, const double *, const double *, const double *,
                        const double *, double *);
struct layer {
    const char *name;
    size_t n_in, n_out, N;
    int d, L, B, H, V;
    const double *tok; /* token ids (N), for the embedding and the mask */
    fwd_fn fwd[2];     /* [0] double, [1] float */
    bwd_fn bwd[2];
    rfwd_fn rfwd[2];
    rbwd_fn rbwd[2];
};

#define LAYER_DECL(p, s)                                                                       \
    void p##_fwd_##s(const layer *, const double *, double *);                                \
    void p##_bwd_##s(const layer *, const double *, const double *, double *);                \
    void p##_rfwd_##s(const layer *, const double *, const double *, double *);               \
    void p##_rbwd_##s(const layer *, const double *, const double *, const double *,          \
                      const double *, double *);
#define LAYER_DECL2(p) LAYER_DECL(p, d) LAYER_DECL(p, s)
LAYER_DECL2(gelu)
LAYER_DECL2(ln)
LAYER_DECL2(emb)
LAYER_DECL2(cls)
LAYER_DECL2(att)
#endif
