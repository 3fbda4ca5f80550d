/* cli.h - a tiny flag parser with range checks (NLopt-style parameter tables).
 *
 * Each program declares a table of nso_opt_spec.  Flags are "--name value" or
 * "--name=value".  A malformed or out-of-range value, an unknown flag or a
 * missing value ends the program with one line such as
 *   nsorun: --sigma: expected a number in [0, 10], got 'abc'
 * and exit status 2.  "--help" prints the usage and every flag with its
 * default and accepted range, then exits 0.
 *
 * nso_cli_parse is also every program's setup: it installs a GSL error
 * handler that reports in one line and exits 2 (instead of abort()), and the
 * handlers that remove the program's temporary files on SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT (io.h: nso_tmp_install_handlers).
 */
#ifndef NSO_CLI_H
#define NSO_CLI_H
#include <stddef.h>
#include <stdint.h>

typedef enum { NSO_ARG_DOUBLE, NSO_ARG_INT, NSO_ARG_U64, NSO_ARG_STRING, NSO_ARG_FLAG } nso_arg_type;

typedef struct {
    const char *name;   /* without the leading "--" */
    nso_arg_type type;
    void *ptr;          /* double*, long*, uint64_t*, const char**, int* (flag) */
    double min, max;    /* accepted closed range for numbers */
    const char *help;
} nso_arg_spec;

/* Parse argv; dies (exit 2) on error; exits 0 after printing --help.
 * `usage` is printed before the flag list.  Positional arguments are not
 * accepted. */
void nso_cli_parse(int argc, char **argv, const nso_arg_spec *specs, size_t nspecs,
                   const char *usage);
/* Print the flag table (used by --help). */
void nso_cli_print_help(const nso_arg_spec *specs, size_t nspecs, const char *usage);
/* "--a 1 --b x" style record of the parsed values, for output headers */
void nso_cli_format(const nso_arg_spec *specs, size_t nspecs, char *buf, size_t len);
/* Parse a comma-separated list of doubles into out (max n); dies naming flag on
 * a bad element or a value outside [min,max]. Returns count. */
size_t nso_cli_list(const char *flag, const char *s, double *out, size_t n, double min,
                    double max);
/* The same for integers: "20.5", "1e3" or "1.0" are refused, one line naming the flag. */
size_t nso_cli_int_list(const char *flag, const char *s, long *out, size_t n, long min, long max);
/* An optional integer flag declared as a string (default NULL, so that
 * nso_cli_format records it only when given, e.g. --probe-seed): its value in
 * [0, max]; dies naming the flag on anything else. */
uint64_t nso_cli_u64(const char *flag, const char *s, double max);

#endif
