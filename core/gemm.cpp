// The matrix products, all three forms through one cache-blocked kernel.
//
// C (M,N) = op(A) (M,K) · op(B) (K,N) + beta·C is computed the way fast BLAS libraries do it,
// in portable C++ that the compiler vectorizes (-O3 -march=native):
//
//   1. Blocks: K is cut into slices of KC, N into blocks of NC, M into blocks of MC, so that a
//      slice of B (KC×NC) stays in the L2/L3 cache and a block of A (MC×KC) in L2 while they
//      are used many times.
//   2. Packing: each block is copied once into a contiguous buffer in exactly the order the
//      kernel reads it: A in panels of MR rows, B in panels of NR columns, each panel stored
//      k by k. Packing is also where the transposes disappear: op(A) and op(B) are read with
//      whatever strides they have, so the kernel only ever sees one layout.
//   3. The micro-kernel: an MR×NR tile of C lives in registers while k runs over the slice;
//      each step is one broadcast of an A value times a row of NR B values (fused multiply-adds
//      along a vector). This is where nearly all the time goes.
//
// docs/performance.md (to come) discusses the choices and their measured effect.
#include "core/gemm.h"

#include <algorithm>
#include <vector>

#include "core/parallel.h"

namespace charnn {

namespace {

constexpr int MR = 6;     // rows of the register tile
constexpr int KC = 256;   // depth of a packed slice
constexpr int MC = 96;    // rows of a packed block of A (a multiple of MR)
constexpr int NC = 2048;  // columns of a packed block of B (a multiple of NR)

// Columns of the register tile: two 64-byte vectors of S (32 floats or 16 doubles).
template <class S>
constexpr int NR = 128 / static_cast<int>(sizeof(S));

// op(X)(i, k) of a row-major view X, transposed or not.
template <class S>
struct Operand {
  const S* data;
  int stride;
  bool transposed;
  S at(int i, int k) const {
    return transposed ? data[static_cast<std::size_t>(k) * stride + i]
                      : data[static_cast<std::size_t>(i) * stride + k];
  }
};

// Packs op(A) rows [i0, i0+mc) × columns [k0, k0+kc) into panels of MR rows; a panel's
// element (r, k) lands at panel_start + k*MR + r. Rows past the edge are zero.
template <class S>
void pack_A(const Operand<S>& A, int i0, int mc, int k0, int kc, S* out) {
  for (int p = 0; p < mc; p += MR) {
    for (int r = 0; r < MR; ++r) {
      if (p + r < mc) {
        for (int k = 0; k < kc; ++k)
          out[k * MR + r] = A.at(i0 + p + r, k0 + k);
      } else {
        for (int k = 0; k < kc; ++k)
          out[k * MR + r] = S(0);
      }
    }
    out += static_cast<std::size_t>(kc) * MR;
  }
}

// Packs op(B) rows [k0, k0+kc) × columns [j0, j0+nc) into panels of NR columns; a panel's
// element (k, c) lands at panel_start + k*NR + c. Columns past the edge are zero.
template <class S>
void pack_B(const Operand<S>& B, int k0, int kc, int j0, int nc, S* out) {
  constexpr int nr = NR<S>;
  for (int p = 0; p < nc; p += nr) {
    const int width = std::min(nr, nc - p);
    if (!B.transposed) {  // rows of B are contiguous: copy row pieces
      for (int k = 0; k < kc; ++k) {
        const S* row = B.data + static_cast<std::size_t>(k0 + k) * B.stride + j0 + p;
        for (int c = 0; c < width; ++c)
          out[k * nr + c] = row[c];
        for (int c = width; c < nr; ++c)
          out[k * nr + c] = S(0);
      }
    } else {  // op(B)(k, j) = B.data[j][k]: walk each stored row along k
      for (int c = 0; c < nr; ++c) {
        if (c < width) {
          const S* col = B.data + static_cast<std::size_t>(j0 + p + c) * B.stride + k0;
          for (int k = 0; k < kc; ++k)
            out[k * nr + c] = col[k];
        } else {
          for (int k = 0; k < kc; ++k)
            out[k * nr + c] = S(0);
        }
      }
    }
    out += static_cast<std::size_t>(kc) * nr;
  }
}

// C tile (mr×nr of it valid) += packed A panel · packed B panel, over kc steps.
template <class S>
void micro_kernel(int kc, const S* __restrict a, const S* __restrict b, S* c, int ldc, int mr,
                  int nr_valid) {
  constexpr int nr = NR<S>;
  S acc[MR][nr] = {};
  for (int k = 0; k < kc; ++k) {
    const S* bk = b + k * nr;
    for (int r = 0; r < MR; ++r) {
      const S av = a[k * MR + r];
      for (int j = 0; j < nr; ++j)
        acc[r][j] += av * bk[j];
    }
  }
  for (int r = 0; r < mr; ++r) {
    S* crow = c + static_cast<std::size_t>(r) * ldc;
    for (int j = 0; j < nr_valid; ++j)
      crow[j] += acc[r][j];
  }
}

template <class S>
void scale(Mat<S> C, S beta) {
  if (beta == S(1)) return;
  for (int i = 0; i < C.rows; ++i) {
    S* c = C.row(i);
    for (int j = 0; j < C.cols; ++j)
      c[j] = beta == S(0) ? S(0) : beta * c[j];
  }
}

// The packing buffers, allocated once per thread and reused: no allocation after warm-up.
template <class S>
struct PackBuffers {
  std::vector<S> a, b;
};

template <class S>
PackBuffers<S>& pack_buffers() {
  thread_local PackBuffers<S> buffers;
  return buffers;
}

// One thread's share: columns [j_begin, j_end) of C.
template <class S>
void gemm_block(const Operand<S>& A, const Operand<S>& B, int M, int N, int K, Mat<S> C) {
  constexpr int nr = NR<S>;
  PackBuffers<S>& buf = pack_buffers<S>();
  const int nc_max = std::min(NC, (N + nr - 1) / nr * nr);
  const int mc_max = std::min(MC, (M + MR - 1) / MR * MR);
  buf.a.resize(static_cast<std::size_t>(mc_max) * KC);
  buf.b.resize(static_cast<std::size_t>(nc_max) * KC);
  for (int j0 = 0; j0 < N; j0 += NC) {
    const int nc = std::min(NC, N - j0);
    for (int k0 = 0; k0 < K; k0 += KC) {
      const int kc = std::min(KC, K - k0);
      pack_B(B, k0, kc, j0, nc, buf.b.data());
      for (int i0 = 0; i0 < M; i0 += MC) {
        const int mc = std::min(MC, M - i0);
        pack_A(A, i0, mc, k0, kc, buf.a.data());
        for (int jr = 0; jr < nc; jr += nr) {
          const S* b_panel = buf.b.data() + static_cast<std::size_t>(jr) * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            const S* a_panel = buf.a.data() + static_cast<std::size_t>(ir) * kc;
            micro_kernel(kc, a_panel, b_panel, C.row(i0 + ir) + j0 + jr, C.stride,
                         std::min(MR, mc - ir), std::min(nr, nc - jr));
          }
        }
      }
    }
  }
}

// Splits the columns of C over the threads when the product is big enough to be worth it.
// Every element of C is computed by the same operations in the same order whatever the split,
// so the result does not depend on the number of threads.
template <class S>
void gemm(const Operand<S>& A, const Operand<S>& B, int M, int N, int K, S beta, Mat<S> C) {
  scale(C, beta);
  if (M == 0 || N == 0 || K == 0) return;
  constexpr int nr = NR<S>;
  const double flops = 2.0 * M * N * K;
  int parts = std::min(thread_count(), (N + nr - 1) / nr);
  if (flops < 2e5) parts = 1;
  if (parts <= 1) {
    gemm_block(A, B, M, N, K, C);
    return;
  }
  const int panels = (N + nr - 1) / nr;
  parallel_for(parts, [&](int p) {
    const int j0 = panels * p / parts * nr;
    const int j1 = std::min(N, panels * (p + 1) / parts * nr);
    if (j0 >= j1) return;
    // op(B) restricted to columns [j0, j1): stored rows j0.. when transposed, else columns.
    Operand<S> Bp = B;
    Bp.data +=
        B.transposed ? static_cast<std::size_t>(j0) * B.stride : static_cast<std::size_t>(j0);
    gemm_block(A, Bp, M, j1 - j0, K, C.cols_view(j0, j1 - j0));
  });
}

}  // namespace

template <class S>
void matmul_ABt(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.cols && C.rows == A.rows && C.cols == B.rows, "matmul_ABt");
  gemm<S>({A.data, A.stride, false}, {B.data, B.stride, true}, C.rows, C.cols, A.cols, beta, C);
}

template <class S>
void matmul_AB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.cols == B.rows && C.rows == A.rows && C.cols == B.cols, "matmul_AB");
  gemm<S>({A.data, A.stride, false}, {B.data, B.stride, false}, C.rows, C.cols, A.cols, beta, C);
}

template <class S>
void matmul_AtB(CMat<S> A, CMat<S> B, S beta, Mat<S> C) {
  check_shape(A.rows == B.rows && C.rows == A.cols && C.cols == B.cols, "matmul_AtB");
  gemm<S>({A.data, A.stride, true}, {B.data, B.stride, false}, C.rows, C.cols, A.rows, beta, C);
}

template void matmul_ABt<float>(CMat<float>, CMat<float>, float, Mat<float>);
template void matmul_ABt<double>(CMat<double>, CMat<double>, double, Mat<double>);
template void matmul_AB<float>(CMat<float>, CMat<float>, float, Mat<float>);
template void matmul_AB<double>(CMat<double>, CMat<double>, double, Mat<double>);
template void matmul_AtB<float>(CMat<float>, CMat<float>, float, Mat<float>);
template void matmul_AtB<double>(CMat<double>, CMat<double>, double, Mat<double>);

}  // namespace charnn
