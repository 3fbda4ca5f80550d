/* test_csv.c - the one CSV reader (nso_table_read) and the atomic writer
 * (nso_csv_open / nso_atomic_open) of lib/io.h: a round trip through the
 * writer, then one malformed file per rule, each of which must fail with a
 * message naming the file and the offending line; and the file fingerprint
 * (nso_file_fnv1a64) against published test vectors. */
#include "io.h"
#include "nso_error.h"
#include "test_toolkit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/nso_toolkit_XXXXXX";

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int slot;
    char *b = buf[slot++ & 3];
    snprintf(b, 512, "%s/%s", dir, name);
    return b;
}

static void write_raw(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static int streq(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

#define HDR "# program: t\n# params: --x 1\n# seed: 42\n# git: abc\n"

/* the file must be rejected, and the message must name the file and `where` */
static void expect_reject(const char *name, const char *text, const nso_table_opts *o, const char *where,
                          const char *what)
{
    const char *path = tmp_path(name);
    write_raw(path, text);
    char msg[1024] = "", quoted[600];
    nso_table *t = nso_table_read(path, o, msg, sizeof msg);
    snprintf(quoted, sizeof quoted, "'%s'", path);
    int ok = t == NULL && strstr(msg, quoted) && strstr(msg, where) && strstr(msg, what);
    if (!ok) fprintf(stderr, "\n  %s: expected an error naming %s, %s and '%s'; got: %s", name, quoted, where, what, msg);
    CU_ASSERT(t == NULL);
    CU_ASSERT(strstr(msg, quoted) != NULL);
    CU_ASSERT(strstr(msg, where) != NULL);
    CU_ASSERT(strstr(msg, what) != NULL);
    nso_table_free(t);
}

static void test_round_trip(void)
{
    const char *path = tmp_path("ok.csv");
    nso_csv *c = nso_csv_open(path, "t", "--x 1", 42, "a,b,law");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    nso_csv_printf(c, "# status: ok\n");
    nso_csv_printf(c, "%.17g,%.17g,gaussian\n", 0.1, -2.385e-7);
    nso_csv_printf(c, "\n\n"); /* gnuplot block separator */
    nso_csv_printf(c, "nan,inf,laplace\n");
    nso_csv_printf(c, "# f0=1.5 acc=0.25\n");
    nso_csv_printf(c, "3,-nan,uniform\n");
    CU_ASSERT(nso_csv_commit(c) == NSO_OK);
    char msg[512] = "";
    nso_table_opts o = {.columns = "a,b,law", .text_cols = "law", .nrows = 3};
    nso_table *t = nso_table_read(path, &o, msg, sizeof msg);
    if (!t) fprintf(stderr, "\n  %s", msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(t->nrows == 3 && t->ncols == 3 && !t->diverged);
    CU_ASSERT(nso_table_col(t, "b") == 1 && nso_table_col(t, "nope") == -1);
    CU_ASSERT(NSO_T(t, 0, 0) == 0.1 && NSO_T(t, 0, 1) == -2.385e-7); /* %.17g round-trips exactly */
    CU_ASSERT(isnan(NSO_T(t, 1, 0)) && isinf(NSO_T(t, 1, 1)) && NSO_T(t, 2, 0) == 3 && isnan(NSO_T(t, 2, 1)));
    CU_ASSERT(streq(NSO_TEXT(t, 0, 2), "gaussian") && streq(NSO_TEXT(t, 2, 2), "uniform"));
    CU_ASSERT(NSO_TEXT(t, 0, 0) == NULL && isnan(NSO_T(t, 0, 2)));
    CU_ASSERT(streq(nso_table_meta(t, "seed"), "42"));
    CU_ASSERT(streq(nso_table_meta(t, "params"), "--x 1"));
    CU_ASSERT(nso_table_meta(t, "nope") == NULL);
    CU_ASSERT(streq(nso_table_comment(t, "f0="), "f0=1.5 acc=0.25"));
    nso_table_free(t);
    /* no options: same numbers; a diverged run may stop after its header */
    write_raw(tmp_path("div.csv"), HDR "# status: diverged at step 7\n");
    t = nso_table_read(tmp_path("div.csv"), NULL, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(t->diverged && t->nrows == 0 && t->ncols == 0);
    nso_table_free(t);
}

static void test_malformed(void)
{
    nso_table_opts cols = {.columns = "a,b,c"}, rows = {.nrows = 3}, text = {.text_cols = "d"};
    expect_reject("few.csv", HDR "a,b,c\n1,2,3\n4,5\n", NULL, "line 7", "2 fields, expected 3");
    expect_reject("many.csv", HDR "a,b,c\n1,2,3,4\n", NULL, "line 6", "4 fields, expected 3");
    expect_reject("trunc.csv", HDR "a,b,c\n1,2,3\n4,5,6", NULL, "line 7", "truncated");
    expect_reject("word.csv", HDR "a,b,c\n1,abc,3\n", NULL, "line 6, column 'b'", "'abc' is not a number");
    expect_reject("empty_field.csv", HDR "a,b,c\n1,,3\n", NULL, "line 6, column 'b'", "is not a number");
    expect_reject("tail.csv", HDR "a,b,c\n1,2.5x,3\n", NULL, "line 6, column 'b'", "'2.5x' is not a number");
    expect_reject("nohdr.csv", "a,b,c\n1,2,3\n", NULL, "line 1", "missing header");
    expect_reject("noprog.csv", "# seed: 1\na,b,c\n1,2,3\n", NULL, "line 2", "missing header");
    expect_reject("badhdr.csv", "# program: t\n# just a remark\na,b,c\n", NULL, "line 2", "'# key: value'");
    expect_reject("nocols.csv", HDR, NULL, "line 5", "no column-name line");
    expect_reject("empty.csv", "", NULL, "line 1", "missing header");
    expect_reject("emptyname.csv", HDR "a,,c\n", NULL, "line 5", "empty name");
    expect_reject("blank_in_hdr.csv", "# program: t\n\na,b\n", NULL, "line 2", "empty line");
    expect_reject("cols.csv", HDR "a,b,x\n1,2,3\n", &cols, "line 5", "expected 'a,b,c'");
    expect_reject("rows.csv", HDR "a,b,c\n1,2,3\n4,5,6\n", &rows, "line 8", "2 data rows, expected 3");
    expect_reject("textcol.csv", HDR "a,b,c\n1,2,3\n", &text, "line 5", "no column 'd'");
    /* a file that cannot be opened */
    char msg[512] = "";
    CU_ASSERT(nso_table_read(tmp_path("absent.csv"), NULL, msg, sizeof msg) == NULL);
    CU_ASSERT(strstr(msg, "absent.csv") != NULL && strstr(msg, "cannot read") != NULL);
}

static void test_atomic_open(void)
{
    const char *path = tmp_path("frag.md");
    nso_csv *m = nso_atomic_open(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    nso_csv_printf(m, "<!-- provenance -->\n| x |\n");
    CU_ASSERT(!nso_file_exists(path)); /* invisible until committed */
    CU_ASSERT(nso_csv_commit(m) == NSO_OK);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char buf[128] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    CU_ASSERT(strcmp(buf, "<!-- provenance -->\n| x |\n") == 0); /* nothing added */
    m = nso_atomic_open(tmp_path("gone.md"));
    nso_csv_printf(m, "x\n");
    nso_csv_abort(m);
    CU_ASSERT(!nso_file_exists(tmp_path("gone.md")));
}

/* nso_file_fnv1a64 against the published FNV-1a 64 test vectors (Fowler,
 * Noll, Vo: "" -> cbf29ce484222325, "a" -> af63dc4c8601ec8c, "foobar" ->
 * 85944171f73967e8), a file longer than the read buffer (two reads must
 * give the hash of the concatenation: the same bytes hashed in one piece
 * here), and a missing file */
static void test_fnv(void)
{
    const char *in[] = {"", "a", "foobar"};
    const uint64_t want[] = {0xcbf29ce484222325ULL, 0xaf63dc4c8601ec8cULL, 0x85944171f73967e8ULL};
    for (int k = 0; k < 3; k++) {
        write_raw(tmp_path("fnv.bin"), in[k]);
        uint64_t h = 0;
        CU_ASSERT(nso_file_fnv1a64(tmp_path("fnv.bin"), &h) == NSO_OK);
        CU_ASSERT(h == want[k]);
    }
    enum { N = 200000 };
    unsigned char *b = malloc(N);
    uint64_t x = 0xcbf29ce484222325ULL, h = 0;
    for (int i = 0; i < N; i++) {
        b[i] = (unsigned char)(i * 7 + i / 251);
        x = (x ^ b[i]) * 0x100000001b3ULL;
    }
    FILE *f = fopen(tmp_path("fnv.bin"), "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(b, 1, N, f);
    fclose(f);
    free(b);
    CU_ASSERT(nso_file_fnv1a64(tmp_path("fnv.bin"), &h) == NSO_OK && h == x);
    CU_ASSERT(nso_file_fnv1a64(tmp_path("none.bin"), &h) == NSO_EIO);
}

static int setup(void) { return mkdtemp(dir) ? 0 : 1; }
static int teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}

void toolkit_suite_csv(void)
{
    CU_pSuite s = CU_add_suite("CSV reader and atomic writer", setup, teardown);
    CU_add_test(s, "round trip: numbers, nan/inf, text column, header, comments", test_round_trip);
    CU_add_test(s, "malformed files: errors name the file and the line", test_malformed);
    CU_add_test(s, "atomic file without header", test_atomic_open);
    CU_add_test(s, "file fingerprint: FNV-1a 64 test vectors", test_fnv);
}
