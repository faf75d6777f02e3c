// The one matrix-multiply routine of the project, in the forms the models need.
//
// Every weight is stored as in the equations: W has shape (out, in), so that one activation is
// W x. A batch holds B such vectors as the rows of a (B, in) matrix X, and W x for every row at
// once is X Wᵀ. Forward passes therefore call matmul_ABt; backward passes need the other two
// forms: the gradient with respect to the input, dX = dZ W (matmul_AB), and with respect to the
// weights, dW = dZᵀ X (matmul_AtB).
//
// The recurrent weights are the right-hand operand of a small product at every time step. A
// PackedMatrix holds such an operand already rearranged the way the routine reads it
// (core/gemm.cpp), so the rearranging happens once per sequence instead of once per step.
//
// `beta` is 0 to overwrite C or 1 to add to it (backward passes accumulate gradients).
// docs/performance.md explains the routine and measures it.
#pragma once

#include <vector>

#include "core/matrix.h"

namespace charnn {

// C (M,N) = A (M,K) · B (N,K)ᵀ + beta · C
template <class S>
void matmul_ABt(CMat<S> A, CMat<S> B, S beta, Mat<S> C);

// C (M,N) = A (M,K) · B (K,N) + beta · C
template <class S>
void matmul_AB(CMat<S> A, CMat<S> B, S beta, Mat<S> C);

// C (M,N) = A (K,M)ᵀ · B (K,N) + beta · C
template <class S>
void matmul_AtB(CMat<S> A, CMat<S> B, S beta, Mat<S> C);

// A right-hand operand op(B) of shape (K,N), packed once and used for many products.
template <class S>
class PackedMatrix {
 public:
  // Packs op(B) = Bᵀ when `transposed` (B is (N,K)), else B itself (B is (K,N)). Reuses the
  // storage of the previous pack, so packing the same shape again allocates nothing.
  void pack(CMat<S> B, bool transposed);
  int rows() const { return K_; }  // K
  int cols() const { return N_; }  // N
  const S* data() const { return data_.data(); }

 private:
  std::vector<S> data_;
  int K_ = 0, N_ = 0;
};

// C (M,N) = A (M,K) · op(B) (K,N) + beta · C, with op(B) packed beforehand.
template <class S>
void matmul_packed(CMat<S> A, const PackedMatrix<S>& B, S beta, Mat<S> C);

}  // namespace charnn
