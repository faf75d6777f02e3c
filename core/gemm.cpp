// The matrix products. Each form is written with the loop order that reads memory in the
// order it is stored: the innermost loop walks along a row of C and a row of one operand, so
// the compiler can vectorize it (-O3 -march=native).
#include "core/gemm.h"

namespace charnn {

namespace {

template <class S>
void scale(Mat<S> C, S beta) {
  if (beta == S(1)) return;
  if (beta == S(0)) {
    fill(C, S(0));
    return;
  }
  for (int i = 0; i < C.rows; ++i) {
    S* c = C.row(i);
    for (int j = 0; j < C.cols; ++j)
      c[j] *= beta;
  }
}

}  // namespace

template <class S>
void matmul_ABt(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.cols && C.rows == A.rows && C.cols == B.rows, "matmul_ABt");
  const int K = A.cols;
  for (int i = 0; i < C.rows; ++i) {
    const S* a = A.row(i);
    S* c = C.row(i);
    for (int j = 0; j < C.cols; ++j) {
      const S* b = B.row(j);
      S sum = 0;
      for (int k = 0; k < K; ++k)
        sum += a[k] * b[k];
      c[j] = (beta == S(0) ? S(0) : beta * c[j]) + sum;
    }
  }
}

template <class S>
void matmul_AB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.rows && C.rows == A.rows && C.cols == B.cols, "matmul_AB");
  scale(C, beta);
  for (int i = 0; i < C.rows; ++i) {
    const S* a = A.row(i);
    S* c = C.row(i);
    for (int k = 0; k < A.cols; ++k) {
      const S aik = a[k];
      const S* b = B.row(k);
      for (int j = 0; j < C.cols; ++j)
        c[j] += aik * b[j];
    }
  }
}

template <class S>
void matmul_AtB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.rows == B.rows && C.rows == A.cols && C.cols == B.cols, "matmul_AtB");
  scale(C, beta);
  for (int k = 0; k < A.rows; ++k) {
    const S* a = A.row(k);
    const S* b = B.row(k);
    for (int i = 0; i < C.rows; ++i) {
      const S aki = a[i];
      S* c = C.row(i);
      for (int j = 0; j < C.cols; ++j)
        c[j] += aki * b[j];
    }
  }
}

template void matmul_ABt<float>(CMat<float>, CMat<float>, float, Mat<float>);
template void matmul_ABt<double>(CMat<double>, CMat<double>, double, Mat<double>);
template void matmul_AB<float>(CMat<float>, CMat<float>, float, Mat<float>);
template void matmul_AB<double>(CMat<double>, CMat<double>, double, Mat<double>);
template void matmul_AtB<float>(CMat<float>, CMat<float>, float, Mat<float>);
template void matmul_AtB<double>(CMat<double>, CMat<double>, double, Mat<double>);

}  // namespace charnn
