#include "train/settings.h"

#include <sstream>
#include <stdexcept>

#include "train/model_io.h"

namespace charnn {

namespace {

using S = TrainSettings;

Setting integer(const char* name, int S::*member, int value, long min, long max, OnResume r,
                const char* help) {
  return {
      name, Field<int>{member, value}, static_cast<double>(min), static_cast<double>(max), {}, r,
      help};
}
Setting number(const char* name, double S::*member, double value, double min, double max,
               OnResume r, const char* help) {
  return {name, Field<double>{member, value}, min, max, {}, r, help};
}
Setting text(const char* name, std::string S::*member, const char* value,
             std::vector<std::string> choices, OnResume r, const char* help) {
  return {name, Field<std::string>{member, value}, 0, 0, std::move(choices), r, help};
}
Setting flag(const char* name, bool S::*member, OnResume r, const char* help) {
  return {name, Field<bool>{member, false}, 0, 0, {}, r, help};
}

constexpr OnResume kKept = OnResume::kKept, kStored = OnResume::kStored, kFree = OnResume::kFree;

// Checkpoints written before --keep-crlf existed read "\r\n" as two characters.
Setting keep_crlf_flag() {
  Setting s = flag("keep-crlf", &S::keep_crlf, kKept,
                   "keep Windows line endings as the two characters \\r\\n (default: read \\r\\n "
                   "as \\n; the checkpoint records it for ./sample and ./evaluate)");
  s.if_absent = "1";
  return s;
}

// Checkpoints written before --reset-at existed never reset the state inside a chunk.
Setting reset_at_text() {
  Setting s = text("reset-at", &S::reset_at, "", {}, kKept,
                   "zero the state at each occurrence of TEXT, so that the records it separates "
                   "(poems, entries) are learned independently: '\\n\\n' for a blank line "
                   "(\\n, \\t, \\r and \\\\ are escapes; the checkpoint records it for "
                   "./sample and ./evaluate)");
  s.if_absent = "";
  return s;
}
constexpr long kMaxInt = 2000000000;

const Setting& find_setting(const std::string& name) {
  for (const Setting& s : train_settings())
    if (s.name == name) return s;
  throw std::logic_error("no training setting '" + name + "'");
}

std::string help_for(const Setting& s, const std::string& model) {
  std::string help = s.help;
  const std::size_t at = help.find("{model}");
  if (at != std::string::npos) help.replace(at, 7, model);
  return help;
}

// Declares setting `s` as a flag writing into `target` (a field of some settings struct).
void declare(ArgParser& a, const Setting& s, int* target, const std::string& help) {
  a.add_int(s.name, target, help, static_cast<long>(s.min), static_cast<long>(s.max));
}
void declare(ArgParser& a, const Setting& s, double* target, const std::string& help) {
  a.add_double(s.name, target, help, s.min, s.max);
}
void declare(ArgParser& a, const Setting& s, std::string* target, const std::string& help) {
  a.add_string(s.name, target, help, s.choices);
}
void declare(ArgParser& a, const Setting& s, bool* target, const std::string& help) {
  a.add_flag(s.name, target, help);
}

template <class T>
void add_flag_for(ArgParser& a, const std::string& name, T* target, const std::string& help) {
  const Setting& s = find_setting(name);
  if (!std::holds_alternative<Field<T>>(s.field))
    throw std::logic_error("training setting '" + name + "' has another type");
  declare(a, s, target, help.empty() ? s.help : help);
}

// A setting's value as the text a checkpoint stores.
std::string as_text(int v) {
  return std::to_string(v);
}
std::string as_text(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}
std::string as_text(const std::string& v) {
  return v;
}
std::string as_text(bool v) {
  return v ? "1" : "0";
}

std::string value_text(const Setting& s, const TrainSettings& settings) {
  return std::visit([&](const auto& f) { return as_text(settings.*f.member); }, s.field);
}

// A stored value read back with the checks of its flag; throws what the flag would.
void read_stored(const Setting& s, const std::string& value, const std::string& path,
                 TrainSettings& settings) {
  if (const auto* f = std::get_if<Field<int>>(&s.field)) {
    settings.*f->member = static_cast<int>(
        parse_int_flag(s.name, value, static_cast<long>(s.min), static_cast<long>(s.max)));
  } else if (const auto* f = std::get_if<Field<double>>(&s.field)) {
    settings.*f->member = parse_double_flag(s.name, value, s.min, s.max);
  } else if (const auto* f = std::get_if<Field<std::string>>(&s.field)) {
    settings.*f->member = parse_choice_flag(s.name, value, s.choices);
  } else if (const auto* f = std::get_if<Field<bool>>(&s.field)) {
    if (value != "1" && value != "0")  // the message of checkpoint_flag (train/model_io.h)
      throw CheckpointError(path + ": corrupt checkpoint (setting " + s.name + " is '" + value +
                            "', not 0 or 1)");
    settings.*f->member = value == "1";
  }
}

}  // namespace

const std::vector<Setting>& train_settings() {
  static const std::vector<Setting> table = {
      integer("hidden", &S::hidden, 256, 1, kMaxHidden, kKept, "hidden units per layer"),
      integer("layers", &S::layers, 2, 1, kMaxLayers, kKept, "stacked recurrent layers"),
      integer("seq-len", &S::seq_len, 100, 1, kMaxSeqLen, kKept,
              "characters per chunk (truncated BPTT length)"),
      integer("batch", &S::batch, 32, 1, 100000, kKept, "parallel streams per step"),
      integer("steps", &S::steps, 0, 0, kMaxInt, kFree,
              "stop after this many steps in total (0: no limit)"),
      integer("epochs", &S::epochs, 0, 0, 1000000, kFree,
              "stop after this many passes over the text (0: no limit)"),
      number("minutes", &S::minutes, 10, 0, 1e6, kFree,
             "stop after this many minutes of this run (0: no limit)"),
      number("lr", &S::lr, 4e-3, 1e-12, 1e3, kKept, "learning rate"),
      text("optimizer", &S::optimizer, "adam", {"adam", "adagrad", "sgd", "rmsprop"}, kKept,
           "update rule"),
      number("clip", &S::clip, 5, 0, 1e12, kKept, "largest global gradient norm (0: no clipping)"),
      number("dropout", &S::dropout, 0.2, 0, 0.9, kKept,
             "probability of dropping each input of the layers above the first and of the "
             "output layer (training only)"),
      number("state-reset", &S::reset, 0.2, 0, 1, kKept,
             "probability that a stream's carried state is zeroed before a chunk, so the "
             "model also learns to start from nothing, as validation does"),
      number("lr-decay", &S::lr_decay, 0.97, 1e-6, 1, kKept,
             "multiply the learning rate by this every --lr-decay-every steps"),
      integer("lr-decay-every", &S::lr_decay_every, 100, 0, kMaxInt, kKept,
              "steps between learning-rate decays (0: never)"),
      integer("seed", &S::seed, 1, 0, 2147483647, kStored, "seed of the initial weights"),
      integer("threads", &S::threads, 2, 1, 256, kFree, "worker threads"),
      integer("eval-every", &S::eval_every, 200, 1, kMaxInt, kFree,
              "steps between validations and checkpoints"),
      integer("sample-every", &S::sample_every, 200, 0, kMaxInt, kFree,
              "steps between printed samples (0: never)"),
      integer("sample-length", &S::sample_length, 200, 1, 1000000, kFree,
              "characters per printed sample"),
      integer("print-every", &S::print_every, 20, 1, kMaxInt, kFree,
              "steps between progress lines when output is not a terminal"),
      text("checkpoint", &S::checkpoint, "", {}, kFree,
           "where to save checkpoints (default: {model}.ckpt; the best one goes beside it as "
           "NAME.best.ckpt)"),
      text("resume", &S::resume, "", {}, kFree, "continue the run saved in this checkpoint"),
      text("init-from", &S::init_from, "", {}, kFree,
           "start from this checkpoint's weights on a new text (fine-tuning): its size, "
           "vocabulary, --lowercase and --keep-crlf are kept, characters it lacks are added, "
           "and the optimizer and the step count start afresh"),
      text("log", &S::log, "", {}, kFree,
           "write a CSV line per evaluation to this file (a new run replaces the file, "
           "--resume appends to it)"),
      number("val-frac", &S::val_frac, 0.1, 0, 0.9, kKept,
             "fraction of the text, at its end, that validates"),
      flag("lowercase", &S::lowercase, kKept,
           "fold A-Z to a-z (the checkpoint records it: ./sample and ./evaluate then fold their "
           "text too)"),
      keep_crlf_flag(),
      reset_at_text(),
      flag("quiet", &S::quiet, kFree, "print only the final summary line (and errors)"),
  };
  return table;
}

TrainSettings::TrainSettings() {
  for (const Setting& s : train_settings())
    std::visit([this](const auto& f) { this->*f.member = f.default_value; }, s.field);
}

void add_train_flags(ArgParser& a, TrainSettings& s, const std::string& model) {
  a.add_positional("FILE", &s.file, "the training text (UTF-8)", true);
  for (const Setting& row : train_settings())
    std::visit([&](const auto& f) { declare(a, row, &(s.*f.member), help_for(row, model)); },
               row.field);
}

void add_setting_flag(ArgParser& a, const std::string& name, int* target, const std::string& help) {
  add_flag_for(a, name, target, help);
}
void add_setting_flag(ArgParser& a, const std::string& name, double* target,
                      const std::string& help) {
  add_flag_for(a, name, target, help);
}
void add_setting_flag(ArgParser& a, const std::string& name, std::string* target,
                      const std::string& help) {
  add_flag_for(a, name, target, help);
}
void add_setting_flag(ArgParser& a, const std::string& name, bool* target,
                      const std::string& help) {
  add_flag_for(a, name, target, help);
}

std::vector<std::pair<std::string, std::string>> settings_to_config(const TrainSettings& s) {
  std::vector<std::pair<std::string, std::string>> config;
  for (const Setting& row : train_settings())
    if (row.on_resume != OnResume::kFree) config.emplace_back(row.name, value_text(row, s));
  return config;
}

std::string stored_setting(const Checkpoint& ck, const Setting& row, const std::string& path) {
  if (row.if_absent) {
    bool present = false;
    for (const auto& entry : ck.config)
      present = present || entry.first == row.name;
    if (!present) return *row.if_absent;
  }
  return ck.setting(row.name, path);
}

void model_settings_from_checkpoint(const Checkpoint& ck, const std::string& path,
                                    const ArgParser& given, TrainSettings& s) {
  for (const char* name : {"hidden", "layers", "lowercase", "keep-crlf"}) {
    const Setting& row = find_setting(name);
    const std::string stored = stored_setting(ck, row, path);
    const std::string now = value_text(row, s);
    if (given.given(row.name) && now != stored)
      throw UsageError("--" + row.name + " " + now + " conflicts with --init-from " + path +
                       ", whose model has " + stored);
    try {
      read_stored(row, stored, path, s);
    } catch (const UsageError& e) {
      throw CheckpointError(path + ": corrupt checkpoint (setting " + e.what() + ")");
    }
  }
}

void settings_from_checkpoint(const Checkpoint& ck, const std::string& path, const ArgParser& given,
                              TrainSettings& s) {
  for (const Setting& row : train_settings()) {
    if (row.on_resume != OnResume::kKept) continue;
    const std::string stored = stored_setting(ck, row, path);
    const std::string now = value_text(row, s);
    if (given.given(row.name) && now != stored)
      throw UsageError("--" + row.name + " " + now +
                       " conflicts with the checkpoint being resumed, which has " + stored);
  }
  for (const Setting& row : train_settings()) {
    if (row.on_resume == OnResume::kFree) continue;
    const std::string stored = stored_setting(ck, row, path);
    try {
      read_stored(row, stored, path, s);
    } catch (const UsageError& e) {
      throw CheckpointError(path + ": corrupt checkpoint (setting " + e.what() + ")");
    }
  }
}

}  // namespace charnn
