/* pc_util.h - shared helpers of the proofs_check programs: common flags
 * (--seed, --profile, --out, --ledger), Monte Carlo summaries with 95%
 * confidence intervals, weighted log-log slope fits, and ledger rows that are
 * also collected into a markdown fragment (<out>/<program>_claims.md).
 *
 * Not an algorithm file: no paper equation lives here. */
#ifndef PC_UTIL_H
#define PC_UTIL_H
#include "io.h"
#include <stddef.h>
#include <stdint.h>

/* flags shared by every proofs_check program */
typedef struct {
    uint64_t seed;
    const char *profile; /* "quick" or "full" */
    const char *out;     /* directory for CSV and markdown fragments */
    const char *ledger;  /* claims ledger (TSV) */
    int full;            /* profile == full */
    char command[2048];  /* the command line, for the ledger */
    char params[2048];   /* nso_cli_format() record for the CSV header */
} pc_ctx;

/* validate profile and ledger (nso_check_ledger), record the command line;
 * creates nothing */
void pc_setup(pc_ctx *c, int argc, char **argv);
/* after every flag is validated: create the output directory (dies naming
 * --out when it cannot) */
void pc_begin(const pc_ctx *c);
/* "<out>/<name>" into a static rotating buffer */
const char *pc_path(const pc_ctx *c, const char *name);

/* mean and 95% interval of n samples (normal approximation, n >= 2) */
typedef struct {
    double mean, sd, se, lo, hi;
    size_t n;
} pc_ci;
pc_ci pc_ci_of(const double *x, size_t n);
/* interval from streaming sums */
pc_ci pc_ci_sums(double s1, double s2, size_t n);

/* weighted least squares y = a + b x; w = 1/var(y_i) or NULL (OLS with the
 * residual standard error).  se of the slope; 95% interval = slope +- 1.96 se. */
typedef struct {
    double slope, intercept, se, lo, hi;
    size_t n;
} pc_fit;
pc_fit pc_wls(const double *x, const double *y, const double *w, size_t n);

/* die with a one-line message if v is NaN or Inf */
void pc_check_finite(double v, const char *what);

/* Write one ledger row and remember it for the markdown fragment. */
void pc_claim(const pc_ctx *c, const char *id, const char *paper, const char *measured,
              const char *criterion, int holds, const char *data);
/* Markdown fragment written atomically (tmp + rename); provenance goes into an
 * HTML comment so the fragment renders cleanly when included in the report.
 * Returns an nso_csv handle usable with nso_csv_printf / pc_md_commit. */
nso_csv *pc_md_open(const pc_ctx *c, const char *path, const char *program);
int pc_md_commit(nso_csv *m);
/* Commit a result file only at the end, after every ledger row: a job's
 * make target appears last, so a job stopped at any moment (or whose ledger
 * write failed) is redone by the next make instead of being skipped with
 * its ledger rows missing.  pc_claims_md commits the deferred files. */
void pc_commit(nso_csv *f);
/* write <out>/<program>_claims.md with every row claimed so far, then commit
 * the files given to pc_commit (exit 2 if one cannot be written) */
void pc_claims_md(const pc_ctx *c, const char *program);

/* printf into a static rotating buffer (8 slots of 1024) */
const char *pc_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a result file with lib's reader (io.h: validated header, columns and
 * numbers; text_cols: NULL or the comma-separated columns that hold text).
 * Dies with the reader's message naming the file and line on error. */
nso_table *pc_read_table(const char *path, const char *text_cols);
/* The same for the output of another job of this check: its '# params:'
 * must agree with this run's (c->params) on keys (NULL-terminated), or it
 * dies naming the file and the flag (a stale job file is never pooled). */
nso_table *pc_read_job(const pc_ctx *c, const char *path, const char *text_cols, const char *const *keys);
/* index of a named column or dies */
size_t pc_col(const nso_table *t, const char *name, const char *path);

#endif
