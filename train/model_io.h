// Building a model from a checkpoint: the shape from its settings, the parameters checked
// tensor by tensor against the layout the model expects.
#pragma once

#include <stdexcept>
#include <string>

#include "core/language_model.h"
#include "train/checkpoint.h"
#include "train/text.h"

namespace charnn {

// The largest model and chunk the programs accept: the trainers' and ./compare's --hidden,
// --layers and --seq-len, and the same settings read back from a checkpoint, obey them.
constexpr int kMaxHidden = 8192;
constexpr int kMaxLayers = 16;
constexpr int kMaxSeqLen = 100000;

// The integer setting `key` of a checkpoint, which must lie in [min, max]; anything else (not a
// number, trailing text, out of range) is CheckpointError "PATH: corrupt checkpoint (setting
// KEY is 'VALUE', not an integer from MIN to MAX)".
inline int checkpoint_int(const Checkpoint& ck, const std::string& key, const std::string& path,
                          long min, long max) {
  const std::string value = ck.setting(key, path);
  std::size_t used = 0;
  long v = 0;
  try {
    v = std::stol(value, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || v < min || v > max)
    throw CheckpointError(path + ": corrupt checkpoint (setting " + key + " is '" + value +
                          "', not an integer from " + std::to_string(min) + " to " +
                          std::to_string(max) + ")");
  return static_cast<int>(v);
}

// The flag setting `key` of a checkpoint, stored as "1" or "0"; anything else is
// CheckpointError "PATH: corrupt checkpoint (setting KEY is 'VALUE', not 0 or 1)".
inline bool checkpoint_flag(const Checkpoint& ck, const std::string& key, const std::string& path) {
  const std::string value = ck.setting(key, path);
  if (value != "1" && value != "0")
    throw CheckpointError(path + ": corrupt checkpoint (setting " + key + " is '" + value +
                          "', not 0 or 1)");
  return value == "1";
}

// The text codec a checkpoint carries: its vocabulary and its "lowercase" and "keep-crlf"
// settings. A checkpoint written before --keep-crlf existed has no "keep-crlf": those versions
// kept "\r\n" as two characters, so it reads as 1 (train/settings.cpp's if_absent says the same).
inline TextCodec codec_from_checkpoint(const Checkpoint& ck, const std::string& path) {
  bool has_keep_crlf = false;
  for (const auto& entry : ck.config)
    has_keep_crlf = has_keep_crlf || entry.first == "keep-crlf";
  const bool keep_crlf = has_keep_crlf ? checkpoint_flag(ck, "keep-crlf", path) : true;
  return TextCodec(Vocabulary(ck.vocabulary), checkpoint_flag(ck, "lowercase", path), keep_crlf);
}

// The record separator (--reset-at) as ids: `escaped` (as escape() writes it) unescaped,
// decoded and folded as `codec` reads text, then looked up in its vocabulary. Empty for an empty
// separator. A bad escape or a character outside the vocabulary is a TextError naming `what`.
inline std::vector<int> separator_ids(const std::string& escaped, const TextCodec& codec,
                                      const std::string& what) {
  if (escaped.empty()) return {};
  return codec.encode(decode_utf8(unescape(escaped, what), what), what);
}

// The record separator a checkpoint trained with (its "reset-at" setting), as ids of `codec`
// (the checkpoint's own, codec_from_checkpoint): empty when it trained without, or was written
// before --reset-at existed. A stored value that does not read is CheckpointError.
inline std::vector<int> separator_from_checkpoint(const Checkpoint& ck, const TextCodec& codec,
                                                  const std::string& path) {
  for (const auto& [key, value] : ck.config)
    if (key == "reset-at") try {
        return separator_ids(value, codec, "setting reset-at");
      } catch (const TextError& e) {
        throw CheckpointError(path + ": corrupt checkpoint (" + e.what() + ")");
      }
  return {};
}

template <class Net>
typename Net::Config config_from_checkpoint(const Checkpoint& ck, const std::string& path) {
  typename Net::Config cfg;
  cfg.vocab = static_cast<int>(ck.vocabulary.size());
  cfg.hidden = checkpoint_int(ck, "hidden", path, 1, kMaxHidden);
  cfg.layers = checkpoint_int(ck, "layers", path, 1, kMaxLayers);
  if (cfg.vocab < 1) throw CheckpointError(path + ": corrupt checkpoint (empty vocabulary)");
  // The exact parameter count these settings give, found by registering the tensors in a
  // scratch layout (the constructors only do that), must be what the file holds. Checked before
  // the model is built: a 49 KB file claiming 8192 characters must not make us allocate
  // gigabytes (found by tests/fuzz/fuzz_checkpoint.cpp).
  Layout probe;
  const Net net(cfg, probe);
  const SoftmaxHead<typename Net::Scalar> head(net.output_size(), cfg.vocab, probe);
  if (probe.size() != ck.params.size())
    throw CheckpointError(path + ": its parameters do not match the model it describes");
  return cfg;
}

// Copies the checkpoint's parameters into `model` after checking that every tensor has the
// name, shape and place the model expects.
template <class Net>
void load_parameters(LanguageModel<Net>& model, const Checkpoint& ck, const std::string& path) {
  if (ck.model != Net::kName)
    throw CheckpointError(path + ": holds a " + ck.model + " model, not " + Net::kName);
  const auto& expected = model.layout().tensors();
  if (ck.tensors.size() != expected.size() || ck.params.size() != model.params.size())
    throw CheckpointError(path + ": its parameters do not match the model it describes");
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const TensorInfo& a = ck.tensors[k];
    const TensorInfo& b = expected[k];
    if (a.name != b.name || a.rows != b.rows || a.cols != b.cols || a.offset != b.offset)
      throw CheckpointError(path + ": tensor " + a.name + " does not match the model");
  }
  for (std::size_t k = 0; k < ck.params.size(); ++k)
    model.params[k] = static_cast<typename Net::Scalar>(ck.params[k]);
}

// --init-from: the checkpoint's parameters copied into `model`, whose vocabulary `vocab` holds
// every character of the checkpoint's and possibly more (the new text's). A tensor with a
// dimension of the vocabulary's size (the input weights of layer 0, the softmax head's weights
// and bias) is copied row by row or column by column through each character's old and new id;
// the rows or columns of the added characters keep the values `model` has (its fresh
// initialisation). Every other tensor is copied whole. The tensors' names and the other
// dimensions must match, else CheckpointError.
template <class Net>
void load_parameters_into_vocabulary(LanguageModel<Net>& model, const Vocabulary& vocab,
                                     const Checkpoint& ck, const std::string& path) {
  if (ck.model != Net::kName)
    throw CheckpointError(path + ": holds a " + ck.model + " model, not " + Net::kName);
  const Vocabulary old(ck.vocabulary);
  const int V_old = old.size(), V_new = vocab.size();
  std::vector<int> new_id(static_cast<std::size_t>(V_old));  // the new id of each old id
  for (int k = 0; k < V_old; ++k) {
    new_id[static_cast<std::size_t>(k)] = vocab.id(old.symbol(k));
    if (new_id[static_cast<std::size_t>(k)] < 0)
      throw std::logic_error("load_parameters_into_vocabulary: a character was dropped");
  }
  const auto& expected = model.layout().tensors();
  if (ck.tensors.size() != expected.size())
    throw CheckpointError(path + ": its parameters do not match the model it describes");
  for (std::size_t t = 0; t < expected.size(); ++t) {
    const TensorInfo& a = ck.tensors[t];
    const TensorInfo& b = expected[t];
    // A dimension that changed is the vocabulary's (the sizes of the layers are the same).
    const bool rows_by_id = a.rows != b.rows, cols_by_id = a.cols != b.cols;
    if (a.name != b.name || (rows_by_id && (a.rows != V_old || b.rows != V_new)) ||
        (cols_by_id && (a.cols != V_old || b.cols != V_new)) ||
        a.offset + a.size() > ck.params.size())
      throw CheckpointError(path + ": tensor " + a.name + " does not match the model");
    for (int r = 0; r < a.rows; ++r)
      for (int c = 0; c < a.cols; ++c) {
        const int r_new = rows_by_id ? new_id[static_cast<std::size_t>(r)] : r;
        const int c_new = cols_by_id ? new_id[static_cast<std::size_t>(c)] : c;
        model.params[b.offset + static_cast<std::size_t>(r_new) * b.cols + c_new] =
            static_cast<typename Net::Scalar>(
                ck.params[a.offset + static_cast<std::size_t>(r) * a.cols + c]);
      }
  }
}

}  // namespace charnn
