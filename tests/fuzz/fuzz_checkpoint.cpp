// Fuzz target for the checkpoint reader, charnn::parse_checkpoint (train/checkpoint.cpp).
//
// The first input byte chooses what the rest is:
//   'b'        a payload: the target wraps it in a valid header (magic, version, length) and a
//              valid CRC-32 trailer, so that mutations reach the field parser behind the
//              checksum instead of nearly always failing it;
//   any other  a whole checkpoint file, as is (magic, version, length and checksum checks).
// parse_checkpoint must return or throw charnn::CheckpointError; anything else escapes and
// crashes the fuzzer. A checkpoint that parses must then survive what ./sample and ./evaluate
// do with it (config_from_checkpoint, the model built, load_parameters, the Vocabulary, one
// forward step, whatever the weights: NaN and infinities included), and saving it must give
// back exactly the bytes it was parsed from: every value has one encoding in this format, so
// the writer must mirror the reader.
//
// There is no in-memory writer, so the round trip goes through save_checkpoint into one
// temporary file per process, in $CHARNN_FUZZ_TMPDIR (default /tmp; run.sh uses /dev/shm); it
// runs only for inputs that parse.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/fast/parallel.h"
#include "core/language_model.h"
#include "gru/gru.h"
#include "lstm/lstm.h"
#include "rnn/rnn.h"
#include "tests/fuzz/fuzz_check.h"
#include "train/checkpoint.h"
#include "train/model_io.h"
#include "train/text.h"

namespace {

const std::string kPath = "fuzz.ckpt";  // only names the input in messages
std::string round_trip_path;            // where the round trip saves

void remove_round_trip_file() {
  std::remove(round_trip_path.c_str());
}

void put_le(std::vector<unsigned char>& out, std::uint64_t v, int bytes) {
  for (int k = 0; k < bytes; ++k)
    out.push_back(static_cast<unsigned char>(v >> (8 * k)));
}

// Header and trailer around `payload`, as docs/checkpoint.md lays them out.
std::vector<unsigned char> wrap(const unsigned char* payload, std::size_t size) {
  std::vector<unsigned char> file = {'C', 'H', 'A', 'R', 'N', 'N', 'C', 'K'};
  put_le(file, charnn::kCheckpointVersion, 4);
  put_le(file, size, 8);
  file.insert(file.end(), payload, payload + size);
  put_le(file, charnn::crc32(payload, size), 4);
  return file;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  // (memcmp must not see the null data() of an empty vector, even for 0 bytes.)
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// What ./sample and ./evaluate do with a checkpoint of this model type, up to the first
// prediction. CheckpointError is the refusal they report; anything else is a bug.
template <class Net>
void use_model(const charnn::Checkpoint& ck) {
  try {
    charnn::LanguageModel<Net> model(charnn::config_from_checkpoint<Net>(ck, kPath));
    charnn::load_parameters(model, ck, kPath);
    // Accepted: the tensors are exactly the model's, and every parameter arrived unchanged.
    FUZZ_CHECK(same_bits(model.params, ck.params));
    std::vector<float> state(model.state_layout(1).size(), 0.0f);
    const int first = 0;
    const charnn::CMat<float> logits = model.logits(&first, 1, 1, state.data(), state.data());
    FUZZ_CHECK(logits.rows == 1 && logits.cols == static_cast<int>(ck.vocabulary.size()));
  } catch (const charnn::CheckpointError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("CHARNN_FUZZ_TMPDIR");
  round_trip_path = std::string(dir && *dir ? dir : "/tmp") + "/charnn-fuzz-" +
                    std::to_string(static_cast<long>(getpid())) + ".ckpt";
  std::atexit(remove_round_trip_file);
  charnn::set_thread_count(1);  // the fuzzer runs on one core
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<unsigned char> file;
  if (data[0] == 'b')
    file = wrap(data + 1, size - 1);
  else
    file.assign(data + 1, data + size);

  charnn::Checkpoint ck;
  try {
    ck = charnn::parse_checkpoint(file.data(), file.size(), kPath);
  } catch (const charnn::CheckpointError& e) {
    FUZZ_CHECK(std::string(e.what()).compare(0, kPath.size() + 2, kPath + ": ") == 0);
    return 0;
  }

  // The parser's structure checks include the vocabulary's rules, so Vocabulary must agree.
  const charnn::Vocabulary vocab(ck.vocabulary);
  FUZZ_CHECK(vocab.symbols() == ck.vocabulary);
  for (int id = 0; id < vocab.size(); ++id)
    FUZZ_CHECK(vocab.id(vocab.symbol(id)) == id);

  if (ck.model == charnn::Rnn<float>::kName) use_model<charnn::Rnn<float>>(ck);
  if (ck.model == charnn::Lstm<float>::kName) use_model<charnn::Lstm<float>>(ck);
  if (ck.model == charnn::Gru<float>::kName) use_model<charnn::Gru<float>>(ck);

  // Saving what was parsed gives the same bytes (save_checkpoint applies the same structure
  // checks as the parser, so it must not refuse).
  charnn::save_checkpoint(round_trip_path, ck);
  const std::string saved = charnn::read_file(round_trip_path);
  FUZZ_CHECK(saved.size() == file.size());
  FUZZ_CHECK(std::memcmp(saved.data(), file.data(), file.size()) == 0);

  // And the saved file loads to the same fields, bit for bit.
  const charnn::Checkpoint again = charnn::load_checkpoint(round_trip_path);
  FUZZ_CHECK(again.model == ck.model && again.config == ck.config &&
             again.rng_state == ck.rng_state);
  FUZZ_CHECK(again.vocabulary == ck.vocabulary && again.data_positions == ck.data_positions);
  FUZZ_CHECK(again.tensors.size() == ck.tensors.size());
  for (std::size_t k = 0; k < ck.tensors.size(); ++k)
    FUZZ_CHECK(again.tensors[k].name == ck.tensors[k].name &&
               again.tensors[k].rows == ck.tensors[k].rows &&
               again.tensors[k].cols == ck.tensors[k].cols &&
               again.tensors[k].offset == ck.tensors[k].offset);
  FUZZ_CHECK(same_bits(again.params, ck.params) && same_bits(again.hidden_state, ck.hidden_state));
  FUZZ_CHECK(again.optimizer_state.size() == ck.optimizer_state.size());
  for (std::size_t k = 0; k < ck.optimizer_state.size(); ++k)
    FUZZ_CHECK(again.optimizer_state[k].first == ck.optimizer_state[k].first &&
               same_bits(again.optimizer_state[k].second, ck.optimizer_state[k].second));
  const double a[] = {again.learning_rate, again.elapsed_seconds, again.best_val_loss,
                      again.last_val_loss};
  const double b[] = {ck.learning_rate, ck.elapsed_seconds, ck.best_val_loss, ck.last_val_loss};
  FUZZ_CHECK(again.step == ck.step && std::memcmp(a, b, sizeof a) == 0);
  return 0;
}
