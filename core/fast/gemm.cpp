// The matrix products, every form through one cache-blocked kernel.
//
// C (M,N) = op(A) (M,K) · op(B) (K,N) + beta·C is computed the way fast BLAS libraries do it,
// in portable C++ whose inner loop is vector code by construction (core/fast/simd.h):
//
//   1. Blocks: K is cut into slices of KC, N into blocks of NC, M into blocks of MC, so that a
//      slice of B (KC×NC) stays in the L2/L3 cache and a block of A (MC×KC) in L2 while they
//      are used many times.
//   2. Packing: each block is copied once into a contiguous buffer in exactly the order the
//      kernel reads it: A in panels of MR rows, B in panels of NR columns, each panel stored
//      k by k. Packing is also where the transposes disappear: op(A) and op(B) are read with
//      whatever strides they have, so the kernel only ever sees one layout. A PackedMatrix is
//      op(B) packed this way in advance, every slice and panel of it.
//   3. The micro-kernel: an MR×NR tile of C lives in registers while k runs over the slice;
//      each step is one broadcast of an A value times a row of NR B values (fused multiply-adds
//      along a vector). This is where nearly all the time goes. The tile is sized to the
//      machine's vector registers: NR is two vectors wide (16 floats with AVX2, 32 with
//      AVX-512, 8 with SSE or NEON) and MR = 5 rows, so the 10 accumulator vectors, one B
//      vector and the 5 broadcast A values fit in the 16 registers of SSE and AVX2.
//
// Every element of C is summed in the same order (slice by slice, k ascending within a slice)
// whatever M and N are, however the work is split over threads, and whether op(B) was packed
// in advance or not. Results are therefore bit-identical across thread counts.
// docs/performance.md measures each of these choices.
#include "core/fast/gemm.h"

#include <algorithm>
#include <vector>

#include "core/fast/parallel.h"
#include "core/fast/simd.h"

namespace charnn::fast {

namespace {

// The register tile: MR rows × NV vectors. 5 × 2 is 10 accumulators, plus one vector of B and
// the 5 broadcast values of A: the 16 vector registers of SSE and AVX2 (AVX-512 and NEON have
// 32). Ten independent accumulators also cover the latency of the multiply-adds (4 or 5 cycles,
// two issued per cycle). docs/performance.md compares other shapes.
constexpr int MR = 5;
constexpr int NV = 2;
constexpr int KC = 256;   // depth of a packed slice
constexpr int MC = 120;   // rows of a packed block of A (a multiple of MR)
constexpr int NC = 2048;  // columns of a packed block of B (a multiple of NR for every width)

// Columns of the register tile: NV vectors of S.
template <class S>
constexpr int NR = kLanes<S>* NV;
static_assert(NC % NR<float> == 0 && NC % NR<double> == 0, "NC must be whole panels");

template <class S>
int round_up_nr(int n) {
  return (n + NR<S> - 1) / NR<S> * NR<S>;
}

// The address of op(X)(i, k).
template <class S>
const S* at(const Operand<S>& X, int i, int k) {
  return X.transposed ? X.data + static_cast<std::size_t>(k) * X.stride + i
                      : X.data + static_cast<std::size_t>(i) * X.stride + k;
}

// Packs op(A) rows [i0, i0+mc) × columns [k0, k0+kc) into panels of MR rows; a panel's
// element (r, k) lands at panel_start + k*MR + r. Rows past the edge are zero.
template <class S>
void pack_A(const Operand<S>& A, int i0, int mc, int k0, int kc, S* out) {
  for (int p = 0; p < mc; p += MR) {
    const int height = std::min(MR, mc - p);
    if (A.transposed) {  // op(A)(i, k) = A.data[k][i]: a panel's k-th column is contiguous
      for (int k = 0; k < kc; ++k) {
        const S* src = at(A, i0 + p, k0 + k);
        for (int r = 0; r < height; ++r)
          out[k * MR + r] = src[r];
        for (int r = height; r < MR; ++r)
          out[k * MR + r] = S(0);
      }
    } else {  // a panel's rows are contiguous: walk each along k
      for (int r = 0; r < MR; ++r) {
        if (r < height) {
          const S* src = at(A, i0 + p + r, k0);
          for (int k = 0; k < kc; ++k)
            out[k * MR + r] = src[k];
        } else {
          for (int k = 0; k < kc; ++k)
            out[k * MR + r] = S(0);
        }
      }
    }
    out += static_cast<std::size_t>(kc) * MR;
  }
}

// Packs op(B) rows [k0, k0+kc) × columns [j0, j0+nc) into panels of NR columns; a panel's
// element (k, c) lands at panel_start + k*NR + c, panel p at out + p*NR*kc. Columns past the
// edge are zero.
template <class S>
void pack_B(const Operand<S>& B, int k0, int kc, int j0, int nc, S* out) {
  constexpr int nr = NR<S>;
  for (int p = 0; p < nc; p += nr) {
    const int width = std::min(nr, nc - p);
    if (!B.transposed) {  // rows of B are contiguous: copy row pieces
      for (int k = 0; k < kc; ++k) {
        const S* src = at(B, k0 + k, j0 + p);
        for (int c = 0; c < width; ++c)
          out[k * nr + c] = src[c];
        for (int c = width; c < nr; ++c)
          out[k * nr + c] = S(0);
      }
    } else {  // op(B)(k, j) = B.data[j][k]: walk each stored row along k
      for (int c = 0; c < nr; ++c) {
        if (c < width) {
          const S* src = at(B, k0, j0 + p + c);
          for (int k = 0; k < kc; ++k)
            out[k * nr + c] = src[k];
        } else {
          for (int k = 0; k < kc; ++k)
            out[k * nr + c] = S(0);
        }
      }
    }
    out += static_cast<std::size_t>(kc) * nr;
  }
}

// C tile (Rows×nr_valid of it) += packed A panel · packed B panel, over kc steps.
//
// The tile is Rows (MR, or fewer at the bottom edge of C) rows of NV vectors (core/fast/simd.h):
// Rows·NV accumulators that stay in registers while k runs. Each step loads the B panel's row k
// one vector at a time and multiplies it by each of the Rows values of A's column k, broadcast
// to a whole vector. The loops over v and r have constant trip counts and are unrolled, so
// every acc[r][v] is a register of its own. It stays a function of its own (not inlined), so
// that its assembly can be read and checked (benchmark/portability.sh); one call per tile costs
// nothing beside the tile's kc steps.
template <class S, int Rows>
[[gnu::noinline]] void micro_kernel(int kc, const S* __restrict a, const S* __restrict b, S* c,
                                    int ldc, int nr_valid) {
  using V = Vec<S>;
  constexpr int W = kLanes<S>, nr = NR<S>;
  V acc[Rows][NV];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v)
      acc[r][v] = V(S(0));
  for (int k = 0; k < kc; ++k) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      const V bv = load(b + k * nr + v * W);  // one vector of the B panel's row k
#pragma GCC unroll 8
      for (int r = 0; r < Rows; ++r)
        acc[r][v] = mul_add(V(a[k * MR + r]), bv, acc[r][v]);  // broadcast A, multiply-add
    }
  }
  if (nr_valid == nr) {  // whole rows: add the accumulators to C vector by vector
    for (int r = 0; r < Rows; ++r) {
      S* crow = c + static_cast<std::size_t>(r) * ldc;
      for (int v = 0; v < NV; ++v)
        store(load(crow + v * W) + acc[r][v], crow + v * W);
    }
    return;
  }
  for (int r = 0; r < Rows; ++r) {  // the right edge of C: only the valid columns
    S row[nr];
    for (int v = 0; v < NV; ++v)
      store(acc[r][v], row + v * W);
    S* crow = c + static_cast<std::size_t>(r) * ldc;
    for (int j = 0; j < nr_valid; ++j)
      crow[j] += row[j];
  }
}

// The kernel for a tile of mr rows: every row of a tile costs as much as a full one, so the
// last rows of C (M mod MR of them: one of 16 rows, say) get a kernel of their own height.
template <class S>
void tile_kernel(int mr, int kc, const S* a, const S* b, S* c, int ldc, int nr_valid) {
  static_assert(MR == 5, "one case per tile height");
  switch (mr) {
    case 5:
      return micro_kernel<S, 5>(kc, a, b, c, ldc, nr_valid);
    case 4:
      return micro_kernel<S, 4>(kc, a, b, c, ldc, nr_valid);
    case 3:
      return micro_kernel<S, 3>(kc, a, b, c, ldc, nr_valid);
    case 2:
      return micro_kernel<S, 2>(kc, a, b, c, ldc, nr_valid);
    default:
      return micro_kernel<S, 1>(kc, a, b, c, ldc, nr_valid);
  }
}

// C (mc×nc) += packed A block (mc×kc) · packed B block (kc×nc), tile by tile.
template <class S>
void macro_kernel(int mc, int nc, int kc, const S* a, const S* b, S* c, int ldc) {
  constexpr int nr = NR<S>;
  for (int jr = 0; jr < nc; jr += nr) {
    const S* b_panel = b + static_cast<std::size_t>(jr) * kc;
    for (int ir = 0; ir < mc; ir += MR) {
      const S* a_panel = a + static_cast<std::size_t>(ir) * kc;
      tile_kernel(std::min(MR, mc - ir), kc, a_panel, b_panel,
                  c + static_cast<std::size_t>(ir) * ldc + jr, ldc, std::min(nr, nc - jr));
    }
  }
}

template <class S>
void scale(S* C, int M, int N, int ldc, S beta) {
  if (beta == S(1)) return;
  for (int i = 0; i < M; ++i) {
    S* c = C + static_cast<std::size_t>(i) * ldc;
    for (int j = 0; j < N; ++j)
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

// Where op(B) comes from: an array packed block by block as the product goes (B), or a
// PackedOperand (packed, non-null).
template <class S>
struct RightOperand {
  Operand<S> B;
  const S* packed;
  int padded_cols;  // the packed matrix's columns, rounded up to NR
};

// One thread's share: C (M,N) += op(A) · op(B) restricted to rows [i_begin, i_end) and columns
// [j_begin, j_end) of C.
template <class S>
void gemm_part(const Operand<S>& A, const RightOperand<S>& B, int i_begin, int i_end, int K,
               int j_begin, int j_end, S* C, int ldc) {
  PackBuffers<S>& buf = pack_buffers<S>();
  const int mc_max = std::min(MC, (i_end - i_begin + MR - 1) / MR * MR);
  buf.a.resize(static_cast<std::size_t>(mc_max) * KC);
  if (!B.packed)
    buf.b.resize(static_cast<std::size_t>(std::min(NC, round_up_nr<S>(j_end - j_begin))) * KC);
  for (int j0 = j_begin; j0 < j_end; j0 += NC) {
    const int nc = std::min(NC, j_end - j0);
    for (int k0 = 0; k0 < K; k0 += KC) {
      const int kc = std::min(KC, K - k0);
      const S* b_block;
      if (B.packed) {  // slice k0 starts at k0 * padded_cols; panel j0 at j0 * kc within it
        b_block = B.packed + static_cast<std::size_t>(k0) * B.padded_cols +
                  static_cast<std::size_t>(j0) * kc;
      } else {
        pack_B(B.B, k0, kc, j0, nc, buf.b.data());
        b_block = buf.b.data();
      }
      for (int i0 = i_begin; i0 < i_end; i0 += MC) {
        const int mc = std::min(MC, i_end - i0);
        pack_A(A, i0, mc, k0, kc, buf.a.data());
        macro_kernel(mc, nc, kc, buf.a.data(), b_block, C + static_cast<std::size_t>(i0) * ldc + j0,
                     ldc);
      }
    }
  }
}

// Splits C over the threads when the product is big enough to be worth it: into blocks of
// rows when it is at least as tall as it is wide, else into blocks of columns (whole panels).
// Each thread packs its own part of one operand and all of the other, so the split that
// leaves the smaller operand to be packed twice is the cheaper one. Every element of C is
// computed by the same operations in the same order whatever the split, so the result does
// not depend on the number of threads.
template <class S>
void gemm_split(const Operand<S>& A, const RightOperand<S>& B, int M, int N, int K, S beta, S* C,
                int ldc) {
  scale(C, M, N, ldc, beta);
  if (M == 0 || N == 0 || K == 0) return;
  constexpr int nr = NR<S>;
  const bool by_rows = M >= N;
  const int units = by_rows ? (M + MR - 1) / MR : (N + nr - 1) / nr;  // tiles or panels
  int parts = std::min(thread_count(), units);
  if (2.0 * M * N * K < 2e5) parts = 1;
  if (parts <= 1) {
    gemm_part(A, B, 0, M, K, 0, N, C, ldc);
    return;
  }
  parallel_for(parts, [&](int p) {
    if (by_rows) {
      const int i0 = units * p / parts * MR, i1 = std::min(M, units * (p + 1) / parts * MR);
      if (i0 < i1) gemm_part(A, B, i0, i1, K, 0, N, C, ldc);
    } else {
      const int j0 = units * p / parts * nr, j1 = std::min(N, units * (p + 1) / parts * nr);
      if (j0 < j1) gemm_part(A, B, 0, M, K, j0, j1, C, ldc);
    }
  });
}

}  // namespace

template <class S>
void gemm(Operand<S> A, Operand<S> B, int M, int N, int K, S beta, S* C, int ldc) {
  gemm_split<S>(A, {B, nullptr, 0}, M, N, K, beta, C, ldc);
}

// Every slice of KC rows of op(B), one after another; within a slice, the panels of NR
// columns one after another, exactly as gemm_part packs one block at a time.
template <class S>
void PackedOperand<S>::pack(Operand<S> B, int K, int N) {
  K_ = K;
  N_ = N;
  const int padded = round_up_nr<S>(N_);
  data_.resize(static_cast<std::size_t>(K_) * padded);
  for (int k0 = 0; k0 < K_; k0 += KC)
    pack_B(B, k0, std::min(KC, K_ - k0), 0, N_,
           data_.data() + static_cast<std::size_t>(k0) * padded);
}

template <class S>
void gemm(Operand<S> A, const PackedOperand<S>& B, int M, S beta, S* C, int ldc) {
  gemm_split<S>(A, {{nullptr, 0, false}, B.data(), round_up_nr<S>(B.cols())}, M, B.cols(), B.rows(),
                beta, C, ldc);
}

#define CHARNN_GEMM(S)                                                         \
  template void gemm<S>(Operand<S>, Operand<S>, int, int, int, S, S*, int);    \
  template void gemm<S>(Operand<S>, const PackedOperand<S>&, int, S, S*, int); \
  template class PackedOperand<S>;
CHARNN_GEMM(float)
CHARNN_GEMM(double)
#undef CHARNN_GEMM

}  // namespace charnn::fast
