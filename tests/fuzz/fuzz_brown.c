/* fuzz_brown.c - libFuzzer target for the Brown corpus tarball parser
 * (nn/corpus.h): tar headers, cats.txt, the texts; then the vocabulary and
 * passages of whatever parsed, the split by text and the held-out passages,
 * and BERT's masking of the first passages. */
#include "corpus.h"
#include "mlm.h"
#include "rng.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_corpus c;
    char err[256];
    if (nn_brown_parse_tar(data, size, 1, 0, "fuzz.tgz", &c, err, sizeof err)) return 0;
    nn_vocab v;
    if (!nn_vocab_build(&c, 16, &v, err, sizeof err)) {
        nn_textset s;
        if (!nn_text_passages(&c, &v, 8, NULL, 0, &s, err, sizeof err)) {
            gsl_rng *r = nso_rng_named(1, "fuzz/mlm");
            float x[8];
            int32_t pos[3], lab[3];
            for (int i = 0; i < s.n && i < 4; i++) nn_mlm_mask(s.tok + (size_t)i * 8, 8, 3, v.size, r, x, pos, lab);
            gsl_rng_free(r);
            nn_textset_free(&s);
        }
        unsigned char *part = malloc((size_t)c.ntexts + 1);
        if (part && !nn_brown_split(&c, 1, 1, 1, part, err, sizeof err)) {
            for (int t = 0; t < c.ntexts; t++) part[t] = part[t] == NN_BROWN_FT_TRAIN;
            if (!nn_text_passages(&c, &v, 8, part, 1, &s, err, sizeof err)) nn_textset_free(&s);
        }
        free(part);
        nn_vocab_free(&v);
    }
    nn_corpus_free(&c);
    return 0;
}
