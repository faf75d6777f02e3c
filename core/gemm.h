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

namespace detail {
// C (M,N) = op(A) · op(B) + beta · C, op(X) being X or Xᵀ as told; the shapes checked by the
// caller.
template <class S>
void product(CMat<S> A, bool A_transposed, CMat<S> B, bool B_transposed, S beta, Mat<S> C) {
  fast::gemm<S>({A.data, A.stride, A_transposed}, {B.data, B.stride, B_transposed}, C.rows, C.cols,
                A_transposed ? A.rows : A.cols, beta, C.data, C.stride);
}
}  // namespace detail

// C (M,N) = A (M,K) · B (N,K)ᵀ + beta · C
template <class S>
void matmul_ABt(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.cols && C.rows == A.rows && C.cols == B.rows, "matmul_ABt");
  detail::product(A, false, B, true, beta, C);
}

// C (M,N) = A (M,K) · B (K,N) + beta · C
template <class S>
void matmul_AB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.rows && C.rows == A.rows && C.cols == B.cols, "matmul_AB");
  detail::product(A, false, B, false, beta, C);
}

// C (M,N) = A (K,M)ᵀ · B (K,N) + beta · C
template <class S>
void matmul_AtB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.rows == B.rows && C.rows == A.cols && C.cols == B.cols, "matmul_AtB");
  detail::product(A, true, B, false, beta, C);
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
  int rows() const { return packed_.rows(); }  // of the right-hand operand: K
  int cols() const { return packed_.cols(); }  // N

 private:
  template <class T>
  friend void matmul_ABt(CMat<T> A, const PackedMatrix<T>& B, T beta, Mat<T> C);
  template <class T>
  friend void matmul_AB(CMat<T> A, const PackedMatrix<T>& B, T beta, Mat<T> C);

  // C (M,N) = A (M,K) · (the packed operand) + beta · C
  void multiply(CMat<S> A, S beta, Mat<S> C) const {
    check_shape(A.cols == rows() && C.rows == A.rows && C.cols == cols(), "packed product");
    fast::gemm<S>({A.data, A.stride, false}, packed_, C.rows, beta, C.data, C.stride);
  }
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
  check_shape(B.for_ABt(), "matmul_ABt (B packed for matmul_AB)");
  B.multiply(A, beta, C);
}

// C (M,N) = A (M,K) · B (K,N) + beta · C, B packed by pack_for_AB
template <class S>
void matmul_AB(CMat<S> A, const PackedMatrix<S>& B, S beta, Mat<S> C) {
  check_shape(!B.for_ABt(), "matmul_AB (B packed for matmul_ABt)");
  B.multiply(A, beta, C);
}

}  // namespace charnn
