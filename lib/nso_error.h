/* nso_error.h - status codes and the error-reporting macro of the toolkit.
 *
 * GSL style: functions return an int status; NSO_ERROR(reason, code) reports
 * file/line through a replaceable handler and returns the code.  Programs exit
 * with status 2 on bad input (see nso_die()).
 */
#ifndef NSO_ERROR_H
#define NSO_ERROR_H

enum {
    NSO_OK = 0,
    NSO_EINVAL = 1,   /* argument out of range */
    NSO_ENOMEM = 2,   /* allocation failed */
    NSO_EIO = 3,      /* file could not be read or written */
    NSO_EDIVERGE = 4, /* NaN or Inf appeared in an iterate or a value */
    NSO_EFORMAT = 5   /* malformed input file */
};

typedef void nso_error_handler_t(const char *reason, const char *file, int line, int code);

/* Install a handler; returns the previous one.  NULL restores the default,
 * which prints "file:line: reason" to stderr. */
nso_error_handler_t *nso_set_error_handler(nso_error_handler_t *h);
void nso_error(const char *reason, const char *file, int line, int code);

#define NSO_ERROR(reason, code) \
    do { nso_error((reason), __FILE__, __LINE__, (code)); return (code); } while (0)
#define NSO_ERROR_NULL(reason, code) \
    do { nso_error((reason), __FILE__, __LINE__, (code)); return NULL; } while (0)

/* Print "prog: message" (printf-style) to stderr and exit(2).  For bad input
 * in programs: one line naming the flag or file and the accepted range. */
void nso_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* The program name nso_die() prefixes; set once in main(). */
void nso_set_progname(const char *name);
const char *nso_progname(void);

/* checked allocation: dies with a clear message when memory runs out */
void *nso_xmalloc(unsigned long n);
void *nso_xcalloc(unsigned long n, unsigned long size);

#endif
