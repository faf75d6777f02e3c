// Building a model from a checkpoint: the shape from its settings, the parameters checked
// tensor by tensor against the layout the model expects.
#pragma once

#include <stdexcept>
#include <string>

#include "core/checkpoint.h"
#include "core/language_model.h"

namespace charnn {

template <class Net>
typename Net::Config config_from_checkpoint(const Checkpoint& ck, const std::string& path) {
  typename Net::Config cfg;
  cfg.vocab = static_cast<int>(ck.vocabulary.size());
  try {
    cfg.hidden = std::stoi(ck.setting("hidden", path));
    cfg.layers = std::stoi(ck.setting("layers", path));
  } catch (const std::logic_error&) {
    throw CheckpointError(path + ": corrupt checkpoint (unreadable model size)");
  }
  if (cfg.vocab < 1 || cfg.hidden < 1 || cfg.layers < 1)
    throw CheckpointError(path + ": corrupt checkpoint (empty model)");
  // Every layer has at least a hidden x hidden recurrent matrix, so the stored parameters
  // bound the sizes. Checked before the model is built: settings that disagree with the
  // tensors must not make us allocate a model larger than the file.
  const double at_least = static_cast<double>(cfg.hidden) * cfg.hidden * cfg.layers;
  if (at_least > static_cast<double>(ck.params.size()))
    throw CheckpointError(path + ": corrupt checkpoint (its settings, " +
                          std::to_string(cfg.layers) + " layers of " + std::to_string(cfg.hidden) +
                          ", need more parameters than the " + std::to_string(ck.params.size()) +
                          " it holds)");
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

}  // namespace charnn
