// ./sample CHECKPOINT: generates text with a trained RNN or LSTM. See docs/sampling.md.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "samples/generate.h"
#include "train/checkpoint.h"
#include "train/model_io.h"
#include "util/cli.h"
#include "util/progress.h"

namespace {

using namespace charnn;

struct Settings {
  std::string checkpoint, prime;
  int length = 1000;
  double temperature = 0.8;
  int top_k = 0;
  int seed = 1;
};

template <class Net>
int run(const Settings& st, const Checkpoint& ck) {
  LanguageModel<Net> model(config_from_checkpoint<Net>(ck, st.checkpoint));
  load_parameters(model, ck, st.checkpoint);
  const Vocabulary vocab(ck.vocabulary);
  std::vector<int> prime;
  if (st.prime.empty()) {
    prime = default_prime(vocab);
  } else {
    std::u32string text = decode_utf8(st.prime, "--prime");
    if (ck.setting("lowercase", st.checkpoint) == "1") text = ascii_lowercase(text);
    prime = vocab.encode(text, "--prime");
    std::fputs(st.prime.c_str(), stdout);
  }
  SamplerOptions opt;
  opt.temperature = st.temperature;
  opt.top_k = st.top_k;
  Rng rng(static_cast<std::uint64_t>(st.seed));
  generate(model, vocab, prime, st.length, opt, rng,
           [](const std::string& ch) { std::fputs(ch.c_str(), stdout); });
  std::fputs("\n", stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

static int program_main(int argc, char** argv) {
  Settings st;
  ArgParser args("sample", "CHECKPOINT [options]",
                 "Generates text with a model saved by ./train_lstm or ./train_rnn, streaming it\n"
                 "to standard output as UTF-8. The same seed gives the same text.");
  args.add_positional("CHECKPOINT", &st.checkpoint, "a checkpoint file", true);
  args.add_int("length", &st.length, "characters to generate", 1, 100000000);
  args.add_double("temperature", &st.temperature,
                  "below 1 is more conservative, above 1 more adventurous; 0 always picks the "
                  "most likely character",
                  0, 100);
  args.add_int("top-k", &st.top_k, "draw only from the k most likely characters (0: all)", 0,
               1000000);
  args.add_string("prime", &st.prime,
                  "text that warms up the model's state first and starts the output");
  args.add_int("seed", &st.seed, "seed of the random draws", 0, 2147483647);
  try {
    if (!args.parse(argc, argv, std::cout)) return 0;
    const Checkpoint ck = load_checkpoint(st.checkpoint);
    if (ck.model == "lstm") return run<Lstm<float>>(st, ck);
    if (ck.model == "rnn") return run<Rnn<float>>(st, ck);
    throw CheckpointError(st.checkpoint + ": unknown model '" + ck.model + "'");
  } catch (const UsageError& e) {
    std::cerr << "sample: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "sample: " << e.what() << "\n";
    return 1;
  }
}

int main(int argc, char** argv) {
  return charnn::finish_stdout("sample", program_main(argc, argv));
}
