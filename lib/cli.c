/* cli.c - flag parsing with range checks (see cli.h). */
#include "cli.h"
#include "io.h"
#include "nso_error.h"
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const nso_arg_spec *find(const nso_arg_spec *s, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(s[i].name) == len && strncmp(s[i].name, name, len) == 0) return &s[i];
    return NULL;
}

static void range_str(const nso_arg_spec *s, char *buf, size_t len)
{
    if (s->type == NSO_ARG_DOUBLE)
        snprintf(buf, len, "a number in [%g, %g]", s->min, s->max);
    else if (s->type == NSO_ARG_INT || s->type == NSO_ARG_U64)
        snprintf(buf, len, "an integer in [%.0f, %.0f]", s->min, s->max);
    else
        snprintf(buf, len, "a string");
}

static void set_value(const nso_arg_spec *s, const char *v)
{
    char range[96], *end;
    range_str(s, range, sizeof range);
    errno = 0;
    switch (s->type) {
    case NSO_ARG_DOUBLE: {
        double x = strtod(v, &end);
        if (*v == 0 || *end || errno || !isfinite(x) || x < s->min || x > s->max)
            nso_die("--%s: expected %s, got '%s'", s->name, range, v);
        *(double *)s->ptr = x;
        break;
    }
    case NSO_ARG_INT: {
        long x = strtol(v, &end, 10);
        if (*v == 0 || *end || errno || (double)x < s->min || (double)x > s->max)
            nso_die("--%s: expected %s, got '%s'", s->name, range, v);
        *(long *)s->ptr = x;
        break;
    }
    case NSO_ARG_U64: {
        if (*v == '-') nso_die("--%s: expected %s, got '%s'", s->name, range, v);
        unsigned long long x = strtoull(v, &end, 10);
        if (*v == 0 || *end || errno || (double)x < s->min || (double)x > s->max)
            nso_die("--%s: expected %s, got '%s'", s->name, range, v);
        *(uint64_t *)s->ptr = (uint64_t)x;
        break;
    }
    case NSO_ARG_STRING:
        if (*v == 0) nso_die("--%s: expected a non-empty value", s->name);
        *(const char **)s->ptr = v;
        break;
    case NSO_ARG_FLAG:
        *(int *)s->ptr = 1;
        break;
    }
}

void nso_cli_print_help(const nso_arg_spec *specs, size_t n, const char *usage)
{
    printf("%s\n\nFlags:\n", usage);
    for (size_t i = 0; i < n; i++) {
        const nso_arg_spec *s = &specs[i];
        char def[64] = "", range[96] = "";
        switch (s->type) {
        case NSO_ARG_DOUBLE: snprintf(def, sizeof def, "%g", *(double *)s->ptr); break;
        case NSO_ARG_INT: snprintf(def, sizeof def, "%ld", *(long *)s->ptr); break;
        case NSO_ARG_U64: snprintf(def, sizeof def, "%" PRIu64, *(uint64_t *)s->ptr); break;
        case NSO_ARG_STRING:
            snprintf(def, sizeof def, "%s", *(const char **)s->ptr ? *(const char **)s->ptr : "");
            break;
        case NSO_ARG_FLAG: snprintf(def, sizeof def, "off"); break;
        }
        if (s->type == NSO_ARG_DOUBLE || s->type == NSO_ARG_INT || s->type == NSO_ARG_U64)
            range_str(s, range, sizeof range);
        printf("  --%-14s %s\n  %-16s (default %s%s%s)\n", s->name, s->help, "", def,
               range[0] ? "; " : "", range);
    }
    printf("  --%-14s print this help and exit\n", "help");
}

/* GSL's default handler calls abort(): exit status 134, no atexit cleanup.
 * A program reports the error in one line and exits with status 2 instead,
 * which removes its temporaries (io.h).  Library code that expects a GSL
 * error switches the handler off around the call (gsl_set_error_handler_off). */
static void gsl_report(const char *reason, const char *file, int line, int gsl_errno)
{
    nso_die("GSL error: %s (%s:%d, gsl_errno %d)", reason, file, line, gsl_errno);
}

void nso_cli_parse(int argc, char **argv, const nso_arg_spec *specs, size_t n, const char *usage)
{
    nso_set_progname(argv[0]);
    /* the program-wide setup every program gets by parsing its flags */
    gsl_set_error_handler(gsl_report);
    nso_tmp_install_handlers();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            nso_cli_print_help(specs, n, usage);
            exit(0);
        }
        if (strncmp(a, "--", 2) != 0)
            nso_die("unexpected argument '%s' (flags start with --; see --help)", a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const nso_arg_spec *s = find(specs, n, name, len);
        if (!s) nso_die("unknown flag '%.*s' (see --help)", (int)(len + 2), a);
        if (s->type == NSO_ARG_FLAG) {
            if (eq) nso_die("--%s takes no value", s->name);
            set_value(s, "");
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) nso_die("--%s: missing value", s->name);
        set_value(s, v);
    }
}

void nso_cli_format(const nso_arg_spec *specs, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && used + 1 < len; i++) {
        const nso_arg_spec *s = &specs[i];
        int w = 0;
        switch (s->type) {
        case NSO_ARG_DOUBLE: w = snprintf(buf + used, len - used, "--%s %.17g ", s->name, *(double *)s->ptr); break;
        case NSO_ARG_INT: w = snprintf(buf + used, len - used, "--%s %ld ", s->name, *(long *)s->ptr); break;
        case NSO_ARG_U64: w = snprintf(buf + used, len - used, "--%s %" PRIu64 " ", s->name, *(uint64_t *)s->ptr); break;
        case NSO_ARG_STRING:
            if (*(const char **)s->ptr)
                w = snprintf(buf + used, len - used, "--%s %s ", s->name, *(const char **)s->ptr);
            break;
        case NSO_ARG_FLAG:
            if (*(int *)s->ptr) w = snprintf(buf + used, len - used, "--%s ", s->name);
            break;
        }
        if (w < 0) break;
        used += (size_t)w;
        if (used >= len) { used = len - 1; break; }
    }
    if (used && buf[used - 1] == ' ') buf[used - 1] = 0;
}

size_t nso_cli_int_list(const char *flag, const char *s, long *out, size_t n, long min, long max)
{
    size_t c = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno || x < min || x > max || (*end && (*end != ',' || !end[1])))
            nso_die("--%s: expected a comma-separated list of integers in [%ld, %ld], got '%s'", flag, min,
                    max, s);
        if (c == n) nso_die("--%s: at most %zu values", flag, n);
        out[c++] = x;
        p = *end ? end + 1 : end;
    }
    if (!c) nso_die("--%s: expected at least one value", flag);
    return c;
}

uint64_t nso_cli_u64(const char *flag, const char *s, double max)
{
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end || errno || (double)x > max)
        nso_die("--%s: expected an integer in [0, %.0f], got '%s'", flag, max, s);
    return (uint64_t)x;
}

size_t nso_cli_list(const char *flag, const char *s, double *out, size_t n, double min, double max)
{
    size_t c = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        if (end == p || errno || !isfinite(x) || x < min || x > max || (*end && (*end != ',' || !end[1])))
            nso_die("--%s: expected a comma-separated list of numbers in [%g, %g], got '%s'", flag,
                    min, max, s);
        if (c == n) nso_die("--%s: at most %zu values", flag, n);
        out[c++] = x;
        p = *end ? end + 1 : end;
    }
    if (!c) nso_die("--%s: expected at least one value", flag);
    return c;
}
