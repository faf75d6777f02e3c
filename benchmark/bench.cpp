#include "benchmark/bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/fast/parallel.h"
#include "core/fast/simd.h"
#include "core/gemm.h"
#include "core/language_model.h"
#include "core/rng.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "train/data.h"
#include "train/optimizer.h"
#include "train/text.h"
#include "train/train_step.h"
#include "util/progress.h"

namespace charnn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Config {
  std::string name;
  std::string model;  // "lstm", "rnn" or "gru"
  int hidden, layers, seq_len, batch;
};

// The PyTorch peer's table (issue 4), with the RNN, the LSTM and the GRU at every size.
const std::vector<Config>& all_configs() {
  static const std::vector<Config> configs = {
      {"lstm-128", "lstm", 128, 1, 64, 32},  {"lstm-256", "lstm", 256, 1, 100, 32},
      {"lstm-512", "lstm", 512, 1, 100, 32}, {"lstm-256x2", "lstm", 256, 2, 100, 32},
      {"rnn-128", "rnn", 128, 1, 64, 32},    {"rnn-256", "rnn", 256, 1, 100, 32},
      {"rnn-512", "rnn", 512, 1, 100, 32},   {"rnn-256x2", "rnn", 256, 2, 100, 32},
      {"gru-128", "gru", 128, 1, 64, 32},    {"gru-256", "gru", 256, 1, 100, 32},
      {"gru-512", "gru", 512, 1, 100, 32},   {"gru-256x2", "gru", 256, 2, 100, 32},
  };
  return configs;
}

// "lstm-128, lstm-256, ...": every configuration's name.
std::string config_names() {
  std::string names;
  for (const Config& c : all_configs())
    names += (names.empty() ? "" : ", ") + c.name;
  return names;
}

int gates(const Config& c) {
  if (c.model == Lstm<float>::kName) return Lstm<float>::kGates;
  if (c.model == Gru<float>::kName) return Gru<float>::kGates;
  return Rnn<float>::kGates;
}

// Multiply-adds executed per training character, times 2 (FLOPs): forward, per layer, the
// recurrent product 2·G·H·H and the input product 2·G·H·H above the first layer (the first
// layer's one-hot input is a column lookup: no arithmetic), and the head 2·H·V; backward does
// each product twice (input gradient and weight gradient), so training is 3 × forward.
// Nonlinearities, the softmax and the optimizer are not counted.
double flops_per_char(const Config& c, int V) {
  const double G = gates(c), H = c.hidden;
  double forward = 2 * H * V;
  for (int l = 0; l < c.layers; ++l)
    forward += 2 * G * H * H + (l > 0 ? 2 * G * H * H : 0);
  return 3 * forward;
}

// The same count as the PyTorch peer states it: its first layer multiplies the one-hot vector
// as a dense (V)-wide input, 2·G·H·(in + H) per layer with in = V for the first.
double peer_flops_per_char(const Config& c, int V) {
  const double G = gates(c), H = c.hidden;
  double forward = 2 * H * V;
  for (int l = 0; l < c.layers; ++l)
    forward += 2 * G * H * ((l == 0 ? V : H) + H);
  return 3 * forward;
}

// Peak resident memory of this process since the last reset_peak_memory(), in MiB; 0 where
// the operating system does not say (Linux reports it in /proc/self/status as VmHWM).
double peak_memory_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

void reset_peak_memory() {
  std::ofstream("/proc/self/clear_refs") << "5";  // Linux: resets VmHWM to the current use
}

// ---------------------------------------------------------------------------------------------
// 1. Peak
// ---------------------------------------------------------------------------------------------

// Independent chains of fused multiply-adds, each one vector register wide (core/fast/simd.h, the
// type the matrix-product kernel computes with): 10 of them keep two FMA units with a latency
// of 4 or 5 cycles busy, and still fit in the 16 registers of AVX2 beside the two operands.
double fma_loop(long iterations, float* sink) {
  constexpr int kChains = 10;
  using V = Vec<float>;
  V acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = V(1.0f + 0.001f * static_cast<float>(c));
  const V a(sink[0]), b(sink[1]);  // not known at compile time
  for (long i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c)
      acc[c] = mul_add(acc[c], a, b);
  float sum = 0;
  for (int c = 0; c < kChains; ++c)
    for (int l = 0; l < kLanes<float>; ++l)
      sum += acc[c][l];
  sink[2] = sum;
  return 2.0 * kChains * kLanes<float> * static_cast<double>(iterations);
}

// GFLOP/s of the FMA loop run on `threads` threads at once (the best of a few tries).
double measure_peak(int threads) {
  set_thread_count(threads);
  double best = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<double> gflops(threads);
    parallel_for(threads, [&](int p) {
      float sink[3] = {0.999999f, 1e-7f, 0};
      const long n = 20'000'000;
      const auto t0 = Clock::now();
      const double flops = fma_loop(n, sink);
      gflops[p] = flops / seconds_since(t0) / 1e9;
      volatile float keep = sink[2];  // the result is used, so the loop cannot be removed
      (void)keep;
    });
    double total = 0;
    for (double g : gflops)
      total += g;
    best = std::max(best, total);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// 2. Training steps
// ---------------------------------------------------------------------------------------------

// The learning rate of the timed steps (constant; it does not change the time a step takes).
constexpr double kBenchLearningRate = 2e-3;

struct TrainResult {
  double chars_per_s, ms_per_step, gflops, peer_gflops, peak_mib;
  int steps;
};

template <class Net>
TrainResult time_training(const Config& c, const Corpus& corpus, int warmup, double seconds) {
  typename Net::Config cfg;
  cfg.vocab = corpus.vocab.size();
  cfg.hidden = c.hidden;
  cfg.layers = c.layers;
  reset_peak_memory();
  LanguageModel<Net> model(cfg);
  Rng rng(1);
  model.init(rng);
  Optimizer opt("adam", model.params.size());
  const Batcher batcher(corpus.train, c.batch, c.seq_len);
  std::vector<float> state(model.state_layout(c.batch).size(), 0.0f);
  std::vector<int> x, y;
  std::vector<double> times;
  StepRule rule;  // clip 5, a constant learning rate
  rule.clip = 5;
  const auto start = Clock::now();
  for (std::int64_t k = 0;; ++k) {
    const auto t0 = Clock::now();
    const Batch batch = batcher.chunk(k, x, y);
    train_step(model, opt, batch, nullptr, state.data(), state.data(), kBenchLearningRate, k, rule);
    if (k >= warmup) times.push_back(seconds_since(t0));
    if (times.size() >= 5 && seconds_since(start) >= seconds) break;
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  const double chars = static_cast<double>(c.batch) * c.seq_len;
  TrainResult r;
  r.steps = static_cast<int>(times.size());
  r.ms_per_step = median * 1e3;
  r.chars_per_s = chars / median;
  r.gflops = flops_per_char(c, cfg.vocab) * r.chars_per_s / 1e9;
  r.peer_gflops = peer_flops_per_char(c, cfg.vocab) * r.chars_per_s / 1e9;
  r.peak_mib = peak_memory_mib();
  return r;
}

// ---------------------------------------------------------------------------------------------
// 3. The products of one training step
// ---------------------------------------------------------------------------------------------

// How a product is called in training. The recurrent ones run once per time step, rows
// split over the threads, with the weights packed once (Uᵀ forward, U backward).
enum class Form { RecurrentABt, RecurrentAB, ABt, AB, AtB };

struct Product {
  std::string what;
  int M, N, K;
  int count;  // how many times a training step computes it
  Form form;
};

std::vector<Product> products(const Config& c, int V) {
  const int G = gates(c), H = c.hidden, N = c.batch * c.seq_len;
  std::vector<Product> p;
  if (c.model == Gru<float>::kName) {  // the candidate's product reads r ⊙ h: two products
    p.push_back(
        {"recurrent forward zr  h U_zr^T", c.batch, 2 * H, H, c.layers, Form::RecurrentABt});
    p.push_back({"recurrent forward g  q U_g^T", c.batch, H, H, c.layers, Form::RecurrentABt});
    p.push_back({"recurrent backward g  da_g U_g", c.batch, H, H, c.layers, Form::RecurrentAB});
    p.push_back(
        {"recurrent backward zr  da_zr U_zr", c.batch, H, 2 * H, c.layers, Form::RecurrentAB});
    p.push_back({"weight gradient zr  dA_zr^T H", 2 * H, H, N, c.layers, Form::AtB});
    p.push_back({"weight gradient g  dA_g^T Q", H, H, N, c.layers, Form::AtB});
  } else {
    p.push_back({"recurrent forward  h U^T", c.batch, G * H, H, c.layers, Form::RecurrentABt});
    p.push_back({"recurrent backward dz U", c.batch, H, G * H, c.layers, Form::RecurrentAB});
    p.push_back({"weight gradient    dZ^T H", G * H, H, N, c.layers, Form::AtB});
  }
  if (c.layers > 1) {
    p.push_back({"input forward      X W^T", N, G * H, H, c.layers - 1, Form::ABt});
    p.push_back({"input backward     dZ W", N, H, G * H, c.layers - 1, Form::AB});
    p.push_back({"input gradient     dZ^T X", G * H, H, N, c.layers - 1, Form::AtB});
  }
  p.push_back({"head forward       H W^T", N, V, H, 1, Form::ABt});
  p.push_back({"head backward      dY W", N, H, V, 1, Form::AB});
  p.push_back({"head gradient      dY^T H", V, H, N, 1, Form::AtB});
  return p;
}

// Seconds for one computation of the product, as training computes it (best of several).
double time_product(const Product& p, int T, double seconds) {
  Rng rng(7);
  auto random = [&](std::size_t n) {
    std::vector<float> v(n);
    for (float& x : v)
      x = static_cast<float>(rng.uniform(-1, 1));
    return v;
  };
  std::vector<float> C(static_cast<std::size_t>(p.M) * p.N);
  std::function<void()> run;
  std::vector<float> A, B;
  PackedMatrix<float> packed;
  const bool recurrent = p.form == Form::RecurrentABt || p.form == Form::RecurrentAB;
  if (recurrent) {  // T products of (B,K)·(K,N), each thread on its block of rows
    A = random(static_cast<std::size_t>(p.M) * p.K);
    B = random(static_cast<std::size_t>(p.K) * p.N);
    const bool transposed = p.form == Form::RecurrentABt;
    if (transposed)
      packed.pack_for_ABt(CMat<float>(B.data(), p.N, p.K));
    else
      packed.pack_for_AB(CMat<float>(B.data(), p.K, p.N));
    run = [&] {
      for_row_blocks(p.M, 4, [&](int b0, int n) {
        for (int t = 0; t < T; ++t) {
          const CMat<float> a = CMat<float>(A.data(), p.M, p.K).rows_view(b0, n);
          const Mat<float> c = Mat<float>(C.data(), p.M, p.N).rows_view(b0, n);
          if (transposed)
            matmul_ABt<float>(a, packed, 1.0f, c);
          else
            matmul_AB<float>(a, packed, 1.0f, c);
        }
      });
    };
  } else if (p.form == Form::AtB) {
    A = random(static_cast<std::size_t>(p.K) * p.M);  // dZ: (K,M), used transposed
    B = random(static_cast<std::size_t>(p.K) * p.N);
    run = [&] {
      matmul_AtB<float>(CMat<float>(A.data(), p.K, p.M), CMat<float>(B.data(), p.K, p.N), 1.0f,
                        Mat<float>(C.data(), p.M, p.N));
    };
  } else if (p.form == Form::ABt) {
    A = random(static_cast<std::size_t>(p.M) * p.K);
    B = random(static_cast<std::size_t>(p.N) * p.K);
    run = [&] {
      matmul_ABt<float>(CMat<float>(A.data(), p.M, p.K), CMat<float>(B.data(), p.N, p.K), 0.0f,
                        Mat<float>(C.data(), p.M, p.N));
    };
  } else {
    A = random(static_cast<std::size_t>(p.M) * p.K);
    B = random(static_cast<std::size_t>(p.K) * p.N);
    run = [&] {
      matmul_AB<float>(CMat<float>(A.data(), p.M, p.K), CMat<float>(B.data(), p.K, p.N), 0.0f,
                       Mat<float>(C.data(), p.M, p.N));
    };
  }
  run();  // warm-up: caches, pack buffers
  double best = 1e30;
  const auto start = Clock::now();
  for (int i = 0; i < 3 || seconds_since(start) < seconds; ++i) {
    const auto t0 = Clock::now();
    run();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string lpad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

ArgParser bench_flags(BenchSettings& s) {
  ArgParser args("bench", "[options]",
                 "Measures training throughput, the matrix-product routine and the processor's "
                 "peak on this machine. One table row and one machine-readable line per "
                 "measurement. docs/performance.md explains the numbers.");
  args.add_string("config", &s.config,
                  "comma-separated configurations, or all (" + config_names() + ")");
  args.add_int("threads", &s.threads, "threads to use", 1, 256);
  args.add_double("seconds", &s.seconds, "timed seconds per configuration, after warm-up", 0.1,
                  3600);
  args.add_int("warmup", &s.warmup, "untimed training steps first", 0, 1000);
  args.add_string("file", &s.file, "the training text");
  args.add_string("part", &s.part, "what to measure", {"all", "peak", "train", "gemm"});
  args.add_double("min-peak-fraction", &s.min_peak_fraction,
                  "exit with status 1 when the products of a training step of any chosen "
                  "configuration reach less than this fraction of the peak measured in the same "
                  "run (a check that the kernel is vector code; 0: no check)",
                  0, 1);
  return args;
}

int bench_program(const BenchSettings& settings) {
  const std::string &configs_arg = settings.config, &file = settings.file, &part = settings.part;
  const int threads = settings.threads, warmup = settings.warmup;
  const double seconds = settings.seconds, min_peak_fraction = settings.min_peak_fraction;
  const std::string names = config_names();
  if (min_peak_fraction > 0 && part != "all" && part != "gemm")
    throw UsageError("--min-peak-fraction needs --part gemm or --part all");

  std::vector<Config> chosen;
  if (configs_arg == "all") {
    chosen = all_configs();
  } else {
    std::stringstream list(configs_arg);
    std::string name;
    while (std::getline(list, name, ',')) {
      auto it = std::find_if(all_configs().begin(), all_configs().end(),
                             [&](const Config& c) { return c.name == name; });
      if (it == all_configs().end())
        throw UsageError("--config: unknown configuration '" + name + "' (one of " + names +
                         ", or all)");
      chosen.push_back(*it);
    }
  }
  const bool do_peak = part == "all" || part == "peak" || part == "gemm";
  const bool do_train = part == "all" || part == "train";
  const bool do_gemm = part == "all" || part == "gemm";

  double peak = 0;
  if (do_peak) {
    const double one = measure_peak(1);
    peak = threads == 1 ? one : measure_peak(threads);
    std::cout << "peak: " << format_fixed(one, 1) << " GFLOP/s fp32 on 1 thread, "
              << format_fixed(peak, 1) << " on " << threads << " (fused multiply-add loop)\n";
    std::cout << "PEAK threads=" << threads << " gflops_1thread=" << format_fixed(one, 1)
              << " gflops=" << format_fixed(peak, 1) << "\n\n";
  }
  set_thread_count(threads);

  Corpus corpus;
  if (do_train || do_gemm) corpus = load_corpus(file, 0.1, TextCodec(Vocabulary(), false));
  const int V = corpus.vocab.size();

  if (do_train) {
    std::cout << "training steps (" << file << ", V=" << V << ", " << threads
              << " threads, Adam, clip 5; median step after " << warmup << " warm-up steps)\n";
    std::cout << pad("config", 12) << lpad("T", 5) << lpad("B", 4) << lpad("chars/s", 10)
              << lpad("ms/step", 9) << lpad("GFLOP/s", 9) << lpad("% peak", 8)
              << lpad("peak MiB", 10) << lpad("steps", 7) << "\n";
    for (const Config& c : chosen) {
      const TrainResult r =
          c.model == "lstm"  ? time_training<Lstm<float>>(c, corpus, warmup, seconds)
          : c.model == "gru" ? time_training<Gru<float>>(c, corpus, warmup, seconds)
                             : time_training<Rnn<float>>(c, corpus, warmup, seconds);
      std::cout << pad(c.name, 12) << lpad(std::to_string(c.seq_len), 5)
                << lpad(std::to_string(c.batch), 4) << lpad(format_fixed(r.chars_per_s, 0), 10)
                << lpad(format_fixed(r.ms_per_step, 2), 9) << lpad(format_fixed(r.gflops, 1), 9)
                << lpad(peak > 0 ? format_fixed(100 * r.gflops / peak, 1) : "-", 8)
                << lpad(r.peak_mib > 0 ? format_fixed(r.peak_mib, 0) : "n/a", 10)
                << lpad(std::to_string(r.steps), 7) << "\n";
      std::cout << "RESULT impl=charnn model=" << c.model << " H=" << c.hidden << " L=" << c.layers
                << " T=" << c.seq_len << " B=" << c.batch << " threads=" << threads
                << " chars_per_s=" << format_fixed(r.chars_per_s, 0)
                << " ms_per_step=" << format_fixed(r.ms_per_step, 3)
                << " gflops=" << format_fixed(r.gflops, 2)
                << " peer_formula_gflops=" << format_fixed(r.peer_gflops, 2)
                << " peak_fraction=" << (peak > 0 ? format_fixed(r.gflops / peak, 3) : "nan")
                << " peak_mib=" << format_fixed(r.peak_mib, 1) << " steps=" << r.steps << "\n";
    }
    std::cout << "\n";
  }

  std::string below_floor;  // the first configuration whose products fall below the floor
  double below_fraction = 0;
  if (do_gemm) {
    std::cout << "matrix products of one training step, at its shapes (" << threads
              << " threads)\n";
    for (const Config& c : chosen) {
      std::cout << c.name << "\n";
      double total_flops = 0, total_seconds = 0;
      for (const Product& p : products(c, V)) {
        const double s = time_product(p, c.seq_len, std::min(seconds, 1.0) / 4);
        const bool recurrent = p.form == Form::RecurrentABt || p.form == Form::RecurrentAB;
        const int times = recurrent ? c.seq_len : 1;
        const double flops = 2.0 * p.M * p.N * p.K * times;
        total_flops += flops * p.count;
        total_seconds += s * p.count;
        const double g = flops / s / 1e9;
        std::cout << "  " << pad(p.what, 31)
                  << pad(std::to_string(p.M) + "x" + std::to_string(p.N) + "x" +
                             std::to_string(p.K) + (recurrent ? " x" + std::to_string(times) : ""),
                         20)
                  << lpad(format_fixed(g, 1), 7) << " GFLOP/s"
                  << lpad(format_fixed(100 * g / peak, 1), 6) << "% of peak\n";
        std::string what = p.what.substr(0, p.what.find("  "));
        std::replace(what.begin(), what.end(), ' ', '_');
        std::cout << "GEMM config=" << c.name << " product=" << what << " M=" << p.M << " N=" << p.N
                  << " K=" << p.K << " repeats=" << times << " threads=" << threads
                  << " gflops=" << format_fixed(g, 2)
                  << " peak_fraction=" << format_fixed(g / peak, 3) << "\n";
      }
      const double g = total_flops / total_seconds / 1e9;
      std::cout << "  " << pad("all products of a step", 47) << lpad(format_fixed(g, 1), 7)
                << " GFLOP/s" << lpad(format_fixed(100 * g / peak, 1), 6) << "% of peak; "
                << format_fixed(total_seconds * 1e3, 2) << " ms of the step\n";
      std::cout << "GEMM config=" << c.name << " product=all threads=" << threads
                << " gflops=" << format_fixed(g, 2)
                << " peak_fraction=" << format_fixed(g / peak, 3)
                << " ms=" << format_fixed(total_seconds * 1e3, 3) << "\n";
      if (below_floor.empty() && g / peak < min_peak_fraction) {
        below_floor = c.name;
        below_fraction = g / peak;
      }
    }
  }
  if (!below_floor.empty()) {
    std::cout << std::flush;
    std::cerr << "bench: the products of a " << below_floor << " training step reached "
              << format_fixed(100 * below_fraction, 1) << "% of the peak measured in this run, "
              << "below --min-peak-fraction " << format_fixed(100 * min_peak_fraction, 1)
              << "%: the matrix-product kernel is not running at vector speed "
              << "(docs/performance.md)\n";
    return 1;
  }
  return 0;
}

}  // namespace charnn
