// Row operations on (N, C) matrices that the models run once per sequence, out of the time loop:
// a bias added to every row, the lookup that a one-hot input times a weight matrix is, and the
// two sums their gradients are. Each spreads its work over the threads (core/fast/parallel.h)
// so that every output element is computed by the same operations in the same order whatever
// the number of threads: results are bit-identical for every thread count.
//
// N is the number of rows (T*B in the models), C the number of columns (H, or 4H for the LSTM).
#pragma once

#include "core/fast/parallel.h"
#include "core/matrix.h"

namespace charnn {

namespace detail {
// The fewest rows (or columns) worth giving a thread of their own in these loops.
constexpr int kMinRowsPerPart = 64;
constexpr int kMinColumnsPerPart = 32;
}  // namespace detail

// A (N,C) += b (1,C) in every row: the bias term of a batched W x + b. Split by rows.
template <class S>
void add_to_every_row(CMat<S> b, Mat<S> A) {
  check_shape(b.rows == 1 && b.cols == A.cols, "add_to_every_row");
  const S* bias = b.row(0);
  for_row_blocks(A.rows, detail::kMinRowsPerPart, [&](int n0, int count) {
    for (int n = n0; n < n0 + count; ++n) {
      S* a = A.row(n);
      for (int j = 0; j < A.cols; ++j)
        a[j] += bias[j];
    }
  });
}

// out (N,C) row n = table (K,C) row ids[n] + b (1,C), for ids[0..N) in [0, K). With table = Wᵀ,
// row ids[n] is column ids[n] of W: W x + b for a one-hot x, without a product. Split by rows.
template <class S>
void gather_rows(CMat<S> table, const int* ids, CMat<S> b, Mat<S> out) {
  check_shape(table.cols == out.cols && b.rows == 1 && b.cols == out.cols, "gather_rows");
  const S* bias = b.row(0);
  for_row_blocks(out.rows, detail::kMinRowsPerPart, [&](int n0, int count) {
    for (int n = n0; n < n0 + count; ++n) {
      const S* t = table.row(ids[n]);
      S* o = out.row(n);
      for (int j = 0; j < out.cols; ++j)
        o[j] = t[j] + bias[j];
    }
  });
}

// table (K,C) row ids[n] += dA (N,C) row n, for n = 0..N-1 in that order: the gradient of
// gather_rows, where a row that several n share collects all of theirs. Split by columns, so
// that no two threads write the same element and each element adds in the order of n.
template <class S>
void scatter_add_rows(CMat<S> dA, const int* ids, Mat<S> table) {
  check_shape(table.cols == dA.cols, "scatter_add_rows");
  for_row_blocks(dA.cols, detail::kMinColumnsPerPart, [&](int j0, int count) {
    for (int n = 0; n < dA.rows; ++n) {
      const S* d = dA.row(n);
      S* t = table.row(ids[n]);
      for (int j = j0; j < j0 + count; ++j)
        t[j] += d[j];
    }
  });
}

// db (1,C) += Σ_n dA (N,C) row n, for n = 0..N-1 in that order: the gradient of
// add_to_every_row. Split by columns, as scatter_add_rows.
template <class S>
void add_column_sums(CMat<S> dA, Mat<S> db) {
  check_shape(db.rows == 1 && db.cols == dA.cols, "add_column_sums");
  S* sum = db.row(0);
  for_row_blocks(dA.cols, detail::kMinColumnsPerPart, [&](int j0, int count) {
    for (int n = 0; n < dA.rows; ++n) {
      const S* d = dA.row(n);
      for (int j = j0; j < j0 + count; ++j)
        sum[j] += d[j];
    }
  });
}

}  // namespace charnn
