/* fuzz_ckpt.c - libFuzzer target for the checkpoint loader (lib/ckpt.h,
 * with nso_opt_load for each record): the runs of a sensing_fig3 checkpoint
 * with --d 2 --methods gd,nso --sigmas 0.01 (gd and nso_s0.01, dimension 4).
 * The signature is taken from the input, and when the first byte is odd the
 * trailing checksum is recomputed, so the parser behind the checksum is
 * reached too; the input from the second byte on is the file. */
#include "ckpt.h"
#include "rng.h"
#include <stdlib.h>
#include <string.h>

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nso_optimizer *o[2];
    static gsl_rng *r[2];
    static double w[2][4], x[2][4096];
    if (!o[0]) {
        char msg[256];
        nso_param_set ps;
        nso_params_clear(&ps);
        o[0] = nso_optimizer_alloc(nso_opt_gd, 4, &ps, NULL, msg, sizeof msg);
        nso_params_set(&ps, "sigma", 0.01);
        nso_params_set(&ps, "k", 1);
        o[1] = nso_optimizer_alloc(nso_opt_nso, 4, &ps, NULL, msg, sizeof msg);
        r[0] = nso_rng_named(1, "fig3/gd");
        r[1] = nso_rng_named(1, "fig3/nso_s0.01");
        if (!o[0] || !o[1]) abort();
    }
    if (size < 1) return 0;
    size_t n = size - 1;
    unsigned char *buf = malloc(n ? n : 1);
    memcpy(buf, data + 1, n);
    if ((data[0] & 1) && n >= 8) {
        uint64_t h = fnv(buf, n - 8);
        memcpy(buf + n - 8, &h, 8);
    }
    uint64_t sig = 0, step;
    if (n >= 16) memcpy(&sig, buf + 8, 8);
    nso_ckpt_run cr[2];
    const char *names[2] = {"gd", "nso_s0.01"};
    for (int i = 0; i < 2; i++) {
        memset(&cr[i], 0, sizeof cr[i]);
        strcpy(cr[i].name, names[i]);
        cr[i].o = o[i];
        cr[i].w = w[i];
        cr[i].r = r[i];
        cr[i].x = x[i];
        cr[i].nx = 4096;
    }
    char msg[512];
    nso_ckpt_load_mem(buf, n, sig, &step, cr, (data[0] & 2) ? 1 : 2, msg, sizeof msg);
    free(buf);
    return 0;
}
