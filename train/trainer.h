// The training driver shared by ./train_rnn and ./train_lstm: flags, data, the training loop,
// validation, checkpoints, progress, and stopping cleanly on Ctrl-C. The two programs differ
// only in the network they instantiate this with (apps/train_rnn_main.cpp,
// apps/train_lstm_main.cpp). docs/training.md explains the recipe and every equation the
// loop uses.
//
//   batch ─► loss_and_grad ─► clip (C1)–(C2) ─► optimizer (O1)–(O9) ─► parameters
//   every --eval-every steps: validation loss, checkpoint (latest, and best), CSV log line
#pragma once

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "core/fast/parallel.h"
#include "core/language_model.h"
#include "core/rng.h"
#include "train/checkpoint.h"
#include "train/data.h"
#include "train/memory.h"
#include "train/model_io.h"
#include "train/optimizer.h"
#include "train/text.h"
#include "util/cli.h"
#include "util/progress.h"

namespace charnn {

// Every setting of a training run. The defaults are the recipe `./train_lstm FILE` uses.
struct TrainSettings {
  std::string file;
  int hidden = 256;
  int layers = 2;
  int seq_len = 100;
  int batch = 32;
  int steps = 0;        // total optimizer steps; 0: no limit
  int epochs = 0;       // total passes over the training text; 0: no limit
  double minutes = 10;  // wall-clock budget of this run; 0: no limit
  double lr = 4e-3;
  std::string optimizer = "adam";
  double clip = 5;
  double dropout = 0.2;
  double reset = 0.2;        // probability that a stream starts a chunk from a zero state
  double lr_decay = 0.97;    // multiply the learning rate by this ...
  int lr_decay_every = 100;  // ... every this many steps (0: never)
  int seed = 1;
  int threads = 2;
  int eval_every = 200;
  int sample_every = 200;
  int sample_length = 200;
  int print_every = 20;    // report lines when stdout is not a terminal
  std::string checkpoint;  // default: <model>.ckpt
  std::string resume;
  std::string log;
  double val_frac = 0.1;
  bool lowercase = false;
  bool quiet = false;  // only the final summary line
};

// Training stops when the smoothed loss passes this many times ln(V + 1), the loss of a model
// that guesses uniformly (with room for an unseen character): no healthy run comes near it.
constexpr double kDivergedFactor = 5;

// Validation windows run this many at a time.
constexpr int kValidationBatch = 64;  // as train/memory.cpp assumes

namespace detail {

inline volatile std::sig_atomic_t stop_signal = 0;

inline void on_stop_signal(int sig) {
  stop_signal = sig;
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the program at once
}

// "lstm.ckpt" -> "lstm.best.ckpt"; "run/model" -> "run/model.best".
inline std::string best_path(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) ||
      dot == (slash == std::string::npos ? 0 : slash + 1))
    return path + ".best";
  return path.substr(0, dot) + ".best" + path.substr(dot);
}

}  // namespace detail

// The settings as the key/value list a checkpoint stores, and back.
inline std::vector<std::pair<std::string, std::string>> settings_to_config(const TrainSettings& s) {
  auto d = [](double v) {
    std::ostringstream o;
    o.precision(17);
    o << v;
    return o.str();
  };
  return {{"hidden", std::to_string(s.hidden)},
          {"layers", std::to_string(s.layers)},
          {"seq-len", std::to_string(s.seq_len)},
          {"batch", std::to_string(s.batch)},
          {"lr", d(s.lr)},
          {"optimizer", s.optimizer},
          {"clip", d(s.clip)},
          {"dropout", d(s.dropout)},
          {"state-reset", d(s.reset)},
          {"lr-decay", d(s.lr_decay)},
          {"lr-decay-every", std::to_string(s.lr_decay_every)},
          {"seed", std::to_string(s.seed)},
          {"val-frac", d(s.val_frac)},
          {"lowercase", s.lowercase ? "1" : "0"}};
}

// Declares every flag of ./train_rnn and ./train_lstm (`model` is "rnn" or "lstm") with its
// range; ArgParser::parse then fills `s`. The trainer and the command-line fuzz target
// (tests/fuzz/fuzz_cli.cpp) both use it.
inline void add_train_flags(ArgParser& a, TrainSettings& s, const std::string& model) {
  a.add_positional("FILE", &s.file, "the training text (UTF-8)", true);
  a.add_int("hidden", &s.hidden, "hidden units per layer", 1, kMaxHidden);
  a.add_int("layers", &s.layers, "stacked recurrent layers", 1, kMaxLayers);
  a.add_int("seq-len", &s.seq_len, "characters per chunk (truncated BPTT length)", 1, kMaxSeqLen);
  a.add_int("batch", &s.batch, "parallel streams per step", 1, 100000);
  a.add_int("steps", &s.steps, "stop after this many steps in total (0: no limit)", 0, 2000000000);
  a.add_int("epochs", &s.epochs, "stop after this many passes over the text (0: no limit)", 0,
            1000000);
  a.add_double("minutes", &s.minutes, "stop after this many minutes of this run (0: no limit)", 0,
               1e6);
  a.add_double("lr", &s.lr, "learning rate", 1e-12, 1e3);
  a.add_string("optimizer", &s.optimizer, "update rule", {"adam", "adagrad", "sgd", "rmsprop"});
  a.add_double("clip", &s.clip, "largest global gradient norm (0: no clipping)", 0, 1e12);
  a.add_double("dropout", &s.dropout,
               "probability of dropping each input of the layers above the first and of the "
               "output layer (training only)",
               0, 0.9);
  a.add_double("state-reset", &s.reset,
               "probability that a stream's carried state is zeroed before a chunk, so the "
               "model also learns to start from nothing, as validation does",
               0, 1);
  a.add_double("lr-decay", &s.lr_decay,
               "multiply the learning rate by this every "
               "--lr-decay-every steps",
               1e-6, 1);
  a.add_int("lr-decay-every", &s.lr_decay_every, "steps between learning-rate decays (0: never)", 0,
            2000000000);
  a.add_int("seed", &s.seed, "seed of the initial weights", 0, 2147483647);
  a.add_int("threads", &s.threads, "worker threads", 1, 256);
  a.add_int("eval-every", &s.eval_every, "steps between validations and checkpoints", 1,
            2000000000);
  a.add_int("sample-every", &s.sample_every, "steps between printed samples (0: never)", 0,
            2000000000);
  a.add_int("sample-length", &s.sample_length, "characters per printed sample", 1, 1000000);
  a.add_int("print-every", &s.print_every,
            "steps between progress lines when output is not a terminal", 1, 2000000000);
  a.add_string("checkpoint", &s.checkpoint,
               "where to save checkpoints (default: " + model +
                   ".ckpt; the best one goes beside it as NAME.best.ckpt)");
  a.add_string("resume", &s.resume, "continue the run saved in this checkpoint");
  a.add_string("log", &s.log, "append a CSV line per evaluation to this file");
  a.add_double("val-frac", &s.val_frac, "fraction of the text, at its end, that validates", 0, 0.9);
  a.add_flag("lowercase", &s.lowercase, "fold ASCII letters to lower case");
  a.add_flag("quiet", &s.quiet, "print only the final summary line (and errors)");
}

template <class Net>
class Trainer {
 public:
  using Model = LanguageModel<Net>;
  using SampleFn = std::function<std::string(Model&, const Vocabulary&, Rng&)>;

  Trainer(std::string program, SampleFn sample) : program_(std::move(program)), sample_(sample) {}

  // The whole program: returns the exit status.
  int main(int argc, const char* const* argv) {
    try {
      if (!parse(argc, argv)) return 0;
      return run();
    } catch (const UsageError& e) {
      std::cerr << program_ << ": " << e.what() << "\n";
      return 2;
    } catch (const std::bad_alloc&) {
      status_.finish();
      std::cerr << program_ << ": out of memory; use a smaller --hidden, --layers, --batch or "
                << "--seq-len\n";
      return 1;
    } catch (const std::exception& e) {
      status_.finish();
      std::cerr << program_ << ": " << e.what() << "\n";
      return 1;
    }
  }

 private:
  bool parse(int argc, const char* const* argv) {
    TrainSettings& s = s_;
    ArgParser a(program_, "FILE [options]",
                std::string("Trains a character-level ") + Net::kDisplayName +
                    " language model on a UTF-8 text\n"
                    "file. The first (1 - val-frac) of the text trains, the rest validates.\n"
                    "Progress, samples and validation loss are printed as it learns; checkpoints\n"
                    "are written at every evaluation, at the end and on Ctrl-C or SIGTERM.\n"
                    "Training stops at whichever of --steps, --epochs and --minutes comes first.");
    add_train_flags(a, s, Net::kName);
    if (!a.parse(argc, argv, std::cout)) return false;
    if (s.checkpoint.empty()) s.checkpoint = std::string(Net::kName) + ".ckpt";
    if (!s.resume.empty()) restore_settings(a);
    return true;
  }

  // On --resume, the run's settings come from the checkpoint: only what does not change the
  // computation (when to stop, how often to report, where to write, threads) may be given anew.
  void restore_settings(const ArgParser& a) {
    resumed_ = load_checkpoint(s_.resume);
    if (resumed_.model != Net::kName)
      throw std::runtime_error(s_.resume + " holds a " + resumed_.model +
                               " model; resume it with ./train_" + resumed_.model);
    TrainSettings given = s_;
    auto get = [&](const char* key) { return resumed_.setting(key, s_.resume); };
    auto same = [&](const char* key, const std::string& value_now, const std::string& saved) {
      if (a.given(key) && value_now != saved)
        throw UsageError(std::string("--") + key + " " + value_now +
                         " conflicts with the checkpoint being resumed, which has " + saved);
    };
    const auto now = settings_to_config(given);
    for (const auto& [key, value] : now) {
      if (key == "seed") continue;  // the seed only chose the initial weights
      same(key.c_str(), value, get(key.c_str()));
    }
    // The stored settings are parsed into the run's settings by the same parser, with the same
    // ranges, as the command line, so a damaged checkpoint (a batch of 0, a size of "abc") is
    // refused with the reason instead of reaching the code that trusts it. What they do not
    // name (when to stop, where to write, threads) keeps its value from the command line.
    ArgParser p(program_, "", "");
    add_train_flags(p, s_, Net::kName);
    std::vector<std::string> args = {program_};
    for (const auto& [key, value] : now) {
      const std::string stored = get(key.c_str());
      if (key != "lowercase") {
        args.push_back("--" + key + "=" + stored);
      } else if (stored == "1") {
        args.push_back("--lowercase");
      } else if (stored != "0") {
        throw CheckpointError(s_.resume + ": corrupt checkpoint (setting lowercase is '" + stored +
                              "', not 0 or 1)");
      }
    }
    args.push_back("--");  // the file last, after "--": a name like "-t.txt" is no option
    args.push_back(s_.file);
    std::vector<const char*> argv;
    for (const std::string& arg : args)
      argv.push_back(arg.c_str());
    std::ostringstream ignored;
    try {
      p.parse(static_cast<int>(argv.size()), argv.data(), ignored);
    } catch (const UsageError& e) {
      throw CheckpointError(s_.resume + ": corrupt checkpoint (setting " + e.what() + ")");
    }
  }

  int run() {
    const TrainSettings& s = s_;
    const bool resuming = !s.resume.empty();
    const Corpus corpus = load_corpus(s.file, s.val_frac, s.lowercase,
                                      resuming ? Vocabulary(resumed_.vocabulary) : Vocabulary());
    const Batcher batcher(corpus.train, s.batch, s.seq_len);
    check_paths();
    check_memory_fits(training_memory_bytes(Net::kGates, corpus.vocab.size(), s.hidden, s.layers,
                                            s.batch, s.seq_len));
    check_writable(s.checkpoint);
    if (window_count(corpus.val.size(), s.seq_len) < 1)
      throw TextError(s.file + ": the validation split has " + std::to_string(corpus.val.size()) +
                      " characters, fewer than one window of --seq-len + 1 = " +
                      std::to_string(s.seq_len + 1) + "; use a longer text or a larger --val-frac");

    typename Net::Config cfg;
    cfg.vocab = corpus.vocab.size();
    cfg.hidden = s.hidden;
    cfg.layers = s.layers;
    Model model(cfg);
    Rng rng(static_cast<std::uint64_t>(s.seed));
    Optimizer opt(s.optimizer, model.params.size());
    const Dropout dropout{s.dropout, &rng};
    std::vector<float> state(model.state_layout(s.batch).size(), 0.0f);
    std::int64_t step = 0, chunk = 0;
    double lr = s.lr, best_val = INFINITY, last_val = NAN, elapsed_before = 0;
    if (resuming) {
      restore(model, opt, rng, state, step, chunk, lr, best_val, last_val, elapsed_before);
    } else {
      model.init(rng);
    }

    set_thread_count(s.threads);
    std::signal(SIGINT, detail::on_stop_signal);
    std::signal(SIGTERM, detail::on_stop_signal);

    const std::int64_t cpe = batcher.chunks_per_epoch();
    const std::int64_t chars_per_step = static_cast<std::int64_t>(s.batch) * s.seq_len;
    say((resuming ? "resuming " + s.resume + " at step " + std::to_string(step) + ": "
                  : std::string("training ")) +
        Net::kName + " " + std::to_string(s.layers) + "x" + std::to_string(s.hidden) + " (" +
        format_count(static_cast<double>(model.params.size())) + " parameters) on " + s.file +
        ": " + format_count(static_cast<double>(corpus.train.size())) + " training and " +
        format_count(static_cast<double>(corpus.val.size())) +
        " validation characters, vocabulary " + std::to_string(corpus.vocab.size()) + "; batch " +
        std::to_string(s.batch) + " x " + std::to_string(s.seq_len) + ", " + std::to_string(cpe) +
        " steps per epoch");

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
    double smooth = NAN, train_seconds = 0;
    const double uniform_loss = std::log(corpus.vocab.size() + 1.0);  // guessing uniformly
    // The last checkpoint on disk that this run wrote or started from, and its step.
    std::string saved_path = resuming ? s.resume : "";
    std::int64_t saved_step = step;
    std::int64_t steps_this_run = 0;
    std::vector<int> x, y;
    std::ofstream log = open_log(resuming);

    auto stop_reason = [&]() -> std::string {
      if (detail::stop_signal) return "interrupted";
      if (s.steps > 0 && step >= s.steps) return "reached --steps";
      if (s.epochs > 0 && step >= static_cast<std::int64_t>(s.epochs) * cpe)
        return "reached --epochs";
      if (s.minutes > 0 && seconds() >= s.minutes * 60) return "reached --minutes";
      return "";
    };

    const Layout state_layout = model.state_layout(s.batch);
    std::string why;
    while ((why = stop_reason()).empty()) {
      if (chunk % cpe == 0) {
        std::fill(state.begin(), state.end(), 0.0f);  // a new epoch
      } else if (s.reset > 0) {
        reset_streams(state_layout, state, rng);
      }
      const auto t0 = clock::now();
      const Batch batch = batcher.chunk(chunk, x, y);
      const double loss = model.loss_and_grad(batch, state.data(), state.data(), nullptr, &dropout);
      const double norm = clip_global_norm(model.grads.data(), model.grads.size(), s.clip);
      if (!std::isfinite(loss) || !std::isfinite(norm))
        return stop_broken(std::string("the loss became ") +
                               (std::isfinite(loss) ? "finite but the gradient " : "") +
                               "NaN or infinite at step " + std::to_string(step + 1),
                           saved_path, saved_step);
      if (s.lr_decay_every > 0 && step > 0 && step % s.lr_decay_every == 0) lr *= s.lr_decay;
      opt.step(model.params.data(), model.grads.data(), model.params.size(), lr);
      ++step;
      ++chunk;
      ++steps_this_run;
      train_seconds += std::chrono::duration<double>(clock::now() - t0).count();
      smooth = std::isnan(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
      // A run whose loss climbs far above that of guessing uniformly (ln V) has diverged: with
      // the stable softmax the loss stays finite, so without this it would train on, and save,
      // nonsense. A healthy run starts near ln V and goes down.
      if (smooth > kDivergedFactor * uniform_loss)
        return stop_broken("the training loss diverged to " + format_fixed(smooth, 1) +
                               " nats/char at step " + std::to_string(step) +
                               " (guessing uniformly gives " + format_fixed(uniform_loss, 2) + ")",
                           saved_path, saved_step);

      const double chars_per_s = steps_this_run * chars_per_step / train_seconds;
      if (!s.quiet && (status_.terminal() || step % s.print_every == 0))
        status_.update(progress_line(step, chunk, cpe, smooth, last_val, chars_per_s, seconds()));
      if (!s.quiet && s.sample_every > 0 && step % s.sample_every == 0)
        print_sample(model, corpus, step);
      if (step % s.eval_every == 0) {
        last_val = evaluate(model, corpus);
        if (!finite_model(model, last_val))
          return stop_broken(
              "the model's weights or validation loss became NaN or infinite at "
              "step " +
                  std::to_string(step),
              saved_path, saved_step);
        const bool best = last_val < best_val;
        if (best) best_val = last_val;
        save(model, opt, rng, state, step, chunk, lr, best_val, last_val,
             elapsed_before + seconds(), corpus.vocab, best);
        saved_path = s.checkpoint;
        saved_step = step;
        say("step " + std::to_string(step) + ": validation loss " + format_fixed(last_val, 4) +
            " nats/char (" + format_fixed(last_val / std::log(2.0), 3) + " bits/char)" +
            (best ? ", the best so far: saved" : ", saved") + " " + s_.checkpoint);
        log_line(log, step, elapsed_before + seconds(), smooth, last_val, lr, chars_per_s);
      }
    }

    status_.finish();
    if (why == "interrupted") say("interrupted: saving a checkpoint ...");
    if (step % s.eval_every != 0 || steps_this_run == 0) {
      last_val = evaluate(model, corpus);
      if (!finite_model(model, last_val))
        return stop_broken(
            "the model's weights or validation loss became NaN or infinite at step " +
                std::to_string(step),
            saved_path, saved_step);
      const bool best = last_val < best_val;
      if (best) best_val = last_val;
      save(model, opt, rng, state, step, chunk, lr, best_val, last_val, elapsed_before + seconds(),
           corpus.vocab, best);
      log_line(log, step, elapsed_before + seconds(), smooth, last_val, lr,
               steps_this_run ? steps_this_run * chars_per_step / train_seconds : 0);
    }
    const double chars_per_s = steps_this_run ? steps_this_run * chars_per_step / train_seconds : 0;
    status_.print("done (" + why + "): " + std::to_string(step) + " steps (" +
                  format_fixed(static_cast<double>(step) / cpe, 2) + " epochs) in " +
                  format_duration(elapsed_before + seconds()) + ", train loss " +
                  format_fixed(smooth, 3) + ", val loss " + format_fixed(last_val, 4) +
                  " nats/char (" + format_fixed(last_val / std::log(2.0), 3) +
                  " bits/char), best val " + format_fixed(best_val, 4) + ", " +
                  format_count(chars_per_s) + " chars/s; saved " + s_.checkpoint);
    // Stopped by a signal: the work is saved, but the caller (a shell, a script, a job system)
    // must still learn that the program did not finish on its own: 128 + the signal's number,
    // as the shell reports a process killed by it.
    if (detail::stop_signal) return 128 + detail::stop_signal;
    return 0;
  }

  // Reports why training cannot go on and what is still safe on disk; nothing more is saved.
  int stop_broken(const std::string& what, const std::string& saved_path, std::int64_t saved_step) {
    status_.finish();
    std::cerr << program_ << ": " << what << "; is --lr " << s_.lr
              << " too high? Stopped without saving: "
              << (saved_path.empty() ? std::string("this run wrote no checkpoint")
                                     : "the last checkpoint is " + saved_path + " (step " +
                                           std::to_string(saved_step) + ")")
              << "\n";
    return 1;
  }

  static bool finite_model(const Model& model, double val_loss) {
    if (!std::isfinite(val_loss)) return false;
    for (const auto w : model.params)
      if (!std::isfinite(w)) return false;
    return true;
  }

  // Writing a checkpoint or the log over the training text, or two of them over each other,
  // would lose data: refused before anything starts.
  void check_paths() const {
    namespace fs = std::filesystem;
    auto same = [](const std::string& a, const std::string& b) {
      std::error_code ec1, ec2;
      if (fs::exists(a, ec1) && fs::exists(b, ec2)) return fs::equivalent(a, b, ec1);
      return fs::weakly_canonical(a, ec1) == fs::weakly_canonical(b, ec2) && !ec1 && !ec2;
    };
    const std::string best = detail::best_path(s_.checkpoint);
    const std::vector<std::pair<std::string, std::string>> outputs = {
        {"--checkpoint", s_.checkpoint}, {"--checkpoint's best copy", best}, {"--log", s_.log}};
    for (const auto& [flag, path] : outputs) {
      if (path.empty()) continue;
      if (same(path, s_.file))
        throw UsageError(flag + " " + path + " is the training text " + s_.file +
                         "; writing there would destroy it");
    }
    if (!s_.log.empty() && (same(s_.log, s_.checkpoint) || same(s_.log, best)))
      throw UsageError("--log " + s_.log + " is also where the checkpoints go; use another file");
  }

  // Zeroes the carried state of each stream with probability --state-reset: row b of every
  // state tensor (h0, and c0 for the LSTM, of every layer) belongs to stream b.
  void reset_streams(const Layout& layout, std::vector<float>& state, Rng& rng) const {
    for (int b = 0; b < s_.batch; ++b) {
      if (rng.uniform() >= s_.reset) continue;
      for (int k = 0; k < static_cast<int>(layout.tensors().size()); ++k) {
        Mat<float> m = layout.view(state.data(), k);
        for (int j = 0; j < m.cols; ++j)
          m(b, j) = 0.0f;
      }
    }
  }

  // Fails now, not after minutes of training, when the checkpoint cannot be written (a folder
  // that does not exist, one without write permission): creates and removes PATH.tmp, the very
  // file save_checkpoint writes first.
  static void check_writable(const std::string& path) {
    const std::string tmp = path + ".tmp";
    const bool existed = std::ifstream(tmp).good();
    errno = 0;
    std::ofstream probe(tmp, std::ios::app);
    if (!probe)
      throw std::runtime_error("cannot write checkpoint " + path + ": " +
                               (errno ? std::strerror(errno) : "cannot create a file there"));
    probe.close();
    if (!existed) std::remove(tmp.c_str());
  }

  void say(const std::string& line) {
    if (!s_.quiet) status_.print(line);
  }

  std::string progress_line(std::int64_t step, std::int64_t chunk, std::int64_t cpe, double smooth,
                            double val, double chars_per_s, double secs) const {
    std::string line = "step " + std::to_string(step);
    if (s_.steps > 0) line += "/" + std::to_string(s_.steps);
    line += " | epoch " + format_fixed(static_cast<double>(chunk) / cpe, 2) + " | loss " +
            format_fixed(smooth, 3) + " | val " +
            (std::isnan(val) ? std::string("-") : format_fixed(val, 3)) + " | " +
            format_count(chars_per_s) + " chars/s";
    double eta = -1;
    if (s_.minutes > 0) eta = s_.minutes * 60 - secs;
    if (s_.steps > 0 && chars_per_s > 0) {
      const double by_steps =
          static_cast<double>(s_.steps - step) * s_.batch * s_.seq_len / chars_per_s;
      eta = eta < 0 ? by_steps : std::min(eta, by_steps);
    }
    if (eta >= 0) line += " | ETA " + format_duration(eta);
    return line;
  }

  double evaluate(Model& model, const Corpus& corpus) {
    return window_loss(model, corpus.val, s_.seq_len, kValidationBatch);
  }

  void print_sample(Model& model, const Corpus& corpus, std::int64_t step) {
    if (!sample_) return;
    Rng rng(static_cast<std::uint64_t>(s_.seed) * 1000003u + static_cast<std::uint64_t>(step));
    status_.print("--- sample at step " + std::to_string(step) + " ---\n" +
                  sample_(model, corpus.vocab, rng) + "\n---");
  }

  std::ofstream open_log(bool resuming) const {
    std::ofstream log;
    if (s_.log.empty()) return log;
    const bool exists = std::ifstream(s_.log).good();
    log.open(s_.log, resuming ? std::ios::app : std::ios::trunc);
    if (!log) throw std::runtime_error("cannot write the log file " + s_.log);
    if (!resuming || !exists) log << "step,seconds,train_loss,val_loss,lr,chars_per_s\n";
    return log;
  }

  void log_line(std::ofstream& log, std::int64_t step, double secs, double train, double val,
                double lr, double chars_per_s) const {
    if (!log.is_open()) return;
    log << step << "," << format_fixed(secs, 2) << "," << format_fixed(train, 5) << ","
        << format_fixed(val, 5) << "," << lr << "," << format_fixed(chars_per_s, 0) << "\n";
    log.flush();
  }

  void save(const Model& model, const Optimizer& opt, Rng& rng, const std::vector<float>& state,
            std::int64_t step, std::int64_t chunk, double lr, double best_val, double last_val,
            double elapsed, const Vocabulary& vocab, bool best) {
    Checkpoint ck;
    ck.model = Net::kName;
    ck.config = settings_to_config(s_);
    ck.vocabulary = vocab.symbols();
    ck.tensors = model.layout().tensors();
    ck.params = model.params;
    ck.optimizer_state = opt.state();
    ck.step = step;
    ck.learning_rate = lr;
    std::ostringstream engine;
    engine << rng.engine();
    ck.rng_state = engine.str();
    ck.data_positions = {chunk};
    ck.hidden_state = state;
    ck.elapsed_seconds = elapsed;
    ck.best_val_loss = best_val;
    ck.last_val_loss = last_val;
    save_checkpoint(s_.checkpoint, ck);
    if (best) save_checkpoint(detail::best_path(s_.checkpoint), ck);
  }

  void restore(Model& model, Optimizer& opt, Rng& rng, std::vector<float>& state,
               std::int64_t& step, std::int64_t& chunk, double& lr, double& best_val,
               double& last_val, double& elapsed) {
    const Checkpoint& ck = resumed_;
    const std::string& path = s_.resume;
    load_parameters(model, ck, path);
    if (ck.hidden_state.size() != state.size() || ck.data_positions.size() != 1)
      throw std::runtime_error(path + ": its carried state does not match --batch " +
                               std::to_string(s_.batch));
    try {
      opt.set_state(ck.optimizer_state, ck.step);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": " + e.what());
    }
    std::istringstream engine(ck.rng_state);
    engine >> rng.engine();
    if (!engine) throw std::runtime_error(path + ": its random generator state is unreadable");
    state = ck.hidden_state;
    step = ck.step;
    chunk = ck.data_positions[0];
    lr = ck.learning_rate;
    best_val = ck.best_val_loss;
    last_val = ck.last_val_loss;
    elapsed = ck.elapsed_seconds;
  }

  std::string program_;
  SampleFn sample_;
  TrainSettings s_;
  Checkpoint resumed_;
  StatusLine status_{stdout_is_terminal()};
};

}  // namespace charnn
