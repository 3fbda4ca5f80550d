/* ckpt.h - one checkpoint file holding several named optimizer runs at one
 * step, for programs that run many runs in lock-step (sensing_fig3).  Not an
 * algorithm file: no paper equation lives here.
 *
 * File layout (native byte order):
 *   "NSOCKPT3", u64 signature (the caller's hash of its parameters), u64 step,
 *   u64 number of records; per record: char name[48] (NUL-padded), u64 byte
 *   count of the rest of the record, the run's optimizer state (nso_opt_save,
 *   itself checksummed), u64 nx, nx doubles of the caller's extras (logs,
 *   flags); then the 64-bit FNV-1a checksum of every byte before it.
 * It is written to "<path>.tmp.<pid>" (listed with nso_tmp_register, so an
 * error or a signal removes it), flushed to disk and renamed onto <path>.
 *
 * Loading checks the size and the checksum of the whole file before it
 * parses anything, then the signature, then every record's bounds.  Every run
 * the caller lists must have exactly one record; records of runs the caller
 * does not list are skipped (a run finished and committed after the
 * checkpoint was written).  On an error the listed runs may be partly
 * overwritten: the caller starts them over. */
#ifndef NSO_CKPT_H
#define NSO_CKPT_H
#include "optimizer.h"
#include <stddef.h>
#include <stdint.h>

#define NSO_CKPT_NAME 48

typedef struct {
    char name[NSO_CKPT_NAME]; /* the run's name (unique among the runs) */
    nso_optimizer *o;         /* the run (nso_opt_save / nso_opt_load) */
    double *w;                /* its iterate */
    gsl_rng *r;               /* its random stream (or NULL) */
    double *x;                /* the caller's extras */
    size_t nx;                /* save: how many; load: capacity in, count read out */
} nso_ckpt_run;

/* NSO_OK, or NSO_EIO with a message (the temporary is removed). */
int nso_ckpt_save(const char *path, uint64_t sig, uint64_t step, const nso_ckpt_run *runs, size_t n,
                  char *msg, size_t len);
/* NSO_OK with *step; NSO_EIO when the file cannot be read; NSO_EFORMAT when
 * it is truncated, corrupted, written with another signature, lacks a listed
 * run or holds more extras than its capacity. */
int nso_ckpt_load(const char *path, uint64_t sig, uint64_t *step, nso_ckpt_run *runs, size_t n,
                  char *msg, size_t len);
/* the same from a file image in memory (the fuzz target) */
int nso_ckpt_load_mem(const unsigned char *buf, size_t size, uint64_t sig, uint64_t *step,
                      nso_ckpt_run *runs, size_t n, char *msg, size_t len);

#endif
