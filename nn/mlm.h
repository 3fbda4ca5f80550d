/* mlm.h - masked-language-model pretraining data (issue 9, text half): BERT's
 * masking recipe (Devlin et al. 2019, Sec. 3.1 and App. A.1;
 * create_pretraining_data.py) applied to token data sets, deterministic from
 * a seed.  The model side is NN_ARCH_MLM (nn.h) with nn_set_mlm_targets. */
#ifndef NN_MLM_H
#define NN_MLM_H
#include "dataset.h"
#include <gsl/gsl_rng.h>
#include <stdint.h>

#define NN_MLM_PROB 0.15 /* share of the tokens that get a target */
/* target slots per sequence of the brown passages: ceil(0.15 x 62 words) */
#define NN_MLM_SLOTS 10

/* One sequence tok[0..L) of token ids.  Candidates: the positions whose token
 * is not [PAD], [CLS] or [SEP] (ncand of them).  k = min(M, max(1,
 * round(0.15 ncand))) of them (0 when ncand = 0) are chosen uniformly
 * without replacement (a partial Fisher-Yates shuffle drawn from r) and
 * stored in ascending order in pos[0..k), with their original ids in lab;
 * the input at a chosen position becomes [MASK] with probability 0.8, a word
 * id drawn uniformly from [NN_TOK_SPECIAL, vocab) with probability 0.1, and
 * stays as it is with probability 0.1 (BERT's 80/10/10; BERT draws the
 * random token from its whole vocabulary, specials included).  Slots k..M-1:
 * pos 0, lab -1 (no target).  x receives the model input (L ids as floats).
 * Returns k. */
int nn_mlm_mask(const int32_t *tok, int L, int M, int vocab, gsl_rng *r, float *x, int32_t *pos,
                int32_t *lab);

/* A batch of token data set d: example idx[b] masked by nn_mlm_mask with r
 * reseeded to stream (seed, "nn/mlm", (epoch << 32) + idx[b]), so the
 * masking of an example is a function of (seed, epoch, example) alone (new
 * masks every epoch: RoBERTa's dynamic masking; one epoch value: BERT's
 * static masks).  x: B x L, pos / lab: B x M. */
void nn_mlm_batch(const nn_dataset *d, const int *idx, int B, int M, int vocab, uint64_t seed,
                  uint64_t epoch, gsl_rng *r, float *x, int32_t *pos, int32_t *lab);

#endif
