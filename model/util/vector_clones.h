// TPU_VECTOR_CLONES: compiles a hot loop several times, for x86-64-v4 (AVX-512), x86-64-v3 (AVX2)
// and the x86-64 baseline, and lets the loader pick the best the CPU has (GCC's target_clones, an
// ifunc). For integer loops whose 64-bit multiplies, shifts or clamps vectorize only with those
// extensions, or that gain from their wider vectors (the accumulators' 32-bit adds), which a
// portable build cannot assume. Integer arithmetic gives the same bits in every clone. Elsewhere (other compilers or
// CPUs) it expands to nothing.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TPU_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TPU_VECTOR_CLONES
#endif
