/* opt_state.c - save and restore a whole optimizer run (optimizer.h):
 * type, parameters, step, sample seed, composition options, the method's
 * state vector, the momentum buffer, the iterate and the random stream, in a
 * little-endian binary record closed by a 64-bit FNV-1a checksum of
 * everything before it.  A record that is truncated, corrupted or written by
 * another type / dimension / parameter set is refused with a message. */
#include "nso_error.h"
#include "optimizer.h"
#include <stdlib.h>
#include <string.h>

#define MAGIC "NSORUN02"

typedef struct {
    FILE *f;
    uint64_t h;
    int err;
} hio;

static void hmix(hio *io, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        io->h ^= c[i];
        io->h *= 1099511628211ULL;
    }
}
static void put(hio *io, const void *p, size_t n)
{
    if (io->err) return;
    if (n && fwrite(p, 1, n, io->f) != n) io->err = 1;
    hmix(io, p, n);
}
static void get(hio *io, void *p, size_t n)
{
    if (io->err) return;
    if (n && fread(p, 1, n, io->f) != n) {
        io->err = 1;
        return;
    }
    hmix(io, p, n);
}
static void put_u64(hio *io, uint64_t v) { put(io, &v, sizeof v); }
static uint64_t get_u64(hio *io)
{
    uint64_t v = 0;
    get(io, &v, sizeof v);
    return v;
}

int nso_opt_save(const nso_optimizer *o, const double *w, const gsl_rng *r, FILE *f)
{
    hio io = {f, 1469598103934665603ULL, 0};
    char name[32] = {0}, rname[32] = {0};
    strncpy(name, o->type->name, sizeof name - 1);
    put(&io, MAGIC, 8);
    put(&io, name, sizeof name);
    put_u64(&io, o->dim);
    put_u64(&io, o->type->nparams);
    put(&io, o->vals, o->type->nparams * sizeof(double));
    put_u64(&io, o->step);
    put_u64(&io, o->sample_seed);
    put(&io, &o->hb_mu, sizeof(double));
    put(&io, &o->wd, sizeof(double));
    uint64_t sl = o->type->state_len ? o->type->state_len(o->state) : 0;
    put_u64(&io, sl);
    if (sl) {
        double *buf = malloc(sl * sizeof(double));
        if (!buf) NSO_ERROR("out of memory", NSO_ENOMEM);
        o->type->state_get(o->state, buf);
        put(&io, buf, sl * sizeof(double));
        free(buf);
    }
    put_u64(&io, o->vel ? 1 : 0);
    if (o->vel) put(&io, o->vel, o->dim * sizeof(double));
    put(&io, w, o->dim * sizeof(double));
    put_u64(&io, r ? 1 : 0);
    if (r) {
        strncpy(rname, gsl_rng_name(r), sizeof rname - 1);
        put(&io, rname, sizeof rname);
        put_u64(&io, gsl_rng_size(r));
        put(&io, gsl_rng_state(r), gsl_rng_size(r));
    }
    uint64_t h = io.h;
    put(&io, &h, sizeof h);
    if (io.err) NSO_ERROR("cannot write optimizer state", NSO_EIO);
    return NSO_OK;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(msg, len, __VA_ARGS__);                                                           \
        free(buf);                                                                                 \
        return NSO_EFORMAT;                                                                        \
    } while (0)

int nso_opt_load(nso_optimizer *o, double *w, gsl_rng *r, FILE *f, char *msg, size_t len)
{
    hio io = {f, 1469598103934665603ULL, 0};
    char magic[8], name[32], rname[32];
    double *buf = NULL, vals[NSO_MAX_PARAMS], mu, wd;
    get(&io, magic, 8);
    if (io.err) FAIL("state record truncated");
    if (memcmp(magic, MAGIC, 8) != 0) FAIL("not an optimizer state record (bad magic)");
    get(&io, name, sizeof name);
    name[31] = 0;
    if (io.err) FAIL("state record truncated");
    if (strcmp(name, o->type->name) != 0)
        FAIL("state was written by method '%s', not '%s'", name, o->type->name);
    uint64_t dim = get_u64(&io), np = get_u64(&io);
    if (io.err) FAIL("state record truncated");
    if (dim != o->dim) FAIL("state has dimension %llu, expected %zu", (unsigned long long)dim, o->dim);
    if (np != o->type->nparams) FAIL("state has %llu parameters, expected %zu", (unsigned long long)np, o->type->nparams);
    get(&io, vals, np * sizeof(double));
    if (io.err) FAIL("state record truncated");
    for (size_t i = 0; i < np; i++)
        if (memcmp(&vals[i], &o->vals[i], sizeof(double)) != 0)
            FAIL("state has %s = %g, this run has %g", o->type->params[i].name, vals[i], o->vals[i]);
    uint64_t step = get_u64(&io), sseed = get_u64(&io);
    get(&io, &mu, sizeof mu);
    get(&io, &wd, sizeof wd);
    if (io.err) FAIL("state record truncated");
    if (memcmp(&mu, &o->hb_mu, sizeof mu) || memcmp(&wd, &o->wd, sizeof wd))
        FAIL("state has momentum %g / weight decay %g, this run %g / %g", mu, wd, o->hb_mu, o->wd);
    uint64_t sl = get_u64(&io), want = o->type->state_len ? o->type->state_len(o->state) : 0;
    if (io.err) FAIL("state record truncated");
    if (sl != want) FAIL("state vector has %llu entries, expected %llu", (unsigned long long)sl, (unsigned long long)want);
    if (sl) {
        buf = malloc(sl * sizeof(double));
        if (!buf) FAIL("out of memory");
        get(&io, buf, sl * sizeof(double));
    }
    uint64_t hv = get_u64(&io);
    if (io.err) FAIL("state record truncated");
    if (hv != (o->vel ? 1u : 0u)) FAIL("momentum buffer presence differs");
    double *vel = NULL;
    if (hv) {
        vel = malloc(o->dim * sizeof(double));
        if (!vel) FAIL("out of memory");
        get(&io, vel, o->dim * sizeof(double));
    }
    double *wt = malloc(o->dim * sizeof(double));
    if (!wt) {
        free(vel);
        FAIL("out of memory");
    }
    get(&io, wt, o->dim * sizeof(double));
    uint64_t hr = get_u64(&io);
    void *rs = NULL;
    if (!io.err && hr != (r ? 1u : 0u)) {
        free(vel);
        free(wt);
        FAIL("random-stream presence differs");
    }
    if (hr && !io.err) {
        get(&io, rname, sizeof rname);
        rname[31] = 0;
        uint64_t rsz = get_u64(&io);
        if (io.err || strcmp(rname, gsl_rng_name(r)) != 0 || rsz != gsl_rng_size(r)) {
            free(vel);
            free(wt);
            if (io.err) FAIL("state record truncated");
            FAIL("random stream type or size differs");
        }
        rs = malloc(rsz);
        if (!rs) {
            free(vel);
            free(wt);
            FAIL("out of memory");
        }
        get(&io, rs, rsz);
    }
    uint64_t h = io.h, stored = 0;
    if (!io.err && fread(&stored, sizeof stored, 1, f) != 1) io.err = 1;
    if (io.err || stored != h) {
        free(vel);
        free(wt);
        free(rs);
        FAIL(io.err ? "state record truncated" : "state record checksum mismatch (corrupted)");
    }
    /* everything read and verified: commit */
    o->step = step;
    o->sample_seed = sseed;
    if (sl) o->type->state_set(o->state, buf);
    if (vel) memcpy(o->vel, vel, o->dim * sizeof(double));
    memcpy(w, wt, o->dim * sizeof(double));
    if (rs) memcpy(gsl_rng_state(r), rs, gsl_rng_size(r));
    free(vel);
    free(wt);
    free(rs);
    free(buf);
    return NSO_OK;
}
