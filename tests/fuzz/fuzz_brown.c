/* fuzz_brown.c - libFuzzer target for the Brown corpus tarball parser
 * (nn/corpus.h): tar headers, cats.txt, the texts; then the vocabulary and
 * passages of whatever parsed. */
#include "corpus.h"
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
        if (!nn_text_passages(&c, &v, 8, NULL, 0, &s, err, sizeof err)) nn_textset_free(&s);
        nn_vocab_free(&v);
    }
    nn_corpus_free(&c);
    return 0;
}
