/* rng.c - named, seeded random streams (see rng.h). */
#include "rng.h"
#include "nso_error.h"

uint64_t nso_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t nso_hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return nso_mix64(h);
}

uint64_t nso_stream_id(uint64_t seed, const char *name, uint64_t index)
{
    uint64_t h = nso_mix64(nso_mix64(seed) ^ nso_hash_str(name));
    return nso_mix64(h ^ nso_mix64(index + 0x51ed27ULL));
}

static unsigned long stream_seed(uint64_t seed, const char *name, uint64_t index)
{
    uint64_t h = nso_stream_id(seed, name, index);
    unsigned long s = (unsigned long)(h & 0xffffffffUL);
    return s ? s : 4357UL; /* mt19937 treats 0 as its default seed */
}

void nso_rng_reseed(gsl_rng *r, uint64_t seed, const char *name, uint64_t index)
{
    gsl_rng_set(r, stream_seed(seed, name, index));
}

gsl_rng *nso_rng_indexed(uint64_t seed, const char *name, uint64_t index)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) nso_die("out of memory allocating a random stream");
    nso_rng_reseed(r, seed, name, index);
    return r;
}

gsl_rng *nso_rng_named(uint64_t seed, const char *name)
{
    return nso_rng_indexed(seed, name, 0);
}
