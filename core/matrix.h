// A row-major matrix view: a pointer into storage someone else owns, a shape and a row stride.
//
// Every activation, weight and gradient in this project is a Mat. A view never allocates and
// never frees; the flat parameter buffer (core/params.h) and the models' workspaces own the
// memory. Row r starts at data + r * stride, so a block of columns of a wider matrix (one gate
// of the LSTM's stacked gate matrix, say) is a view too.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace charnn {

template <class S>
struct Mat {
  S* data = nullptr;
  int rows = 0;
  int cols = 0;
  int stride = 0;  // elements from the start of one row to the start of the next (>= cols)

  Mat() = default;
  Mat(S* d, int r, int c) : data(d), rows(r), cols(c), stride(c) {}
  Mat(S* d, int r, int c, int s) : data(d), rows(r), cols(c), stride(s) {}

  S& operator()(int r, int c) const { return data[static_cast<std::size_t>(r) * stride + c]; }
  S* row(int r) const { return data + static_cast<std::size_t>(r) * stride; }

  // Rows [r0, r0 + n) as a view.
  Mat rows_view(int r0, int n) const { return Mat(row(r0), n, cols, stride); }
  // Columns [c0, c0 + n) of every row as a view.
  Mat cols_view(int c0, int n) const { return Mat(data + c0, rows, n, stride); }

  // A Mat<float> converts to a read-only Mat<const float>.
  template <class T = S, std::enable_if_t<!std::is_const_v<T>, int> = 0>
  operator Mat<const T>() const {
    return Mat<const T>(data, rows, cols, stride);
  }
};

template <class S>
using CMat = Mat<const S>;

// Throws std::logic_error naming `what` when a shape does not match: a wrong shape is a bug in
// the caller, and it should stop the program at the line that made it, not corrupt memory.
inline void check_shape(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("shape mismatch: ") + what);
}

// Sets every element of m to v.
template <class S>
void fill(Mat<S> m, S v) {
  for (int r = 0; r < m.rows; ++r) {
    S* row = m.row(r);
    for (int c = 0; c < m.cols; ++c)
      row[c] = v;
  }
}

// dst = src, element by element.
template <class S>
void copy(CMat<S> src, Mat<S> dst) {
  check_shape(src.rows == dst.rows && src.cols == dst.cols, "copy");
  for (int r = 0; r < src.rows; ++r) {
    const S* s = src.row(r);
    S* d = dst.row(r);
    for (int c = 0; c < src.cols; ++c)
      d[c] = s[c];
  }
}

// dst = src, except the rows r where zero[r] is set, which become 0: the state a step reads
// when some of its streams start a record (--reset-at).
template <class S>
void copy_or_zero_rows(CMat<S> src, const unsigned char* zero, Mat<S> dst) {
  check_shape(src.rows == dst.rows && src.cols == dst.cols, "copy_or_zero_rows");
  for (int r = 0; r < src.rows; ++r) {
    const S* s = src.row(r);
    S* d = dst.row(r);
    for (int c = 0; c < src.cols; ++c)
      d[c] = zero[r] ? S(0) : s[c];
  }
}

// The rows r of m where zero[r] is set become 0.
template <class S>
void zero_rows(const unsigned char* zero, Mat<S> m) {
  for (int r = 0; r < m.rows; ++r)
    if (zero[r]) fill(m.rows_view(r, 1), S(0));
}

// dst (n,m) = srcᵀ for src (m,n).
template <class S>
void transpose(CMat<S> src, Mat<S> dst) {
  check_shape(src.rows == dst.cols && src.cols == dst.rows, "transpose");
  for (int r = 0; r < src.rows; ++r)
    for (int c = 0; c < src.cols; ++c)
      dst(c, r) = src(r, c);
}

// dst (n,m) += srcᵀ for src (m,n).
template <class S>
void add_transposed(CMat<S> src, Mat<S> dst) {
  check_shape(src.rows == dst.cols && src.cols == dst.rows, "add_transposed");
  for (int r = 0; r < src.rows; ++r)
    for (int c = 0; c < src.cols; ++c)
      dst(c, r) += src(r, c);
}

}  // namespace charnn
