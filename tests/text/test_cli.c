/* test_cli.c - nn_cli's bad input for the transformer: one-line error naming
 * the flag, exit status 2, nothing written.  (The program is NN_BIN/nn_cli.) */
#include "nn.h"
#include "rng.h"
#include "safetensors.h"
#include "corpus.h"
#include "test_text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NN_BIN
#define NN_BIN "build/bin"
#endif

/* run nn_cli with args; 1 if it exits 2 with exactly one stderr line holding want */
static int bad(const char *args, const char *want)
{
    char cmd[2048], err[4096] = "", out[64];
    snprintf(out, sizeof out, "/tmp/test_cli_%d.out", (int)getpid());
    snprintf(cmd, sizeof cmd, "%s/nn_cli %s --out %s.st 2>%s >/dev/null", NN_BIN, args, out, out);
    int st = system(cmd);
    FILE *f = fopen(out, "r");
    size_t n = f ? fread(err, 1, sizeof err - 1, f) : 0;
    if (f) fclose(f);
    err[n] = 0;
    remove(out);
    char st_path[80];
    snprintf(st_path, sizeof st_path, "%s.st", out);
    int written = access(st_path, F_OK) == 0;
    remove(st_path);
    int lines = 0;
    for (size_t i = 0; i < n; i++) lines += err[i] == '\n';
    int ok = WIFEXITED(st) && WEXITSTATUS(st) == 2 && lines == 1 && strstr(err, want) && !written;
    if (!ok) printf("\n  nn_cli %s: status %d, stderr '%s' (wanted '%s')", args, st, err, want);
    return ok;
}

static void test_bad_flags(void)
{
    CU_ASSERT(bad("--cmd train --arch transformer --heads 3 --data brown",
                  "nn_cli: --heads: 3 attention heads do not divide the width 64"));
    CU_ASSERT(bad("--cmd train --arch transformer --hidden 48 --heads 5 --data brown", "--heads"));
    CU_ASSERT(bad("--cmd train --arch transformer --depth 9 --data brown",
                  "--depth: transformer layers must be in [1, 8], got 9"));
    CU_ASSERT(bad("--cmd train --arch transformer --hidden 2048 --data brown", "--hidden"));
    CU_ASSERT(bad("--cmd train --arch transformer --act tanh --data brown", "--act"));
    CU_ASSERT(bad("--cmd train --arch bert --data brown", "--arch: expected mlp, resnet, transformer, mlm (text) or gcn (graphs)"));
    CU_ASSERT(bad("--cmd train --arch transformer --data brown --cache /nonexistent", "--data:"));
}

/* a checkpoint whose position table (32) is shorter than the passages (64) */
static void test_position_table(void)
{
    if (access("data/cache/" NN_BROWN_FILE, R_OK)) {
        printf("\n  (skipped: data/cache/" NN_BROWN_FILE " missing; make text-data)");
        return;
    }
    nn_config c = {NN_ARCH_TRANSFORMER, 1, 8, NN_BROWN_VOCAB, 2, 32, 4, NN_ACT_GELU};
    char msg[200], path[64], args[300];
    snprintf(path, sizeof path, "/tmp/test_cli_%d.safetensors", (int)getpid());
    gsl_rng *r = nso_rng_named(1, "x");
    nn_model_f32 *m = nn_model_create_f32(&c, 1, r, msg, sizeof msg);
    gsl_rng_free(r);
    CU_ASSERT_FATAL(m && nn_st_save(path, m, msg, sizeof msg) == 0);
    snprintf(args, sizeof args, "--cmd eval --model %s --data brown", path);
    CU_ASSERT(bad(args, "--data: sequences of 64 tokens are longer than the model's position table (32)"));
    snprintf(args, sizeof args, "--cmd hessian --model %s --data brown --ntrain 100", path);
    CU_ASSERT(bad(args, "position table (32)"));
    snprintf(args, sizeof args, "--cmd eval --model %s --data fashion-test", path);
    CU_ASSERT(bad(args, "--data:"));
    remove(path);
    nn_model_free_f32(m);
}

void text_suite_cli(void)
{
    CU_pSuite s = CU_add_suite("text_cli", NULL, NULL);
    CU_add_test(s, "nn_cli --arch transformer: bad flags are one-line errors, exit 2", test_bad_flags);
    CU_add_test(s, "sequences longer than the position table are refused", test_position_table);
}
