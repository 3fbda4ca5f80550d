/* simd.c - which instruction-set variant of the engine's hand-blocked float
 * kernels runs (nn/conv_direct.c).  The build targets the baseline x86-64 ISA
 * (no -march=native); the kernels are compiled once per variant with a
 * function-level target attribute and chosen here at run time from the CPU's
 * features, so one binary runs everywhere and uses AVX2/FMA or AVX-512 where
 * the CPU has them.
 *
 * NN_SIMD=generic (or avx2, avx512) in the environment caps the choice; the
 * test suite runs once more with NN_SIMD=generic so the portable fallback is
 * exercised on machines that have the wide units.  A variant the CPU lacks is
 * never chosen, whatever the variable says. */
#include "nn_impl.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int cpu_level(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma"))
        return NN_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return NN_SIMD_AVX2;
#endif
    return NN_SIMD_GENERIC;
}

static int env_cap(void)
{
    const char *e = getenv("NN_SIMD");
    if (!e || !*e) return NN_SIMD_AVX512;
    if (!strcmp(e, "generic")) return NN_SIMD_GENERIC;
    if (!strcmp(e, "avx2")) return NN_SIMD_AVX2;
    return NN_SIMD_AVX512;
}

static atomic_int level = -1;

int nn_simd_level(void)
{
    int l = atomic_load_explicit(&level, memory_order_relaxed);
    if (l < 0) {
        int c = cpu_level(), e = env_cap();
        l = c < e ? c : e;
        atomic_store_explicit(&level, l, memory_order_relaxed);
    }
    return l;
}

const char *nn_simd_name(int level)
{
    return level == NN_SIMD_AVX512 ? "avx512" : level == NN_SIMD_AVX2 ? "avx2" : "generic";
}

int nn_simd_force(int l)
{
    int c = cpu_level();
    if (l > c) l = c;
    atomic_store_explicit(&level, l < 0 ? -1 : l, memory_order_relaxed);
    return l < 0 ? nn_simd_level() : l;
}
