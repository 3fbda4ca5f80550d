/* io.c - atomic CSV result files and the claims ledger (see io.h). */
#define _POSIX_C_SOURCE 200809L
#include "io.h"
#include "nso_error.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NSO_GIT_REV
#define NSO_GIT_REV "unknown"
#endif

const char *nso_git_rev(void) { return NSO_GIT_REV; }

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = nso_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

int nso_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int nso_file_fnv1a64(const char *path, uint64_t *h)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NSO_EIO;
    uint64_t x = 0xcbf29ce484222325ULL; /* offset basis */
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) {
            x ^= buf[i];
            x *= 0x100000001b3ULL; /* FNV prime */
        }
    int bad = ferror(f);
    fclose(f);
    if (bad) return NSO_EIO;
    *h = x;
    return NSO_OK;
}

int nso_mkdirs(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) return NSO_EINVAL;
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return NSO_EIO;
            buf[i] = c;
        }
    }
    return NSO_OK;
}

static void dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, len, ".");
    else if (slash == path) snprintf(buf, len, "/");
    else snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

void nso_check_writable(const char *flag, const char *path)
{
    char dir[4096];
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) nso_die("--%s: '%s' is a directory", flag, path);
    dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        nso_die("--%s: directory '%s' of '%s' does not exist", flag, dir, path);
    if (access(dir, W_OK) != 0) nso_die("--%s: directory '%s' is not writable", flag, dir);
}

/* ---- temporaries (see io.h) ------------------------------------------ */

#define NSO_MAX_TMP 256
/* the paths of the live temporaries; read by the signal handler, so a slot
 * is published only once its string is complete and cleared before it is
 * freed */
static char *volatile tmp_slot[NSO_MAX_TMP];
static int tmp_atexit_set;

static void tmp_unlink_all(void)
{
    for (int i = 0; i < NSO_MAX_TMP; i++) {
        char *p = tmp_slot[i];
        if (p) unlink(p); /* async-signal-safe */
    }
}

static void tmp_at_exit(void) { tmp_unlink_all(); }

static void tmp_on_signal(int sig)
{
    tmp_unlink_all();
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when the handler returns: the process ends by the signal */
}

int nso_tmp_register(const char *tmp_path)
{
    if (!tmp_atexit_set) {
        atexit(tmp_at_exit);
        tmp_atexit_set = 1;
    }
    size_t n = strlen(tmp_path) + 1;
    char *p = malloc(n);
    if (!p) return NSO_ENOMEM;
    memcpy(p, tmp_path, n);
    for (int i = 0; i < NSO_MAX_TMP; i++)
        if (!tmp_slot[i]) {
            tmp_slot[i] = p;
            return NSO_OK;
        }
    free(p);
    return NSO_ENOMEM;
}

void nso_tmp_unregister(const char *tmp_path)
{
    for (int i = 0; i < NSO_MAX_TMP; i++) {
        char *p = tmp_slot[i];
        if (p && strcmp(p, tmp_path) == 0) {
            tmp_slot[i] = NULL;
            free(p);
            return;
        }
    }
}

void nso_tmp_install_handlers(void)
{
    static int done;
    if (done) return;
    done = 1;
    if (!tmp_atexit_set) {
        atexit(tmp_at_exit);
        tmp_atexit_set = 1;
    }
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = tmp_on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

void nso_check_ledger(const char *flag, const char *path)
{
    struct stat st;
    if (!*path) nso_die("--%s: expected a file path, got an empty value", flag);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        nso_die("--%s: '%s' is a directory, not a ledger file", flag, path);
    nso_check_writable(flag, path);
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) nso_die("--%s: '%s' is not a regular file", flag, path);
        if (access(path, R_OK | W_OK) != 0) nso_die("--%s: '%s' is not readable and writable", flag, path);
        FILE *f = fopen(path, "r");
        char head[8] = "";
        size_t n = f ? fread(head, 1, 3, f) : 0;
        if (f) fclose(f);
        if (n > 0 && !(n == 3 && memcmp(head, "id\t", 3) == 0))
            nso_die("--%s: '%s' is not a claims ledger (its first line is not the 'id<TAB>...' header)",
                    flag, path);
    }
    char aux[4200];
    snprintf(aux, sizeof aux, "%s.lock", path);
    if (stat(aux, &st) == 0 && (!S_ISREG(st.st_mode) || access(aux, R_OK | W_OK) != 0))
        nso_die("--%s: the ledger's lock file '%s' is not a writable regular file", flag, aux);
    snprintf(aux, sizeof aux, "%s.tmp.%ld", path, (long)getpid());
    if (stat(aux, &st) == 0 && S_ISDIR(st.st_mode))
        nso_die("--%s: '%s' (the ledger's temporary) is a directory", flag, aux);
    nso_tmp_register(aux); /* nso_ledger_put's temporary: removed if we are stopped mid-write */
}

/* ---- parameters recorded in result files ----------------------------- */

const char *nso_params_get(const char *params, const char *key, char *buf, size_t len)
{
    size_t kl = strlen(key);
    for (const char *p = params; p && (p = strstr(p, "--")); p += 2) {
        if ((p != params && p[-1] != ' ') || strncmp(p + 2, key, kl) != 0 ||
            (p[2 + kl] != ' ' && p[2 + kl] != 0)) continue;
        const char *v = p + 2 + kl, *e;
        if (*v == ' ') v++;
        if (strncmp(v, "--", 2) == 0) e = v; /* a flag without a value */
        else {
            e = strstr(v, " --");
            if (!e) e = v + strlen(v);
        }
        snprintf(buf, len, "%.*s", (int)(e - v), v);
        return buf;
    }
    return NULL;
}

int nso_params_diff(const char *have, const char *want, const char *const *keys, char *msg, size_t len)
{
    for (size_t i = 0; keys[i]; i++) {
        char a[512], b[512];
        const char *x = nso_params_get(have, keys[i], a, sizeof a), *y = nso_params_get(want, keys[i], b, sizeof b);
        if (!x && !y) continue;
        if (!x || !y || strcmp(x, y) != 0) {
            snprintf(msg, len, "--%s is '%s' in the file, '%s' expected", keys[i], x ? x : "(absent)", y ? y : "(absent)");
            return 1;
        }
    }
    return 0;
}

nso_csv *nso_atomic_open(const char *path)
{
    nso_csv *c = nso_xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    c->tmp = nso_xmalloc(strlen(path) + 32);
    sprintf(c->tmp, "%s.tmp.%ld", path, (long)getpid());
    /* listed before it exists, so no moment leaves it unlisted */
    if (nso_tmp_register(c->tmp) != NSO_OK) {
        fprintf(stderr, "%s: cannot write '%s': too many open result files\n", nso_progname(), path);
        free(c->path);
        free(c->tmp);
        free(c);
        return NULL;
    }
    c->f = fopen(c->tmp, "w");
    if (!c->f) {
        nso_tmp_unregister(c->tmp);
        fprintf(stderr, "%s: cannot write '%s': %s\n", nso_progname(), path, strerror(errno));
        free(c->path);
        free(c->tmp);
        free(c);
        return NULL;
    }
    return c;
}

nso_csv *nso_csv_open(const char *path, const char *program, const char *params, uint64_t seed,
                      const char *columns)
{
    nso_csv *c = nso_atomic_open(path);
    if (!c) return NULL;
    /* no timestamp: the same seed and parameters give byte-identical files */
    fprintf(c->f, "# program: %s\n# params: %s\n# seed: %llu\n# git: %s\n", program,
            params ? params : "", (unsigned long long)seed, nso_git_rev());
    if (columns) fprintf(c->f, "%s\n", columns);
    return c;
}

void nso_csv_printf(nso_csv *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->f, fmt, ap);
    va_end(ap);
}

static void csv_free(nso_csv *c)
{
    free(c->path);
    free(c->tmp);
    free(c);
}

/* fault injection for tests/reliab: NSO_FAULT_COMMIT=N kills the process
 * (SIGKILL, no cleanup: a crash) at its N-th commit, after the temporary is
 * written and before the rename */
static void fault_commit(void)
{
    static long n;
    const char *e = getenv("NSO_FAULT_COMMIT");
    if (e && ++n == atol(e)) raise(SIGKILL);
}

int nso_csv_commit(nso_csv *c)
{
    int bad = ferror(c->f);
    if (fflush(c->f) != 0) bad = 1;
    if (fsync(fileno(c->f)) != 0 && errno != EINVAL) bad = 1;
    if (fclose(c->f) != 0) bad = 1;
    fault_commit();
    if (bad || rename(c->tmp, c->path) != 0) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", nso_progname(), c->path, strerror(errno));
        unlink(c->tmp);
        nso_tmp_unregister(c->tmp);
        csv_free(c);
        return NSO_EIO;
    }
    nso_tmp_unregister(c->tmp);
    csv_free(c);
    return NSO_OK;
}

void nso_csv_abort(nso_csv *c)
{
    if (!c) return;
    fclose(c->f);
    unlink(c->tmp);
    nso_tmp_unregister(c->tmp);
    csv_free(c);
}

/* ---- ledger ---------------------------------------------------------- */

/* the header of the current format, and of the old one without `kind` (migrated on write) */
static const char *LEDGER_HEADER = "id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\tkind\n";
static const char *LEDGER_HEADER7 = "id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\n";
#define LEDGER_NF 8

static void put_field(FILE *f, const char *s, int last)
{
    for (; s && *s; s++) fputc((*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s, f);
    fputc(last ? '\n' : '\t', f);
}

/* report through the error handler (a formatted reason) and return code */
static int ledger_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ledger_fail(int code, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    nso_error(buf, __FILE__, __LINE__, code);
    return code;
}

/* One pass over the ledger at `path` (absent = empty).  Every row must have 7
 * (old format) or 8 fields and a registered id; rows are written to `out` (if
 * not NULL) with the kind from the table, the row with cl->id replaced by cl.
 * check != 0: also require the current header and every kind column equal to
 * the table's.  Returns NSO_OK, NSO_EFORMAT or NSO_EINVAL (reported). */
static int ledger_pass(const char *path, FILE *out, const nso_claim *cl, int check, int *replaced)
{
    FILE *in = fopen(path, "r");
    if (!in) return errno == ENOENT ? NSO_OK : ledger_fail(NSO_EIO, "cannot read ledger '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = NSO_OK;
    while (rc == NSO_OK && (n = getline(&line, &cap, in)) > 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (lineno == 1) {
            size_t hl = strlen(LEDGER_HEADER) - 1, hl7 = strlen(LEDGER_HEADER7) - 1;
            int cur = (size_t)n == hl && strncmp(line, LEDGER_HEADER, hl) == 0;
            int old = (size_t)n == hl7 && strncmp(line, LEDGER_HEADER7, hl7) == 0;
            if (!cur && !old)
                rc = ledger_fail(NSO_EFORMAT, "ledger '%s' line 1: unknown header (expected 'id paper measured "
                                 "criterion verdict data command kind', tab-separated)", path);
            else if (check && old)
                rc = ledger_fail(NSO_EFORMAT, "ledger '%s' is in the old 7-column format without 'kind': migrate it "
                                 "with 'ledger_kinds --migrate --ledger %s'", path, path);
            continue;
        }
        if (n == 0) continue;
        char *f[LEDGER_NF + 1];
        int nf = 0;
        for (char *p = line, *tab;; p = tab + 1) {
            if (nf < LEDGER_NF + 1) f[nf] = p;
            nf++;
            if (!(tab = strchr(p, '\t'))) break;
            *tab = 0;
        }
        if (nf != 7 && nf != LEDGER_NF) {
            rc = ledger_fail(NSO_EFORMAT, "ledger '%s' line %ld: expected 7 or 8 tab-separated fields, got %d", path,
                             lineno, nf);
            break;
        }
        const char *kind = nso_claim_kind(f[0], NULL);
        if (!kind) {
            rc = ledger_fail(NSO_EINVAL, "ledger '%s' line %ld: id '%s' has no kind; register it in lib/claim_kinds.c",
                             path, lineno, f[0]);
            break;
        }
        if (check && (nf != LEDGER_NF || strcmp(f[7], kind) != 0)) {
            rc = ledger_fail(NSO_EINVAL, "ledger '%s' line %ld: id '%s' has kind '%s', the table (lib/claim_kinds.c) "
                             "says '%s': rerun 'ledger_kinds --migrate'", path, lineno, f[0], nf == LEDGER_NF ? f[7] : "",
                             kind);
            break;
        }
        if (!out) continue;
        if (cl && strcmp(f[0], cl->id) == 0) {
            if (*replaced) continue; /* a duplicate id: keep one row */
            *replaced = 1;
            put_field(out, cl->id, 0), put_field(out, cl->paper, 0), put_field(out, cl->measured, 0);
            put_field(out, cl->criterion, 0), put_field(out, cl->verdict, 0), put_field(out, cl->data, 0);
            put_field(out, cl->command, 0), put_field(out, kind, 1);
            continue;
        }
        for (int i = 0; i < 7; i++) put_field(out, f[i], 0);
        put_field(out, kind, 1);
    }
    free(line);
    fclose(in);
    return rc;
}

/* rewrite the ledger under its lock: migrate, refresh kinds, upsert cl (may be NULL) */
static int ledger_rewrite(const char *path, const nso_claim *cl)
{
    const char *kind = NULL;
    if (cl) {
        if (!cl->id || !*cl->id) return ledger_fail(NSO_EINVAL, "ledger '%s': a row needs an id", path);
        kind = nso_claim_kind(cl->id, NULL);
        if (!kind)
            return ledger_fail(NSO_EINVAL, "ledger '%s': id '%s' has no kind; register it in lib/claim_kinds.c "
                               "(claim, analog, erratum, supplement, sanity or info)", path, cl->id);
    }
    char lockpath[4200], tmp[4200];
    snprintf(lockpath, sizeof lockpath, "%s.lock", path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int lfd = open(lockpath, O_CREAT | O_RDWR, 0666);
    if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
        fprintf(stderr, "%s: cannot lock ledger '%s': %s\n", nso_progname(), lockpath, strerror(errno));
        if (lfd >= 0) close(lfd);
        return NSO_EIO;
    }
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fprintf(stderr, "%s: cannot write ledger '%s': %s\n", nso_progname(), path, strerror(errno));
        close(lfd);
        return NSO_EIO;
    }
    fputs(LEDGER_HEADER, out);
    int replaced = 0, rc = ledger_pass(path, out, cl, 0, &replaced);
    if (rc == NSO_OK && cl && !replaced) {
        put_field(out, cl->id, 0), put_field(out, cl->paper, 0), put_field(out, cl->measured, 0);
        put_field(out, cl->criterion, 0), put_field(out, cl->verdict, 0), put_field(out, cl->data, 0);
        put_field(out, cl->command, 0), put_field(out, kind, 1);
    }
    /* on disk before the rename, as nso_csv_commit: a crash leaves the old or the new ledger */
    int bad = ferror(out) | (fflush(out) != 0);
    if (fsync(fileno(out)) != 0 && errno != EINVAL) bad = 1;
    if (fclose(out) != 0) bad = 1;
    if (rc != NSO_OK) { /* the ledger is left as it was */
        unlink(tmp);
        close(lfd);
        return rc;
    }
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: cannot write ledger '%s': %s\n", nso_progname(), path, strerror(errno));
        unlink(tmp);
        close(lfd);
        return NSO_EIO;
    }
    close(lfd);
    return NSO_OK;
}

int nso_ledger_put(const char *path, const nso_claim *cl)
{
    if (!cl) return ledger_fail(NSO_EINVAL, "ledger '%s': no row given", path);
    return ledger_rewrite(path, cl);
}

int nso_ledger_migrate(const char *path) { return ledger_rewrite(path, NULL); }

int nso_ledger_check(const char *path)
{
    int replaced = 0;
    return ledger_pass(path, NULL, NULL, 1, &replaced);
}

/* ---- reading result files ------------------------------------------ */

void nso_table_free(nso_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->ncols; i++) free(t->names[i]);
    for (size_t i = 0; t->text && i < t->nrows * t->ncols; i++) free(t->text[i]);
    for (size_t i = 0; i < t->ncomments; i++) free(t->comments[i]);
    free(t->names);
    free(t->text);
    free(t->comments);
    free(t->v);
    free(t);
}

int nso_table_col(const nso_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0) return (int)i;
    return -1;
}

const char *nso_table_comment(const nso_table *t, const char *prefix)
{
    size_t l = strlen(prefix);
    for (size_t i = 0; i < t->ncomments; i++)
        if (strncmp(t->comments[i], prefix, l) == 0) return t->comments[i];
    return NULL;
}

/* "key: value" or "key:" with key of letters, digits, '_', '-', '.';
 * returns the key length (0: not of this form) and the value */
static size_t meta_split(const char *c, const char **value)
{
    size_t k = 0;
    while (c[k] && (c[k] == '_' || c[k] == '-' || c[k] == '.' || (c[k] >= 'a' && c[k] <= 'z') ||
                    (c[k] >= 'A' && c[k] <= 'Z') || (c[k] >= '0' && c[k] <= '9')))
        k++;
    if (k == 0 || c[k] != ':' || (c[k + 1] != ' ' && c[k + 1] != 0)) return 0;
    *value = c[k + 1] ? c + k + 2 : c + k + 1;
    return k;
}

const char *nso_table_meta(const nso_table *t, const char *key)
{
    size_t l = strlen(key);
    for (size_t i = 0; i < t->ncomments; i++) {
        const char *v;
        if (meta_split(t->comments[i], &v) == l && strncmp(t->comments[i], key, l) == 0) return v;
    }
    return NULL;
}

/* is `name` in the comma-separated list? */
static int in_csv_list(const char *list, const char *name)
{
    size_t l = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t k = c ? (size_t)(c - p) : strlen(p);
        if (k == l && strncmp(p, name, l) == 0) return 1;
        p += k + (c ? 1 : 0);
    }
    return 0;
}

#define TABLE_FAIL(...)                          \
    do {                                         \
        snprintf(msg, len, __VA_ARGS__);         \
        goto fail;                               \
    } while (0)

nso_table *nso_table_read(const char *path, const nso_table_opts *opt, char *msg, size_t len)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(msg, len, "cannot read '%s': not a regular file", path);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(msg, len, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    nso_table *t = nso_table_read_stream(f, path, opt, msg, len);
    fclose(f);
    return t;
}

nso_table *nso_table_read_stream(FILE *f, const char *path, const nso_table_opts *opt, char *msg, size_t len)
{
    static const nso_table_opts none = {0};
    if (!opt) opt = &none;
    nso_table *t = nso_xcalloc(1, sizeof *t);
    size_t cap = 0, ccap = 0, lineno = 0;
    int have_program = 0, *is_text = NULL;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t n;
    while ((n = getline(&line, &lcap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n')
            TABLE_FAIL("'%s' line %zu: truncated line (no newline at the end of the file)", path, lineno);
        line[--n] = 0;
        if (n > 0 && line[n - 1] == '\r') line[--n] = 0;
        if (line[0] == '#') {
            const char *c = line + 1, *value;
            if (*c == ' ') c++;
            size_t k = meta_split(c, &value);
            if (!t->names && k == 0)
                TABLE_FAIL("'%s' line %zu: expected a '# key: value' header line before the column "
                           "names, got '%.60s'", path, lineno, line);
            if (k == 7 && strncmp(c, "program", 7) == 0) have_program = 1;
            if (k == 6 && strncmp(c, "status", 6) == 0 && strncmp(value, "diverged", 8) == 0)
                t->diverged = 1;
            if (t->ncomments == ccap) {
                ccap = ccap ? 2 * ccap : 8;
                char **nc = realloc(t->comments, ccap * sizeof(char *));
                if (!nc) nso_die("out of memory reading '%s'", path);
                t->comments = nc;
            }
            t->comments[t->ncomments++] = xstrdup(c);
            continue;
        }
        if (!t->names && n == 0) TABLE_FAIL("'%s' line %zu: empty line before the column names", path, lineno);
        if (!t->names) { /* the column-name line */
            if (!have_program)
                TABLE_FAIL("'%s' line %zu: missing header: expected '# program: ...' and the other "
                           "'# key: value' lines before the column names", path, lineno);
            if (opt->columns && strcmp(line, opt->columns) != 0)
                TABLE_FAIL("'%s' line %zu: columns '%.200s', expected '%.200s'", path, lineno, line,
                           opt->columns);
            size_t nc = 1;
            for (char *p = line; *p; p++) nc += *p == ',';
            t->names = nso_xcalloc(nc, sizeof(char *));
            is_text = nso_xcalloc(nc, sizeof(int));
            for (char *p = line;;) {
                char *c = strchr(p, ',');
                if (c) *c = 0;
                if (!*p) TABLE_FAIL("'%s' line %zu: column %zu has an empty name", path, lineno, t->ncols + 1);
                is_text[t->ncols] = in_csv_list(opt->text_cols, p);
                t->names[t->ncols++] = xstrdup(p);
                if (!c) break;
                p = c + 1;
            }
            for (const char *p = opt->text_cols; p && *p;) {
                const char *c = strchr(p, ',');
                size_t k = c ? (size_t)(c - p) : strlen(p);
                int found = 0;
                for (size_t j = 0; j < t->ncols; j++)
                    found |= strlen(t->names[j]) == k && strncmp(t->names[j], p, k) == 0;
                if (!found) TABLE_FAIL("'%s' line %zu: no column '%.*s'", path, lineno, (int)k, p);
                p += k + (c ? 1 : 0);
            }
            if (opt->text_cols) t->text = nso_xcalloc(1, sizeof(char *));
            continue;
        }
        if (n == 0) continue; /* a gnuplot block separator */
        size_t nf = 1;
        for (char *p = line; *p; p++) nf += *p == ',';
        if (nf != t->ncols)
            TABLE_FAIL("'%s' line %zu: %zu fields, expected %zu (one per column)", path, lineno, nf, t->ncols);
        if (t->nrows == cap) {
            cap = cap ? 2 * cap : 256;
            double *nv = realloc(t->v, cap * t->ncols * sizeof(double));
            if (!nv) nso_die("out of memory reading '%s'", path);
            t->v = nv;
            if (t->text) {
                char **nt = realloc(t->text, cap * t->ncols * sizeof(char *));
                if (!nt) nso_die("out of memory reading '%s'", path);
                t->text = nt;
            }
        }
        char *p = line, **text = t->text ? t->text + t->nrows * t->ncols : NULL;
        for (size_t c = 0; text && c < t->ncols; c++) text[c] = NULL;
        for (size_t c = 0; c < t->ncols; c++) {
            char *comma = strchr(p, ',');
            if (comma) *comma = 0;
            if (is_text[c]) {
                text[c] = xstrdup(p);
                NSO_T(t, t->nrows, c) = NAN;
            } else {
                char *end;
                double x = strtod(p, &end);
                if (end == p || *end != 0) {
                    t->nrows++; /* so that nso_table_free frees this row's texts */
                    TABLE_FAIL("'%s' line %zu, column '%s': '%.40s' is not a number (write nan for a "
                               "missing value)", path, lineno, t->names[c], p);
                }
                NSO_T(t, t->nrows, c) = x;
            }
            p = comma ? comma + 1 : p + strlen(p);
        }
        t->nrows++;
    }
    if (ferror(f)) TABLE_FAIL("'%s' line %zu: read error: %s", path, lineno + 1, strerror(errno));
    if (!t->names && !(have_program && t->diverged)) { /* a diverged run may stop after its header */
        if (!have_program)
            TABLE_FAIL("'%s' line %zu (end of file): missing header: expected '# program: ...' lines and "
                       "a column-name line", path, lineno + 1);
        TABLE_FAIL("'%s' line %zu (end of file): no column-name line after the header", path, lineno + 1);
    }
    if (opt->nrows && t->nrows != opt->nrows)
        TABLE_FAIL("'%s' line %zu (end of file): %zu data rows, expected %zu", path, lineno + 1, t->nrows,
                   opt->nrows);
    free(is_text);
    free(line);
    return t;
fail:
    free(is_text);
    free(line);
    nso_table_free(t);
    return NULL;
}

nso_table *nso_result_read(const char *path, const nso_table_opts *opt, const char *program,
                           const char *want_params, const char *const *keys, char *msg, size_t len)
{
    nso_table *t = nso_table_read(path, opt, msg, len);
    if (!t) return NULL;
    const char *prog = nso_table_meta(t, "program"), *have = nso_table_meta(t, "params");
    char why[600];
    if (program && (!prog || strcmp(prog, program) != 0)) {
        snprintf(msg, len, "'%s' was written by '%s', not by %s", path, prog ? prog : "?", program);
        nso_table_free(t);
        return NULL;
    }
    if (keys && nso_params_diff(have ? have : "", want_params ? want_params : "", keys, why, sizeof why)) {
        snprintf(msg, len, "'%s' holds a result computed with other parameters (%s)", path, why);
        nso_table_free(t);
        return NULL;
    }
    return t;
}
