/* test_ledger.c - the claims ledger's kind column (issue 10): the one table
 * lib/claim_kinds.c, nso_ledger_put's refusal of unregistered ids, migration of
 * the old 7-column format, nso_ledger_check, the ledger_kinds program, the
 * committed data/claims.tsv, and the report's per-kind headline counts.
 * Runs from the repository root (as `make test` does). */
#include "../cunit_run.h"
#include "io.h"
#include "nso_error.h"
#include <CUnit/Basic.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef NSO_BIN
#define NSO_BIN "build/bin"
#endif

/* ---- helpers ---------------------------------------------------------- */
static char last_reason[1024];
static int last_code;
static void capture(const char *reason, const char *file, int line, int code)
{
    (void)file, (void)line;
    snprintf(last_reason, sizeof last_reason, "%s", reason);
    last_code = code;
}

static char dir[256];
static int setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_ledger.%ld", (long)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
    return system(cmd) == 0 ? 0 : 1;
}
static int teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}

static const char *path_of(const char *name)
{
    static char p[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* the whole file into a static buffer ("" if absent) */
static const char *slurp(const char *path)
{
    static char buf[2][1 << 20];
    static int i;
    i ^= 1;
    buf[i][0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return buf[i];
    size_t n = fread(buf[i], 1, sizeof buf[i] - 1, f);
    buf[i][n] = 0;
    fclose(f);
    return buf[i];
}

static const char *HDR8 = "id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\tkind\n";
static const char *HDR7 = "id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\n";

/* ---- the table ---------------------------------------------------------- */
static void test_kind_lookup(void)
{
    const char *why = NULL;
    /* exact ids, one of each kind */
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("thm4.3.upper_holds", &why), "claim");
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("lemma4.4.xi", NULL), "sanity");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("lemma4.4.xi.independent", NULL), "claim");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("prop2.1.quadratic_exact", NULL), "sanity");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("thm4.5.init_gap", NULL), "sanity");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("fig3.nso_lower_trace", NULL), "supplement");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("nso.variance_vs_wp", NULL), "supplement");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("thm4.3.tightness", NULL), "info");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("table1.centred_binomial_ok", NULL), "supplement");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("thm2.2.ranking", NULL), "analog");
    /* patterns: families chosen by a flag */
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("errata.truncation", NULL), "erratum");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("errata.some_new_slip", NULL), "erratum");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("table3.mnist-200.nso_vs_best", NULL), "analog");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("table3.fashion59-1000.nso_vs_best", NULL), "analog");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("prop2.1.remainder_order.cossum", NULL), "claim");
    CU_ASSERT_STRING_EQUAL(nso_claim_kind("table2.logistic.rel_residual", NULL), "analog");
    /* an exact network row wins over the synthetic pattern (its own reason) */
    const char *w_net = NULL, *w_syn = NULL;
    nso_claim_kind("table2.mlp_mnist.rel_residual", &w_net);
    nso_claim_kind("table2.logistic.rel_residual", &w_syn);
    CU_ASSERT(w_net && w_syn && strcmp(w_net, w_syn) != 0);
    /* not registered */
    CU_ASSERT_PTR_NULL(nso_claim_kind("x.one", &why));
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_PTR_NULL(nso_claim_kind("", NULL));
    CU_ASSERT_PTR_NULL(nso_claim_kind(NULL, NULL));
    CU_ASSERT_PTR_NULL(nso_claim_kind("table3.accuracy_gain.extra", NULL));
    CU_ASSERT_PTR_NULL(nso_claim_kind("errata", NULL));
}

static void test_table_consistent(void)
{
    size_t n = nso_claim_kind_entries();
    CU_ASSERT(n >= 40);
    CU_ASSERT_PTR_NULL(nso_claim_kind_entry(n, NULL, NULL));
    for (size_t i = 0; i < n; i++) {
        const char *pat = NULL, *why = NULL, *kind = nso_claim_kind_entry(i, &pat, &why);
        CU_ASSERT(nso_claim_kind_valid(kind));
        CU_ASSERT(pat && *pat && why && *why);
        /* no entry is shadowed by an earlier one: an exact id looks up to itself,
         * and no two entries have the same pattern */
        if (!strchr(pat, '*')) {
            const char *w = NULL;
            nso_claim_kind(pat, &w);
            CU_ASSERT(w == why);
        }
        for (size_t j = 0; j < i; j++) {
            const char *pj = NULL;
            nso_claim_kind_entry(j, &pj, NULL);
            CU_ASSERT(strcmp(pj, pat) != 0);
            /* an earlier pattern must not swallow a later exact id */
            if (strchr(pj, '*') && !strchr(pat, '*')) CU_ASSERT(fnmatch(pj, pat, 0) != 0);
        }
    }
    CU_ASSERT(!nso_claim_kind_valid("holds"));
    CU_ASSERT(!nso_claim_kind_valid(NULL));
    CU_ASSERT(nso_claim_kind_valid("erratum"));
}

/* ---- writing ------------------------------------------------------------ */
static void test_put_refuses_unregistered(void)
{
    const char *led = path_of("refuse.tsv");
    nso_claim ok = {"thm4.3.rate_k", "p", "m", "c", "holds", "d", "cmd"};
    CU_ASSERT_EQUAL_FATAL(nso_ledger_put(led, &ok), NSO_OK);
    static char before[1 << 20];
    snprintf(before, sizeof before, "%s", slurp(led));
    nso_error_handler_t *old = nso_set_error_handler(capture);
    last_reason[0] = 0;
    nso_claim bad = {"x.new_row", "p", "m", "c", "holds", "d", "cmd"};
    CU_ASSERT_EQUAL(nso_ledger_put(led, &bad), NSO_EINVAL);
    CU_ASSERT_EQUAL(last_code, NSO_EINVAL);
    CU_ASSERT(strstr(last_reason, "x.new_row") && strstr(last_reason, "lib/claim_kinds.c"));
    CU_ASSERT_STRING_EQUAL(slurp(led), before); /* unchanged */
    /* a fresh file is not created either */
    CU_ASSERT_EQUAL(nso_ledger_put(path_of("never.tsv"), &bad), NSO_EINVAL);
    CU_ASSERT(access(path_of("never.tsv"), F_OK) != 0);
    nso_set_error_handler(old);
    /* the kind is the table's, last column */
    const char *s = slurp(led);
    CU_ASSERT(strncmp(s, HDR8, strlen(HDR8)) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "thm4.3.rate_k\tp\tm\tc\tholds\td\tcmd\tclaim\n"));
}

static void test_migrate_old_format(void)
{
    const char *led = path_of("old.tsv");
    char old[2048];
    snprintf(old, sizeof old, "%s%s%s", HDR7, "lemma4.4.xi\tLemma 4.4\t1.0\tcrit\tholds\tx.csv\tcmd a\n",
             "errata.truncation\tSec 4\t2.0\tcrit\tholds\ty.csv\tcmd b\n");
    write_file(led, old);
    nso_error_handler_t *oh = nso_set_error_handler(capture);
    CU_ASSERT_EQUAL(nso_ledger_check(led), NSO_EFORMAT); /* old format: check fails, names the fix */
    CU_ASSERT_PTR_NOT_NULL(strstr(last_reason, "--migrate"));
    nso_set_error_handler(oh);
    /* any write migrates every row */
    nso_claim cl = {"thm4.3.rate_T", "Thm 4.3", "3.0", "crit", "fails", "z.csv", "cmd c"};
    CU_ASSERT_EQUAL_FATAL(nso_ledger_put(led, &cl), NSO_OK);
    char want[2048];
    snprintf(want, sizeof want, "%s%s%s%s", HDR8, "lemma4.4.xi\tLemma 4.4\t1.0\tcrit\tholds\tx.csv\tcmd a\tsanity\n",
             "errata.truncation\tSec 4\t2.0\tcrit\tholds\ty.csv\tcmd b\terratum\n",
             "thm4.3.rate_T\tThm 4.3\t3.0\tcrit\tfails\tz.csv\tcmd c\tclaim\n");
    CU_ASSERT_STRING_EQUAL(slurp(led), want);
    CU_ASSERT_EQUAL(nso_ledger_check(led), NSO_OK);
    /* nso_ledger_migrate alone: same result, idempotent */
    const char *led2 = path_of("old2.tsv");
    write_file(led2, old);
    CU_ASSERT_EQUAL(nso_ledger_migrate(led2), NSO_OK);
    CU_ASSERT_EQUAL(nso_ledger_migrate(led2), NSO_OK);
    CU_ASSERT_EQUAL(nso_ledger_check(led2), NSO_OK);
    snprintf(want, sizeof want, "%s%s%s", HDR8, "lemma4.4.xi\tLemma 4.4\t1.0\tcrit\tholds\tx.csv\tcmd a\tsanity\n",
             "errata.truncation\tSec 4\t2.0\tcrit\tholds\ty.csv\tcmd b\terratum\n");
    CU_ASSERT_STRING_EQUAL(slurp(led2), want);
    /* a 7-field row written into a new-format file (an old binary) is migrated too */
    FILE *f = fopen(led2, "a");
    fputs("thm4.3.rate_k\tThm\t4.0\tcrit\tholds\tw.csv\tcmd d\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(nso_ledger_migrate(led2), NSO_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(led2), "thm4.3.rate_k\tThm\t4.0\tcrit\tholds\tw.csv\tcmd d\tclaim\n"));
}

static void test_kinds_refreshed_and_checked(void)
{
    const char *led = path_of("stale.tsv");
    char text[2048];
    /* a stale kind (the table says sanity) */
    snprintf(text, sizeof text, "%s%s", HDR8, "lemma4.4.xi\tp\tm\tc\tholds\td\tcmd\tclaim\n");
    write_file(led, text);
    nso_error_handler_t *oh = nso_set_error_handler(capture);
    CU_ASSERT_EQUAL(nso_ledger_check(led), NSO_EINVAL);
    CU_ASSERT(strstr(last_reason, "'claim'") && strstr(last_reason, "'sanity'"));
    nso_set_error_handler(oh);
    CU_ASSERT_EQUAL(nso_ledger_migrate(led), NSO_OK);
    CU_ASSERT_EQUAL(nso_ledger_check(led), NSO_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(led), "\tcmd\tsanity\n"));
    /* an absent file is a valid (empty) ledger */
    CU_ASSERT_EQUAL(nso_ledger_check(path_of("absent.tsv")), NSO_OK);
}

static void test_malformed_refused(void)
{
    nso_error_handler_t *oh = nso_set_error_handler(capture);
    nso_claim cl = {"thm4.3.rate_T", "p", "m", "c", "holds", "d", "cmd"};
    struct {
        const char *name, *text, *needle;
        int code;
    } cases[] = {
        {"hdr.tsv", "id\tpaper\tverdict\nthm4.3.rate_k\tp\tholds\n", "unknown header", NSO_EFORMAT},
        {"nohdr.tsv", "thm4.3.rate_k\tp\tm\tc\tholds\td\tcmd\tclaim\n", "unknown header", NSO_EFORMAT},
        {"fields.tsv", "id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\tkind\nthm4.3.rate_k\tp\tm\tholds\n",
         "line 2: expected 7 or 8", NSO_EFORMAT},
        {"unreg.tsv", "id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\nold.unknown_row\tp\tm\tc\tholds\td\tcmd\n",
         "'old.unknown_row' has no kind", NSO_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *led = path_of(cases[i].name);
        write_file(led, cases[i].text);
        last_reason[0] = 0;
        CU_ASSERT_EQUAL(nso_ledger_put(led, &cl), cases[i].code);
        CU_ASSERT_PTR_NOT_NULL(strstr(last_reason, cases[i].needle));
        CU_ASSERT_STRING_EQUAL(slurp(led), cases[i].text); /* left as it was */
        CU_ASSERT_EQUAL(nso_ledger_migrate(led), cases[i].code);
        CU_ASSERT(nso_ledger_check(led) != NSO_OK);
    }
    nso_set_error_handler(oh);
}

/* ---- the program, the committed ledger, the report ----------------------- */
static int sh(const char *fmt, const char *a, const char *b)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_program(void)
{
    const char *led = path_of("prog.tsv"), *md = path_of("kinds.md");
    char old[1024];
    snprintf(old, sizeof old, "%s%s", HDR7, "thm4.3.tightness\tp\tm\tc\tholds\td\tcmd\n");
    write_file(led, old);
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds --ledger %s --check 2>/dev/null%s", led, ""), 1);
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds --ledger %s --migrate%s", led, ""), 0);
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds --ledger %s --check%s", led, ""), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(led), "\tcmd\tinfo\n"));
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds --list %s%s", md, ""), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(md), "| `lemma4.4.xi` | sanity |"));
    /* bad input: exit 2 before writing anything */
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds --check 2>/dev/null%s%s", "", ""), 2);
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds --ledger %s --check --migrate 2>/dev/null%s", led, ""), 2);
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds 2>/dev/null%s%s", "", ""), 2);
    CU_ASSERT_EQUAL(sh(NSO_BIN "/ledger_kinds --list /nonexistent_dir/k.md 2>/dev/null%s%s", "", ""), 2);
}

/* every row of the committed full-profile ledger has the table's kind */
static void test_committed_ledger(void)
{
    CU_ASSERT_EQUAL(access("data/claims.tsv", R_OK), 0);
    CU_ASSERT_EQUAL(nso_ledger_check("data/claims.tsv"), NSO_OK);
}

/* the report's headline counts each kind separately (scripts/render_report.sh) */
static void test_report_counts(void)
{
    const char *led = path_of("claims.tsv"), *rep = path_of("report.md");
    char text[4096];
    snprintf(text, sizeof text, "%s%s%s%s%s%s%s%s%s", HDR8,
             "thm4.3.rate_T\tp\tm\tc\tholds\td\tcmd\tclaim\n", "thm4.3.rate_k\tp\tm\tc\tfails\td\tcmd\tclaim\n",
             "thm4.3.upper_holds\tp\tm\tc\tholds\td\tcmd\tclaim\n", "errata.truncation\tp\tm\tc\tholds\td\tcmd\terratum\n",
             "errata.claimA3_half\tp\tm\tc\tfails\td\tcmd\terratum\n", "lemma4.4.xi\tp\tm\tc\tholds\td\tcmd\tsanity\n",
             "thm4.3.tightness\tp\tm\tc\tholds\td\tcmd\tinfo\n", "fig3.extended_grid\tp\tm\tc\tfails\td\tcmd\tsupplement\n");
    write_file(led, text);
    CU_ASSERT_EQUAL_FATAL(sh("bash scripts/render_report.sh quick %s %s >/dev/null", dir, rep), 0);
    const char *s = slurp(rep);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "3 paper claims tested as written: 2 hold, 1 fail"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "0 analogs"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "2 errata checked: 1 confirmed, 1 not confirmed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "1 supplement (our own questions): 0 hold, 1 fail"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "1 sanity check (true by construction): 1 pass, 0 fail"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "1 informational row"));
    /* no section heading is rendered twice (issue 10: "Not covered yet") */
    char heads[64][160];
    int nh = 0, dup = 0;
    for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, "## ", 3) != 0) continue;
        size_t n = strcspn(p, "\n");
        char h[160];
        snprintf(h, sizeof h, "%.*s", (int)(n < 159 ? n : 159), p);
        for (int j = 0; j < nh; j++) dup += strcmp(heads[j], h) == 0;
        if (nh < 64) snprintf(heads[nh++], sizeof heads[0], "%s", h);
    }
    CU_ASSERT(nh >= 8);
    CU_ASSERT_EQUAL(dup, 0);
    /* an old 7-column ledger makes the report fail clearly */
    snprintf(text, sizeof text, "%s%s", HDR7, "thm4.3.rate_T\tp\tm\tc\tholds\td\tcmd\n");
    write_file(led, text);
    CU_ASSERT(sh("bash scripts/render_report.sh quick %s %s >/dev/null 2>&1", dir, rep) != 0);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("ledger kinds", setup, teardown);
    CU_add_test(s, "the table: lookup, patterns, unregistered ids", test_kind_lookup);
    CU_add_test(s, "the table: valid kinds, no shadowed entry", test_table_consistent);
    CU_add_test(s, "put: unregistered id refused, ledger unchanged", test_put_refuses_unregistered);
    CU_add_test(s, "put/migrate: old 7-column ledger migrated", test_migrate_old_format);
    CU_add_test(s, "check: stale kinds found, migrate refreshes them", test_kinds_refreshed_and_checked);
    CU_add_test(s, "malformed ledgers refused and left alone", test_malformed_refused);
    CU_add_test(s, "ledger_kinds: check, migrate, list, bad input", test_program);
    CU_add_test(s, "data/claims.tsv: every row has the table's kind", test_committed_ledger);
    CU_add_test(s, "render_report: headline counts per kind", test_report_counts);
    int rc = nso_cunit_run("test_ledger");
    return rc;
}
