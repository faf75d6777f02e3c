#include "gradient_check/gradcheck_program.h"

#include <cstdio>
#include <vector>

#include "core/language_model.h"
#include "gradient_check/gradcheck.h"
#include "gradient_check/textbook_check.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"

namespace charnn {

namespace {

// Builds a model of the given sizes at a random point (every parameter, every initial state and
// every input drawn at random, so no entry sits at a special value such as a zero bias), checks
// it, prints one row per tensor; returns the number of failed tensors. With `resets`, records
// start at every third step of each stream (--reset-at, (R4), (L8)).
template <class Net>
int check_model(const GradcheckSettings& st, bool resets, int& tensors_checked) {
  using S = typename Net::Scalar;
  typename Net::Config cfg;
  cfg.vocab = st.vocab;
  cfg.hidden = st.hidden;
  cfg.layers = st.layers;
  LanguageModel<Net> model(cfg);
  Rng rng(static_cast<std::uint64_t>(st.seed));
  for (S& p : model.params)
    p = static_cast<S>(rng.uniform(-0.5, 0.5));
  std::vector<S> state(model.state_layout(st.batch).size());
  for (S& s : state)
    s = static_cast<S>(rng.uniform(-0.5, 0.5));
  std::vector<int> inputs(st.batch * st.seq_len), targets(inputs.size());
  for (int& x : inputs)
    x = rng.below(st.vocab);
  for (int& y : targets)
    y = rng.below(st.vocab);
  std::vector<unsigned char> starts(inputs.size(), 0);  // every third step, staggered by stream;
  for (int t = 1; t < st.seq_len; ++t)                  // none at step 0, so ∂L/∂h0 is not zero
    for (int b = 0; b < st.batch; ++b)
      starts[static_cast<std::size_t>(t) * st.batch + b] = (t + b) % 3 == 0 ? 1 : 0;
  const Batch batch{st.batch, st.seq_len, inputs.data(), targets.data(),
                    resets ? starts.data() : nullptr};

  GradcheckOptions opt;
  opt.order = st.order;
  opt.eps = st.eps > 0 ? st.eps : (st.use_float ? 1e-2 : 1e-3);
  opt.tolerance = st.tolerance;
  opt.tiny = st.tiny;
  opt.max_entries = st.entries;
  opt.seed = static_cast<std::uint64_t>(st.seed);
  int failed = 0;
  for (const TensorCheck& r : check_gradients(model, batch, state, opt)) {
    const std::string shape = "(" + std::to_string(r.rows) + "," + std::to_string(r.cols) + ")";
    std::printf("%-5s %-6s %-10s %-8s %8zu %12.3e %14.3e  %s\n", Net::kName, resets ? "yes" : "no",
                r.name.c_str(), shape.c_str(), r.checked, r.max_abs_analytic, r.max_rel_error,
                r.pass ? "PASS" : "FAIL");
    failed += r.pass ? 0 : 1;
    ++tensors_checked;
  }
  return failed;
}

// Whether --model `chosen` includes `model`.
bool wanted(const std::string& chosen, const char* model) {
  return chosen == "all" || chosen == model;
}

template <class S>
int run(const GradcheckSettings& st) {
  std::printf("%-5s %-6s %-10s %-8s %8s %12s %14s  %s\n", "model", "resets", "tensor", "shape",
              "entries", "max |grad|", "max rel err", "result");
  int failed = 0, checked = 0;
  for (bool resets : {false, true}) {  // plain, then with record resets (--reset-at)
    if (wanted(st.model, "rnn")) failed += check_model<Rnn<S>>(st, resets, checked);
    if (wanted(st.model, "lstm")) failed += check_model<Lstm<S>>(st, resets, checked);
    if (wanted(st.model, "gru")) failed += check_model<Gru<S>>(st, resets, checked);
  }
  std::printf("%d passed, %d failed\n", checked - failed, failed);
  std::printf(
      "gradcheck: %s in %s precision (V=%d H=%d L=%d B=%d T=%d; order %d, eps %g, tolerance "
      "%g, tiny %g)\n",
      failed == 0 ? "all tensors pass" : "some tensors FAIL", st.use_float ? "float" : "double",
      st.vocab, st.hidden, st.layers, st.batch, st.seq_len, st.order,
      st.eps > 0 ? st.eps : (st.use_float ? 1e-2 : 1e-3), st.tolerance, st.tiny);
  if (st.use_float)
    std::printf(
        "note: float keeps 24 bits (about 7 digits). The loss differences L(θ+ε) - L(θ-ε)\n"
        "      are then taken between numbers near L that were rounded to about 1e-7 * L, so\n"
        "      the estimate carries an error near 1e-7 * L / ε. A small ε drowns in that\n"
        "      rounding, a large one in the truncation error of the difference formula, and\n"
        "      no ε gets near 1e-6. That is why the check runs in double.\n");
  return failed == 0 ? 0 : 1;
}

}  // namespace

ArgParser gradcheck_flags(GradcheckSettings& st) {
  ArgParser args(
      "gradcheck", "[options]",
      "Compares every analytic gradient of the vanilla RNN, the LSTM and the GRU\n"
      "(parameters and initial states) with a central finite difference, in double precision,\n"
      "and prints one row per tensor: on a plain batch, then on one where records\n"
      "start at random steps (--reset-at). Exits 0 only when every tensor passes.");
  args.add_string("model", &st.model, "which model to check", {"rnn", "lstm", "gru", "all"});
  args.add_int("vocab", &st.vocab, "vocabulary size V", 2, 1000);
  args.add_int("hidden", &st.hidden, "hidden units per layer H", 1, 1000);
  args.add_int("layers", &st.layers, "stacked layers L", 1, 16);
  args.add_int("batch", &st.batch, "parallel sequences B", 1, 1000);
  args.add_int("seq-len", &st.seq_len, "time steps T", 1, 1000);
  args.add_int("order", &st.order,
               "2: two-point central difference (G1); 4: fourth-order extrapolation (G2)", 2, 4);
  args.add_double("eps", &st.eps,
                  "step ε of the central difference; 0 picks 1e-3 (double) or 1e-2 (float)", 0, 1);
  args.add_double("tol", &st.tolerance, "largest relative error that passes", 0, 1);
  args.add_double("tiny", &st.tiny,
                  "floor of the denominator of the relative error (G3): entries whose gradient "
                  "is smaller are compared by absolute error tol*tiny",
                  0, 1);
  args.add_int("entries", &st.entries,
               "entries checked per tensor, sampled at random; 0 checks every entry", 0,
               1000000000);
  args.add_int("seed", &st.seed, "seed of the random weights, states and inputs", 0, 2147483647);
  args.add_flag("float", &st.use_float,
                "check in float (training precision) instead, to see why double is used");
  args.add_flag("textbook", &st.textbook,
                "instead, compare the fast models with their one-screen textbook twins "
                "(rnn/rnn_textbook.h, lstm/lstm_textbook.h, gru/gru_textbook.h) in double: loss, "
                "states and every "
                "gradient, at V = 6, H = 4, L = 1..3, B = 1 and 3, T = 1 and 7, from a zero and "
                "a carried initial state, and with record resets; of the other flags only "
                "--model applies");
  return args;
}

int gradcheck_program(const GradcheckSettings& st) {
  if (st.order != 2 && st.order != 4)
    throw UsageError("--order: expected 2 or 4, got " + std::to_string(st.order));
  if (st.textbook) return textbook_program(st.model, kTextbookTolerance);
  return st.use_float ? run<float>(st) : run<double>(st);
}

}  // namespace charnn
