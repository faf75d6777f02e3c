// The one matrix-multiply routine of the project, in the three forms the models need.
//
// Every weight is stored as in the equations: W has shape (out, in), so that one activation is
// W x. A batch holds B such vectors as the rows of a (B, in) matrix X, and W x for every row at
// once is X Wᵀ. Forward passes therefore call matmul_ABt; backward passes need the other two
// forms: the gradient with respect to the input, dX = dZ W (matmul_AB), and with respect to the
// weights, dW = dZᵀ X (matmul_AtB).
//
// `beta` is 0 to overwrite C or 1 to add to it (backward passes accumulate gradients).
#pragma once

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

}  // namespace charnn
