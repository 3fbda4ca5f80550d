/* pc_util.c - see pc_util.h. */
#define _POSIX_C_SOURCE 200809L
#include "pc_util.h"
#include "nso_error.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pc_setup(pc_ctx *c, int argc, char **argv)
{
    if (strcmp(c->profile, "quick") != 0 && strcmp(c->profile, "full") != 0)
        nso_die("--profile: expected 'quick' or 'full', got '%s'", c->profile);
    c->full = strcmp(c->profile, "full") == 0;
    nso_check_ledger("ledger", c->ledger);
    size_t used = 0;
    c->command[0] = 0;
    for (int i = 0; i < argc && used + 2 < sizeof c->command; i++) {
        int w = snprintf(c->command + used, sizeof c->command - used, "%s%s", i ? " " : "",
                         argv[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
    if (used >= sizeof c->command) c->command[sizeof c->command - 1] = 0;
}

void pc_begin(const pc_ctx *c)
{
    char probe[4200];
    if (nso_mkdirs(c->out) != NSO_OK) nso_die("--out: cannot create directory '%s'", c->out);
    snprintf(probe, sizeof probe, "%s/x", c->out);
    nso_check_writable("out", probe);
}

const char *pc_path(const pc_ctx *c, const char *name)
{
    static char buf[8][1024];
    static int slot;
    char *b = buf[slot++ & 7];
    snprintf(b, 1024, "%s/%s", c->out, name);
    return b;
}

const char *pc_fmt(const char *fmt, ...)
{
    static char buf[8][1024];
    static int slot;
    char *b = buf[slot++ & 7];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 1024, fmt, ap);
    va_end(ap);
    return b;
}

pc_ci pc_ci_sums(double s1, double s2, size_t n)
{
    pc_ci r = {0};
    r.n = n;
    if (n == 0) {
        r.mean = r.sd = r.se = r.lo = r.hi = NAN;
        return r;
    }
    r.mean = s1 / (double)n;
    double var = n > 1 ? (s2 - s1 * r.mean) / (double)(n - 1) : 0.0;
    if (var < 0) var = 0;
    r.sd = sqrt(var);
    r.se = r.sd / sqrt((double)n);
    r.lo = r.mean - 1.96 * r.se;
    r.hi = r.mean + 1.96 * r.se;
    return r;
}

pc_ci pc_ci_of(const double *x, size_t n)
{
    /* two-pass for accuracy */
    double m = 0;
    for (size_t i = 0; i < n; i++) m += x[i];
    m = n ? m / (double)n : NAN;
    double v = 0;
    for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    pc_ci r;
    r.n = n;
    r.mean = m;
    r.sd = n > 1 ? sqrt(v / (double)(n - 1)) : 0.0;
    r.se = n ? r.sd / sqrt((double)n) : NAN;
    r.lo = m - 1.96 * r.se;
    r.hi = m + 1.96 * r.se;
    return r;
}

pc_fit pc_wls(const double *x, const double *y, const double *w, size_t n)
{
    pc_fit f = {NAN, NAN, NAN, NAN, NAN, n};
    if (n < 2) return f;
    double sw = 0, sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        sw += wi;
        sx += wi * x[i];
        sy += wi * y[i];
    }
    double mx = sx / sw, my = sy / sw, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        sxx += wi * (x[i] - mx) * (x[i] - mx);
        sxy += wi * (x[i] - mx) * (y[i] - my);
    }
    if (sxx <= 0) return f;
    f.slope = sxy / sxx;
    f.intercept = my - f.slope * mx;
    if (w) {
        f.se = sqrt(1.0 / sxx);
        /* inflate by the reduced chi^2 when the scatter exceeds the stated errors */
        if (n > 2) {
            double chi = 0;
            for (size_t i = 0; i < n; i++) {
                double r = y[i] - f.intercept - f.slope * x[i];
                chi += w[i] * r * r;
            }
            chi /= (double)(n - 2);
            if (chi > 1) f.se *= sqrt(chi);
        }
    } else {
        double rss = 0;
        for (size_t i = 0; i < n; i++) {
            double r = y[i] - f.intercept - f.slope * x[i];
            rss += r * r;
        }
        f.se = n > 2 ? sqrt(rss / (double)(n - 2) / sxx) : 0.0;
    }
    f.lo = f.slope - 1.96 * f.se;
    f.hi = f.slope + 1.96 * f.se;
    return f;
}

void pc_check_finite(double v, const char *what)
{
    if (!isfinite(v)) nso_die("non-finite value (%g) in %s", v, what);
}

typedef struct {
    char *id, *measured, *criterion, *verdict;
} md_row;
static md_row rows[64];
static size_t nrows;

static char *pc_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = nso_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void pc_claim(const pc_ctx *c, const char *id, const char *paper, const char *measured,
              const char *criterion, int holds, const char *data)
{
    nso_claim cl = {id, paper, measured, criterion, nso_verdict(holds), data, c->command};
    if (nso_ledger_put(c->ledger, &cl) != NSO_OK) exit(2); /* nso_ledger_put printed why; no output is committed */
    printf("%-34s %-5s %s\n", id, nso_verdict(holds), measured);
    if (nrows < sizeof rows / sizeof rows[0]) {
        rows[nrows].id = pc_dup(id);
        rows[nrows].measured = pc_dup(measured);
        rows[nrows].criterion = pc_dup(criterion);
        rows[nrows].verdict = pc_dup(nso_verdict(holds));
        nrows++;
    }
}

nso_csv *pc_md_open(const pc_ctx *c, const char *path, const char *program)
{
    nso_csv *m = nso_atomic_open(path);
    if (!m) exit(2);
    nso_csv_printf(m, "<!-- %s %s seed %llu git %s -->\n", program, c->params, (unsigned long long)c->seed,
                   nso_git_rev());
    return m;
}

int pc_md_commit(nso_csv *m)
{
    if (nso_csv_commit(m) != NSO_OK) exit(2);
    return NSO_OK;
}

static nso_csv *deferred[32];
static size_t ndeferred;

void pc_commit(nso_csv *f)
{
    if (ndeferred == sizeof deferred / sizeof deferred[0]) {
        if (nso_csv_commit(f) != NSO_OK) exit(2);
        return;
    }
    deferred[ndeferred++] = f;
}

void pc_claims_md(const pc_ctx *c, const char *program)
{
    nso_csv *f = pc_md_open(c, pc_path(c, pc_fmt("%s_claims.md", program)), program);
    nso_csv_printf(f, "\n| claim | measured (95%% CI) | criterion | verdict |\n|---|---|---|---|\n");
    for (size_t i = 0; i < nrows; i++) {
        nso_csv_printf(f, "| `%s` | %s | %s | %s |\n", rows[i].id, rows[i].measured,
                       rows[i].criterion, rows[i].verdict);
        free(rows[i].id);
        free(rows[i].measured);
        free(rows[i].criterion);
        free(rows[i].verdict);
    }
    nrows = 0;
    pc_md_commit(f);
    for (size_t i = 0; i < ndeferred; i++)
        if (nso_csv_commit(deferred[i]) != NSO_OK) exit(2); /* the rest are removed at exit */
    ndeferred = 0;
}

nso_table *pc_read_table(const char *path, const char *text_cols)
{
    if (!nso_file_exists(path)) nso_die("cannot read '%s' (run the program that writes it first)", path);
    char msg[1024];
    nso_table_opts o = {.text_cols = text_cols};
    nso_table *t = nso_table_read(path, &o, msg, sizeof msg);
    if (!t) nso_die("%s", msg);
    return t;
}

nso_table *pc_read_job(const pc_ctx *c, const char *path, const char *text_cols, const char *const *keys)
{
    if (!nso_file_exists(path)) nso_die("cannot read '%s' (run the program that writes it first)", path);
    char msg[1024];
    nso_table_opts o = {.text_cols = text_cols};
    nso_table *t = nso_result_read(path, &o, NULL, c->params, keys, msg, sizeof msg);
    if (!t) nso_die("%s; delete it to recompute", msg);
    return t;
}

size_t pc_col(const nso_table *t, const char *name, const char *path)
{
    int c = nso_table_col(t, name);
    if (c < 0) nso_die("'%s' has no column '%s'", path, name);
    return (size_t)c;
}
