/* test_errata.c - proofs_errata (proofs_check/errata.c) against hand-computed
 * closed forms, its ledger rows, and its bad-input path.  Runs the quick
 * profile into a temporary directory (a second or two). */
#include "../cunit_run.h"
#include "io.h"
#include "nso_error.h"
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NSO_BIN
#define NSO_BIN "build/bin"
#endif

static char dir[256];

static int run(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, NSO_BIN "/proofs_errata %s >/dev/null 2>&1", args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_errata.%ld", (long)getpid());
    if (mkdir(dir, 0777) != 0) return 1; /* the ledger's folder must exist (nso_check_ledger) */
    char args[768];
    snprintf(args, sizeof args, "--profile quick --out %s --ledger %s/claims.tsv", dir, dir);
    return run(args) == 0 ? 0 : 1;
}
static int teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}

static nso_table *load(const char *name, const char *text)
{
    char path[512], msg[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    nso_table_opts o = {.text_cols = text};
    nso_table *t = nso_table_read(path, &o, msg, sizeof msg);
    if (!t) fprintf(stderr, "%s\n", msg);
    return t;
}

/* eq. (29) on (c/2)||W||^2, constant eta, exact oracle: sum eta_i ||grad||^2 =
 * c^2 |W_0|^2 eta sum_i (1 - c eta)^{2i} -> 2 D^2/(2 - c eta) (T = 100, (1-c eta)^200
 * negligible), so lhs/derived = 1/(2 - c eta) and lhs/printed = 1/(c (2 - c eta)) */
static void test_eq29_closed_form(void)
{
    nso_table *t = load("errata_eq29.csv", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    int cC = nso_table_col(t, "C"), cs = nso_table_col(t, "schedule"), cd = nso_table_col(t, "lhs_over_derived"),
        cp = nso_table_col(t, "lhs_over_printed");
    int seen = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (NSO_T(t, i, cs) != 0) continue;
        double c = NSO_T(t, i, cC), ce = 0.9; /* eta = 0.9/C */
        CU_ASSERT_DOUBLE_EQUAL(NSO_T(t, i, cd), 1 / (2 - ce), 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(NSO_T(t, i, cp), 1 / (c * (2 - ce)), 1e-6);
        seen++;
    }
    CU_ASSERT_EQUAL(seen, 2);
    nso_table_free(t);
}

/* Lemma B.3 below its missing condition: C = D = k = 1, sigma^2 = 1000, T = 10 at the
 * smallest step rho = 1/sqrt(2 sigma^2 T): min_t is at t = 1,
 * (1 - rho)^2 + sigma^2 rho^2, against sqrt(sigma^2/(32 T)) */
static void test_b3_small_T(void)
{
    nso_table *t = load("errata_b3.csv", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    int cs = nso_table_col(t, "sigma2"), ce = nso_table_col(t, "eta"), cr = nso_table_col(t, "ratio32");
    int found = 0;
    for (size_t i = 0; i < t->nrows && !found; i++) {
        if (NSO_T(t, i, cs) != 1000) continue;
        double rho = 1 / sqrt(2 * 1000.0 * 10), want = ((1 - rho) * (1 - rho) + 1000 * rho * rho) / sqrt(1000.0 / 320);
        CU_ASSERT_DOUBLE_EQUAL(NSO_T(t, i, ce), rho, 1e-9);
        CU_ASSERT_DOUBLE_EQUAL(NSO_T(t, i, cr), want, 1e-4);
        CU_ASSERT(want < 1);
        found = 1;
    }
    CU_ASSERT(found);
    nso_table_free(t);
}

/* eq. (64) at i = 1: (e_1' X e)^2 = (1 - rho + mu)^2, the singular-value form is
 * (X X')_11 = (1 - rho)^2 + mu^2 (rho 0.3, mu 0.9) */
static void test_eq64_first_power(void)
{
    nso_table *t = load("errata_b4.csv", "quantity,note");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    int cq = nso_table_col(t, "quantity"), ci = nso_table_col(t, "i"), cm = nso_table_col(t, "measured"),
        cw = nso_table_col(t, "as_written");
    int found = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const char *q = NSO_TEXT(t, i, cq);
        if (q && strcmp(q, "eq64_e1Xie_sq") == 0 && NSO_T(t, i, ci) == 1) {
            CU_ASSERT_DOUBLE_EQUAL(NSO_T(t, i, cm), 1.6 * 1.6, 1e-9);
            CU_ASSERT_DOUBLE_EQUAL(NSO_T(t, i, cw), 0.49 + 0.81, 1e-9);
            found = 1;
        }
    }
    CU_ASSERT(found);
    nso_table_free(t);
}

/* the five rows, with their kind, all holding on the quick profile */
static void test_rows(void)
{
    char path[512], line[8192];
    snprintf(path, sizeof path, "%s/claims.tsv", dir);
    CU_ASSERT_EQUAL(nso_ledger_check(path), NSO_OK);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int n = 0, holds = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "errata.", 7) != 0) continue;
        n++;
        holds += strstr(line, "\tholds\t") != NULL && strstr(line, "\terratum\n") != NULL;
    }
    fclose(f);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(holds, 5);
}

static void test_bad_input(void)
{
    char args[768];
    snprintf(args, sizeof args, "--profile bogus --out %s/bad --ledger %s/bad/claims.tsv", dir, dir);
    CU_ASSERT_EQUAL(run(args), 2);
    snprintf(args, sizeof args, "%s/bad/claims.tsv", dir);
    CU_ASSERT(access(args, F_OK) != 0);
    CU_ASSERT_EQUAL(run("--no-such-flag 1"), 2);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("proofs_errata", setup, teardown);
    CU_add_test(s, "eq. (29): lhs against its closed form", test_eq29_closed_form);
    CU_add_test(s, "Lemma B.3 below T = sigma^2/(32kCD^2): hand value", test_b3_small_T);
    CU_add_test(s, "eq. (64) at i = 1: both sides by hand", test_eq64_first_power);
    CU_add_test(s, "five erratum rows, all holding", test_rows);
    CU_add_test(s, "bad input: exit 2, no ledger", test_bad_input);
    int rc = nso_cunit_run("test_errata");
    return rc;
}
