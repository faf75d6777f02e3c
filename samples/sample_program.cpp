#include "samples/sample_program.h"

#include <cstdio>

#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "samples/generate.h"
#include "train/checkpoint.h"
#include "train/model_io.h"

namespace charnn {

namespace {

template <class Net>
int run(const SampleSettings& st, const Checkpoint& ck) {
  LanguageModel<Net> model(config_from_checkpoint<Net>(ck, st.checkpoint));
  load_parameters(model, ck, st.checkpoint);
  const TextCodec codec = codec_from_checkpoint(ck, st.checkpoint);
  const Vocabulary& vocab = codec.vocab();
  std::vector<int> prime;
  if (st.prime.empty()) {
    prime = default_prime(vocab);
  } else {
    prime = codec.encode(decode_utf8(st.prime, "--prime"), "--prime");
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

ArgParser sample_flags(SampleSettings& st) {
  ArgParser args(
      "sample", "CHECKPOINT [options]",
      "Generates text with a model saved by ./train_lstm or ./train_rnn, streaming it\n"
      "to standard output as UTF-8. The model first reads the --prime text, which is\n"
      "printed as given. It is read as the model's training text was: \\r\\n as \\n\n"
      "unless the model trained with --keep-crlf, A-Z folded to a-z if it trained with\n"
      "--lowercase; a character that is then not in the model's vocabulary is an error.\n"
      "Without --prime the model reads one newline (or, when its vocabulary has none,\n"
      "its first character), which is not printed. Then it draws --length characters,\n"
      "each fed back in as the next input, and the output ends with a newline. The\n"
      "same seed gives the same text.");
  args.add_positional("CHECKPOINT", &st.checkpoint, "a checkpoint file", true);
  args.add_int("length", &st.length, "characters to generate after the prime", 1, 100000000);
  args.add_double("temperature", &st.temperature,
                  "below 1 is more conservative, above 1 more adventurous; 0 always picks the "
                  "most likely character",
                  0, 100);
  args.add_int("top-k", &st.top_k, "draw only from the k most likely characters (0: all)", 0,
               1000000);
  args.add_string("prime", &st.prime,
                  "text the model reads first, printed before what it generates (default: an "
                  "unprinted newline)");
  args.add_int("seed", &st.seed, "seed of the random draws", 0, 2147483647);
  return args;
}

int sample_program(const SampleSettings& st) {
  const Checkpoint ck = load_checkpoint(st.checkpoint);
  if (ck.model == "lstm") return run<Lstm<float>>(st, ck);
  if (ck.model == "rnn") return run<Rnn<float>>(st, ck);
  throw CheckpointError(st.checkpoint + ": unknown model '" + ck.model + "'");
}

}  // namespace charnn
