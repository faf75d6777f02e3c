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
// (core/fast/gemm.cpp), so the rearranging happens once per sequence instead of once per step.
//
// `beta` is 0 to overwrite C or 1 to add to it (backward passes accumulate gradients).
// docs/performance.md explains the routine and measures it.
#pragma once

#include "core/fast/gemm.h"
#include "core/matrix.h"

namespace charnn {

// C (M,N) = A (M,K) · B (N,K)ᵀ + beta · C
template <class S>
void matmul_ABt(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.cols && C.rows == A.rows && C.cols == B.rows, "matmul_ABt");
  fast::gemm<S>({A.data, A.stride, false}, {B.data, B.stride, true}, C.rows, C.cols, A.cols, beta,
                C.data, C.stride);
}

// C (M,N) = A (M,K) · B (K,N) + beta · C
template <class S>
void matmul_AB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.rows && C.rows == A.rows && C.cols == B.cols, "matmul_AB");
  fast::gemm<S>({A.data, A.stride, false}, {B.data, B.stride, false}, C.rows, C.cols, A.cols, beta,
                C.data, C.stride);
}

// C (M,N) = A (K,M)ᵀ · B (K,N) + beta · C
template <class S>
void matmul_AtB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.rows == B.rows && C.rows == A.cols && C.cols == B.cols, "matmul_AtB");
  fast::gemm<S>({A.data, A.stride, true}, {B.data, B.stride, false}, C.rows, C.cols, A.rows, beta,
                C.data, C.stride);
}

// A matrix B kept packed for the right-hand side of many products: of A Bᵀ when packed by
// pack_for_ABt, of A B when packed by pack_for_AB.
template <class S>
class PackedMatrix {
 public:
  // Packs B (N,K) for matmul_ABt(A, *this, ...), or B (K,N) for matmul_AB(A, *this, ...).
  // Packing the same shape again allocates nothing.
  void pack_for_ABt(CMat<S> B) { pack(B, true); }
  void pack_for_AB(CMat<S> B) { pack(B, false); }
  bool for_ABt() const { return transposed_; }
  const fast::PackedOperand<S>& packed() const { return packed_; }

 private:
  void pack(CMat<S> B, bool transposed) {
    transposed_ = transposed;
    packed_.pack({B.data, B.stride, transposed}, transposed ? B.cols : B.rows,
                 transposed ? B.rows : B.cols);
  }
  fast::PackedOperand<S> packed_;
  bool transposed_ = false;
};

// C (M,N) = A (M,K) · B (N,K)ᵀ + beta · C, B packed by pack_for_ABt
template <class S>
void matmul_ABt(CMat<S> A, const PackedMatrix<S>& B, S beta, Mat<S> C) {
  const fast::PackedOperand<S>& op = B.packed();
  check_shape(B.for_ABt() && A.cols == op.rows() && C.rows == A.rows && C.cols == op.cols(),
              "matmul_ABt (packed)");
  fast::gemm<S>({A.data, A.stride, false}, op, C.rows, beta, C.data, C.stride);
}

// C (M,N) = A (M,K) · B (K,N) + beta · C, B packed by pack_for_AB
template <class S>
void matmul_AB(CMat<S> A, const PackedMatrix<S>& B, S beta, Mat<S> C) {
  const fast::PackedOperand<S>& op = B.packed();
  check_shape(!B.for_ABt() && A.cols == op.rows() && C.rows == A.rows && C.cols == op.cols(),
              "matmul_AB (packed)");
  fast::gemm<S>({A.data, A.stride, false}, op, C.rows, beta, C.data, C.stride);
}

}  // namespace charnn
