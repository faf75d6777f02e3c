// The training driver shared by ./train_rnn and ./train_lstm: settings (train/settings.h), data,
// the training loop,
// validation, checkpoints, progress, and stopping cleanly on Ctrl-C. The two programs differ
// only in the network they instantiate this with (apps/train_rnn_main.cpp,
// apps/train_lstm_main.cpp). docs/training.md explains the recipe and every equation the
// loop uses.
//
//   every step: the stream reset, a chunk of text, train_step (train/train_step.h)
//   every --eval-every steps: validation loss, checkpoint (latest, and best), CSV log line
#pragma once

#include <algorithm>
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
#include <optional>
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
#include "train/settings.h"
#include "train/text.h"
#include "train/train_state.h"
#include "train/train_step.h"
#include "util/cli.h"
#include "util/program.h"
#include "util/progress.h"

namespace charnn {

// Training stops when the smoothed loss passes this many times ln(V + 1), the loss of a model
// that guesses uniformly (with room for an unseen character): no healthy run comes near it.
constexpr double kDivergedFactor = 5;

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

template <class Net>
class Trainer {
 public:
  using Model = LanguageModel<Net>;
  // A progress sample: the model, its vocabulary, the record separator (empty: none), the length.
  using SampleFn = std::function<std::string(Model&, const Vocabulary&, const std::vector<int>&,
                                             int length, Rng&)>;

  Trainer(std::string program, SampleFn sample) : program_(std::move(program)), sample_(sample) {}

  // The whole program: returns the exit status (util/program.h).
  int main(int argc, const char* const* argv) {
    ArgParser flags(program_, "FILE [options]",
                    std::string("Trains a character-level ") + Net::kDisplayName +
                        " language model on a UTF-8 text\n"
                        "file. The first (1 - val-frac) of the text trains, the rest validates.\n"
                        "Progress, samples and validation loss are printed as it learns; "
                        "checkpoints\n"
                        "are written at every evaluation, at the end and on Ctrl-C or SIGTERM.\n"
                        "Training stops at whichever of --steps, --epochs and --minutes comes "
                        "first.");
    add_train_flags(flags, s_, Net::kName);
    return run_program(flags, argc, argv, [&] {
      complete_settings(flags);
      return run_ending_status_line();
    });
  }

 private:
  // The settings the command line left open: the default checkpoint path, and on --resume the
  // run's settings from the checkpoint (train/settings.h): only what does not change the
  // computation (when to stop, how often to report, where to write, threads) may be given anew.
  void complete_settings(const ArgParser& flags) {
    if (s_.checkpoint.empty()) s_.checkpoint = std::string(Net::kName) + ".ckpt";
    try {  // one spelling of the separator, so '\n\n' and a typed $'\n\n' compare equal
      s_.reset_at = escape(unescape(s_.reset_at, "--reset-at"));
    } catch (const TextError& e) {
      throw UsageError(e.what());
    }
    if (!s_.init_from.empty()) {
      if (!s_.resume.empty())
        throw UsageError(
            "--resume and --init-from: give one of them (--resume continues a run, "
            "--init-from starts a new one from a model's weights)");
      init_ = load_checkpoint(s_.init_from);
      if (init_.model != Net::kName)
        throw std::runtime_error(s_.init_from + " holds a " + init_.model +
                                 " model; fine-tune it with ./train_" + init_.model);
      model_settings_from_checkpoint(init_, s_.init_from, flags, s_);
      return;
    }
    if (s_.resume.empty()) return;
    resumed_ = load_checkpoint(s_.resume);
    if (resumed_.model != Net::kName)
      throw std::runtime_error(s_.resume + " holds a " + resumed_.model +
                               " model; resume it with ./train_" + resumed_.model);
    settings_from_checkpoint(resumed_, s_.resume, flags, s_);
  }

  // run(), with the status line ended before an error line is printed (by run_program), and
  // running out of memory told as what to change.
  int run_ending_status_line() {
    try {
      return run();
    } catch (const std::bad_alloc&) {
      status_.finish();
      throw std::runtime_error(
          "out of memory; use a smaller --hidden, --layers, --batch or --seq-len");
    } catch (...) {
      status_.finish();
      throw;
    }
  }

  int run() {
    const TrainSettings& s = s_;
    const bool resuming = !s.resume.empty(), initing = !s.init_from.empty();
    // The vocabulary: the resumed run's; with --init-from the model's, with the characters of
    // the new text it lacks added; else the text's own.
    Vocabulary vocab;
    std::vector<char32_t> added;
    if (resuming) vocab = Vocabulary(resumed_.vocabulary);
    if (initing) {
      const Vocabulary own =
          load_corpus(s.file, s.val_frac, TextCodec(Vocabulary(), s.lowercase, s.keep_crlf)).vocab;
      std::vector<unsigned char> present(0x110000, 0);
      for (char32_t c : init_.vocabulary)
        present[c] = 1;
      for (char32_t c : own.symbols())
        if (!present[c]) added.push_back(c), present[c] = 1;
      vocab = Vocabulary::from_present(present);
    }
    const Corpus corpus =
        load_corpus(s.file, s.val_frac, TextCodec(vocab, s.lowercase, s.keep_crlf));
    // Record resets (--reset-at): where records start in each split.
    const std::string absent =
        "--reset-at '" + s.reset_at + "' does not occur in the training text of " + s.file;
    try {
      separator_ = separator_ids(s.reset_at, TextCodec(corpus.vocab, s.lowercase, s.keep_crlf),
                                 "--reset-at");
    } catch (const TextError&) {  // a character the text does not have
      throw TextError(absent);
    }
    const std::vector<unsigned char> train_starts = record_starts(corpus.train, separator_);
    val_starts_ = record_starts(corpus.val, separator_);
    const auto records = std::count(train_starts.begin(), train_starts.end(), 1);
    if (!separator_.empty() && records == 0) throw TextError(absent);
    const Batcher batcher(corpus.train, s.batch, s.seq_len,
                          separator_.empty() ? nullptr : &train_starts);
    check_paths();
    check_memory_fits(training_memory_bytes(Net::kGates, corpus.vocab.size(), s.hidden, s.layers,
                                            s.batch, s.seq_len, !separator_.empty()));
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
    TrainState ts;
    ts.rng = Rng(static_cast<std::uint64_t>(s.seed));
    Rng& rng = ts.rng;  // the initial weights, then dropout masks and state resets
    Optimizer opt(s.optimizer, model.params.size());
    const Dropout dropout{s.dropout, &rng};
    ts.carried_state.assign(model.state_layout(s.batch).size(), 0.0f);
    ts.lr = s.lr;
    if (resuming) {
      restore(model, opt, ts);
    } else {
      model.init(rng);
      // Fine-tuning: the weights are the checkpoint's; only an added character's rows keep the
      // fresh values just drawn. The optimizer, the step count and the carried state start anew.
      if (initing) load_parameters_into_vocabulary(model, corpus.vocab, init_, s.init_from);
    }
    const double elapsed_before = ts.elapsed_seconds;  // training time of the earlier runs

    set_thread_count(s.threads);
    std::signal(SIGINT, detail::on_stop_signal);
    std::signal(SIGTERM, detail::on_stop_signal);

    const std::int64_t cpe = batcher.chunks_per_epoch();
    const std::int64_t chars_per_step = static_cast<std::int64_t>(s.batch) * s.seq_len;
    if (initing) {
      std::string list;
      for (char32_t c : added)
        list += (list.empty() ? "" : ", ") + describe_char(c);
      say("starting from the weights of " + s.init_from +
          (added.empty() ? std::string(", whose vocabulary has every character of the text")
                         : "; characters of the text it lacks, added with fresh weights: " + list));
    }
    say((resuming ? "resuming " + s.resume + " at step " + std::to_string(ts.step) + ": "
                  : std::string("training ")) +
        Net::kName + " " + std::to_string(s.layers) + "x" + std::to_string(s.hidden) + " (" +
        format_count(static_cast<double>(model.params.size())) + " parameters) on " + s.file +
        ": " + format_count(static_cast<double>(corpus.train.size())) + " training and " +
        format_count(static_cast<double>(corpus.val.size())) +
        " validation characters, vocabulary " + std::to_string(corpus.vocab.size()) + "; batch " +
        std::to_string(s.batch) + " x " + std::to_string(s.seq_len) + ", " + std::to_string(cpe) +
        " steps per epoch");
    if (!separator_.empty())
      say("record resets: the state is zeroed at each '" + s.reset_at + "', " +
          format_count(static_cast<double>(records)) + " times in the training text");

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
    double smooth = NAN, train_seconds = 0;
    const double uniform_loss = std::log(corpus.vocab.size() + 1.0);  // guessing uniformly
    // The last checkpoint on disk that this run wrote or started from, and its step.
    std::string saved_path = resuming ? s.resume : "";
    std::int64_t saved_step = ts.step;
    std::int64_t steps_this_run = 0;
    std::vector<int> x, y;
    std::vector<unsigned char> starts;  // the chunk's record starts, with --reset-at
    std::ofstream log = open_log(resuming);

    auto stop_reason = [&]() -> std::string {
      if (detail::stop_signal) return "interrupted";
      if (s.steps > 0 && ts.step >= s.steps) return "reached --steps";
      if (s.epochs > 0 && ts.step >= static_cast<std::int64_t>(s.epochs) * cpe)
        return "reached --epochs";
      if (s.minutes > 0 && seconds() >= s.minutes * 60) return "reached --minutes";
      return "";
    };

    const Layout state_layout = model.state_layout(s.batch);
    StepRule rule;
    rule.clip = s.clip;
    rule.lr_decay = s.lr_decay;
    rule.lr_decay_every = s.lr_decay_every;
    // The validation loss, then a checkpoint: whether it is the best so far, or nothing when
    // the model or the loss is no longer finite (then nothing is saved).
    auto evaluate_and_save = [&]() -> std::optional<bool> {
      ts.last_val_loss = evaluate(model, corpus);
      if (!finite_model(model, ts.last_val_loss)) return std::nullopt;
      const bool best = ts.last_val_loss < ts.best_val_loss;
      if (best) ts.best_val_loss = ts.last_val_loss;
      ts.elapsed_seconds = elapsed_before + seconds();
      save(model, opt, ts, corpus.vocab, best);
      return best;
    };
    auto not_finite = [&] {
      return "the model's weights or validation loss became NaN or infinite at step " +
             std::to_string(ts.step);
    };
    std::string why;
    std::vector<char> reset;  // which streams start the chunk from a zero state
    while ((why = stop_reason()).empty()) {
      streams_to_reset(ts.chunk, cpe, s.batch, s.reset, rng, reset);
      zero_streams(state_layout, ts.carried_state.data(), reset);
      const auto t0 = clock::now();
      const Batch batch = batcher.chunk(ts.chunk, x, y, &starts);
      const StepResult r = train_step(model, opt, batch, &dropout, ts.carried_state.data(),
                                      ts.carried_state.data(), ts.lr, ts.step, rule);
      if (!r.finite)
        return stop_broken(std::string("the loss became ") +
                               (std::isfinite(r.loss) ? "finite but the gradient " : "") +
                               "NaN or infinite at step " + std::to_string(ts.step + 1),
                           saved_path, saved_step);
      ts.lr = r.lr;
      const double loss = r.loss;
      ++ts.step;
      ++ts.chunk;
      ++steps_this_run;
      train_seconds += std::chrono::duration<double>(clock::now() - t0).count();
      smooth = std::isnan(smooth) ? loss : 0.98 * smooth + 0.02 * loss;
      // A run whose loss climbs far above that of guessing uniformly (ln V) has diverged: with
      // the stable softmax the loss stays finite, so without this it would train on, and save,
      // nonsense. A healthy run starts near ln V and goes down.
      if (smooth > kDivergedFactor * uniform_loss)
        return stop_broken("the training loss diverged to " + format_fixed(smooth, 1) +
                               " nats/char at step " + std::to_string(ts.step) +
                               " (guessing uniformly gives " + format_fixed(uniform_loss, 2) + ")",
                           saved_path, saved_step);

      const double chars_per_s = steps_this_run * chars_per_step / train_seconds;
      if (!s.quiet && (status_.terminal() || ts.step % s.print_every == 0))
        status_.update(progress_line(ts.step, ts.chunk, cpe, smooth, ts.last_val_loss, chars_per_s,
                                     seconds()));
      if (!s.quiet && s.sample_every > 0 && ts.step % s.sample_every == 0)
        print_sample(model, corpus, ts.step);
      if (ts.step % s.eval_every == 0) {
        const std::optional<bool> best = evaluate_and_save();
        if (!best) return stop_broken(not_finite(), saved_path, saved_step);
        saved_path = s.checkpoint;
        saved_step = ts.step;
        say("step " + std::to_string(ts.step) + ": validation loss " +
            format_fixed(ts.last_val_loss, 4) + " nats/char (" +
            format_fixed(ts.last_val_loss / std::log(2.0), 3) + " bits/char)" +
            (*best ? ", the best so far: saved" : ", saved") + " " + s_.checkpoint);
        log_line(log, ts.step, elapsed_before + seconds(), smooth, ts.last_val_loss, ts.lr,
                 chars_per_s);
      }
    }

    status_.finish();
    if (why == "interrupted") say("interrupted: saving a checkpoint ...");
    if (ts.step % s.eval_every != 0 || steps_this_run == 0) {
      if (!evaluate_and_save()) return stop_broken(not_finite(), saved_path, saved_step);
      log_line(log, ts.step, elapsed_before + seconds(), smooth, ts.last_val_loss, ts.lr,
               steps_this_run ? steps_this_run * chars_per_step / train_seconds : 0);
    }
    const double chars_per_s = steps_this_run ? steps_this_run * chars_per_step / train_seconds : 0;
    status_.print("done (" + why + "): " + std::to_string(ts.step) + " steps (" +
                  format_fixed(static_cast<double>(ts.step) / cpe, 2) + " epochs) in " +
                  format_duration(elapsed_before + seconds()) + ", train loss " +
                  format_fixed(smooth, 3) + ", val loss " + format_fixed(ts.last_val_loss, 4) +
                  " nats/char (" + format_fixed(ts.last_val_loss / std::log(2.0), 3) +
                  " bits/char), best val " + format_fixed(ts.best_val_loss, 4) + ", " +
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
    return window_loss(model, corpus.val, s_.seq_len, kValidationBatch,
                       separator_.empty() ? nullptr : &val_starts_);
  }

  void print_sample(Model& model, const Corpus& corpus, std::int64_t step) {
    if (!sample_) return;
    Rng rng(static_cast<std::uint64_t>(s_.seed) * 1000003u + static_cast<std::uint64_t>(step));
    status_.print("--- sample at step " + std::to_string(step) + " ---\n" +
                  sample_(model, corpus.vocab, separator_, s_.sample_length, rng) + "\n---");
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

  // Writes the checkpoint (and, when `best`, its best copy beside it): the model, the optimizer,
  // where training stands, the settings and the vocabulary.
  void save(const Model& model, const Optimizer& opt, const TrainState& ts, const Vocabulary& vocab,
            bool best) {
    Checkpoint ck;
    ck.model = Net::kName;
    ck.config = settings_to_config(s_);
    ck.vocabulary = vocab.symbols();
    ck.tensors = model.layout().tensors();
    ck.params = model.params;
    ck.optimizer_state = opt.state();
    put_train_state(ts, ck);
    save_checkpoint(s_.checkpoint, ck);
    if (best) save_checkpoint(detail::best_path(s_.checkpoint), ck);
  }

  // The reverse, from the checkpoint being resumed, whose settings are already in s_; `ts`
  // arrives with its carried state sized for --batch.
  void restore(Model& model, Optimizer& opt, TrainState& ts) {
    const Checkpoint& ck = resumed_;
    const std::string& path = s_.resume;
    load_parameters(model, ck, path);
    if (ck.hidden_state.size() != ts.carried_state.size() || ck.data_positions.size() != 1)
      throw std::runtime_error(path + ": its carried state does not match --batch " +
                               std::to_string(s_.batch));
    try {
      opt.set_state(ck.optimizer_state, ck.step);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": " + e.what());
    }
    take_train_state(ck, path, ts);
  }

  std::string program_;
  SampleFn sample_;
  std::vector<int> separator_;             // --reset-at as ids (empty: no record resets)
  std::vector<unsigned char> val_starts_;  // record_starts of the validation text
  TrainSettings s_;
  Checkpoint resumed_;
  Checkpoint init_;  // --init-from's checkpoint
  StatusLine status_{stdout_is_terminal()};
};

}  // namespace charnn
