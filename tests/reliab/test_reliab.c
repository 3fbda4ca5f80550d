/* test_reliab.c - issue 11, the library side of reliability: recorded
 * parameters (nso_params_get / nso_params_diff / nso_result_read), integer
 * lists, the registry of temporaries (removed on exit, nso_die, SIGTERM and
 * a GSL error), the ledger check, the named checksummed checkpoints
 * (lib/ckpt.h: every single-byte corruption and every truncation refused),
 * Lanczos from given start vectors (an operator's Ritz values do not depend
 * on its batch), and sensing_fig3's per-run results with and without other
 * runs in the batch.  The failure cases of the programs are in cases.tsv
 * (run_cases.sh); interrupted make runs in kill_resume.sh. */
#define _POSIX_C_SOURCE 200809L
#include "../cunit_run.h"
#include "ckpt.h"
#include "cli.h"
#include "hessian.h"
#include "io.h"
#include "nso_error.h"
#include "optimizer.h"
#include "rng.h"
#include "sensing.h"
#include <CUnit/Basic.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NSO_BIN
#define NSO_BIN "build/bin"
#endif

static char dir[] = "/tmp/nso_reliab_XXXXXX";

static const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int slot;
    char *b = buf[slot++ & 7];
    snprintf(b, 512, "%s/%s", dir, name);
    return b;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("x\n", f);
        fclose(f);
    }
}

/* run fn in a child with stderr to errfile; returns the wait status */
static int in_child(void (*fn)(void *), void *arg, const char *errfile)
{
    fflush(NULL);
    pid_t p = fork();
    if (p == 0) {
        if (!freopen(errfile, "w", stderr)) _exit(99);
        setvbuf(stderr, NULL, _IONBF, 0); /* as a terminal's: nothing lost if the process ends abruptly */
        fn(arg);
        exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return st;
}

static int file_has(const char *path, const char *s)
{
    char buf[4096] = "";
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    return strstr(buf, s) != NULL;
}

/* ---- recorded parameters ----------------------------------------------- */

static void test_params(void)
{
    const char *p = "--d 8 --r 2 --k 1 --kk 3 --sigmas 0.01,0.02 --pool --command make repro PROFILE=full --seed 9";
    char v[128], msg[512];
    CU_ASSERT(nso_params_get(p, "d", v, sizeof v) && !strcmp(v, "8"));
    CU_ASSERT(nso_params_get(p, "k", v, sizeof v) && !strcmp(v, "1")); /* not --kk */
    CU_ASSERT(nso_params_get(p, "kk", v, sizeof v) && !strcmp(v, "3"));
    CU_ASSERT(nso_params_get(p, "sigmas", v, sizeof v) && !strcmp(v, "0.01,0.02"));
    CU_ASSERT(nso_params_get(p, "pool", v, sizeof v) && !strcmp(v, ""));            /* a flag */
    CU_ASSERT(nso_params_get(p, "command", v, sizeof v) && !strcmp(v, "make repro PROFILE=full"));
    CU_ASSERT(nso_params_get(p, "seed", v, sizeof v) && !strcmp(v, "9"));
    CU_ASSERT(nso_params_get(p, "r2", v, sizeof v) == NULL);
    CU_ASSERT(nso_params_get(p, "eta", v, sizeof v) == NULL);
    static const char *const keys[] = {"d", "r", "eta", NULL};
    CU_ASSERT(nso_params_diff(p, "--r 2 --d 8 --other 1", keys, msg, sizeof msg) == 0);
    CU_ASSERT(nso_params_diff(p, "--d 9 --r 2", keys, msg, sizeof msg) == 1);
    CU_ASSERT(strstr(msg, "--d is '8' in the file, '9' expected") != NULL);
    CU_ASSERT(nso_params_diff(p, "--d 8 --r 2 --eta 0.1", keys, msg, sizeof msg) == 1);
    CU_ASSERT(strstr(msg, "--eta is '(absent)'") != NULL);
}

static void test_result_read(void)
{
    const char *path = tmp_path("r.csv");
    nso_csv *c = nso_csv_open(path, "prog_a", "--steps 40 --seed 1", 1, "a,b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    nso_csv_printf(c, "1,2\n");
    CU_ASSERT(nso_csv_commit(c) == NSO_OK);
    static const char *const keys[] = {"steps", NULL};
    char msg[1024];
    nso_table_opts o = {.columns = "a,b", .nrows = 1};
    nso_table *t = nso_result_read(path, &o, "prog_a", "--steps 40 --seed 2", keys, msg, sizeof msg);
    CU_ASSERT(t != NULL); /* --seed is not a key here */
    nso_table_free(t);
    t = nso_result_read(path, &o, "prog_a", "--steps 60", keys, msg, sizeof msg);
    CU_ASSERT(t == NULL && strstr(msg, "--steps is '40' in the file, '60' expected") && strstr(msg, path));
    t = nso_result_read(path, &o, "prog_b", NULL, NULL, msg, sizeof msg);
    CU_ASSERT(t == NULL && strstr(msg, "written by 'prog_a'"));
    t = nso_result_read(dir, NULL, NULL, NULL, NULL, msg, sizeof msg); /* a directory */
    CU_ASSERT(t == NULL && strstr(msg, "not a regular file"));
}

/* ---- integer lists (the parser dies: run it in a child) ---------------- */

static void int_list_child(void *arg)
{
    long v[8];
    size_t n = nso_cli_int_list("ms", (const char *)arg, v, 8, 1, 1000);
    if (n != 3 || v[0] != 20 || v[1] != 300 || v[2] != 1000) exit(3);
}

static void test_int_list(void)
{
    const char *bad[] = {"20.5", "1e3", "1.0", "1,,2", "1,", "", "0", "1001", "x", "1,2.5"};
    const char *err = tmp_path("intlist.err");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int st = in_child(int_list_child, (void *)bad[i], err);
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 2 && file_has(err, "--ms: expected");
        if (!ok) fprintf(stderr, "\n  '%s' was not refused", bad[i]);
        CU_ASSERT(ok);
    }
    int st = in_child(int_list_child, (void *)"20,300,1000", err);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- temporaries ---------------------------------------------------------- */

typedef struct {
    const char *reg, *unreg;
    int how; /* 0 exit(2), 1 nso_die, 2 SIGTERM with handlers, 3 GSL error after nso_cli_parse, 4 return */
} tmp_case;

static void tmp_child(void *arg)
{
    tmp_case *c = arg;
    if (c->how >= 2) {
        char *argv[] = {"prog", NULL};
        nso_arg_spec none[1] = {{NULL, NSO_ARG_FLAG, NULL, 0, 0, NULL}};
        nso_cli_parse(1, argv, none, 0, "test"); /* installs the handlers, as every program does */
    }
    touch(c->reg);
    touch(c->unreg);
    nso_tmp_register(c->reg);
    nso_tmp_register(c->unreg);
    nso_tmp_unregister(c->unreg); /* committed: must stay */
    switch (c->how) {
    case 0: exit(2);
    case 1: nso_die("a one-line error");
    case 2: raise(SIGTERM); break;
    case 3: { /* an index out of range: GSL_EINVAL; the handler reports and exits 2 */
        static gsl_vector *volatile v; /* reachable at that exit (no leak report under ASan) */
        v = gsl_vector_alloc(2);
        volatile double x = gsl_vector_get(v, 5);
        (void)x;
        break;
    }
    default: break;
    }
}

static void test_tmp_registry(void)
{
    const char *err = tmp_path("tmp.err");
    for (int how = 0; how <= 4; how++) {
        tmp_case c = {tmp_path("live.tmp.1"), tmp_path("done.csv"), how};
        unlink(c.reg);
        unlink(c.unreg);
        int st = in_child(tmp_child, &c, err);
        if (how == 2) CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
        if (how == 0 || how == 1) CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
        if (how == 3) {
            int ok = WIFEXITED(st) && WEXITSTATUS(st) == 2 && file_has(err, "prog: GSL error:");
            if (!ok) {
                char cmd[700];
                snprintf(cmd, sizeof cmd, "head -c 1500 %s >&2", err);
                fprintf(stderr, "\n  GSL error case: status %d, stderr:\n", st);
                if (system(cmd) != 0) fprintf(stderr, "  (no stderr file)\n");
            }
            CU_ASSERT(ok);
        }
        if (how == 4) CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        int gone = !nso_file_exists(c.reg), kept = nso_file_exists(c.unreg);
        if (!gone || !kept) fprintf(stderr, "\n  exit path %d: registered removed %d, unregistered kept %d", how, gone, kept);
        CU_ASSERT(gone);
        CU_ASSERT(kept);
    }
}

/* an atomic file interrupted by SIGINT leaves neither the file nor its temporary */
static void csv_sigint_child(void *arg)
{
    char *argv[] = {"prog", NULL};
    nso_arg_spec none[1] = {{NULL, NSO_ARG_FLAG, NULL, 0, 0, NULL}};
    /* a program started in the background (nohup, `cmd &` in a script) inherits an
     * ignored SIGINT, and nso_cli_parse rightly leaves it ignored: act as a terminal */
    signal(SIGINT, SIG_DFL);
    nso_cli_parse(1, argv, none, 0, "test");
    nso_csv *c = nso_csv_open((const char *)arg, "t", "", 0, "a");
    nso_csv_printf(c, "1\n");
    fflush(c->f);
    raise(SIGINT);
}

static void test_csv_sigint(void)
{
    const char *path = tmp_path("int.csv");
    char tmp[600];
    int st = in_child(csv_sigint_child, (void *)path, tmp_path("int.err"));
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
    CU_ASSERT(!nso_file_exists(path));
    snprintf(tmp, sizeof tmp, "bash -c 'ls %s/int.csv.tmp.* >/dev/null 2>&1'", dir);
    CU_ASSERT(system(tmp) != 0); /* no temporary of any pid */
}

/* ---- the ledger check ------------------------------------------------------ */

static void ledger_child(void *arg) { nso_check_ledger("ledger", (const char *)arg); }

static void test_check_ledger(void)
{
    const char *err = tmp_path("ledger.err");
    mkdir(tmp_path("Ldir"), 0777);
    FILE *f = fopen(tmp_path("notledger.tsv"), "w");
    fputs("step,x\n1,2\n", f);
    fclose(f);
    f = fopen(tmp_path("ok.tsv"), "w");
    fputs("id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\n", f);
    fclose(f);
    touch(tmp_path("empty.tsv"));
    truncate(tmp_path("empty.tsv"), 0);
    struct {
        const char *path, *msg;
    } bad[] = {{tmp_path("Ldir"), "is a directory"},
               {tmp_path("notledger.tsv"), "is not a claims ledger"},
               {"/nonexistent_dir_nso/claims.tsv", "does not exist"},
               {"/dev/null", "not a regular file"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int st = in_child(ledger_child, (void *)bad[i].path, err);
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 2 && file_has(err, bad[i].msg) && file_has(err, "--ledger");
        if (!ok) fprintf(stderr, "\n  ledger '%s' not refused with '%s'", bad[i].path, bad[i].msg);
        CU_ASSERT(ok);
    }
    const char *good[] = {tmp_path("ok.tsv"), tmp_path("empty.tsv"), tmp_path("new.tsv")};
    for (size_t i = 0; i < 3; i++) {
        int st = in_child(ledger_child, (void *)good[i], err);
        CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CU_ASSERT(!nso_file_exists(tmp_path("new.tsv"))); /* the check creates nothing */
}

/* ---- checkpoints ------------------------------------------------------------ */

#define CD 7

typedef struct {
    nso_optimizer *o;
    gsl_rng *r;
    double w[CD], x[16];
} crun;

static void crun_init(crun *c, const nso_opt_type *t, double sigma, uint64_t seed)
{
    nso_param_set ps;
    nso_params_clear(&ps);
    if (t != nso_opt_gd) nso_params_set(&ps, "sigma", sigma);
    char msg[256];
    c->o = nso_optimizer_alloc(t, CD, &ps, NULL, msg, sizeof msg);
    c->r = nso_rng_named(seed, "ckpt-test");
    for (int i = 0; i < CD; i++) c->w[i] = 0.1 * i + (double)seed;
    for (int i = 0; i < 16; i++) c->x[i] = seed * 100.0 + i;
}

static void crun_free(crun *c)
{
    nso_optimizer_free(c->o);
    gsl_rng_free(c->r);
}

static size_t mk(nso_ckpt_run *cr, crun *c, const char *name, size_t nx)
{
    snprintf(cr->name, sizeof cr->name, "%s", name);
    cr->o = c->o;
    cr->w = c->w;
    cr->r = c->r;
    cr->x = c->x;
    cr->nx = nx;
    return 1;
}

static void test_ckpt(void)
{
    const char *path = tmp_path("ck.bin");
    crun a, b;
    crun_init(&a, nso_opt_gd, 0, 1);
    crun_init(&b, nso_opt_nso, 0.01, 2);
    a.o->step = 17;
    b.o->step = 17;
    gsl_rng_uniform(b.r); /* a stream not at its start */
    nso_ckpt_run cr[2];
    mk(&cr[0], &a, "gd", 5);
    mk(&cr[1], &b, "nso_s0.01", 16);
    char msg[1024];
    CU_ASSERT_FATAL(nso_ckpt_save(path, 42, 500, cr, 2, msg, sizeof msg) == NSO_OK);
    char tmpglob[700];
    snprintf(tmpglob, sizeof tmpglob, "bash -c 'ls %s/ck.bin.tmp.* >/dev/null 2>&1'", dir);
    CU_ASSERT(system(tmpglob) != 0);
    double next_b = gsl_rng_uniform(b.r); /* what the restored stream must give */

    /* round trip into fresh runs */
    crun a2, b2;
    crun_init(&a2, nso_opt_gd, 0, 9);
    crun_init(&b2, nso_opt_nso, 0.01, 9);
    nso_ckpt_run lr[2];
    mk(&lr[0], &a2, "gd", 16);
    mk(&lr[1], &b2, "nso_s0.01", 16);
    uint64_t step = 0;
    CU_ASSERT_FATAL(nso_ckpt_load(path, 42, &step, lr, 2, msg, sizeof msg) == NSO_OK);
    CU_ASSERT(step == 500 && lr[0].nx == 5 && lr[1].nx == 16);
    CU_ASSERT(memcmp(a2.w, a.w, sizeof a.w) == 0 && memcmp(b2.w, b.w, sizeof b.w) == 0);
    CU_ASSERT(memcmp(a2.x, a.x, 5 * sizeof(double)) == 0 && memcmp(b2.x, b.x, sizeof b.x) == 0);
    CU_ASSERT(a2.o->step == 17 && b2.o->step == 17);
    CU_ASSERT(gsl_rng_uniform(b2.r) == next_b);

    /* a subset of the runs (the others were committed after the checkpoint) */
    crun b3;
    crun_init(&b3, nso_opt_nso, 0.01, 9);
    nso_ckpt_run one;
    mk(&one, &b3, "nso_s0.01", 16);
    CU_ASSERT(nso_ckpt_load(path, 42, &step, &one, 1, msg, sizeof msg) == NSO_OK);
    CU_ASSERT(memcmp(b3.w, b.w, sizeof b.w) == 0);
    /* refusals: a run it lacks, another signature, too small a capacity, another method */
    mk(&one, &b3, "nso_s0.02", 16);
    CU_ASSERT(nso_ckpt_load(path, 42, &step, &one, 1, msg, sizeof msg) == NSO_EFORMAT && strstr(msg, "no record of run 'nso_s0.02'"));
    mk(&one, &b3, "nso_s0.01", 16);
    CU_ASSERT(nso_ckpt_load(path, 43, &step, &one, 1, msg, sizeof msg) == NSO_EFORMAT && strstr(msg, "other parameters"));
    mk(&one, &b3, "nso_s0.01", 15);
    CU_ASSERT(nso_ckpt_load(path, 42, &step, &one, 1, msg, sizeof msg) == NSO_EFORMAT && strstr(msg, "at most 15"));
    mk(&one, &a2, "nso_s0.01", 16); /* a gd optimizer for an nso record */
    CU_ASSERT(nso_ckpt_load(path, 42, &step, &one, 1, msg, sizeof msg) == NSO_EFORMAT && strstr(msg, "method"));

    /* every single-byte change and every truncation is refused (FNV-1a: each
     * step is a bijection of the state, so one changed byte always changes it) */
    FILE *f = fopen(path, "rb");
    unsigned char *buf = malloc(1 << 16);
    size_t size = fread(buf, 1, 1 << 16, f);
    fclose(f);
    CU_ASSERT(size > 100 && size < (1 << 16));
    size_t accepted = 0;
    for (size_t i = 0; i < size; i++) {
        buf[i] ^= 0x5a;
        mk(&lr[0], &a2, "gd", 16);
        mk(&lr[1], &b2, "nso_s0.01", 16);
        if (nso_ckpt_load_mem(buf, size, 42, &step, lr, 2, msg, sizeof msg) == NSO_OK) accepted++;
        buf[i] ^= 0x5a;
    }
    for (size_t n = 0; n < size; n++) {
        mk(&lr[0], &a2, "gd", 16);
        mk(&lr[1], &b2, "nso_s0.01", 16);
        if (nso_ckpt_load_mem(buf, n, 42, &step, lr, 2, msg, sizeof msg) == NSO_OK) accepted++;
    }
    CU_ASSERT(accepted == 0);
    mk(&lr[0], &a2, "gd", 16);
    mk(&lr[1], &b2, "nso_s0.01", 16);
    CU_ASSERT(nso_ckpt_load_mem(buf, size, 42, &step, lr, 2, msg, sizeof msg) == NSO_OK); /* the control */
    free(buf);
    /* a failed save (no such directory) leaves nothing and says why */
    CU_ASSERT(nso_ckpt_save("/nonexistent_dir_nso/ck.bin", 42, 1, cr, 2, msg, sizeof msg) == NSO_EIO);
    CU_ASSERT(strstr(msg, "cannot write") != NULL);
    crun_free(&a); crun_free(&b); crun_free(&a2); crun_free(&b2); crun_free(&b3);
}

/* ---- Lanczos from given start vectors: independent of the batch ----------- */

static void quiet(const char *reason, const char *file, int line, int code)
{
    (void)reason, (void)file, (void)line, (void)code;
}

/* a batch of dense symmetric matrices; product b computed alone (column
 * independent, as linop.h asks of a lock-step operator) */
typedef struct {
    size_t n, nops;
    const double *A[4];
} dbatch;

static void dbatch_apply(void *ctx, size_t nv, const double *v, double *out)
{
    dbatch *d = ctx;
    for (size_t b = 0; b < nv; b++)
        for (size_t i = 0; i < d->n; i++) {
            double s = 0;
            for (size_t j = 0; j < d->n; j++) s += d->A[b][i * d->n + j] * v[b * d->n + j];
            out[b * d->n + i] = s;
        }
}

static void test_lanczos_from(void)
{
    enum { N = 30, IT = 4 };
    double A[4][N * N], q[4 * N];
    gsl_rng *r = nso_rng_named(5, "lanczos-test");
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j <= i; j++) A[k][i * N + j] = A[k][j * N + i] = gsl_ran_gaussian(r, 1.0) + (i == j) * k;
    for (int i = 0; i < 4 * N; i++) q[i] = gsl_ran_gaussian(r, 1.0);
    /* operator 2 alone and in a batch of four, from the same start vector */
    dbatch all = {N, 4, {A[0], A[1], A[2], A[3]}}, alone = {N, 1, {A[2]}};
    nso_linop op4 = {N, 4, 1, dbatch_apply, &all, NULL}, op1 = {N, 1, 1, dbatch_apply, &alone, NULL};
    double e4[4], e1;
    CU_ASSERT(nso_lanczos_top_from(&op4, IT, 1, q, e4) == NSO_OK);
    CU_ASSERT(nso_lanczos_top_from(&op1, IT, 1, q + 2 * N, &e1) == NSO_OK);
    CU_ASSERT(e1 == e4[2]); /* bit for bit: nothing of the other operators enters */
    /* nso_lanczos_top draws the starts in batch order: dropping operator 0
     * changes operator 2's estimate (the "0.1%"; a 4-step estimate) */
    dbatch three = {N, 3, {A[1], A[2], A[3]}};
    nso_linop op3 = {N, 3, 1, dbatch_apply, &three, NULL};
    double t4[4], t3[3];
    gsl_rng *ra = nso_rng_named(6, "lanczos-draw"), *rb = nso_rng_named(6, "lanczos-draw");
    nso_lanczos_top(&op4, IT, 1, ra, t4);
    nso_lanczos_top(&op3, IT, 1, rb, t3);
    CU_ASSERT(t4[2] != t3[1]);
    gsl_rng_free(ra);
    gsl_rng_free(rb);
    /* closed form: N steps on a diagonal matrix give its largest entry */
    double D[N * N] = {0}, ev;
    for (int i = 0; i < N; i++) D[i * N + i] = 1.0 + i * 0.5;
    dbatch dg = {N, 1, {D}};
    nso_linop opd = {N, 1, 1, dbatch_apply, &dg, NULL};
    CU_ASSERT(nso_lanczos_top_from(&opd, N, 1, q, &ev) == NSO_OK);
    CU_ASSERT(fabs(ev - (1.0 + (N - 1) * 0.5)) < 1e-10); /* tolerance: rounding of N re-orthogonalised steps */
    double zero[N] = {0};
    nso_error_handler_t *old = nso_set_error_handler(quiet);
    CU_ASSERT(nso_lanczos_top_from(&opd, 3, 1, zero, &ev) == NSO_EINVAL);
    nso_set_error_handler(old);
    gsl_rng_free(r);
}

/* the matrix-sensing batch: operator b's lambda_1 from the same start vector
 * alone (fused pass), in 3 (fused) and in 6 (two BLAS passes): equal up to
 * the summation order of the shared pass, relative 1e-10 */
static void test_sensing_batch_tolerance(void)
{
    enum { D = 8, NB = 6, IT = 5 };
    size_t dd = D * D;
    nso_sensing_params sp = {.d = D, .r = 2, .m = {120, 0, 0}, .seed = 4};
    char msg[256];
    nso_sensing *s = nso_sensing_alloc(&sp, msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    double U[NB * D * D], q[NB * D * D], lam6[NB], lam3[3], lam1;
    gsl_rng *r = nso_rng_named(7, "sensing-batch");
    for (size_t i = 0; i < NB * dd; i++) U[i] = gsl_ran_gaussian(r, 1.0), q[i] = gsl_ran_gaussian(r, 1.0);
    gsl_rng_free(r);
    nso_sensing_hess h;
    nso_sensing_hess_prepare(s, NB, U, NULL, &h);
    nso_linop op = nso_sensing_hess_linop(&h);
    CU_ASSERT(nso_lanczos_top_from(&op, IT, 1, q, lam6) == NSO_OK);
    nso_sensing_hess_free(&h);
    nso_sensing_hess_prepare(s, 3, U + 3 * dd, NULL, &h); /* operators 3..5 */
    op = nso_sensing_hess_linop(&h);
    CU_ASSERT(nso_lanczos_top_from(&op, IT, 1, q + 3 * dd, lam3) == NSO_OK);
    nso_sensing_hess_free(&h);
    nso_sensing_hess_prepare(s, 1, U + 4 * dd, NULL, &h); /* operator 4 alone */
    op = nso_sensing_hess_linop(&h);
    CU_ASSERT(nso_lanczos_top_from(&op, IT, 1, q + 4 * dd, &lam1) == NSO_OK);
    nso_sensing_hess_free(&h);
    for (int b = 0; b < 3; b++) CU_ASSERT(fabs(lam3[b] - lam6[3 + b]) <= 1e-10 * fabs(lam6[3 + b]));
    CU_ASSERT(fabs(lam1 - lam6[4]) <= 1e-10 * fabs(lam6[4]));
    CU_ASSERT(lam1 > 0);
    nso_sensing_free(s);
}

/* sensing_fig3: a run's files with the whole sigma grid in the batch and
 * alone agree to 1e-9 relative in every column (lambda_1 after only 3 Lanczos
 * steps would differ by percents if the start vector depended on the batch) */
static void test_fig3_alone_vs_grid(void)
{
    const char *args = "--d 10 --r 2 --steps 600 --log-every 50 --hess-every 100 --lanczos 3 --seed 3";
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/sensing_fig3 %s --outdir %s/grid 2>/dev/null && %s/sensing_fig3 %s --methods nso "
             "--sigmas 0.01 --outdir %s/alone 2>/dev/null", NSO_BIN, args, dir, NSO_BIN, args, dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
    const char *files[2] = {"nso_s0.01.csv", "nso_s0.01_hess.csv"};
    for (int k = 0; k < 2; k++) {
        char pa[600], pb[600], msg[1024];
        snprintf(pa, sizeof pa, "%s/grid/seed3/%s", dir, files[k]);
        snprintf(pb, sizeof pb, "%s/alone/seed3/%s", dir, files[k]);
        nso_table *a = nso_table_read(pa, NULL, msg, sizeof msg), *b = nso_table_read(pb, NULL, msg, sizeof msg);
        CU_ASSERT_FATAL(a && b);
        CU_ASSERT(a->nrows == b->nrows && a->ncols == b->ncols && a->nrows > 1);
        double worst = 0;
        for (size_t i = 0; i < a->nrows * a->ncols && a->nrows == b->nrows; i++) {
            double x = a->v[i], y = b->v[i];
            worst = fmax(worst, fabs(x - y) / fmax(fabs(x), 1e-300));
        }
        if (!(worst <= 1e-9)) fprintf(stderr, "\n  %s: relative difference %g", files[k], worst);
        CU_ASSERT(worst <= 1e-9);
        nso_table_free(a);
        nso_table_free(b);
    }
}

int main(void)
{
    if (!mkdtemp(dir)) return 2;
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("reliability", NULL, NULL);
    CU_add_test(s, "recorded parameters: get and diff", test_params);
    CU_add_test(s, "result files: program and parameters checked", test_result_read);
    CU_add_test(s, "integer lists refuse 20.5, 1e3, 1,", test_int_list);
    CU_add_test(s, "temporaries removed on exit, nso_die, SIGTERM, GSL error", test_tmp_registry);
    CU_add_test(s, "SIGINT during an atomic write leaves nothing", test_csv_sigint);
    CU_add_test(s, "ledger path checked before computing", test_check_ledger);
    CU_add_test(s, "checkpoints: named records, checksum, refusals", test_ckpt);
    CU_add_test(s, "Lanczos from start vectors: independent of the batch", test_lanczos_from);
    CU_add_test(s, "sensing Hessian batch: 1e-10 across batch sizes", test_sensing_batch_tolerance);
    CU_add_test(s, "sensing_fig3: a run alone and in the grid agree", test_fig3_alone_vs_grid);
    int rc = nso_cunit_run("test_reliab");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "test_reliab: could not remove %s\n", dir);
    return rc;
}
