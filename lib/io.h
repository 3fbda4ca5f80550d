/* io.h - result files: atomic CSV writers and the claims ledger.
 *
 * CSV: a result file starts with comment lines recording the program, its
 * parameters, the seed and the git revision, then one header row, then data.
 * It is written to "<path>.tmp.<pid>" and renamed onto <path> only by
 * nso_csv_commit(), so an interrupted or failed run leaves no partial output.
 *
 * Ledger: data/claims.tsv, one row per checked claim, columns
 *   id  paper  measured  criterion  verdict  data  command
 * nso_ledger_put() inserts or replaces the row with the same id, under an
 * flock(2) so parallel jobs may write to it, and rewrites the file atomically.
 */
#ifndef NSO_IO_H
#define NSO_IO_H
#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *f;
    char *path, *tmp;
} nso_csv;

/* Open a result file.  `params` is a free-form record of the parameters (for
 * example from nso_cli_format()).  Returns NULL and prints a one-line error
 * naming the file when it cannot be created. */
nso_csv *nso_csv_open(const char *path, const char *program, const char *params, uint64_t seed,
                      const char *columns);
/* printf a line into the file (a newline is NOT added) */
void nso_csv_printf(nso_csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* flush, close and rename into place; returns NSO_OK or NSO_EIO (message printed) */
int nso_csv_commit(nso_csv *c);
/* close and delete the temporary file */
void nso_csv_abort(nso_csv *c);
/* die (exit 2) unless the directory of `path` exists and is writable */
void nso_check_writable(const char *flag, const char *path);
/* the git revision compiled in (or "unknown") */
const char *nso_git_rev(void);
/* 1 if path exists and is a regular file */
int nso_file_exists(const char *path);
/* mkdir -p */
int nso_mkdirs(const char *dir);

typedef struct {
    const char *id, *paper, *measured, *criterion, *verdict, *data, *command;
} nso_claim;

/* Insert or replace the row with claim->id.  Fields must not contain tabs or
 * newlines (they are replaced by spaces).  Returns NSO_OK or NSO_EIO. */
int nso_ledger_put(const char *ledger_path, const nso_claim *claim);
/* verdict helper */
static inline const char *nso_verdict(int holds) { return holds ? "holds" : "fails"; }

/* ---- reading result files ------------------------------------------- */
typedef struct {
    size_t nrows, ncols;
    double *v;         /* nrows x ncols */
    char **names;      /* ncols column names */
    int diverged;      /* the file says "# status: diverged" */
} nso_table;

/* Read a CSV written by nso_csv_*: '#' lines are skipped (but "# status:
 * diverged" is noted), the first other line names the columns, the rest are
 * numbers ("nan" allowed).  Returns NULL with a one-line message naming the
 * file and the line on error. */
nso_table *nso_table_read(const char *path);
void nso_table_free(nso_table *t);
/* column index by name, or -1 */
int nso_table_col(const nso_table *t, const char *name);
#define NSO_T(t, row, col) ((t)->v[(size_t)(row) * (t)->ncols + (size_t)(col)])

#endif
