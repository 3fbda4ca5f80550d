/* test_ft_run.c - CUnit tests of the fine-tuning job program ft_run (ISSUE 8)
 * and its library pieces: the Theorem 2.2 arithmetic (ft/thm22.c) against a
 * hand computation, SHA-256 against the FIPS 180-4 examples, and, when the
 * Fashion-MNIST files are installed, end-to-end runs of the program on a tiny
 * real subset: a source model, then fine-tuning on fashion59-1000 (200
 * training images): accuracy above chance, the result file parses with
 * nso_table_read and has every key of the contract (docs/ft_results.md), the
 * same seed gives a byte-identical file, L2-SP pulls W towards W_0, bad input
 * exits 2 with one line and no file.  Tolerances next to each check. */
#include "../cunit_run.h"
#include "augment.h"
#include "io.h"
#include "nn.h"
#include "nn_objective.h"
#include "nso_error.h"
#include "rng.h"
#include "run.h"
#include "safetensors.h"
#include "tasks.h"
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FT_RUN_BIN
#define FT_RUN_BIN "build/bin/ft_run"
#endif

#define CHECK_CLOSE(a, b, tol)                                                               \
    do {                                                                                     \
        double a_ = (a), b_ = (b);                                                           \
        if (!(fabs(a_ - b_) <= (tol)))                                                       \
            fprintf(stderr, "\n  %s:%d: %s = %.12g, expected %.12g +- %.3g\n", __FILE__,     \
                    __LINE__, #a, a_, b_, (double)(tol));                                    \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                   \
    } while (0)

/* ---------------------------------------------------------- Theorem 2.2 */
/* Hand computation: L = 0.1, C = 2, alpha = 50, r = 4, n = 200, beta = 0.5,
 * delta = 0.05.
 *   leading = sqrt(2 * 50 * 16 / 200) = sqrt(8)
 *   sigma^2 = r / (1 - beta) * sqrt(C / (alpha n)) = 8 sqrt(2e-4) = 0.08 sqrt(2)
 *   KL      = r^2 / (2 sigma^2) = 16 / (0.16 sqrt 2) = 50 sqrt(2)
 *   bound   = L / beta                                    = 0.2
 *           + (1 - beta) / beta * sigma^2 alpha / 2       = 25 * 0.08 sqrt 2 = 2 sqrt 2
 *           + C (KL + ln 20) / (2 beta (1 - beta) n)      = (100 sqrt 2 + 2 ln 20) / 100
 *           = 0.2 + 3 sqrt(2) + 0.02 ln 20 = 4.50255533259... */
static void test_thm22_hand(void)
{
    ft_thm22_in in = {0.1, 2, 50, 4, 200, 0.5, 0.05};
    ft_thm22_out o;
    char msg[200];
    CU_ASSERT_EQUAL_FATAL(ft_thm22(&in, &o, msg, sizeof msg), FT_OK);
    CHECK_CLOSE(o.leading, sqrt(8.0), 1e-14);
    CHECK_CLOSE(o.sigma2, 0.08 * sqrt(2.0), 1e-15);
    CHECK_CLOSE(o.kl, 50 * sqrt(2.0), 1e-12);
    CHECK_CLOSE(o.bound, 0.2 + 3 * sqrt(2.0) + 0.02 * log(20.0), 1e-13);
    CHECK_CLOSE(o.bound, 4.502555332590365, 1e-12); /* the decimal of the line above */
    /* the paper's simplification: the two sigma terms = 3/(4 beta) * leading <= leading / beta */
    CHECK_CLOSE(o.bound - 0.2 - 0.02 * log(20.0), 3.0 / (4 * 0.5) * o.leading, 1e-13);
    /* r = 0: sigma = 0, both sigma terms vanish: 0.2 + 0.02 ln 20 */
    in.r = 0;
    CU_ASSERT_EQUAL_FATAL(ft_thm22(&in, &o, msg, sizeof msg), FT_OK);
    CHECK_CLOSE(o.bound, 0.2 + 0.02 * log(20.0), 1e-14);
    CHECK_CLOSE(o.leading, 0, 0);
    /* out of range */
    in.r = 4;
    in.alpha = -1;
    CU_ASSERT(ft_thm22(&in, &o, msg, sizeof msg) == FT_EINVAL && strstr(msg, "alpha") && isnan(o.bound));
    in.alpha = 50;
    in.beta = 1;
    CU_ASSERT(ft_thm22(&in, &o, msg, sizeof msg) == FT_EINVAL && strstr(msg, "beta"));
    in.beta = 0.5;
    in.delta = 0;
    CU_ASSERT(ft_thm22(&in, &o, msg, sizeof msg) == FT_EINVAL && strstr(msg, "delta"));
}

/* ---------------------------------------------------------------- SHA-256 */
static void hex(const uint8_t d[32], char h[65])
{
    for (int i = 0; i < 32; i++) snprintf(h + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180-4 / NIST CSRC examples: "", "abc", the 56-byte two-block message,
 * one million 'a' */
static void test_sha256(void)
{
    uint8_t d[32];
    char h[65];
    ft_sha256("", 0, d);
    hex(d, h);
    CU_ASSERT_STRING_EQUAL(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ft_sha256("abc", 3, d);
    hex(d, h);
    CU_ASSERT_STRING_EQUAL(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    ft_sha256(m, strlen(m), d);
    hex(d, h);
    CU_ASSERT_STRING_EQUAL(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *a = malloc(1000000);
    CU_ASSERT_FATAL(a != NULL);
    memset(a, 'a', 1000000);
    ft_sha256(a, 1000000, d);
    hex(d, h);
    CU_ASSERT_STRING_EQUAL(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* the file version agrees with the buffer version */
    char path[] = "/tmp/test_ft_run_shaXXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, a, 1000000) == 1000000);
    close(fd);
    char fh[65];
    CU_ASSERT(ft_sha256_file(path, fh) == 0 && strcmp(fh, h) == 0);
    unlink(path);
    CU_ASSERT(ft_sha256_file("/nonexistent/x", fh) == -1);
    free(a);
}

/* ----------------------------------------------------------- augmentation */
/* An 8x8 image whose content (distinct values) sits in the centre 4x4, so
 * every shift of up to 2 pixels keeps all of it.  Each augmented copy must be
 * exactly the reference translation (out(i, j) = in(i - dy, j - dx), computed
 * here independently) for one (dx, dy), or its mirror when flips are on; the
 * 25 shifts are uniform: 2000 copies, 80 expected each, binomial sd 8.8,
 * accepted [40, 130]; mirrors 1000 expected, sd 22, accepted [900, 1100]. */
static int matches(const float *o, const float *in, int dx, int dy, int mir)
{
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            int si = i - dy, sj = j - dx;
            float v = 0;
            if (si >= 0 && si < 8 && sj >= 0 && sj < 8) v = in[si * 8 + (mir ? 7 - sj : sj)];
            if (o[i * 8 + j] != v) return 0;
        }
    return 1;
}

static void test_augment_batch(void)
{
    enum { B = 2000 };
    static float x[B * 64], in[64], tmp[64];
    for (int i = 0; i < 64; i++) in[i] = 0;
    for (int i = 2; i < 6; i++)
        for (int j = 2; j < 6; j++) in[i * 8 + j] = (float)(1 + i * 8 + j);
    gsl_rng *r = nso_rng_named(4, "test/augment");
    for (int flip = 0; flip < 2; flip++) {
        for (int b = 0; b < B; b++) memcpy(x + b * 64, in, sizeof in);
        nn_augment_batch(x, B, 1, 8, 8, 2, flip, r, tmp);
        int cnt[2][5][5] = {{{0}}}, bad = 0, mirrors = 0;
        for (int b = 0; b < B; b++) {
            int found = 0;
            for (int m = 0; m <= flip && !found; m++)
                for (int dy = -2; dy <= 2 && !found; dy++)
                    for (int dx = -2; dx <= 2 && !found; dx++)
                        if (matches(x + b * 64, in, dx, dy, m)) {
                            cnt[m][dy + 2][dx + 2]++;
                            mirrors += m;
                            found = 1;
                        }
            bad += !found;
        }
        CU_ASSERT(bad == 0);
        for (int dy = 0; dy < 5; dy++)
            for (int dx = 0; dx < 5; dx++) {
                int c = cnt[0][dy][dx] + cnt[1][dy][dx];
                if (c < 40 || c > 130) fprintf(stderr, "\n  shift (%d, %d): %d of %d", dx - 2, dy - 2, c, B);
                CU_ASSERT(c >= 40 && c <= 130);
            }
        if (flip) {
            CU_ASSERT(mirrors >= 900 && mirrors <= 1100);
        } else {
            CU_ASSERT(mirrors == 0);
        }
    }
    /* shift 0, no flip: the identity; zero fill at the border: an all-ones
     * 4x4 image shifted by (dx, dy) keeps (4 - |dx|)(4 - |dy|) ones */
    for (int i = 0; i < 64; i++) x[i] = in[i];
    nn_augment_batch(x, 1, 1, 8, 8, 0, 0, r, tmp);
    CU_ASSERT(memcmp(x, in, sizeof in) == 0);
    float ones[16];
    for (int k = 0; k < 200; k++) {
        for (int i = 0; i < 16; i++) ones[i] = 1;
        nn_augment_batch(ones, 1, 1, 4, 4, 1, 0, r, tmp);
        double s = 0;
        for (int i = 0; i < 16; i++) s += ones[i];
        CU_ASSERT(s == 16 || s == 12 || s == 9); /* (dx, dy) = 0 / one of them 1 / both */
    }
    gsl_rng_free(r);
}

/* the objective's option: the same sample gives the same augmented gradient,
 * different from the plain one; bad shifts are refused */
static void test_objective_augment(void)
{
    nn_config cfg = {NN_ARCH_MLP, 2, 16, 1, 28, 28, 10, NN_ACT_RELU};
    char msg[256];
    gsl_rng *r = nso_rng_named(2, "test/augment_obj");
    nn_model_f32 *m = nn_model_create_f32(&cfg, 8, r, msg, sizeof msg);
    CU_ASSERT_FATAL(m != NULL);
    nn_dataset d = {64, 1, 28, 28, 10, malloc(64 * 784), malloc(64), NULL};
    CU_ASSERT_FATAL(d.pixels && d.labels);
    for (int i = 0; i < 64 * 784; i++) d.pixels[i] = (uint8_t)gsl_rng_uniform_int(r, 256);
    for (int i = 0; i < 64; i++) d.labels[i] = (uint8_t)(i % 10);
    nso_objective *o = nn_objective_create(m, &d, 8, msg, sizeof msg);
    CU_ASSERT_FATAL(o != NULL);
    size_t n = m->nparams;
    double *w = malloc(n * sizeof(double)), *g0 = malloc(n * sizeof(double)),
           *g1 = malloc(n * sizeof(double)), *g2 = malloc(n * sizeof(double));
    CU_ASSERT_FATAL(w && g0 && g1 && g2);
    for (size_t i = 0; i < n; i++) w[i] = m->params[i];
    nso_sample s = {1, 3, 0, 0};
    CU_ASSERT(nso_obj_sgrad(o, w, g0, &s) == NSO_OK);
    CU_ASSERT(nn_objective_set_augment(o, -1, 0) == NSO_EINVAL);
    CU_ASSERT(nn_objective_set_augment(o, 28, 0) == NSO_EINVAL);
    CU_ASSERT(nn_objective_set_augment(o, 2, 1) == NSO_OK);
    CU_ASSERT(nso_obj_sgrad(o, w, g1, &s) == NSO_OK);
    nso_sample s2 = {1, 4, 0, 0}; /* another batch in between: the cache is reloaded */
    CU_ASSERT(nso_obj_sgrad(o, w, g2, &s2) == NSO_OK);
    CU_ASSERT(nso_obj_sgrad(o, w, g2, &s) == NSO_OK);
    CU_ASSERT(memcmp(g1, g2, n * sizeof(double)) == 0);
    CU_ASSERT(memcmp(g0, g1, n * sizeof(double)) != 0);
    CU_ASSERT(nn_objective_set_augment(o, 0, 0) == NSO_OK); /* off again: the plain gradient */
    CU_ASSERT(nso_obj_sgrad(o, w, g2, &s) == NSO_OK);
    CU_ASSERT(memcmp(g0, g2, n * sizeof(double)) == 0);
    nso_obj_free(o);
    nn_model_free_f32(m);
    nn_dataset_free(&d);
    free(w);
    free(g0);
    free(g1);
    free(g2);
    gsl_rng_free(r);
}

/* ----------------------------------------------------------- end to end */
static char dir[256];
static int have_data;

/* run ft_run with args; stderr into dir/err; returns the exit status */
static int run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 %s %s >/dev/null 2>%s/err", FT_RUN_BIN, args, dir);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int err_lines(char *first, size_t len)
{
    char p[400];
    snprintf(p, sizeof p, "%s/err", dir);
    FILE *f = fopen(p, "r");
    if (!f) return -1;
    int n = 0, c, last = '\n';
    first[0] = 0;
    if (!fgets(first, (int)len, f)) first[0] = 0;
    rewind(f);
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') n++;
        last = c;
    }
    if (last != '\n') n++;
    fclose(f);
    return n;
}

static int same_file(const char *a, const char *b)
{
    FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
    int same = f && g;
    while (same) {
        int x = fgetc(f), y = fgetc(g);
        if (x != y) same = 0;
        if (x == EOF || y == EOF) break;
    }
    if (f) fclose(f);
    if (g) fclose(g);
    return same;
}

static double meta(const nso_table *t, const char *key)
{
    const char *v = nso_table_meta(t, key);
    return v ? strtod(v, NULL) : NAN;
}

/* the source model every end-to-end test starts from: 480 images, 6 epochs */
static int init_e2e(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_ft_run_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    have_data = access(NN_FASHION_DIR "/train-images-idx3-ubyte.gz", R_OK) == 0;
    if (!have_data) {
        fprintf(stderr, "\n  test_ft_run: Fashion-MNIST not installed, end-to-end tests skipped\n");
        return 0;
    }
    char a[1024];
    snprintf(a, sizeof a,
             "--task source --seed 0 --subset 480 --eval-n 300 --epochs 6 --lr 0.1 "
             "--save %s/src.safetensors --out %s/src.csv", dir, dir);
    if (run(a) != 0) {
        fprintf(stderr, "\n  test_ft_run: the source run failed\n");
        have_data = 0;
        return 1;
    }
    return 0;
}

static int clean_e2e(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}

static const char *header_keys[] = {"program", "params", "seed", "git", "task", "method", "setting",
                                    "tag", "lr", "epochs", "steps", "grads_per_step", "split", "source"};
static const char *final_keys[] = {"final.train_loss", "final.train_acc", "final.val_loss",
                                   "final.val_acc", "final.test_loss", "final.test_acc",
                                   "final.dist_w0", "final.measured", "final.gen_gap"};
static const char *measured_keys[] = {
    "final.trace", "final.trace_se", "final.trace_ci95", "final.trace_probes", "final.hess_n",
    "final.lambda1", "final.lanczos_steps", "final.alpha_train", "final.alpha_heldout",
    "final.alpha_probes", "final.alpha_n", "final.C", "final.n", "final.thm22_leading",
    "final.thm22_bound", "final.trace_deflated_k", "final.trace_exact_part"};

#define TARGET "--task fashion59-1000 --seed 3 --subset 200 --eval-n 200 --steps 48 --eval-every 4 --lr 0.05 " \
               "--source %s/src.safetensors"

static void test_e2e_source(void)
{
    if (!have_data) return;
    char p[400], msg[512];
    snprintf(p, sizeof p, "%s/src.csv", dir);
    nso_table_opts o = {"epoch,lr,train_loss,train_acc,test_loss,test_acc,train_eval_loss,trace", NULL, 6};
    nso_table *t = nso_table_read(p, &o, msg, sizeof msg);
    if (!t) fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "task"), "source");
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "source"), "none");
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "method"), "gd");
    CU_ASSERT(meta(t, "steps") == 6 * 15); /* 480 / 32 = 15 steps per epoch */
    CU_ASSERT(meta(t, "grads_per_step") == 1);
    /* the lr of epoch e: 0.1 until step 30, 0.01 until step 60, then 0.001 */
    CHECK_CLOSE(NSO_T(t, 0, 1), 0.1, 1e-15);
    CHECK_CLOSE(NSO_T(t, 2, 1), 0.01, 1e-15);
    CHECK_CLOSE(NSO_T(t, 5, 1), 0.001, 1e-15);
    /* 5 classes: chance 0.2; 300 test images give a standard error of ~0.03,
     * so 0.4 is far above chance */
    fprintf(stderr, "\n  source: test acc %.3f", meta(t, "final.test_acc"));
    CU_ASSERT(meta(t, "final.test_acc") > 0.4);
    nso_table_free(t);
}

static void test_e2e_target(void)
{
    if (!have_data) return;
    char a[2048], p[400], q[400], msg[512];
    const char *measure = "--measure --probes 8 --lanczos 4 --hess-n 32 --alpha-n 4 --alpha-probes 8";
    snprintf(p, sizeof p, "%s/nso.csv", dir);
    snprintf(q, sizeof q, "%s/nso_first.csv", dir);
    snprintf(a, sizeof a, TARGET " --opt nso --sigma 0.01 %s --save %s/nso.safetensors --out %s", dir,
             measure, dir, p);
    CU_ASSERT_EQUAL_FATAL(run(a), 0);
    CU_ASSERT_FATAL(rename(p, q) == 0);
    CU_ASSERT_EQUAL_FATAL(run(a), 0); /* the same command line, the same --out */
    CU_ASSERT(same_file(p, q)); /* same seed => byte-identical (no wall time in the file) */
    nso_table_opts o = {"epoch,lr,train_loss,train_acc,test_loss,test_acc,train_eval_loss,trace", NULL, 8};
    nso_table *t = nso_table_read(p, &o, msg, sizeof msg);
    if (!t) fprintf(stderr, "\n  %s\n", msg);
    CU_ASSERT_FATAL(t != NULL);
    for (size_t i = 0; i < sizeof header_keys / sizeof *header_keys; i++) {
        if (!nso_table_meta(t, header_keys[i])) fprintf(stderr, "\n  missing %s\n", header_keys[i]);
        CU_ASSERT(nso_table_meta(t, header_keys[i]) != NULL);
    }
    for (size_t i = 0; i < sizeof final_keys / sizeof *final_keys; i++)
        CU_ASSERT(isfinite(meta(t, final_keys[i])));
    for (size_t i = 0; i < sizeof measured_keys / sizeof *measured_keys; i++) {
        if (!isfinite(meta(t, measured_keys[i]))) fprintf(stderr, "\n  missing %s\n", measured_keys[i]);
        CU_ASSERT(isfinite(meta(t, measured_keys[i])));
    }
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "method"), "nso");
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "tag"), "sigma0.01");
    CU_ASSERT(strncmp(nso_table_meta(t, "setting"), "sigma=0.01 ", 11) == 0);
    CU_ASSERT(strstr(nso_table_meta(t, "source"), "sha256=") != NULL);
    CU_ASSERT(meta(t, "steps") == 48 && meta(t, "epochs") == 8); /* 200 / 32 = 6 per epoch */
    CU_ASSERT(meta(t, "grads_per_step") == 2);                    /* NSO k = 1: W+U and W-U */
    CU_ASSERT(meta(t, "final.measured") == 1 && meta(t, "final.trace_probes") == 8);
    CU_ASSERT(meta(t, "final.n") == 200 && meta(t, "final.hess_n") == 32);
    /* chance 0.2 on 5 classes; 200 test images: SE ~0.03 */
    fprintf(stderr, "\n  fine-tuned: train acc %.3f, test acc %.3f", meta(t, "final.train_acc"),
            meta(t, "final.test_acc"));
    CU_ASSERT(meta(t, "final.test_acc") > 0.4);
    /* test columns: nan except every 4th epoch */
    CU_ASSERT(isnan(NSO_T(t, 0, 4)) && isfinite(NSO_T(t, 3, 4)));
    CU_ASSERT(meta(t, "final.train_acc") > meta(t, "final.test_acc") - 0.1);
    /* internal consistency, exact up to the 9 printed digits */
    double tl = meta(t, "final.test_loss"), trl = meta(t, "final.train_loss");
    CHECK_CLOSE(meta(t, "final.gen_gap"), tl - trl, 1e-8 * (fabs(tl) + fabs(trl)));
    double C = meta(t, "final.C"), al = meta(t, "final.alpha_train"), r = meta(t, "final.dist_w0");
    CHECK_CLOSE(meta(t, "final.thm22_leading"), sqrt(C * al * r * r / 200), 1e-7 * sqrt(C * al * r * r / 200));
    CU_ASSERT(C >= trl);                /* the max per-example loss is >= the mean */
    CU_ASSERT(meta(t, "final.lambda1") > 0);
    CU_ASSERT(meta(t, "final.thm22_bound") > trl);
    /* the last row is evaluated, and its test columns equal the final ones;
     * its eval-mode training loss is the final one */
    CHECK_CLOSE(NSO_T(t, 7, 4), tl, 1e-8 * fabs(tl));
    CHECK_CLOSE(NSO_T(t, 7, 6), trl, 1e-8 * fabs(trl));
    /* the trace is the deflated estimator with a basis of --lanczos 4 vectors;
     * no per-epoch trace without --trace-every */
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "final.trace_method"), "deflated");
    CU_ASSERT(meta(t, "final.trace_deflated_k") == 4);
    for (int e = 0; e < 8; e++) CU_ASSERT(isnan(NSO_T(t, e, 7)));

    /* --trace-every 4: the trace at epochs 4 and 8 only, and measuring it
     * mid-training changes nothing else: every other column and every final
     * line are the same bits as the run without it */
    {
        char p3[400], a3[2048], m3[512];
        snprintf(p3, sizeof p3, "%s/nso_trace.csv", dir);
        snprintf(a3, sizeof a3, TARGET " --opt nso --sigma 0.01 %s --trace-every 4 --trace-probes 4 "
                 "--trace-lanczos 3 --out %s", dir, measure, p3);
        CU_ASSERT_EQUAL_FATAL(run(a3), 0);
        nso_table *t3 = nso_table_read(p3, &o, m3, sizeof m3);
        CU_ASSERT_FATAL(t3 != NULL);
        for (int e = 0; e < 8; e++) {
            for (int col = 0; col < 7; col++) {
                double x = NSO_T(t, e, col), y = NSO_T(t3, e, col);
                CU_ASSERT((isnan(x) && isnan(y)) || x == y);
            }
            CU_ASSERT(e % 4 == 3 ? NSO_T(t3, e, 7) > 0 : isnan(NSO_T(t3, e, 7)));
        }
        for (size_t i = 0; i < sizeof final_keys / sizeof *final_keys; i++)
            CU_ASSERT(meta(t, final_keys[i]) == meta(t3, final_keys[i]));
        for (size_t i = 0; i < sizeof measured_keys / sizeof *measured_keys; i++)
            CU_ASSERT(meta(t, measured_keys[i]) == meta(t3, measured_keys[i]));
        /* a loose sanity check: the last epoch's trace estimates the same
         * quantity as final.trace, from other and fewer probes */
        double tf = meta(t, "final.trace"), te = NSO_T(t3, 7, 7);
        CU_ASSERT(te > 0.2 * tf && te < 5 * tf);
        nso_table_free(t3);
    }

    /* independent recomputation from the saved model: the split rebuilt here,
     * one example per forward pass (eval-mode batch norm); the program used
     * chunks of 50, so float sums differ in order: relative tolerance 1e-4 */
    ft_split sp;
    char m2[512], ck[400];
    CU_ASSERT_FATAL(ft_task_load(ft_task_find("fashion59-1000"), 3, "data/cache", &sp, m2, sizeof m2) == FT_OK);
    snprintf(ck, sizeof ck, "%s/nso.safetensors", dir);
    nn_config cfg;
    CU_ASSERT_FATAL(nn_st_config(ck, &cfg, m2, sizeof m2) == 0);
    gsl_rng *ir = nso_rng_named(1, "test/reload");
    nn_model_f32 *m = nn_model_create_f32(&cfg, 1, ir, m2, sizeof m2);
    gsl_rng_free(ir);
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT_FATAL(nn_st_load(ck, m, NULL, m2, sizeof m2) == 0);
    m->bn_mode = NN_BN_EVAL;
    double mx = -INFINITY, sum = 0;
    float xb[784];
    for (int i = 0; i < 200; i++) {
        uint8_t y;
        nn_dataset_batch(&sp.train, &i, 1, xb, &y);
        double l = nn_loss_f32(m, xb, &y, 1, NULL);
        sum += l;
        mx = fmax(mx, l);
    }
    CHECK_CLOSE(C, mx, 1e-4 * mx);
    CHECK_CLOSE(trl, sum / 200, 1e-4 * trl);
    nn_model_free_f32(m);
    ft_split_free(&sp);
    nso_table_free(t);

    /* L2-SP: lambda ||W - W_0||^2 on the backbone pulls W towards W_0 */
    double d[2];
    for (int k = 0; k < 2; k++) {
        snprintf(p, sizeof p, "%s/l2sp%d.csv", dir, k);
        snprintf(a, sizeof a, TARGET " --l2sp %s --out %s", dir, k ? "5" : "0", p);
        CU_ASSERT_EQUAL_FATAL(run(a), 0);
        t = nso_table_read(p, NULL, msg, sizeof msg);
        CU_ASSERT_FATAL(t != NULL);
        d[k] = meta(t, "final.dist_w0");
        if (k) {
            CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "tag"), "l2sp5");
            CU_ASSERT(strstr(nso_table_meta(t, "setting"), "l2sp=5") != NULL);
        } else
            CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "tag"), "base");
        nso_table_free(t);
    }
    CU_ASSERT(d[1] < 0.9 * d[0]);

    /* a method flag (--no-negative) is named in the tag */
    snprintf(p, sizeof p, "%s/noneg.csv", dir);
    snprintf(a, sizeof a, TARGET " --opt nso --sigma 0.01 --no-negative --out %s", dir, p);
    CU_ASSERT_EQUAL_FATAL(run(a), 0);
    t = nso_table_read(p, NULL, msg, sizeof msg);
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "tag"), "sigma0.01-no-negative");
    nso_table_free(t);

    /* --augment: recorded in the setting and the tag, and it changes the run */
    snprintf(p, sizeof p, "%s/aug.csv", dir);
    snprintf(a, sizeof a, TARGET " --augment --out %s", dir, p);
    CU_ASSERT_EQUAL_FATAL(run(a), 0);
    t = nso_table_read(p, NULL, msg, sizeof msg);
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "tag"), "aug1");
    CU_ASSERT_STRING_EQUAL(nso_table_meta(t, "setting"), "aug=1");
    CU_ASSERT(meta(t, "final.dist_w0") != d[0]);
    nso_table_free(t);
}

/* bad input: exit 2, one line naming a flag, no result file */
static void test_e2e_errors(void)
{
    char a[2048], p[400], first[512];
    snprintf(p, sizeof p, "%s/bad.csv", dir);
    /* a checkpoint of the wrong architecture (an MLP) and a file that is none */
    char mlp[400], junk[400];
    snprintf(mlp, sizeof mlp, "%s/mlp.safetensors", dir);
    snprintf(junk, sizeof junk, "%s/junk.safetensors", dir);
    nn_config cfg = {NN_ARCH_MLP, 2, 16, 1, 28, 28, 5, NN_ACT_RELU};
    char msg[256];
    gsl_rng *r = nso_rng_named(1, "test/ft_run");
    nn_model_f32 *m = nn_model_create_f32(&cfg, 4, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT_FATAL(nn_st_save(mlp, m, msg, sizeof msg) == 0);
    nn_model_free_f32(m);
    FILE *f = fopen(junk, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("not a checkpoint\n", f);
    fclose(f);
    struct {
        const char *args, *flag;
    } cases[] = {
        {"--task nope", "--task"},
        {"--task mnist-200 --seed -1", "--seed"},
        {"--task fashion59-1000", "--source"},
        {"--task fashion59-1000 --source /nonexistent.safetensors", "--source"},
        {"--task fashion59-1000 --source @MLP@", "--source"},
        {"--task fashion59-1000 --source @JUNK@", "--source"},
        {"--task source", "--save"},
        {"--task fashion59-1000 --source @SRC@ --opt nope", "--opt"},
        {"--task fashion59-1000 --source @SRC@ --opt gd --sigma 0.01", "--sigma"},
        {"--task fashion59-1000 --source @SRC@ --opt nso --sigma -1", "--sigma"},
        {"--task fashion59-1000 --source @SRC@ --epochs 3 --steps 9", "--steps"},
        {"--task fashion59-1000 --source @SRC@ --subset 5000", "--subset"},
        {"--task fashion59-1000 --source @SRC@ --lr 0", "--lr"},
        {"--task fashion59-1000 --source @SRC@ --bogus 1", "--bogus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char args[1024];
        const char *s = cases[i].args;
        size_t u = 0;
        while (*s && u + 300 < sizeof args) {
            if (!strncmp(s, "@MLP@", 5)) u += (size_t)snprintf(args + u, sizeof args - u, "%s", mlp), s += 5;
            else if (!strncmp(s, "@JUNK@", 6)) u += (size_t)snprintf(args + u, sizeof args - u, "%s", junk), s += 6;
            else if (!strncmp(s, "@SRC@", 5)) u += (size_t)snprintf(args + u, sizeof args - u, "%s/src.safetensors", dir), s += 5;
            else args[u++] = *s++;
        }
        args[u] = 0;
        if (strstr(cases[i].args, "@SRC@") && !have_data) continue;
        snprintf(a, sizeof a, "%s --out %s", args, p);
        int rc = run(a), n = err_lines(first, sizeof first);
        int ok = rc == 2 && n == 1 && strncmp(first, "ft_run: ", 8) == 0 && strstr(first, cases[i].flag) &&
                 access(p, F_OK) != 0;
        if (!ok) fprintf(stderr, "\n  case '%s': exit %d, %d lines: %s", a, rc, n, first);
        CU_ASSERT(ok);
    }
    /* the output directory must exist */
    snprintf(a, sizeof a, "--task source --save %s/s.safetensors --out %s/nodir/r.csv", dir, dir);
    CU_ASSERT(run(a) == 2 && err_lines(first, sizeof first) == 1 && strstr(first, "--out"));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("ft_run_lib", NULL, NULL);
    CU_add_test(s, "Theorem 2.2 arithmetic vs a hand computation", test_thm22_hand);
    CU_add_test(s, "SHA-256 vs the FIPS 180-4 examples", test_sha256);
    CU_add_test(s, "augmentation: exact shifts and mirrors, uniform", test_augment_batch);
    CU_add_test(s, "objective option: augmented batches per sample", test_objective_augment);
    CU_pSuite e = CU_add_suite("ft_run_e2e", init_e2e, clean_e2e);
    CU_add_test(e, "source pretraining: result file, schedule, accuracy", test_e2e_source);
    CU_add_test(e, "fine-tuning: contract keys, determinism, accuracy, L2-SP", test_e2e_target);
    CU_add_test(e, "bad input: exit 2, one line, no file", test_e2e_errors);
    return nso_cunit_run("test_ft_run");
}
