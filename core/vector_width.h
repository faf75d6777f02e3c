// The width of one vector register as the compiler targets it: -march=native picks the
// widest the processor has. The matrix-product kernel sizes its register tile from it
// (core/gemm.cpp), and ./bench its peak-measuring loop.
#pragma once

namespace charnn {

#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;  // AVX-512: 16 floats
#elif defined(__AVX__)
constexpr int kVectorBytes = 32;  // AVX, AVX2: 8 floats
#else
constexpr int kVectorBytes = 16;  // SSE, NEON: 4 floats
#endif

}  // namespace charnn
