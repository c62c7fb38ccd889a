// The plugin ABI fingerprint: the build settings that must agree between the
// nfalab binary and a plugin (.so) loaded into it.
//
// Eigen's alignment and vectorisation settings are part of its ABI: a plugin
// built without the binary's -march flags allocates Eigen matrices with one
// alignment scheme and the binary frees them with another ("double free or
// corruption"). Nothing at link or load time notices, so every registration
// macro (NFALAB_REGISTER_*) also embeds NFALAB_ABI_FINGERPRINT, the settings
// as a string, in the ELF section `.nfalab_abi` of the object it is compiled
// into. The loader (cli/plugin_loader.h) reads that section from the
// .so file and compares it with the binary's own fingerprint before dlopen,
// so no code of a mis-built plugin ever runs.
//
// The fingerprint is "nfalab-plugin-abi KEY=VALUE KEY=VALUE ...", with keys:
//   api                          NFALAB_PLUGIN_API_VERSION (below)
//   cplusplus                    __cplusplus (C++17: 201703L)
//   eigen                        Eigen's version
//   eigen_max_align_bytes        EIGEN_MAX_ALIGN_BYTES (16, 32 or 64 on x86)
//   eigen_max_static_align_bytes EIGEN_MAX_STATIC_ALIGN_BYTES
//   eigen_simd                   the EIGEN_VECTORIZE_* instruction sets
//   eigen_index                  EIGEN_DEFAULT_DENSE_INDEX_TYPE
//   eigen_use_blas               1 if EIGEN_USE_BLAS (OpenBLAS kernels)
//   ndebug                       1 if NDEBUG (assertions compiled out)
//   cxx11_abi                    _GLIBCXX_USE_CXX11_ABI (std::string layout)
#ifndef NFALAB_CORE_PLUGIN_ABI_H_
#define NFALAB_CORE_PLUGIN_ABI_H_

#include <Eigen/Core>

// Bumped whenever a plugin-visible interface (Activation, AlignmentMeasure,
// Optimizer, DatasetSource, Registry, BasicLayer, the metrics a plugin
// calls) changes incompatibly. 2: BasicLayer::uses_worker_threads,
// PtkOptions' cache_entries and threads, ComputeTangentFeatures' `ready`.
// 3: Registry entries carry an options example (core/plugin_options.h);
// OptimizerConfig, LayerSpec and DatasetConfig have `options`; activation
// and measure factories take their options (a google.protobuf.Any*).
// 4: AlignmentMeasure::NeedsInitialPtk and LayerContext::initial_ptk.
// 5: Optimizer's double Step and SupportsFloat64 (training.precision
// FLOAT64); LayerContext::weight_f64 and initial_weight_f64.
#define NFALAB_PLUGIN_API_VERSION 5

// The ELF section that holds the fingerprints.
#define NFALAB_ABI_SECTION ".nfalab_abi"

#define NFALAB_ABI_STR_INNER_(x) #x
#define NFALAB_ABI_STR_(x) NFALAB_ABI_STR_INNER_(x)

#ifdef NDEBUG
#define NFALAB_ABI_NDEBUG_ "1"
#else
#define NFALAB_ABI_NDEBUG_ "0"
#endif

#ifdef EIGEN_USE_BLAS
#define NFALAB_ABI_USE_BLAS_ "1"
#else
#define NFALAB_ABI_USE_BLAS_ "0"
#endif

#ifdef _GLIBCXX_USE_CXX11_ABI
#define NFALAB_ABI_CXX11_ABI_ NFALAB_ABI_STR_(_GLIBCXX_USE_CXX11_ABI)
#else
#define NFALAB_ABI_CXX11_ABI_ "none"
#endif

// One "+name" per instruction set Eigen vectorises with ("none" if none).
#ifdef EIGEN_VECTORIZE_SSE2
#define NFALAB_ABI_SSE2_ "+sse2"
#else
#define NFALAB_ABI_SSE2_ ""
#endif
#ifdef EIGEN_VECTORIZE_SSE4_2
#define NFALAB_ABI_SSE4_2_ "+sse4_2"
#else
#define NFALAB_ABI_SSE4_2_ ""
#endif
#ifdef EIGEN_VECTORIZE_AVX
#define NFALAB_ABI_AVX_ "+avx"
#else
#define NFALAB_ABI_AVX_ ""
#endif
#ifdef EIGEN_VECTORIZE_AVX2
#define NFALAB_ABI_AVX2_ "+avx2"
#else
#define NFALAB_ABI_AVX2_ ""
#endif
#ifdef EIGEN_VECTORIZE_FMA
#define NFALAB_ABI_FMA_ "+fma"
#else
#define NFALAB_ABI_FMA_ ""
#endif
#ifdef EIGEN_VECTORIZE_AVX512
#define NFALAB_ABI_AVX512_ "+avx512"
#else
#define NFALAB_ABI_AVX512_ ""
#endif
#ifdef EIGEN_VECTORIZE_AVX512DQ
#define NFALAB_ABI_AVX512DQ_ "+avx512dq"
#else
#define NFALAB_ABI_AVX512DQ_ ""
#endif
#ifdef EIGEN_VECTORIZE_NEON
#define NFALAB_ABI_NEON_ "+neon"
#else
#define NFALAB_ABI_NEON_ ""
#endif
#ifdef EIGEN_VECTORIZE
#define NFALAB_ABI_SIMD_                                            \
  "simd" NFALAB_ABI_SSE2_ NFALAB_ABI_SSE4_2_ NFALAB_ABI_AVX_        \
      NFALAB_ABI_AVX2_ NFALAB_ABI_FMA_ NFALAB_ABI_AVX512_           \
          NFALAB_ABI_AVX512DQ_ NFALAB_ABI_NEON_
#else
#define NFALAB_ABI_SIMD_ "none"
#endif

#define NFALAB_ABI_FINGERPRINT                                                \
  "nfalab-plugin-abi"                                                         \
  " api=" NFALAB_ABI_STR_(NFALAB_PLUGIN_API_VERSION)                          \
  " cplusplus=" NFALAB_ABI_STR_(__cplusplus)                                  \
  " eigen=" NFALAB_ABI_STR_(EIGEN_WORLD_VERSION) "." NFALAB_ABI_STR_(          \
      EIGEN_MAJOR_VERSION) "." NFALAB_ABI_STR_(EIGEN_MINOR_VERSION)           \
  " eigen_max_align_bytes=" NFALAB_ABI_STR_(EIGEN_MAX_ALIGN_BYTES)            \
  " eigen_max_static_align_bytes=" NFALAB_ABI_STR_(                           \
      EIGEN_MAX_STATIC_ALIGN_BYTES)                                           \
  " eigen_simd=" NFALAB_ABI_SIMD_                                             \
  " eigen_index=" NFALAB_ABI_STR_(EIGEN_DEFAULT_DENSE_INDEX_TYPE)             \
  " eigen_use_blas=" NFALAB_ABI_USE_BLAS_ " ndebug=" NFALAB_ABI_NDEBUG_       \
  " cxx11_abi=" NFALAB_ABI_CXX11_ABI_

// `retain` keeps the section through the linker's --gc-sections (Bazel's opt
// mode), `used` through the compiler.
#if defined(__has_attribute)
#if __has_attribute(retain)
#define NFALAB_ABI_RETAIN_ __attribute__((retain))
#endif
#endif
#ifndef NFALAB_ABI_RETAIN_
#define NFALAB_ABI_RETAIN_
#endif

// Defines a static char array `var` holding the fingerprint in the
// fingerprint section. Used by the registration macros (core/registry.h).
#define NFALAB_DEFINE_ABI_FINGERPRINT_(var)                        \
  __attribute__((section(NFALAB_ABI_SECTION), used)) NFALAB_ABI_RETAIN_ \
  static const char var[] = NFALAB_ABI_FINGERPRINT

#endif  // NFALAB_CORE_PLUGIN_ABI_H_
