/* replay.c - runs the fuzz targets' corpora and saved crash regressions
 * (tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET) through the parsers, without
 * libFuzzer, so CI checks them with the ordinary (and the ASan) build.
 * Exit status 1 if a directory is missing; a crash is a test failure. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_idx(const uint8_t *, size_t);
int fuzz_json(const uint8_t *, size_t);
int fuzz_safetensors(const uint8_t *, size_t);
int fuzz_brown(const uint8_t *, size_t);
int fuzz_csv(const uint8_t *, size_t);
int fuzz_ckpt(const uint8_t *, size_t);
int fuzz_graphs(const uint8_t *, size_t);

static int run_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4500];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        FILE *f = fopen(p, "rb");
        if (!f) continue;
        uint8_t *b = malloc(1 << 22);
        size_t len = fread(b, 1, 1 << 22, f);
        fclose(f);
        fn(b, len);
        free(b);
        n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "tests/fuzz";
    const char *names[7] = {"idx", "json", "safetensors", "brown", "csv", "ckpt", "graphs"};
    int (*fns[7])(const uint8_t *, size_t) = {fuzz_idx,  fuzz_json, fuzz_safetensors, fuzz_brown,
                                              fuzz_csv, fuzz_ckpt, fuzz_graphs};
    int total = 0, bad = 0;
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 2; k++) {
            char dir[4000];
            snprintf(dir, sizeof dir, "%s/%s/%s", root, k ? "regressions" : "corpus", names[i]);
            int n = run_dir(dir, fns[i]);
            if (n < 0) {
                fprintf(stderr, "fuzz_replay: missing %s\n", dir);
                bad = 1;
            } else
                total += n;
        }
    printf("fuzz_replay: %d inputs replayed without a crash\n", total);
    return bad;
}
