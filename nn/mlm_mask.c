/* mlm_mask.c - BERT's masking recipe for masked-language-model pretraining
 * (Devlin et al. 2019, Sec. 3.1: 15% of the tokens, of which 80% [MASK], 10%
 * a random token, 10% unchanged); conventions in mlm.h.  Not templated. */
#include "mlm.h"
#include "corpus.h"
#include "nn.h"
#include "rng.h"
#include <math.h>

int nn_mlm_mask(const int32_t *tok, int L, int M, int vocab, gsl_rng *r, float *x, int32_t *pos,
                int32_t *lab)
{
    int cand[NN_TF_MAX_SEQ], nc = 0; /* L <= NN_TF_MAX_SEQ (the position table) */
    for (int t = 0; t < L; t++) {
        x[t] = (float)tok[t];
        if (t < NN_TF_MAX_SEQ && tok[t] != NN_TOK_PAD && tok[t] != NN_TOK_CLS && tok[t] != NN_TOK_SEP) cand[nc++] = t;
    }
    int k = nc ? (int)lround(NN_MLM_PROB * nc) : 0;
    if (nc && k < 1) k = 1;
    if (k > M) k = M;
    for (int i = 0; i < k; i++) { /* partial Fisher-Yates: cand[0..k) uniform without replacement */
        int j = i + (int)gsl_rng_uniform_int(r, (unsigned long)(nc - i)), s = cand[i];
        cand[i] = cand[j];
        cand[j] = s;
    }
    for (int i = 1; i < k; i++) /* ascending positions (insertion sort, k <= M) */
        for (int j = i; j > 0 && cand[j - 1] > cand[j]; j--) {
            int s = cand[j];
            cand[j] = cand[j - 1];
            cand[j - 1] = s;
        }
    for (int i = 0; i < M; i++) {
        if (i >= k) {
            pos[i] = 0;
            lab[i] = -1;
            continue;
        }
        int t = cand[i];
        pos[i] = t;
        lab[i] = tok[t];
        double u = gsl_rng_uniform(r);
        if (u < 0.8) x[t] = NN_TOK_MASK;
        else if (u < 0.9 && vocab > NN_TOK_SPECIAL) /* (a vocabulary of specials only: kept) */
            x[t] = (float)(NN_TOK_SPECIAL + (int)gsl_rng_uniform_int(r, (unsigned long)(vocab - NN_TOK_SPECIAL)));
    }
    return k;
}

void nn_mlm_batch(const nn_dataset *d, const int *idx, int B, int M, int vocab, uint64_t seed,
                  uint64_t epoch, gsl_rng *r, float *x, int32_t *pos, int32_t *lab)
{
    const int L = d->c * d->h * d->w;
    for (int b = 0; b < B; b++) {
        nso_rng_reseed(r, seed, "nn/mlm", (epoch << 32) + (uint64_t)idx[b]);
        nn_mlm_mask(d->tokens + (size_t)idx[b] * L, L, M, vocab, r, x + (size_t)b * L, pos + (size_t)b * M,
                    lab + (size_t)b * M);
    }
}
