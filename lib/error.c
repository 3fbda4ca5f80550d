/* error.c - default error handler, nso_die() and checked allocation. */
#include "nso_error.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void default_handler(const char *reason, const char *file, int line, int code)
{
    fprintf(stderr, "%s: %s:%d: %s (code %d)\n", nso_progname(), file, line, reason, code);
}

static nso_error_handler_t *handler = default_handler;
static const char *progname = "nso";

nso_error_handler_t *nso_set_error_handler(nso_error_handler_t *h)
{
    nso_error_handler_t *old = handler;
    handler = h ? h : default_handler;
    return old;
}

void nso_error(const char *reason, const char *file, int line, int code)
{
    handler(reason, file, line, code);
}

void nso_set_progname(const char *name)
{
    const char *slash = strrchr(name, '/');
    progname = slash ? slash + 1 : name;
}

const char *nso_progname(void) { return progname; }

void nso_die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

void *nso_xmalloc(unsigned long n)
{
    void *p = malloc(n ? n : 1);
    if (!p) nso_die("out of memory allocating %lu bytes", n);
    return p;
}

void *nso_xcalloc(unsigned long n, unsigned long size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) nso_die("out of memory allocating %lu x %lu bytes", n, size);
    return p;
}
