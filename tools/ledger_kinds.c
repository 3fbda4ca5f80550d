/* ledger_kinds.c - the kind column of the claims ledger (lib/claim_kinds.c).
 *
 *   ledger_kinds --ledger FILE --check     exit 1 unless FILE (absent is fine) is in
 *                                          the current format and every row's kind is
 *                                          the table's
 *   ledger_kinds --ledger FILE --migrate   rewrite FILE with the kind column from the
 *                                          table (migrates an old 7-column ledger;
 *                                          idempotent; measured fields are copied as is;
 *                                          FILE must exist; exit 2 if it is malformed)
 *   ledger_kinds --list FILE               the table as a markdown fragment (FILE; '-'
 *                                          for stdout), for the report
 *
 * Not an algorithm file: no paper equation lives here. */
#include "cli.h"
#include "io.h"
#include "nso_error.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void list(FILE *f)
{
    fprintf(f, "| id (or pattern) | kind | why |\n|---|---|---|\n");
    for (size_t i = 0; i < nso_claim_kind_entries(); i++) {
        const char *pat, *why, *kind = nso_claim_kind_entry(i, &pat, &why);
        fprintf(f, "| `%s` | %s | ", pat, kind);
        for (const char *p = why; *p; p++) fputs(*p == '|' ? "\\|" : (char[2]){*p, 0}, f);
        fputs(" |\n", f);
    }
}

int main(int argc, char **argv)
{
    nso_set_progname(argv[0]);
    const char *ledger = "", *listpath = "";
    int check = 0, migrate = 0;
    nso_arg_spec specs[] = {
        {"ledger", NSO_ARG_STRING, &ledger, 0, 0, "claims ledger (TSV) to check or migrate"},
        {"check", NSO_ARG_FLAG, &check, 0, 0, "exit 1 unless every row's kind is the table's"},
        {"migrate", NSO_ARG_FLAG, &migrate, 0, 0, "rewrite the ledger with the table's kinds"},
        {"list", NSO_ARG_STRING, &listpath, 0, 0, "write the kind table as markdown to this file ('-': stdout)"},
    };
    size_t ns = sizeof specs / sizeof specs[0];
    nso_cli_parse(argc, argv, specs, ns, "ledger_kinds: check, migrate or list the kinds of the claims ledger's rows");
    if ((check || migrate) && !*ledger) nso_die("--ledger: a ledger file is needed with --check or --migrate");
    if (check && migrate) nso_die("--check, --migrate: give one of them");
    if (!check && !migrate && !*listpath) nso_die("--check, --migrate or --list: nothing to do");
    if (*listpath && strcmp(listpath, "-") != 0) nso_check_writable("list", listpath);
    if (migrate) { /* a typo must not create an empty ledger */
        if (access(ledger, F_OK) != 0) nso_die("--ledger: '%s' does not exist (nothing to migrate)", ledger);
        nso_check_ledger("ledger", ledger);
    }
    if (migrate && nso_ledger_migrate(ledger) != NSO_OK) return 2; /* malformed: reported on one line */
    if (check && nso_ledger_check(ledger) != NSO_OK) return 1;
    if (*listpath) {
        if (strcmp(listpath, "-") == 0) list(stdout);
        else {
            nso_csv *f = nso_atomic_open(listpath);
            if (!f) return 2;
            list(f->f);
            if (nso_csv_commit(f) != NSO_OK) return 2;
        }
    }
    return 0;
}
