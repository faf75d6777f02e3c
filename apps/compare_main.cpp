// ./compare FILE [options] and ./compare --task memory: a vanilla RNN and an LSTM side by side.
// The work is in samples/compare.cpp; docs/rnn-vs-lstm.md explains what comes out.
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include "samples/compare.h"
#include "train/model_io.h"
#include "train/text.h"
#include "util/cli.h"
#include "util/progress.h"

namespace {

using namespace charnn;

// "5,10,20" -> {5, 10, 20}; each gap in 1..10000.
std::vector<int> parse_gaps(const std::string& text) {
  std::vector<int> gaps;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int gap = 0;
    try {
      gap = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || gap < 1 || gap > 10000)
      throw UsageError("--gaps: expected gaps from 1 to 10000 separated by commas, got '" + text +
                       "'");
    gaps.push_back(gap);
  }
  if (gaps.empty()) throw UsageError("--gaps: expected at least one gap");
  return gaps;
}

// The text for `Written by ...` in the README: the program and its arguments, quoted where
// needed.
std::string command_line(int argc, char** argv) {
  std::string line = "./compare";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?") == std::string::npos;
    line += " " + (plain ? a : "'" + a + "'");
  }
  return line;
}

}  // namespace

static int program_main(int argc, char** argv) {
  CompareSettings s;
  std::string gaps = "5,10,20,50,100";
  ArgParser a("compare", "FILE [options]  |  --task memory [options]",
              "Trains a vanilla RNN and an LSTM side by side and writes what they learned into\n"
              "a folder: README.md (samples of both at milestones, validation losses,\n"
              "configuration, time), loss.svg, gradient-flow.svg and metrics.csv.\n"
              "Both models get the same batches, seed, sizes and optimizer, one step each in\n"
              "turn. With --task memory, no FILE: both learn to recall a marker seen k steps\n"
              "earlier, for each gap k of --gaps, and the folder gets README.md, memory.svg and\n"
              "metrics.csv. See docs/rnn-vs-lstm.md.");
  a.add_positional("FILE", &s.file, "the training text (UTF-8); not with --task memory", false);
  a.add_string("task", &s.task, "what to compare on", {"text", "memory"});
  a.add_string("out", &s.out,
               "the output folder (default: samples/NAME for FILE NAME.txt, samples/memory for "
               "the memory task)");
  a.add_int("steps", &s.steps,
            "steps per model; text: stop there (0: no limit); memory: steps per gap (3000 "
            "unless given)",
            0, 2000000000);
  a.add_double("minutes", &s.minutes,
               "text: stop after this many minutes in all, evaluation included (10 when neither "
               "--steps nor --minutes is given; 0: no limit)",
               0, 1e6);
  a.add_int("hidden", &s.hidden, "hidden units per layer (memory task: 64 unless given)", 1,
            kMaxHidden);
  a.add_int("layers", &s.layers, "stacked recurrent layers (memory task: 1 unless given)", 1,
            kMaxLayers);
  a.add_flag("match-params", &s.match_params,
             "widen the RNN to about the LSTM's number of parameters");
  a.add_int("seq-len", &s.seq_len, "characters per chunk (truncated BPTT length)", 1, kMaxSeqLen);
  a.add_int("batch", &s.batch, "parallel streams per step", 1, 100000);
  a.add_double("lr", &s.lr, "learning rate (Adam)", 1e-12, 1e3);
  a.add_double("lr-decay", &s.lr_decay,
               "multiply the learning rate by this every --lr-decay-every steps", 1e-6, 1);
  a.add_int("lr-decay-every", &s.lr_decay_every, "steps between decays (0: never)", 0, 2000000000);
  a.add_double("clip", &s.clip, "largest global gradient norm (0: no clipping)", 0, 1e12);
  a.add_double("dropout", &s.dropout,
               "probability of dropping each input of the layers above the first and of the "
               "output layer (training only; the memory task uses none)",
               0, 0.9);
  a.add_double("state-reset", &s.reset,
               "probability that a stream's carried state is zeroed before a chunk", 0, 1);
  a.add_int("seed", &s.seed, "seed of the initial weights, the data draws and the samples", 0,
            2147483647);
  a.add_int("threads", &s.threads, "worker threads", 1, 256);
  a.add_double("val-frac", &s.val_frac, "fraction of the text, at its end, that validates", 0, 0.9);
  a.add_int("val-chars", &s.val_chars, "validate on at most this many characters", 2, 2000000000);
  a.add_int("eval-every", &s.eval_every,
            "steps between validations (memory: between accuracy measurements)", 1, 2000000000);
  a.add_int("sample-length", &s.sample_length, "characters per sample", 1, 100000);
  a.add_string("prime", &s.prime, "text every sample starts from (default: a newline)");
  a.add_int("max-lag", &s.max_lag, "gradient flow: largest k measured", 1, 10000);
  a.add_string("gaps", &gaps, "memory task: the gaps k, separated by commas");
  a.add_flag("lowercase", &s.lowercase, "fold ASCII letters to lower case");
  try {
    if (!a.parse(argc, argv, std::cout)) return 0;
    s.gaps = parse_gaps(gaps);
    s.command = command_line(argc, argv);
    if (s.task == "memory") {
      if (!s.file.empty())
        throw UsageError("--task memory makes its own sequences; it takes no FILE");
      if (a.given("minutes"))
        throw UsageError("--minutes: the memory task trains --steps per gap instead");
      if (!a.given("steps")) s.steps = 3000;
      if (s.steps < 1) throw UsageError("--steps: the memory task needs at least 1");
      if (!a.given("hidden")) s.hidden = 64;
      if (!a.given("layers")) s.layers = 1;
      if (!a.given("eval-every")) s.eval_every = 250;
      if (s.out.empty()) s.out = "samples/memory";
    } else {
      if (s.file.empty()) throw UsageError("missing FILE (see --help)");
      if (!a.given("steps") && !a.given("minutes")) s.minutes = 10;
      if (s.steps == 0 && s.minutes == 0)
        throw UsageError("--steps 0 and --minutes 0 would never stop; give a limit");
      if (s.out.empty()) {
        const std::string name = corpus_name(s.file);
        if (name.empty() || name == "." || name == "..")
          throw UsageError(s.file + ": cannot name an output folder after it; give --out DIR");
        s.out = "samples/" + name;
      }
    }
    run_comparison(s, std::cout);
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "compare: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "compare: " << e.what() << "\n";
    return 1;
  }
}

int main(int argc, char** argv) {
  return charnn::finish_stdout("compare", program_main(argc, argv));
}
