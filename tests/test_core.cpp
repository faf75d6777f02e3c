// The shared numeric core: the three matrix products, softmax, and command-line parsing.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/activations.h"
#include "core/fast/parallel.h"
#include "core/gemm.h"
#include "core/rng.h"
#include "core/rows.h"
#include "tests/catch.hpp"
#include "util/cli.h"

using namespace charnn;

namespace {

// op(A)(i,k) for a view A, transposed or not: the slow, obvious definition.
double at(CMat<double> A, bool transposed, int i, int k) {
  return transposed ? A(k, i) : A(i, k);
}

void reference(CMat<double> A, bool ta, CMat<double> B, bool tb, double beta, Mat<double> C) {
  const int K = ta ? A.rows : A.cols;
  for (int i = 0; i < C.rows; ++i)
    for (int j = 0; j < C.cols; ++j) {
      double sum = 0;
      for (int k = 0; k < K; ++k)
        sum += at(A, ta, i, k) * at(B, tb, k, j);
      C(i, j) = beta * C(i, j) + sum;
    }
}

// A (rows, cols) view with row stride cols + 3, filled at random, padding included.
struct Strided {
  std::vector<double> data;
  Mat<double> m;
  Strided(int rows, int cols, Rng& rng) : data(static_cast<std::size_t>(rows) * (cols + 3)) {
    for (double& v : data)
      v = rng.uniform(-1, 1);
    m = Mat<double>(data.data(), rows, cols, cols + 3);
  }
  Strided(const Strided& o) : data(o.data), m(data.data(), o.m.rows, o.m.cols, o.m.stride) {}
};

}  // namespace

TEST_CASE("the three products match the definition on strided views", "[core]") {
  Rng rng(1);
  const int M = 7, N = 5, K = 9;
  for (double beta : {0.0, 1.0, 0.5}) {
    Strided A(M, K, rng), At(K, M, rng), Bt(N, K, rng), B(K, N, rng);
    Strided C1(M, N, rng), C2(M, N, rng), C3(M, N, rng);
    Strided R1 = C1, R2 = C2, R3 = C3;
    matmul_ABt<double>(A.m, Bt.m, beta, C1.m);
    reference(A.m, false, Bt.m, true, beta, R1.m);
    matmul_AB<double>(A.m, B.m, beta, C2.m);
    reference(A.m, false, B.m, false, beta, R2.m);
    matmul_AtB<double>(At.m, B.m, beta, C3.m);
    reference(At.m, true, B.m, false, beta, R3.m);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        CHECK(C1.m(i, j) == Approx(R1.m(i, j)).epsilon(1e-12));
        CHECK(C2.m(i, j) == Approx(R2.m(i, j)).epsilon(1e-12));
        CHECK(C3.m(i, j) == Approx(R3.m(i, j)).epsilon(1e-12));
      }
    // The padding between rows is never written.
    for (int i = 0; i < M; ++i)
      for (int p = N; p < N + 3; ++p)
        CHECK(C1.data[i * (N + 3) + p] == R1.data[i * (N + 3) + p]);
  }
}

TEST_CASE("the products give bit-identical results on 1 and 2 threads", "[core]") {
  Rng rng(5);
  const int M = 70, N = 300, K = 130;  // big enough to be split, with ragged edges
  Strided A(M, K, rng), Bt(N, K, rng), B(K, N, rng), At(K, M, rng);
  Strided C1(M, N, rng), C2 = C1, D1(M, N, rng), D2 = D1, E1(M, N, rng), E2 = E1;
  set_thread_count(1);
  matmul_ABt<double>(A.m, Bt.m, 1.0, C1.m);
  matmul_AB<double>(A.m, B.m, 0.0, D1.m);
  matmul_AtB<double>(At.m, B.m, 1.0, E1.m);
  set_thread_count(2);
  matmul_ABt<double>(A.m, Bt.m, 1.0, C2.m);
  matmul_AB<double>(A.m, B.m, 0.0, D2.m);
  matmul_AtB<double>(At.m, B.m, 1.0, E2.m);
  set_thread_count(1);
  CHECK(C1.data == C2.data);
  CHECK(D1.data == D2.data);
  CHECK(E1.data == E2.data);
}

TEST_CASE("a packed operand gives exactly the products of the unpacked one", "[core]") {
  Rng rng(9);
  PackedMatrix<double> packed;
  // Ragged shapes, deeper than one packed slice (K > 256), and a pack reused for a new shape.
  for (const auto& shape :
       {std::vector<int>{7, 45, 300}, std::vector<int>{3, 8, 5}, std::vector<int>{16, 1024, 33}}) {
    const int M = shape[0], N = shape[1], K = shape[2];
    for (int threads : {1, 2}) {
      set_thread_count(threads);
      Strided A(M, K, rng), Bt(N, K, rng), B(K, N, rng), C(M, N, rng);
      Strided P = C, R = C;
      packed.pack_for_ABt(Bt.m);
      CHECK(packed.rows() == K);
      CHECK(packed.cols() == N);
      matmul_ABt<double>(A.m, packed, 1.0, P.m);
      matmul_ABt<double>(A.m, Bt.m, 1.0, R.m);
      CHECK(P.data == R.data);
      CHECK_THROWS_AS(matmul_AB<double>(A.m, packed, 0.0, P.m), std::logic_error);  // wrong form
      packed.pack_for_AB(B.m);
      CHECK_THROWS_AS(matmul_ABt<double>(A.m, packed, 0.0, P.m), std::logic_error);
      matmul_AB<double>(A.m, packed, 0.0, P.m);
      matmul_AB<double>(A.m, B.m, 0.0, R.m);
      CHECK(P.data == R.data);
    }
  }
  set_thread_count(1);
}

TEST_CASE("work started inside a parallel part runs on that part's thread", "[core]") {
  set_thread_count(2);
  CHECK(thread_count() == 2);
  std::vector<int> inner(2, 0), seen(2, 0);
  parallel_for(2, [&](int p) {
    inner[p] = thread_count();
    parallel_for(2, [&](int q) { seen[p] += q + 1; });  // runs both parts here, in turn
  });
  CHECK(inner == std::vector<int>{1, 1});
  CHECK(seen == std::vector<int>{3, 3});
  std::vector<int> rows(10, 0);
  for_row_blocks(10, 4, [&](int first, int n) {
    for (int b = first; b < first + n; ++b)
      rows[b] += 1;
  });
  CHECK(rows == std::vector<int>(10, 1));
  set_thread_count(1);
}

TEST_CASE("the row operations equal their plain loops, bit for bit, on 1, 2 and 3 threads",
          "[core]") {
  Rng rng(21);
  const int N = 203, C = 101, K = 13;  // enough rows and columns to be split, ragged blocks
  Strided A(N, C, rng), table(K, C, rng), bias(1, C, rng);
  std::vector<int> ids(N);
  for (int& id : ids)
    id = rng.below(K);  // rows of the table used many times, some perhaps never
  // The plain loops, in the order the helpers promise.
  Strided added = A, gathered(N, C, rng), scattered = table, summed = bias;
  const Strided unwritten = gathered;
  for (int n = 0; n < N; ++n)
    for (int j = 0; j < C; ++j) {
      added.m(n, j) += bias.m(0, j);
      gathered.m(n, j) = table.m(ids[n], j) + bias.m(0, j);
      scattered.m(ids[n], j) += A.m(n, j);
      summed.m(0, j) += A.m(n, j);
    }
  for (int threads : {1, 2, 3}) {
    INFO(threads << " threads");
    set_thread_count(threads);
    Strided a = A, g = unwritten, t = table, b = bias;
    add_to_every_row<double>(bias.m, a.m);
    gather_rows<double>(table.m, ids.data(), bias.m, g.m);
    scatter_add_rows<double>(A.m, ids.data(), t.m);
    add_column_sums<double>(A.m, b.m);
    // Padding included: nothing outside the views is written.
    CHECK(a.data == added.data);
    CHECK(g.data == gathered.data);
    CHECK(t.data == scattered.data);
    CHECK(b.data == summed.data);
  }
  set_thread_count(1);
}

TEST_CASE("a product with mismatched shapes is refused", "[core]") {
  std::vector<double> a(6), b(6), c(4);
  CHECK_THROWS_AS(matmul_AB<double>(CMat<double>(a.data(), 2, 3), CMat<double>(b.data(), 2, 3), 0,
                                    Mat<double>(c.data(), 2, 2)),
                  std::logic_error);
}

TEST_CASE("softmax is stable for huge logits and sums to one", "[core]") {
  std::vector<double> y = {1000.0, 1001.0, 999.0};
  const double log_norm = softmax_row(y.data(), 3);
  CHECK(std::isfinite(log_norm));
  CHECK(y[0] + y[1] + y[2] == Approx(1.0));
  CHECK(y[1] == Approx(std::exp(1.0) / (1 + std::exp(1.0) + std::exp(-1.0))));
  CHECK(log_norm == Approx(1001.0 + std::log(1 + std::exp(-1.0) + std::exp(-2.0))));
  std::vector<float> z = {-1e4f, 0.0f, -1e4f};
  softmax_row(z.data(), 3);
  CHECK(z[1] == 1.0f);
  CHECK(z[0] == 0.0f);
}

TEST_CASE("sigmoid saturates without overflow", "[core]") {
  CHECK(sigmoid(0.0) == 0.5);
  CHECK(sigmoid(-1000.0) == 0.0);
  CHECK(sigmoid(1000.0) == 1.0);
  CHECK(sigmoid(-100.0f) >= 0.0f);
  CHECK(sigmoid(-1000.0f) == 0.0f);
  CHECK(sigmoid(1000.0f) == 1.0f);
  CHECK(tanh_(1000.0) == 1.0);
  CHECK(tanh_(-1000.0f) == -1.0f);
  CHECK(sigmoid(2.0) == Approx(1 / (1 + std::exp(-2.0))));
}

// The vectorizable exponential (core/activations.h) against the C library, over the range
// where the result is a normal number, and the σ and tanh built on it.
template <class S>
void check_activations(double exp_rel, double abs_tol) {
  double worst_exp = 0, worst_sigmoid = 0, worst_tanh = 0;
  const double top = sizeof(S) == 4 ? 88 : 709;
  for (double x = -top + 1; x < top; x += 0.0137) {
    const S xs = static_cast<S>(x);
    const double want = std::exp(static_cast<double>(xs));
    worst_exp = std::max(worst_exp, std::fabs(exp_(xs) - want) / want);
  }
  for (double x = -40; x < 40; x += 0.000731) {
    const S xs = static_cast<S>(x);
    const long double z = xs;
    const double want_sigmoid = static_cast<double>(1 / (1 + std::exp(-z)));
    const double want_tanh = static_cast<double>(std::tanh(z));
    worst_sigmoid = std::max(worst_sigmoid, std::fabs(sigmoid(xs) - want_sigmoid));
    worst_tanh = std::max(worst_tanh, std::fabs(tanh_(xs) - want_tanh));
  }
  CHECK(worst_exp < exp_rel);
  CHECK(worst_sigmoid < abs_tol);
  CHECK(worst_tanh < abs_tol);
  CHECK(exp_(S(0)) == S(1));
  CHECK(exp_(S(1e6)) == std::numeric_limits<S>::infinity());
  CHECK(exp_(S(-1e6)) == S(0));
}

TEST_CASE("exp, sigmoid and tanh are accurate to the precision they run in", "[core]") {
  check_activations<float>(2e-7, 2e-7);
  check_activations<double>(5e-16, 5e-16);
}

// The row forms (a vector register at a time, the tail one by one) against the one-number
// forms, and the extremes (overflow, underflow, NaN) in every lane of a vector.
template <class S>
void check_row_activations(double tol) {
  std::vector<S> z;
  for (double x = -30; x < 30; x += 0.00913)
    z.push_back(static_cast<S>(x));
  const S extremes[] = {S(1e6),
                        S(-1e6),
                        S(100),
                        S(-100),
                        std::numeric_limits<S>::infinity(),
                        -std::numeric_limits<S>::infinity()};
  z.insert(z.end(), std::begin(extremes), std::end(extremes));
  z.push_back(S(0.25));  // an odd length, so that the tail is used too
  std::vector<S> sig(z.size()), th(z.size()), e(z.size());
  sigmoid_each(z.data(), sig.data(), static_cast<int>(z.size()));
  tanh_each(z.data(), th.data(), static_cast<int>(z.size()));
  each(z.data(), e.data(), static_cast<int>(z.size()), [](auto v) { return exp_(v); });
  double worst = 0;
  for (std::size_t k = 0; k < z.size(); ++k) {
    worst = std::max(worst, static_cast<double>(std::fabs(sig[k] - sigmoid(z[k]))));
    worst = std::max(worst, static_cast<double>(std::fabs(th[k] - tanh_(z[k]))));
    if (std::isfinite(exp_(z[k])))
      worst = std::max(worst, static_cast<double>(std::fabs(e[k] - exp_(z[k])) / exp_(z[k])));
    else
      CHECK(e[k] == exp_(z[k]));
  }
  CHECK(worst < tol);
  std::vector<S> nan(2 * kLanes<S> + 1, std::numeric_limits<S>::quiet_NaN());
  sigmoid_each(nan.data(), nan.data(), static_cast<int>(nan.size()));
  for (S v : nan)
    CHECK(std::isnan(v));
}

TEST_CASE("sigmoid, tanh and exp over a row agree with the one-number forms", "[core]") {
  check_row_activations<float>(4e-7);
  check_row_activations<double>(1e-15);
}

TEST_CASE("the random generator gives the same numbers for the same seed", "[core]") {
  Rng a(42), b(42), c(43);
  for (int k = 0; k < 100; ++k) {
    const double u = a.uniform();
    CHECK(u == b.uniform());
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
  }
  CHECK(a.uniform() != c.uniform());
  for (int k = 0; k < 1000; ++k) {
    const int v = a.below(7);
    CHECK(v >= 0);
    CHECK(v < 7);
  }
}

namespace {

struct Parsed {
  int n = 3;
  double x = 0.5;
  std::string mode = "a";
  bool flag = false;
  std::string file;
};

// Parses the arguments after a program name; returns the error message, or "" on success.
std::string parse(std::vector<const char*> args, Parsed& p, bool* help = nullptr) {
  ArgParser parser("prog", "[options] FILE", "A test program.");
  parser.add_int("n", &p.n, "a count", 1, 10);
  parser.add_double("x", &p.x, "a rate", 0, 1);
  parser.add_string("mode", &p.mode, "a choice", {"a", "b"});
  parser.add_flag("flag", &p.flag, "a switch");
  parser.add_positional("FILE", &p.file, "the input", true);
  args.insert(args.begin(), "prog");
  std::ostringstream out;
  try {
    const bool go_on = parser.parse(static_cast<int>(args.size()), args.data(), out);
    if (help) *help = !go_on;
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("command line: values, forms and defaults", "[core][cli]") {
  Parsed p;
  CHECK(parse({"--n", "7", "--x=0.25", "--mode", "b", "--flag", "in.txt"}, p) == "");
  CHECK(p.n == 7);
  CHECK(p.x == 0.25);
  CHECK(p.mode == "b");
  CHECK(p.flag);
  CHECK(p.file == "in.txt");
  Parsed d;
  CHECK(parse({"in.txt"}, d) == "");
  CHECK(d.n == 3);
  CHECK(d.x == 0.5);
  bool help = false;
  Parsed h;
  CHECK(parse({"--help"}, h, &help) == "");
  CHECK(help);
}

TEST_CASE("command line: every bad input is one clear error", "[core][cli]") {
  Parsed p;
  CHECK(parse({"--bogus", "f"}, p) == "unknown option '--bogus' (see --help)");
  CHECK(parse({"-n", "3", "f"}, p) == "unknown option '-n' (options start with --; see --help)");
  CHECK(parse({"f", "--n"}, p) == "--n: missing value (N)");
  CHECK(parse({"--n", "three", "f"}, p) == "--n: expected an integer, got 'three'");
  CHECK(parse({"--n", "2.5", "f"}, p) == "--n: expected an integer, got '2.5'");
  CHECK(parse({"--n", "0", "f"}, p) == "--n: 0 is out of range (1 to 10)");
  CHECK(parse({"--n", "-4", "f"}, p) == "--n: -4 is out of range (1 to 10)");
  CHECK(parse({"--n", "99999999999999999999", "f"}, p) == "--n: 99999999999999999999 is too large");
  CHECK(parse({"--x", "nan", "f"}, p) == "--x: expected a finite number, got 'nan'");
  CHECK(parse({"--x", "", "f"}, p) == "--x: expected a number, got ''");
  CHECK(parse({"--x", "2", "f"}, p) == "--x: 2 is out of range (0 to 1)");
  CHECK(parse({"--mode", "c", "f"}, p) == "--mode: expected one of a|b, got 'c'");
  CHECK(parse({"--flag=1", "f"}, p) == "--flag takes no value");
  CHECK(parse({}, p) == "missing FILE (see --help)");
  CHECK(parse({"f", "g"}, p) == "unexpected argument 'g' (see --help)");
}
