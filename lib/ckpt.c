/* ckpt.c - checkpoints of several named optimizer runs (see ckpt.h). */
#define _POSIX_C_SOURCE 200809L
#include "ckpt.h"
#include "io.h"
#include "nso_error.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "NSOCKPT3"
#define FNV0 1469598103934665603ULL
#define MAX_FILE ((size_t)1 << 34) /* 16 GB: a larger "checkpoint" is not one of ours */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 1099511628211ULL;
    }
    return h;
}

typedef struct {
    FILE *f;
    uint64_t h;
    int err;
} hw;

static void put(hw *w, const void *p, size_t n)
{
    if (w->err || !n) return;
    if (fwrite(p, 1, n, w->f) != n) w->err = 1;
    w->h = fnv(w->h, p, n);
}

static void put_u64(hw *w, uint64_t v) { put(w, &v, sizeof v); }

int nso_ckpt_save(const char *path, uint64_t sig, uint64_t step, const nso_ckpt_run *runs, size_t n,
                  char *msg, size_t len)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (nso_tmp_register(tmp) != NSO_OK) {
        snprintf(msg, len, "cannot write '%s': too many temporary files", path);
        return NSO_EIO;
    }
    hw w = {fopen(tmp, "wb"), FNV0, 0};
    if (!w.f) {
        snprintf(msg, len, "cannot write '%s': %s", tmp, strerror(errno));
        nso_tmp_unregister(tmp);
        return NSO_EIO;
    }
    put(&w, MAGIC, 8);
    put_u64(&w, sig);
    put_u64(&w, step);
    put_u64(&w, n);
    for (size_t i = 0; i < n && !w.err; i++) {
        const nso_ckpt_run *u = &runs[i];
        char *rec = NULL;
        size_t rlen = 0;
        FILE *m = open_memstream(&rec, &rlen);
        if (!m) {
            w.err = 1;
            break;
        }
        int rc = nso_opt_save(u->o, u->w, u->r, m);
        uint64_t nx = u->nx;
        if (fwrite(&nx, sizeof nx, 1, m) != 1 || (nx && fwrite(u->x, sizeof(double), nx, m) != nx)) rc = NSO_EIO;
        if (fclose(m) != 0) rc = NSO_EIO;
        char name[NSO_CKPT_NAME] = {0};
        snprintf(name, sizeof name, "%s", u->name);
        if (rc == NSO_OK) {
            put(&w, name, sizeof name);
            put_u64(&w, rlen);
            put(&w, rec, rlen);
        } else
            w.err = 1;
        free(rec);
    }
    uint64_t h = w.h;
    put(&w, &h, sizeof h);
    int bad = w.err || ferror(w.f);
    if (fflush(w.f) != 0) bad = 1;
    if (fsync(fileno(w.f)) != 0 && errno != EINVAL) bad = 1;
    if (fclose(w.f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        snprintf(msg, len, "cannot write '%s': %s", path, errno ? strerror(errno) : "write error");
        unlink(tmp);
        nso_tmp_unregister(tmp);
        return NSO_EIO;
    }
    nso_tmp_unregister(tmp);
    return NSO_OK;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(msg, len, __VA_ARGS__);                                                           \
        goto fail;                                                                                 \
    } while (0)

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

int nso_ckpt_load_mem(const unsigned char *buf, size_t size, uint64_t sig, uint64_t *step,
                      nso_ckpt_run *runs, size_t n, char *msg, size_t len)
{
    const size_t head = 8 + 3 * 8;
    int *found = calloc(n ? n : 1, sizeof(int));
    if (!found) {
        snprintf(msg, len, "out of memory");
        return NSO_ENOMEM;
    }
    if (size < head + 8) FAIL("truncated (%zu bytes)", size);
    if (memcmp(buf, MAGIC, 8) != 0) FAIL("not a checkpoint of this version (bad magic)");
    if (fnv(FNV0, buf, size - 8) != get_u64(buf + size - 8)) FAIL("checksum mismatch (corrupted or truncated)");
    if (get_u64(buf + 8) != sig) FAIL("written with other parameters or another set of runs");
    *step = get_u64(buf + 16);
    uint64_t nrec = get_u64(buf + 24);
    size_t pos = head, end = size - 8;
    if (nrec > (end - pos) / (NSO_CKPT_NAME + 8)) FAIL("record count %llu does not fit the file", (unsigned long long)nrec);
    for (uint64_t k = 0; k < nrec; k++) {
        if (end - pos < NSO_CKPT_NAME + 8) FAIL("record %llu truncated", (unsigned long long)k);
        char name[NSO_CKPT_NAME];
        memcpy(name, buf + pos, NSO_CKPT_NAME);
        if (!memchr(name, 0, NSO_CKPT_NAME)) FAIL("record %llu: name not terminated", (unsigned long long)k);
        uint64_t rlen = get_u64(buf + pos + NSO_CKPT_NAME);
        pos += NSO_CKPT_NAME + 8;
        if (rlen > end - pos) FAIL("record '%s': %llu bytes past the end of the file", name, (unsigned long long)rlen);
        size_t i = 0;
        while (i < n && strcmp(runs[i].name, name) != 0) i++;
        if (i < n) {
            nso_ckpt_run *u = &runs[i];
            if (found[i]) FAIL("two records of run '%s'", name);
            found[i] = 1;
            if (rlen < 8) FAIL("record '%s' truncated", name);
            FILE *m = fmemopen((void *)(buf + pos), (size_t)rlen, "rb");
            if (!m) FAIL("cannot read record '%s' from memory", name);
            char omsg[256] = "";
            int rc = nso_opt_load(u->o, u->w, u->r, m, omsg, sizeof omsg);
            long used = ftell(m);
            fclose(m);
            if (rc != NSO_OK) FAIL("run '%s': %s", name, omsg);
            if (used < 0 || (uint64_t)used + 8 > rlen) FAIL("run '%s': record truncated after the optimizer state", name);
            uint64_t nx = get_u64(buf + pos + (size_t)used);
            if (nx > u->nx) FAIL("run '%s': %llu extra values, at most %zu expected", name, (unsigned long long)nx, u->nx);
            if ((uint64_t)used + 8 + nx * sizeof(double) != rlen)
                FAIL("run '%s': record length %llu does not match its contents", name, (unsigned long long)rlen);
            if (nx) memcpy(u->x, buf + pos + (size_t)used + 8, (size_t)nx * sizeof(double));
            u->nx = (size_t)nx;
        }
        pos += (size_t)rlen;
    }
    if (pos != end) FAIL("%zu bytes after the last record", end - pos);
    for (size_t i = 0; i < n; i++)
        if (!found[i]) FAIL("no record of run '%s'", runs[i].name);
    free(found);
    return NSO_OK;
fail:
    free(found);
    return NSO_EFORMAT;
}

int nso_ckpt_load(const char *path, uint64_t sig, uint64_t *step, nso_ckpt_run *runs, size_t n,
                  char *msg, size_t len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(msg, len, "cannot read '%s': %s", path, f ? "not a regular file" : strerror(errno));
        if (f) fclose(f);
        return NSO_EIO;
    }
    size_t size = (size_t)st.st_size;
    if (st.st_size < 0 || (size_t)st.st_size > MAX_FILE) {
        fclose(f);
        snprintf(msg, len, "'%s': %lld bytes is not a checkpoint", path, (long long)st.st_size);
        return NSO_EFORMAT;
    }
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) {
        fclose(f);
        snprintf(msg, len, "'%s': out of memory (%zu bytes)", path, size);
        return NSO_ENOMEM;
    }
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    if (got != size) {
        free(buf);
        snprintf(msg, len, "cannot read '%s': short read", path);
        return NSO_EIO;
    }
    char m2[512];
    int rc = nso_ckpt_load_mem(buf, size, sig, step, runs, n, m2, sizeof m2);
    if (rc != NSO_OK) snprintf(msg, len, "'%s': %s", path, m2);
    free(buf);
    return rc;
}
