/* safetensors.h - model checkpoints in the safetensors format
 * (https://github.com/huggingface/safetensors: 8-byte little-endian header
 * length N, an N-byte JSON header {"name": {"dtype", "shape", "data_offsets"},
 * "__metadata__": {...}}, then a byte buffer fully covered by the tensors).
 *
 * Tensor names and layouts are PyTorch's (conv weight OIHW, linear (out, in),
 * bn weight/bias/running_mean/running_var F32 and num_batches_tracked I64
 * scalar), so `safetensors.torch.load_file` gives a state_dict that loads into
 * the equivalent torch module.  Reading validates the header (size, JSON
 * syntax, duplicate keys), dtypes, shapes and offsets (inside the buffer, no
 * overlap, no hole) before touching the model. */
#ifndef NN_SAFETENSORS_H
#define NN_SAFETENSORS_H
#include "nn.h"
#include <stddef.h>
#include <stdint.h>

#define NN_ST_MAX_TENSORS 512
#define NN_ST_MAX_HEADER (16u << 20)

typedef struct {
    char name[NN_NAME];
    int dtype;        /* 0 F32, 1 I64, 2 F64 */
    int ndim;
    int64_t shape[8];
    uint64_t begin, end;
} nn_st_entry;

typedef struct {
    int n;
    nn_st_entry t[NN_ST_MAX_TENSORS];
    int nmeta;
    char meta_key[16][NN_NAME], meta_val[16][NN_NAME];
    const uint8_t *data;  /* the byte buffer (points into the caller's memory) */
    uint64_t data_len;
} nn_st_file;

/* Parse and validate a whole file image.  Returns 0 or 5 (format) with msg. */
int nn_st_parse(const uint8_t *buf, size_t len, nn_st_file *f, char *msg, size_t mlen);
/* metadata value or NULL */
const char *nn_st_meta(const nn_st_file *f, const char *key);

/* Save every parameter and statistic of m (atomic: tmp + rename). */
int nn_st_save(const char *path, const nn_model_f32 *m, char *msg, size_t mlen);
/* Read a file's model configuration from its metadata (nn.arch, ...). */
int nn_st_config(const char *path, nn_config *cfg, char *msg, size_t mlen);
/* Load into m.  Every tensor of m must be present with its shape, unless
 * skip_prefix (e.g. "fc" for a replaced head) names tensors to leave as they
 * are.  Unknown tensors in the file are an error. */
int nn_st_load(const char *path, nn_model_f32 *m, const char *skip_prefix, char *msg,
               size_t mlen);

/* the same from a file image in memory (`path` names it in messages) */
int nn_st_load_buffer(const uint8_t *buf, size_t len, const char *path, nn_model_f32 *m,
                      const char *skip, char *msg, size_t mlen);

#endif
