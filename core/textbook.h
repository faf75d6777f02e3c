// What the textbook models (rnn/rnn_textbook.h, lstm/lstm_textbook.h) are written in: a plain
// matrix of doubles, column vectors as one-column matrices, the operations of the equations
// spelled as operators, and the softmax head for one sequence. No packing, no threads, no
// views: every operation returns a new matrix. Slow on purpose; read it, then the fast code.
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace charnn::textbook {

// A rows x cols matrix, row by row. A column vector (h_t, x_t, b_f, ...) is an (n,1) matrix.
struct Matrix {
  int rows = 0, cols = 0;
  std::vector<double> a;
  Matrix(int r = 0, int c = 1) : rows(r), cols(c), a(static_cast<std::size_t>(r) * c, 0.0) {}
  double& operator()(int r, int c) { return a[static_cast<std::size_t>(r) * cols + c]; }
  double operator()(int r, int c) const { return a[static_cast<std::size_t>(r) * cols + c]; }
};

// Every tensor by the name the fast models give it: "l0.W_f", "l1.W_hh", "head.b_y", ...
// Biases are column vectors here, though the fast code stores them as rows.
using Params = std::map<std::string, Matrix>;

inline Matrix operator*(const Matrix& A, const Matrix& B) {  // the matrix product A B
  Matrix C(A.rows, B.cols);
  for (int r = 0; r < A.rows; ++r)
    for (int c = 0; c < B.cols; ++c)
      for (int k = 0; k < A.cols; ++k)
        C(r, c) += A(r, k) * B(k, c);
  return C;
}
template <class F>
Matrix each(Matrix A, F f) {  // f applied to every entry
  for (double& v : A.a)
    v = f(v);
  return A;
}
template <class F>
Matrix each(Matrix A, const Matrix& B, F f) {  // f applied to every pair of entries
  for (std::size_t k = 0; k < A.a.size(); ++k)
    A.a[k] = f(A.a[k], B.a[k]);
  return A;
}
inline Matrix operator+(const Matrix& A, const Matrix& B) {
  return each(A, B, [](double a, double b) { return a + b; });
}
inline Matrix operator-(const Matrix& A, const Matrix& B) {
  return each(A, B, [](double a, double b) { return a - b; });
}
inline Matrix operator-(double s, const Matrix& A) {  // s - A, entry by entry: 1 - f_t
  return each(A, [s](double a) { return s - a; });
}
inline Matrix operator*(double s, const Matrix& A) {
  return each(A, [s](double a) { return s * a; });
}
inline Matrix odot(const Matrix& A, const Matrix& B) {  // A ⊙ B, the elementwise product
  return each(A, B, [](double a, double b) { return a * b; });
}
inline Matrix& operator+=(Matrix& A, const Matrix& B) {
  return A = A + B;
}
inline Matrix transpose(const Matrix& A) {  // Aᵀ
  Matrix T(A.cols, A.rows);
  for (int r = 0; r < A.rows; ++r)
    for (int c = 0; c < A.cols; ++c)
      T(c, r) = A(r, c);
  return T;
}
inline Matrix sigmoid(const Matrix& z) {
  return each(z, [](double v) { return 1 / (1 + std::exp(-v)); });
}
inline Matrix tanh(const Matrix& z) {
  return each(z, [](double v) { return std::tanh(v); });
}
inline Matrix one_hot(int k, int n) {  // e_k: 1 in row k, 0 elsewhere
  Matrix e(n);
  e(k, 0) = 1;
  return e;
}
inline Params zeros_like(const Params& P) {
  Params Z;
  for (const auto& [name, m] : P)
    Z[name] = Matrix(m.rows, m.cols);
  return Z;
}

// The softmax head at one step of a sequence of T (docs/softmax.md, with N = T): returns this
// step's term of the loss, -log p_t[target] / T; adds dW_hy and db_y into d; returns
// dout = ∂L/∂h_t in `dout`.
inline double head_step(const Params& P, Params& d, const Matrix& h, int target, int T,
                        Matrix& dout) {
  const Matrix& W_hy = P.at("head.W_hy");
  const Matrix y = W_hy * h + P.at("head.b_y");  // (S1) y_t = W_hy h_t + b_y
  const double m = *std::max_element(y.a.begin(), y.a.end());
  const Matrix e = each(y, [m](double v) { return std::exp(v - m); });
  double sum = 0;
  for (double v : e.a)
    sum += v;
  const Matrix p = each(e, [sum](double v) { return v / sum; });  // (S2) p_t = softmax(y_t)
  const double loss = -std::log(p(target, 0)) / T;                // (S3) L = -(1/N) Σ log p
  const Matrix dy = (1.0 / T) * (p - one_hot(target, y.rows));    // (SB1) dy_t = (p_t - e_target)/N
  d["head.W_hy"] += dy * transpose(h);                            // (SB2) dW_hy += dy_t h_tᵀ
  d["head.b_y"] += dy;                                            // (SB3) db_y += dy_t
  dout = transpose(W_hy) * dy;                                    // (SB4) dout_t = W_hyᵀ dy_t
  return loss;
}

}  // namespace charnn::textbook
