/* io.c - atomic CSV result files and the claims ledger (see io.h). */
#define _POSIX_C_SOURCE 200809L
#include "io.h"
#include "nso_error.h"
#include <errno.h>
#include <fcntl.h>
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
    dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        nso_die("--%s: directory '%s' of '%s' does not exist", flag, dir, path);
    if (access(dir, W_OK) != 0) nso_die("--%s: directory '%s' is not writable", flag, dir);
}

nso_csv *nso_csv_open(const char *path, const char *program, const char *params, uint64_t seed,
                      const char *columns)
{
    nso_csv *c = nso_xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    c->tmp = nso_xmalloc(strlen(path) + 32);
    sprintf(c->tmp, "%s.tmp.%ld", path, (long)getpid());
    c->f = fopen(c->tmp, "w");
    if (!c->f) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", nso_progname(), path, strerror(errno));
        free(c->path);
        free(c->tmp);
        free(c);
        return NULL;
    }
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

int nso_csv_commit(nso_csv *c)
{
    int bad = ferror(c->f);
    if (fflush(c->f) != 0) bad = 1;
    if (fsync(fileno(c->f)) != 0 && errno != EINVAL) bad = 1;
    if (fclose(c->f) != 0) bad = 1;
    if (bad || rename(c->tmp, c->path) != 0) {
        fprintf(stderr, "%s: cannot write '%s': %s\n", nso_progname(), c->path, strerror(errno));
        unlink(c->tmp);
        csv_free(c);
        return NSO_EIO;
    }
    csv_free(c);
    return NSO_OK;
}

void nso_csv_abort(nso_csv *c)
{
    if (!c) return;
    fclose(c->f);
    unlink(c->tmp);
    csv_free(c);
}

/* ---- ledger ---------------------------------------------------------- */

static const char *LEDGER_HEADER = "id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\n";

static void put_field(FILE *f, const char *s, int last)
{
    for (; s && *s; s++) fputc((*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s, f);
    fputc(last ? '\n' : '\t', f);
}

int nso_ledger_put(const char *path, const nso_claim *cl)
{
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
    FILE *in = fopen(path, "r");
    int replaced = 0;
    size_t idlen = strlen(cl->id);
    if (in) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int first = 1;
        while ((n = getline(&line, &cap, in)) > 0) {
            if (first) { first = 0; if (strncmp(line, "id\t", 3) == 0) continue; }
            if (strncmp(line, cl->id, idlen) == 0 && line[idlen] == '\t') {
                if (!replaced) {
                    put_field(out, cl->id, 0); put_field(out, cl->paper, 0);
                    put_field(out, cl->measured, 0); put_field(out, cl->criterion, 0);
                    put_field(out, cl->verdict, 0); put_field(out, cl->data, 0);
                    put_field(out, cl->command, 1);
                    replaced = 1;
                }
                continue;
            }
            fputs(line, out);
            if (line[n - 1] != '\n') fputc('\n', out);
        }
        free(line);
        fclose(in);
    }
    if (!replaced) {
        put_field(out, cl->id, 0); put_field(out, cl->paper, 0);
        put_field(out, cl->measured, 0); put_field(out, cl->criterion, 0);
        put_field(out, cl->verdict, 0); put_field(out, cl->data, 0);
        put_field(out, cl->command, 1);
    }
    int bad = ferror(out) | (fclose(out) != 0);
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: cannot write ledger '%s': %s\n", nso_progname(), path, strerror(errno));
        unlink(tmp);
        close(lfd);
        return NSO_EIO;
    }
    close(lfd);
    return NSO_OK;
}

/* ---- reading result files ------------------------------------------ */

void nso_table_free(nso_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->ncols; i++) free(t->names[i]);
    free(t->names);
    free(t->v);
    free(t);
}

int nso_table_col(const nso_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0) return (int)i;
    return -1;
}

nso_table *nso_table_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot read '%s': %s\n", nso_progname(), path, strerror(errno));
        return NULL;
    }
    nso_table *t = nso_xcalloc(1, sizeof *t);
    size_t cap = 0, lineno = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t n;
    while ((n = getline(&line, &lcap, f)) > 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (line[0] == '#') {
            if (strstr(line, "# status: diverged")) t->diverged = 1;
            continue;
        }
        if (n == 0) continue;
        if (!t->names) {
            size_t nc = 1;
            for (char *p = line; *p; p++) nc += *p == ',';
            t->names = nso_xcalloc(nc, sizeof(char *));
            char *save = NULL, *tok = strtok_r(line, ",", &save);
            for (; tok; tok = strtok_r(NULL, ",", &save)) {
                size_t L = strlen(tok) + 1;
                t->names[t->ncols] = nso_xmalloc(L);
                memcpy(t->names[t->ncols++], tok, L);
            }
            continue;
        }
        if (t->nrows == cap) {
            cap = cap ? 2 * cap : 256;
            double *nv = realloc(t->v, cap * t->ncols * sizeof(double));
            if (!nv) nso_die("out of memory reading '%s'", path);
            t->v = nv;
        }
        char *p = line;
        for (size_t c = 0; c < t->ncols; c++) {
            char *end;
            double x = strtod(p, &end);
            if (end == p || (c + 1 < t->ncols ? *end != ',' : *end != 0)) {
                fprintf(stderr, "%s: '%s' line %zu: expected %zu numbers separated by commas\n",
                        nso_progname(), path, lineno, t->ncols);
                free(line);
                fclose(f);
                nso_table_free(t);
                return NULL;
            }
            NSO_T(t, t->nrows, c) = x;
            p = end + 1;
        }
        t->nrows++;
    }
    free(line);
    fclose(f);
    if (!t->names && !t->diverged) {
        fprintf(stderr, "%s: '%s': no header line\n", nso_progname(), path);
        nso_table_free(t);
        return NULL;
    }
    return t;
}
