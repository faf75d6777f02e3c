// The checkpoint file: everything needed to resume training exactly, to sample, or to evaluate.
//
// A checkpoint is one binary file in three parts:
//   header   magic "CHARNNCK", format version (u32), payload length in bytes (u64)   20 bytes
//   payload  the fields of Checkpoint in a fixed order, little-endian
//   trailer  CRC-32 of the payload (u32), the checksum zlib.crc32 computes              4 bytes
// docs/checkpoint.md gives the byte layout field by field and a short Python reader.
//
// save_checkpoint writes a temporary file next to the target and renames it over the target, so
// the file on disk is always either the old checkpoint or the new one, never half of each.
// load_checkpoint checks everything (magic, version, length, checksum, every count) before it
// trusts a number from the file, so a damaged file gives one clear error line, not a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/params.h"

namespace charnn {

// One line meant for the user, starting with the file's path,
// e.g. "run/ck.bin: checksum mismatch: the file is corrupted".
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The format this program writes and the only one it reads.
constexpr std::uint32_t kCheckpointVersion = 1;

struct Checkpoint {
  // What the model is: its kind, its settings and its alphabet.
  std::string model;                                        // "rnn", "lstm" or "gru"
  std::vector<std::pair<std::string, std::string>> config;  // every setting as text, in order
  std::vector<char32_t> vocabulary;                         // sorted code points; id = index
  // What it has learnt: the named tensors (core/params.h) over one flat buffer.
  std::vector<TensorInfo> tensors;  // name, shape, offset into params
  std::vector<float> params;        // every parameter, in tensor order
  // Where training stands, so that a resumed run continues exactly as if never stopped.
  // Named optimizer buffers, e.g. Adam's {"m", ...} and {"v", ...}; each is either empty or
  // holds one value per parameter.
  std::vector<std::pair<std::string, std::vector<float>>> optimizer_state;
  std::int64_t step = 0;                     // optimizer steps done
  double learning_rate = 0;                  // the current (possibly decayed) rate
  std::string rng_state;                     // `out << engine` of the std::mt19937_64, or ""
  std::vector<std::int64_t> data_positions;  // where the data stands (the trainer: chunks read)
  std::vector<float> hidden_state;           // the state the streams carry (flat)
  double elapsed_seconds = 0;                // training time so far
  double best_val_loss = 0;                  // NaN or +inf when not yet evaluated
  double last_val_loss = 0;

  // The value of setting `key`, or CheckpointError "PATH: checkpoint has no setting 'KEY'"
  // (`path` is only for the message).
  std::string setting(const std::string& key, const std::string& path) const;
};

// Writes `ck` to PATH + ".tmp" in the same folder, checks that every write, the flush and the
// close succeeded, then renames the temporary file over `path`. On any failure the temporary
// file is removed, an existing `path` is left untouched, and CheckpointError says
// "cannot write checkpoint PATH: REASON", REASON being the system's (e.g. "No such file or
// directory", "Permission denied", "No space left on device") or what is inconsistent in `ck`.
void save_checkpoint(const std::string& path, const Checkpoint& ck);

// Reads and verifies a checkpoint. Every problem is a CheckpointError starting with the path:
// "PATH: no such file", "PATH: is a directory", "PATH: the file is empty, not a checkpoint",
// "PATH: not a charnn checkpoint (bad magic
// number)", "PATH: checkpoint format version N is not supported (this program reads version 1)",
// "PATH: truncated checkpoint (expected X bytes, found Y)", "PATH: checksum mismatch: the file
// is corrupted", or "PATH: corrupt checkpoint (WHAT)" for a count or value that cannot be right.
Checkpoint load_checkpoint(const std::string& path);

// The same checks on a checkpoint already in memory (`size` bytes at `data`, the whole file);
// `path` only names it in messages. load_checkpoint reads the file and calls this; the fuzz
// target (tests/fuzz/fuzz_checkpoint.cpp) calls it directly.
Checkpoint parse_checkpoint(const unsigned char* data, std::size_t size, const std::string& path);

// CRC-32 of `size` bytes (IEEE 802.3 polynomial, reflected, as zlib's crc32). To checksum data
// in pieces, pass the previous result as `crc`: crc32(b, nb, crc32(a, na)) == crc32(a+b).
std::uint32_t crc32(const unsigned char* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace charnn
