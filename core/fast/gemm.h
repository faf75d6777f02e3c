// How the products of core/gemm.h are computed, on plain row-major arrays: the cache-blocked
// routine of core/fast/gemm.cpp. The models never call it directly; they call the forms of
// core/gemm.h (matmul_ABt, matmul_AB, matmul_AtB), which check the shapes and come here.
#pragma once

#include <vector>

namespace charnn::fast {

// op(X) for a row-major array X whose rows are `stride` elements apart: X itself, or Xᵀ.
template <class S>
struct Operand {
  const S* data;
  int stride;
  bool transposed;
};

// C (M,N) = op(A) (M,K) · op(B) (K,N) + beta·C, C row-major with rows ldc elements apart.
// beta is 0 (overwrite C) or 1 (add to it).
template <class S>
void gemm(Operand<S> A, Operand<S> B, int M, int N, int K, S beta, S* C, int ldc);

// op(B) (K,N), rearranged once the way gemm reads its right-hand operand, for many products.
template <class S>
class PackedOperand {
 public:
  // Reuses the storage of the previous pack: the same shape again allocates nothing.
  void pack(Operand<S> B, int K, int N);
  int rows() const { return K_; }  // K
  int cols() const { return N_; }  // N
  const S* data() const { return data_.data(); }

 private:
  std::vector<S> data_;
  int K_ = 0, N_ = 0;
};

// C (M,N) = op(A) (M,K) · B (K,N) + beta·C, with B packed beforehand.
template <class S>
void gemm(Operand<S> A, const PackedOperand<S>& B, int M, S beta, S* C, int ldc);

}  // namespace charnn::fast
