#include "samples/sample_program.h"

#include <cstdio>
#include <sstream>

#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "samples/beam_search.h"
#include "samples/generate.h"
#include "train/checkpoint.h"
#include "train/model_io.h"

namespace charnn {

namespace {

// The window generator's seed is 2^32 + --seed: no --seed (at most 2^31 - 1) gives the sampler
// the same stream, so the window and the draws after it are independent, and the text after a
// window is the text --prime WINDOW gives with the same seed.
constexpr std::uint64_t kWindowSeedOffset = std::uint64_t(1) << 32;

// --prime-from: a window of st.prime_length characters of the file, its start uniform over the
// possible ones. The file is read and encoded as the checkpoint's codec encodes any text, so a
// character outside the vocabulary is TextError naming the file and the position.
std::vector<int> prime_window(const SampleSettings& st, const TextCodec& codec) {
  const std::string& path = st.prime_from;
  const std::vector<int> ids = codec.encode(decode_utf8(read_text_file(path), path), path);
  const std::size_t N = static_cast<std::size_t>(st.prime_length);
  if (ids.size() < N)
    throw TextError(path + ": has " + std::to_string(ids.size()) + " characters, fewer than " +
                    "--prime-length " + std::to_string(N));
  const std::size_t starts = ids.size() - N + 1;
  Rng rng(kWindowSeedOffset + static_cast<std::uint64_t>(st.seed));
  const std::size_t start =
      std::min(starts - 1, static_cast<std::size_t>(rng.uniform() * static_cast<double>(starts)));
  return std::vector<int>(ids.begin() + static_cast<std::ptrdiff_t>(start),
                          ids.begin() + static_cast<std::ptrdiff_t>(start + N));
}

template <class Net>
int run(const SampleSettings& st, const Checkpoint& ck) {
  LanguageModel<Net> model(config_from_checkpoint<Net>(ck, st.checkpoint));
  load_parameters(model, ck, st.checkpoint);
  const TextCodec codec = codec_from_checkpoint(ck, st.checkpoint);
  const Vocabulary& vocab = codec.vocab();
  std::vector<int> prime;
  if (!st.prime_from.empty()) {
    prime = prime_window(st, codec);
    std::fputs(encode_utf8(vocab.decode(prime)).c_str(), stdout);  // as the model reads it
  } else if (st.prime.empty()) {
    prime = default_prime(vocab);
  } else {
    prime = codec.encode(decode_utf8(st.prime, "--prime"), "--prime");
    std::fputs(st.prime.c_str(), stdout);
  }
  if (st.beam > 0) {
    std::fflush(stdout);  // the prime shows while the search runs
    const BeamResult best = beam_search(model, prime, st.beam, st.length,
                                        separator_from_checkpoint(ck, codec, st.checkpoint));
    std::fputs(encode_utf8(vocab.decode(best.ids)).c_str(), stdout);
  } else {
    SamplerOptions opt;
    opt.temperature = st.temperature;
    opt.top_k = st.top_k;
    opt.top_p = st.top_p;
    Rng rng(static_cast<std::uint64_t>(st.seed));
    generate(
        model, vocab, prime, st.length, opt, rng,
        [](const std::string& ch) { std::fputs(ch.c_str(), stdout); },
        separator_from_checkpoint(ck, codec, st.checkpoint));  // a trained --reset-at
  }
  std::fputs("\n", stdout);
  std::fflush(stdout);
  return 0;
}

// The combinations of flags ./sample refuses, before anything is read.
void check_flags(const SampleSettings& st, const ArgParser& parsed) {
  if (parsed.given("prime") && parsed.given("prime-from"))
    throw UsageError("--prime and --prime-from: give one of them");
  if (parsed.given("prime-length") && !parsed.given("prime-from"))
    throw UsageError(
        "--prime-length is the length of the --prime-from window; give --prime-from "
        "FILE too");
  if (st.top_p == 0)
    throw UsageError("--top-p: 0 keeps no character; give a value above 0 (1 keeps all)");
  if (st.beam == 0) return;
  if (parsed.given("temperature") && st.temperature != 0) {
    std::ostringstream msg;
    msg << "--beam and --temperature " << st.temperature
        << ": beam search draws nothing (it scores at temperature 1); leave --temperature out "
           "or give 0";
    throw UsageError(msg.str());
  }
  for (const char* flag : {"top-k", "top-p"})
    if (parsed.given(flag))
      throw UsageError(std::string("--beam and --") + flag + ": beam search draws nothing, so --" +
                       flag + " does not apply");
  const std::int64_t pointers = static_cast<std::int64_t>(st.beam) * st.length;
  if (pointers > kMaxBeamBackPointers)
    throw UsageError("--beam " + std::to_string(st.beam) + " with --length " +
                     std::to_string(st.length) + " would keep " + std::to_string(pointers) +
                     " back-pointers; --length × --beam may be at most " +
                     std::to_string(kMaxBeamBackPointers));
}

}  // namespace

ArgParser sample_flags(SampleSettings& st) {
  ArgParser args("sample", "CHECKPOINT [options]",
                 "Generates text with a model saved by ./train_lstm, ./train_rnn or ./train_gru,\n"
                 "streaming it to standard output as UTF-8. The model first reads a prime: the\n"
                 "--prime text, printed as given, or with --prime-from a window of --prime-length\n"
                 "characters of a file, its start drawn with the seed, printed as the model reads\n"
                 "it. Both are read as the model's training text was: \\r\\n as \\n unless the\n"
                 "model trained with --keep-crlf, A-Z folded to a-z if it trained with\n"
                 "--lowercase; a character that is then not in the model's vocabulary is an\n"
                 "error. Without a prime the model reads one newline (or, when its vocabulary\n"
                 "has none, its first character), which is not printed. Then it draws --length\n"
                 "characters, each fed back in as the next input: the model's probabilities are\n"
                 "reshaped by --temperature, then cut by --top-k, then by --top-p, and one\n"
                 "character is drawn. The output ends with a newline.\n"
                 "The same seed gives the same text.\n"
                 "\n"
                 "--beam N draws nothing: it prints the most likely continuation of --length\n"
                 "characters (under the model's own probabilities, temperature 1) that a beam\n"
                 "search keeping the N best candidates finds, once the search is done. N = 1 is\n"
                 "--temperature 0. --top-k, --top-p and a --temperature other than 0 are refused\n"
                 "with it.");
  args.add_positional("CHECKPOINT", &st.checkpoint, "a checkpoint file", true);
  args.add_int("length", &st.length, "characters to generate after the prime", 1, 100000000);
  args.add_double("temperature", &st.temperature,
                  "below 1 is more conservative, above 1 more adventurous; 0 always picks the "
                  "most likely character",
                  0, 100);
  args.add_int("top-k", &st.top_k, "draw only from the k most likely characters (0: all)", 0,
               1000000);
  args.add_double("top-p", &st.top_p,
                  "draw only from the smallest set of most likely characters whose probabilities "
                  "add up to at least X (after --top-k); X must be above 0; 1: all",
                  0, 1);
  args.add_int("beam", &st.beam,
               "instead of drawing, find the most likely continuation with a beam search that "
               "keeps the N best candidates (0: draw)",
               0, kMaxBeams);
  args.add_string("prime", &st.prime,
                  "text the model reads first, printed before what it generates (default: an "
                  "unprinted newline)");
  args.add_string("prime-from", &st.prime_from,
                  "a text file: the prime is a window of --prime-length characters of it, its "
                  "start drawn with --seed");
  args.add_int("prime-length", &st.prime_length, "the length of the --prime-from window", 1,
               1000000);
  args.add_int("seed", &st.seed, "seed of the random draws", 0, 2147483647);
  return args;
}

int sample_program(const SampleSettings& st, const ArgParser& parsed) {
  check_flags(st, parsed);
  const Checkpoint ck = load_checkpoint(st.checkpoint);
  if (ck.model == "lstm") return run<Lstm<float>>(st, ck);
  if (ck.model == "rnn") return run<Rnn<float>>(st, ck);
  if (ck.model == "gru") return run<Gru<float>>(st, ck);
  throw CheckpointError(st.checkpoint + ": unknown model '" + ck.model + "'");
}

}  // namespace charnn
