/* rng.h - seeded GSL random-number streams.
 *
 * Every random quantity in the toolkit comes from a stream derived from the
 * user's --seed and a stream *name* ("data", "init", "nso/sigma=0.01", ...).
 * Streams are independent of one another and of creation order, so adding a
 * run to a sweep never changes another run's noise.
 */
#ifndef NSO_RNG_H
#define NSO_RNG_H
#include <gsl/gsl_rng.h>
#include <stdint.h>

/* splitmix64 finaliser: a bijective 64-bit mixer */
uint64_t nso_mix64(uint64_t x);
/* FNV-1a hash of a string, mixed */
uint64_t nso_hash_str(const char *s);
/* A new mt19937 generator for (seed, name).  Free with gsl_rng_free(). */
gsl_rng *nso_rng_named(uint64_t seed, const char *name);
/* Same, for (seed, name, index): e.g. one stream per Monte Carlo repetition. */
gsl_rng *nso_rng_indexed(uint64_t seed, const char *name, uint64_t index);
/* A 64-bit id of (seed, name, index), e.g. a run's oracle stream
 * (nso_optimizer.sample_seed): distinct arguments give distinct ids. */
uint64_t nso_stream_id(uint64_t seed, const char *name, uint64_t index);
/* Reseed an existing generator in place (no allocation). */
void nso_rng_reseed(gsl_rng *r, uint64_t seed, const char *name, uint64_t index);

#endif
