// The settings of a training run, listed once: the table train_settings() gives each setting's
// name, field, range, help text, default and what a resumed run may do with it. From the table
// come ./train_rnn's and ./train_lstm's flags (add_train_flags), the settings a checkpoint
// stores (settings_to_config), the settings a resumed run reads back from its checkpoint and
// the check that the command line does not contradict them (settings_from_checkpoint), and
// ./compare's flags where they are the same settings (add_setting_flag).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "train/checkpoint.h"
#include "util/cli.h"

namespace charnn {

// Every setting of a training run. A TrainSettings is constructed holding every default of the
// table: the recipe `./train_lstm FILE` uses. The table's help texts say what each field means.
struct TrainSettings {
  TrainSettings();

  std::string file;  // the training text (the positional FILE)
  // The model and how it learns (stored in a checkpoint).
  int hidden, layers, seq_len, batch;
  double lr;
  std::string optimizer;
  double clip, dropout;
  double reset;  // --state-reset
  double lr_decay;
  int lr_decay_every, seed;
  double val_frac;
  bool lowercase, keep_crlf;
  std::string reset_at;  // --reset-at, as escape() writes it (empty: no record resets)
  // When to stop, what to report, where to write (each run gives its own).
  int steps, epochs;
  double minutes;
  int threads, eval_every, sample_every, sample_length, print_every;
  std::string checkpoint, resume, init_from, log;
  bool quiet;
};

// What a resumed run (--resume) does with a setting.
enum class OnResume {
  kKept,    // stored in the checkpoint; the run takes the stored value and refuses another one
  kStored,  // stored; the run takes the stored value and ignores one on the command line (the
            // seed: it only chose the initial weights)
  kFree,    // not stored; every run gives its own (when to stop, what to report, where to
            // write, threads)
};

// A field of TrainSettings and the value it starts with.
template <class T>
struct Field {
  T TrainSettings::*member;
  T default_value;
};

// One row of the table.
struct Setting {
  std::string name;  // the flag without "--", and the key in a checkpoint's settings
  std::variant<Field<int>, Field<double>, Field<std::string>, Field<bool>> field;
  double min, max;                   // a number's range (integers: whole numbers in it)
  std::vector<std::string> choices;  // a text's allowed values (empty: any text)
  OnResume on_resume;
  std::string help;  // "{model}" stands for the model's name, rnn or lstm
  // The value a checkpoint written before the setting existed is read with (what those versions
  // did); none when every checkpoint stores the setting.
  std::optional<std::string> if_absent = std::nullopt;
};

// Setting `row` as checkpoint `ck` stores it, or row.if_absent when an older checkpoint lacks
// it. Throws CheckpointError when it is missing and has no if_absent.
std::string stored_setting(const Checkpoint& ck, const Setting& row, const std::string& path);

// The table, in the order ./train_lstm --help lists the flags.
const std::vector<Setting>& train_settings();

// Declares FILE and every flag of the table (`model` is "rnn" or "lstm"); ArgParser::parse then
// fills `s`. The trainer and the command-line fuzz target (tests/fuzz/fuzz_cli.cpp) use it.
void add_train_flags(ArgParser& a, TrainSettings& s, const std::string& model);

// Declares the flag of the table's setting `name` with the table's range (or choices), writing
// into `target`, whose value is shown as the default. `help`, when not empty, replaces the
// table's help: another program (./compare) may say more about what the setting does there.
void add_setting_flag(ArgParser& a, const std::string& name, int* target,
                      const std::string& help = "");
void add_setting_flag(ArgParser& a, const std::string& name, double* target,
                      const std::string& help = "");
void add_setting_flag(ArgParser& a, const std::string& name, std::string* target,
                      const std::string& help = "");
void add_setting_flag(ArgParser& a, const std::string& name, bool* target,
                      const std::string& help = "");

// The stored settings (kKept and kStored), in table order, as the (name, text) list a
// checkpoint keeps: integers in decimal, numbers with 17 significant digits (they read back bit
// for bit), flags as "1" or "0".
std::vector<std::pair<std::string, std::string>> settings_to_config(const TrainSettings& s);

// On --init-from: the settings that make the model and the way it reads text (hidden, layers,
// lowercase, keep-crlf; not reset-at, which is the new text's) from checkpoint `ck` into `s`; everything else is this run's own. A
// setting among those named on the command line with another value is a UsageError
// "--KEY VALUE conflicts with --init-from PATH, whose model has STORED".
void model_settings_from_checkpoint(const Checkpoint& ck, const std::string& path,
                                    const ArgParser& given, TrainSettings& s);

// On --resume: the stored settings of checkpoint `ck` (read from `path`) into `s`. First every
// kKept setting named on the command line (`given`) must have the stored value, else UsageError
// "--KEY VALUE conflicts with the checkpoint being resumed, which has STORED". Then each stored
// value is checked like the flag's own value, so a damaged file (a batch of 0, a size "abc")
// is refused with CheckpointError "PATH: corrupt checkpoint (setting --batch: 0 is out of range
// (1 to 100000))" before anything trusts it. A missing setting is CheckpointError "PATH:
// checkpoint has no setting 'KEY'". The kFree settings keep their values from the command line.
void settings_from_checkpoint(const Checkpoint& ck, const std::string& path, const ArgParser& given,
                              TrainSettings& s);

}  // namespace charnn
