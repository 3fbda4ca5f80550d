/* io.h - result files: the atomic writer, the CSV reader and the claims ledger.
 *
 * CSV: a result file starts with comment lines recording the program, its
 * parameters, the seed and the git revision, then one header row, then data.
 * It is written to "<path>.tmp.<pid>" and renamed onto <path> only by
 * nso_csv_commit(), so an interrupted or failed run leaves no partial output.
 *
 * Ledger: data/claims.tsv, one row per checked claim, tab-separated columns
 *   id  paper  measured  criterion  verdict  data  command  kind
 * nso_ledger_put() inserts or replaces the row with the same id, under an
 * flock(2) so parallel jobs may write to it, and rewrites the file atomically.
 * The kind is never given by a writer: it comes from the one table
 * lib/claim_kinds.c (claim, analog, erratum, supplement, sanity, info), and an
 * id that is not registered there is refused.
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
/* The same atomic file with nothing written yet: no provenance lines, no
 * column names (for files with a syntax of their own, e.g. markdown fragments
 * that carry their provenance in an HTML comment).  Write with
 * nso_csv_printf, finish with nso_csv_commit or nso_csv_abort. */
nso_csv *nso_atomic_open(const char *path);
/* printf a line into the file (a newline is NOT added) */
void nso_csv_printf(nso_csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* flush, close and rename into place; returns NSO_OK or NSO_EIO (message printed).
 * Tests: NSO_FAULT_COMMIT=N in the environment kills the process with
 * SIGKILL at its N-th commit, between writing and renaming (a crash). */
int nso_csv_commit(nso_csv *c);
/* close and delete the temporary file */
void nso_csv_abort(nso_csv *c);
/* die (exit 2) unless the directory of `path` exists and is writable and
 * `path` itself is not a directory */
void nso_check_writable(const char *flag, const char *path);
/* die (exit 2) unless `path` can serve as a claims ledger: its directory exists
 * and is writable, the path is not a directory, an existing ledger is a
 * readable and writable regular file, its lock file can be created.  Call
 * it before computing anything.  It also registers the ledger's temporary
 * file for removal on exit and on SIGINT/SIGTERM (see nso_tmp_register). */
void nso_check_ledger(const char *flag, const char *path);

/* ---- temporaries ------------------------------------------------------ *
 * Every temporary this process creates for an atomic write (nso_atomic_open,
 * nso_csv_open, checkpoints, the ledger's "<ledger>.tmp.<pid>") is listed in
 * a registry; whatever is still listed when the process exits (exit(),
 * nso_die(), return from main) or is killed by SIGINT, SIGTERM, SIGHUP or
 * SIGQUIT is unlinked, so no error path leaves a half-written file behind.
 * nso_tmp_register returns NSO_OK or NSO_ENOMEM (registry full). */
int nso_tmp_register(const char *tmp_path);
void nso_tmp_unregister(const char *tmp_path);
/* Install the signal handlers (only where the disposition is still the
 * default: an ignored SIGHUP stays ignored); each removes the registered
 * temporaries, restores the default action and re-raises the signal.
 * Called once by nso_cli_parse, i.e. by every program. */
void nso_tmp_install_handlers(void);

/* ---- parameters recorded in result files ------------------------------ *
 * A result file records its program's flags in '# params: --a 1 --b x'
 * (nso_cli_format).  nso_params_get copies the value of --key into buf
 * (a value runs to the next " --"); returns buf, or NULL when the flag is
 * absent.  nso_params_diff compares the flags in keys[] (NULL-terminated)
 * between the record `have` (a file's) and `want` (this run's): 0 when all
 * agree (absent in both counts as agreeing), else 1 with "--key is 'A' in
 * the file, 'B' expected" in msg. */
const char *nso_params_get(const char *params, const char *key, char *buf, size_t len);
int nso_params_diff(const char *have, const char *want, const char *const *keys, char *msg, size_t len);
/* the git revision compiled in (or "unknown") */
const char *nso_git_rev(void);
/* 1 if path exists and is a regular file */
int nso_file_exists(const char *path);
/* the 64-bit FNV-1a hash of a file's bytes (a fingerprint that result files
 * record for the input files they were computed from): NSO_OK, or NSO_EIO
 * when the file cannot be read */
int nso_file_fnv1a64(const char *path, uint64_t *h);
/* mkdir -p */
int nso_mkdirs(const char *dir);

typedef struct {
    const char *id, *paper, *measured, *criterion, *verdict, *data, *command;
} nso_claim;

/* Insert or replace the row with claim->id, its kind taken from
 * nso_claim_kind().  Fields must not contain tabs or newlines (they are replaced
 * by spaces).  The whole file is rewritten: a ledger in the old 7-column format
 * (no kind) is migrated, and every row's kind is refreshed from the table.
 * Returns NSO_OK; NSO_EINVAL (reported through the error handler, ledger
 * unchanged) when claim->id or the id of an existing row has no kind;
 * NSO_EFORMAT when the file is not a ledger (unknown header, a row without 7 or
 * 8 fields); NSO_EIO (message printed) when it cannot be written. */
int nso_ledger_put(const char *ledger_path, const nso_claim *claim);
/* Rewrite the ledger in the current format with the table's kinds (the
 * migration of an old file; idempotent).  Same return values as nso_ledger_put. */
int nso_ledger_migrate(const char *ledger_path);
/* NSO_OK when the file is absent or in the current format with every row's kind
 * equal to the table's; else NSO_EFORMAT / NSO_EINVAL (reported).  Reads only. */
int nso_ledger_check(const char *ledger_path);

/* ---- kinds of ledger rows (lib/claim_kinds.c, the one table) --------- */
/* the kind of a ledger id ("claim", "analog", "erratum", "supplement", "sanity",
 * "info"), or NULL when the id is not registered; *why (if why != NULL) gets the
 * table's one-line reason */
const char *nso_claim_kind(const char *id, const char **why);
/* 1 if kind is one of the six kinds */
int nso_claim_kind_valid(const char *kind);
/* the table's entries in lookup order: kind of entry i (NULL past the end),
 * its id pattern and reason */
size_t nso_claim_kind_entries(void);
const char *nso_claim_kind_entry(size_t i, const char **pattern, const char **why);
/* verdict helper */
static inline const char *nso_verdict(int holds) { return holds ? "holds" : "fails"; }

/* ---- reading result files (the one CSV reader) ---------------------- */
/* A result file, as nso_csv_open writes it:
 *   '# key: value' header lines (at least '# program: ...'),
 *   one line of column names (comma-separated, none empty),
 *   data rows with exactly one field per column, each a number as strtod
 *   reads it ("nan", "inf" are explicit; an empty field is an error), except
 *   in columns the caller declares as text;
 * comment lines ('#...') and blank lines (gnuplot's block separators) may
 * also follow the column names; every line ends with a newline.  A run that says "# status: diverged"
 * may end after its header (no columns, no rows).  Anything else is an error
 * whose message names the file and the line. */
typedef struct {
    size_t nrows, ncols;
    double *v;         /* nrows x ncols (NAN in text columns) */
    char **names;      /* ncols column names */
    char **text;       /* nrows x ncols; non-NULL only in text columns */
    char **comments;   /* every '#' line without "# ", in file order */
    size_t ncomments;
    int diverged;      /* the file says "# status: diverged" */
} nso_table;

typedef struct {
    const char *columns;   /* NULL, or the exact column-name line required */
    const char *text_cols; /* NULL, or comma-separated columns read as text */
    size_t nrows;          /* 0: any number of data rows; else exactly this many */
} nso_table_opts;

/* Read and validate a result file (opt may be NULL).  Returns NULL with a
 * one-line message "'path' line N: ..." in msg on error; prints nothing. */
nso_table *nso_table_read(const char *path, const nso_table_opts *opt, char *msg, size_t len);
/* the same from an open stream; `name` names it in messages (the fuzz target
 * reads from memory with fmemopen) */
nso_table *nso_table_read_stream(FILE *f, const char *name, const nso_table_opts *opt, char *msg, size_t len);
/* Read a result file (nso_table_read with opt) written by `program` (NULL:
 * any) and check that its '# params:' record agrees with want_params on
 * every flag in keys (NULL-terminated; NULL: no check), so that a result
 * computed with other parameters is never taken for this run's.  Returns
 * NULL with a one-line message naming the file in msg. */
nso_table *nso_result_read(const char *path, const nso_table_opts *opt, const char *program,
                           const char *want_params, const char *const *keys, char *msg, size_t len);
void nso_table_free(nso_table *t);
/* column index by name, or -1 */
int nso_table_col(const nso_table *t, const char *name);
/* the value of a '# key: value' line (the first one), or NULL */
const char *nso_table_meta(const nso_table *t, const char *key);
/* the first comment line starting with prefix, or NULL */
const char *nso_table_comment(const nso_table *t, const char *prefix);
#define NSO_T(t, row, col) ((t)->v[(size_t)(row) * (t)->ncols + (size_t)(col)])
/* a text column's field (or NULL when col is not a text column) */
#define NSO_TEXT(t, row, col) ((t)->text ? (t)->text[(size_t)(row) * (t)->ncols + (size_t)(col)] : NULL)

#endif
