/* test_corpus.c - the Brown corpus loader and tokeniser (nn/corpus.h): a
 * handmade tarball parses to the known words, every malformed input gives an
 * error naming the file, the vocabulary and passages follow the stated
 * conventions, and (when the tarball is in data/cache) the real corpus has
 * the counts computed independently with awk:
 *   awk '{print $1}' cats.txt | xargs cat | awk '{for(i=1;i<=NF;i++){n++;
 *     w=$i; sub(/\/[^\/]*$/,"",w); c[tolower(w)]++}} END{...}'
 * -> 1161192 tokens, 49815 distinct lower-cased words, "the" 69971 times;
 * passages of 62 words (last one kept at >= 31) per coarse class
 * 3272 / 4063 / 4861 / 3740, belles-lettres 2794. */
#include "corpus.h"
#include "test_text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* a ustar member: header + data padded to 512 */
static size_t tar_add(uint8_t *t, size_t off, const char *name, const char *data)
{
    uint8_t *h = t + off;
    size_t n = strlen(data);
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)n);
    snprintf((char *)h + 136, 12, "%011o", 0u);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int k = 0; k < 512; k++) sum += h[k];
    snprintf((char *)h + 148, 8, "%06o", sum);
    memset(t + off + 512, 0, (n + 511) / 512 * 512);
    memcpy(t + off + 512, data, n);
    return off + 512 + (n + 511) / 512 * 512;
}

static const char *T_A = "\n\tThe/at Jury/nn-tl said/vbd ./.\n\n\tIt's/pps+bez 1/2/cd ``/`` ok/jj ''/'' ./.\n";
static const char *T_G = "Essays/nns are/ber fine/jj ./.\n";

static size_t make_tar(uint8_t *t, const char *cats)
{
    size_t o = tar_add(t, 0, "package/package.json", "{}\n");
    o = tar_add(t, o, "package/ca01", T_A);
    o = tar_add(t, o, "package/cats.txt", cats);
    o = tar_add(t, o, "package/cg07", T_G);
    memset(t + o, 0, 1024);
    return o + 1024;
}

static int tar_err(const uint8_t *t, size_t n, const char *want)
{
    nn_corpus c;
    char err[300] = "";
    int rc = nn_brown_parse_tar(t, n, 1, 0, "x.tgz", &c, err, sizeof err);
    int ok = rc == NN_DATA_EFORMAT && strstr(err, want) && !strncmp(err, "x.tgz: ", 7);
    if (!ok) printf("\n  expected error containing '%s', got rc %d '%s'", want, rc, err);
    if (!rc) nn_corpus_free(&c);
    return ok;
}

static void test_tar(void)
{
    static uint8_t t[16384];
    size_t n = make_tar(t, "ca01 news\ncg07 belles_lettres\n");
    nn_corpus c;
    char err[300];
    CU_ASSERT_FATAL(nn_brown_parse_tar(t, n, 1, 2, "x.tgz", &c, err, sizeof err) == NN_DATA_OK);
    CU_ASSERT(c.ntexts == 2 && c.nwords == 14);
    static const char *w[14] = {"the", "jury", "said", ".", "it's", "1/2", "``", "ok", "''", ".",
                                "essays", "are", "fine", "."};
    for (int i = 0; i < 14 && i < (int)c.nwords; i++) CU_ASSERT(!strcmp(c.arena + c.woff[i], w[i]));
    CU_ASSERT(c.start[0] == 0 && c.start[1] == 10 && c.start[2] == 14);
    CU_ASSERT(c.label[0] == 0 && c.label[1] == NN_TEXT_NOLABEL && c.genre[1] == 'g');
    CU_ASSERT(!strcmp(c.name[1], "cg07"));
    nn_corpus_free(&c);
    CU_ASSERT(nn_brown_parse_tar(t, n, 1, 3, "x.tgz", &c, err, sizeof err) == NN_DATA_EFORMAT &&
              strstr(err, "2 texts, expected 3"));
    /* truncation, corruption, structure */
    CU_ASSERT(tar_err(t, n - 1024, "no end-of-archive block"));
    CU_ASSERT(tar_err(t, 1536 + 20, "size outside the archive")); /* cut inside ca01's data */
    t[100] ^= 4; /* header mode byte of the first member */
    CU_ASSERT(tar_err(t, n, "bad checksum"));
    t[100] ^= 4;
    n = make_tar(t, "ca01 press\n");
    CU_ASSERT(tar_err(t, n, "cats.txt line 1: expected 'cXNN category'"));
    n = make_tar(t, "ca01 news\ncb02 editorial\n");
    CU_ASSERT(tar_err(t, n, "text cb02 is not in the archive"));
    n = make_tar(t, "ca01 news\nca01 news\n");
    CU_ASSERT(tar_err(t, n, "listed twice"));
    n = make_tar(t, "\n");
    CU_ASSERT(tar_err(t, n, "lists no texts"));
    /* a broken text inside names the archive and the member */
    size_t o = tar_add(t, 0, "package/ca01", "The/at jury\n");
    o = tar_add(t, o, "package/cats.txt", "ca01 news\n");
    memset(t + o, 0, 1024);
    CU_ASSERT(tar_err(t, o + 1024, "x.tgz: package/ca01: line 1: token 'jury' is not word/tag"));
}

static int text_err(const char *s, size_t len, int min, const char *want)
{
    nn_corpus c;
    memset(&c, 0, sizeof c);
    char err[300] = "";
    int rc = nn_brown_parse_text(s, len, "ck03", min, "f.txt", &c, err, sizeof err);
    int ok = rc == NN_DATA_EFORMAT && strstr(err, want) && !strncmp(err, "f.txt: ", 7) &&
             c.ntexts == 0 && c.nwords == 0;
    if (!ok) printf("\n  expected error containing '%s', got rc %d '%s'", want, rc, err);
    nn_corpus_free(&c);
    return ok;
}

static void test_text_errors(void)
{
    const char *ok = "a/at b/nn\n";
    CU_ASSERT(text_err(ok, strlen(ok) - 1, 1, "does not end with a newline"));
    CU_ASSERT(text_err(ok, strlen(ok), 3, "2 tokens, a Brown text has at least 3"));
    CU_ASSERT(text_err("a/at /nn\n", 9, 1, "line 1: token '/nn'"));
    CU_ASSERT(text_err("a/at\nb/\n", 8, 1, "line 2: token 'b/'"));
    CU_ASSERT(text_err("a/at\n\nbnn\n", 10, 1, "line 3: token 'bnn'"));
    CU_ASSERT(text_err("a/at \xc3\xa9/nn\n", 11, 1, "byte 0xc3 is not printable ASCII"));
    CU_ASSERT(text_err("a/at b\0/nn\n", 11, 1, "byte 0x00"));
    char longw[200];
    memset(longw, 'x', 100);
    strcpy(longw + 100, "/nn\n");
    CU_ASSERT(text_err(longw, strlen(longw), 1, "word of 1..64 bytes"));
    nn_corpus c;
    memset(&c, 0, sizeof c);
    char err[300];
    CU_ASSERT(nn_brown_parse_text(ok, strlen(ok), "cz01", 1, "f.txt", &c, err, sizeof err) ==
                  NN_DATA_EFORMAT &&
              strstr(err, "not a Brown text name"));
    nn_corpus_free(&c);
}

/* the loader on disk: gzip, truncated gzip, missing file */
static void test_load_file(void)
{
    static uint8_t t[16384];
    size_t n = make_tar(t, "ca01 news\ncg07 belles_lettres\n");
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_text_%d.tgz", (int)getpid());
    gzFile g = gzopen(path, "wb");
    CU_ASSERT_FATAL(g != NULL);
    gzwrite(g, t, (unsigned)n);
    gzclose(g);
    nn_corpus c;
    char err[400];
    /* min tokens: the real loader wants 2000 per text, so the tiny archive fails by name */
    CU_ASSERT(nn_brown_load(path, &c, err, sizeof err) == NN_DATA_EFORMAT && strstr(err, path) &&
              strstr(err, "package/ca01: 10 tokens, a Brown text has at least 2000"));
    FILE *f = fopen(path, "rb");
    uint8_t buf[8192];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(path, "wb");
    fwrite(buf, 1, len - 6, f); /* cut the gzip trailer (CRC and length) */
    fclose(f);
    CU_ASSERT(nn_brown_load(path, &c, err, sizeof err) == NN_DATA_EFORMAT && strstr(err, path));
    buf[len / 2] ^= 0x55; /* corrupt the deflate stream */
    f = fopen(path, "wb");
    fwrite(buf, 1, len, f);
    fclose(f);
    CU_ASSERT(nn_brown_load(path, &c, err, sizeof err) != NN_DATA_OK && strstr(err, path));
    remove(path);
    CU_ASSERT(nn_brown_load(path, &c, err, sizeof err) == NN_DATA_EIO && strstr(err, path));
}

static void test_vocab_passages(void)
{
    /* counts over the three texts: x 6, a 4, b 4, c 3 (the tie a/b by byte order) */
    static uint8_t t[16384];
    size_t o = tar_add(t, 0, "package/ca01", "x/n b/n a/n x/n b/n a/n x/n c/n x/n c/n\n");
    o = tar_add(t, o, "package/cj02", "x/n a/n b/n\n");
    o = tar_add(t, o, "package/cg03", "a/n b/n c/n x/n\n");
    o = tar_add(t, o, "package/cats.txt", "ca01 news\ncj02 learned\ncg03 belles_lettres\n");
    memset(t + o, 0, 1024);
    nn_corpus c;
    char err[300];
    CU_ASSERT_FATAL(nn_brown_parse_tar(t, o + 1024, 1, 0, "v", &c, err, sizeof err) == 0);
    nn_vocab v;
    CU_ASSERT(nn_vocab_build(&c, 5, &v, err, sizeof err) == NN_DATA_EFORMAT);
    CU_ASSERT_FATAL(nn_vocab_build(&c, 8, &v, err, sizeof err) == 0);
    /* ids 5 x, 6 a, 7 b; c -> UNK */
    CU_ASSERT(v.size == 8 && !strcmp(v.word[0], "[PAD]") && !strcmp(v.word[4], "[MASK]"));
    CU_ASSERT(!strcmp(v.word[5], "x") && v.count[5] == 6 && !strcmp(v.word[6], "a") &&
              v.count[6] == 4 && !strcmp(v.word[7], "b") && v.count[7] == 4);
    CU_ASSERT(nn_vocab_id(&v, "b") == 7 && nn_vocab_id(&v, "c") == NN_TOK_UNK &&
              nn_vocab_id(&v, "x") == 5 && nn_vocab_id(&v, "zz") == NN_TOK_UNK);
    /* L = 6: 4 words per passage, the last kept at >= 2 words */
    nn_textset s;
    CU_ASSERT_FATAL(nn_text_passages(&c, &v, 6, NULL, 1, &s, err, sizeof err) == 0);
    /* ca01: 10 words -> 4 + 4 + 2 (kept): 3; cj02: 3 words -> 1; cg03 skipped */
    CU_ASSERT(s.n == 4 && s.L == 6);
    static const int32_t want[4][6] = {{2, 5, 7, 6, 5, 3},
                                       {2, 7, 6, 5, 1, 3},
                                       {2, 5, 1, 3, 0, 0},
                                       {2, 5, 6, 7, 3, 0}};
    for (int i = 0; i < 4 && i < s.n; i++)
        for (int j = 0; j < 6; j++) CU_ASSERT(s.tok[i * 6 + j] == want[i][j]);
    CU_ASSERT(s.label[0] == 0 && s.label[2] == 0 && s.label[3] == 1 && s.text[3] == 1);
    float x[12];
    uint8_t y[2];
    int idx[2] = {3, 0};
    nn_textset_batch(&s, idx, 2, x, y);
    CU_ASSERT(x[0] == 2 && x[1] == 5 && x[5] == 0 && x[6 + 2] == 7 && y[0] == 1 && y[1] == 0);
    nn_textset_free(&s);
    unsigned char keep[3] = {0, 0, 1};
    CU_ASSERT(nn_text_passages(&c, &v, 6, keep, 0, &s, err, sizeof err) == 0 && s.n == 1 &&
              s.label[0] == NN_TEXT_NOLABEL);
    nn_textset_free(&s);
    CU_ASSERT(nn_text_passages(&c, &v, 3, NULL, 0, &s, err, sizeof err) == NN_DATA_EFORMAT);
    CU_ASSERT(nn_text_passages(&c, &v, 6, keep, 1, &s, err, sizeof err) == NN_DATA_EFORMAT);
    nn_vocab_free(&v);
    nn_corpus_free(&c);
}

static void test_real_corpus(void)
{
    const char *path = "data/cache/" NN_BROWN_FILE;
    if (access(path, R_OK)) {
        printf("\n  (skipped: %s missing; make text-data)", path);
        return;
    }
    nn_corpus c;
    nn_vocab v;
    nn_textset s;
    char err[400];
    CU_ASSERT_FATAL(nn_brown_load(path, &c, err, sizeof err) == 0);
    CU_ASSERT(c.ntexts == 500 && c.nwords == 1161192);
    CU_ASSERT_FATAL(nn_vocab_build(&c, 1 << 20, &v, err, sizeof err) == 0);
    CU_ASSERT(v.size == 49815 + NN_TOK_SPECIAL);
    CU_ASSERT(!strcmp(v.word[5], "the") && v.count[5] == 69971);
    CU_ASSERT(nn_vocab_id(&v, ",") == 6 && v.count[6] == 58334);
    nn_vocab_free(&v);
    CU_ASSERT_FATAL(nn_vocab_build(&c, 4096, &v, err, sizeof err) == 0);
    CU_ASSERT_FATAL(nn_text_passages(&c, &v, 64, NULL, 0, &s, err, sizeof err) == 0);
    int cnt[256] = {0};
    for (int i = 0; i < s.n; i++) cnt[s.label[i]]++;
    CU_ASSERT(s.n == 18730 && cnt[0] == 3272 && cnt[1] == 4063 && cnt[2] == 4861 &&
              cnt[3] == 3740 && cnt[NN_TEXT_NOLABEL] == 2794);
    int texts[NN_TEXT_NCLASS + 1] = {0};
    for (int t = 0; t < c.ntexts; t++) texts[c.label[t] == NN_TEXT_NOLABEL ? 4 : c.label[t]]++;
    CU_ASSERT(texts[0] == 88 && texts[1] == 110 && texts[2] == 126 && texts[3] == 101 &&
              texts[4] == 75);
    nn_textset_free(&s);
    nn_vocab_free(&v);
    nn_corpus_free(&c);
}

void text_suite_corpus(void)
{
    CU_pSuite s = CU_add_suite("text_corpus", NULL, NULL);
    CU_add_test(s, "tar: handmade archive, truncation, corruption, cats.txt", test_tar);
    CU_add_test(s, "text: every malformed token is an error naming the file", test_text_errors);
    CU_add_test(s, "load: gzip on disk, cut trailer, corrupt stream, missing", test_load_file);
    CU_add_test(s, "vocabulary order, ids, passages, padding, labels", test_vocab_passages);
    CU_add_test(s, "real corpus counts (independent awk counts)", test_real_corpus);
}
