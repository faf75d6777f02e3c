// The checkpoint file: exact round trips, the documented byte layout, atomic saving, and a clear
// error (never a crash or a huge allocation) for every kind of damaged file.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/rng.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "train/checkpoint.h"

using namespace charnn;
using charnn::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// True when something (a file, a folder, even a dangling symbolic link) is at `path`.
bool present(const std::string& path) {
  return fs::symlink_status(path).type() != fs::file_type::not_found;
}

// Removes the old file first: rewriting a file in place can make the file system flush it to
// disk at once (ext4 does), which makes loops over hundreds of damaged files slow.
void write_bytes(const std::string& path, const std::string& bytes) {
  std::error_code ec;
  fs::remove(path, ec);
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// The message load_checkpoint gives for `path`, or a note that it gave none or the wrong kind.
std::string load_error(const std::string& path) {
  try {
    load_checkpoint(path);
  } catch (const CheckpointError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a CheckpointError: ") + e.what();
  }
  return "no error";
}

std::string save_error(const std::string& path, const Checkpoint& ck) {
  try {
    save_checkpoint(path, ck);
  } catch (const CheckpointError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a CheckpointError: ") + e.what();
  }
  return "no error";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Little-endian numbers inside a file held as a string.
void put_u32(std::string& bytes, std::size_t pos, std::uint32_t v) {
  for (int k = 0; k < 4; ++k)
    bytes[pos + k] = static_cast<char>(v >> (8 * k));
}
void put_u64(std::string& bytes, std::size_t pos, std::uint64_t v) {
  for (int k = 0; k < 8; ++k)
    bytes[pos + k] = static_cast<char>(v >> (8 * k));
}

// Recomputes the CRC-32 after a test has edited the payload on purpose, so that the loader's
// later checks (counts, structure) are what catches the edit.
void reseal(std::string& bytes) {
  const std::size_t payload = bytes.size() - 24;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + 20;
  put_u32(bytes, 20 + payload, crc32(data, payload));
}

// A small model-like checkpoint: two tensors, a few settings, an Adam state.
Checkpoint small_checkpoint() {
  Checkpoint ck;
  ck.model = "lstm";
  ck.config = {{"hidden", "4"}, {"layers", "1"}, {"optimizer", "adam"}};
  ck.vocabulary = {U'\n', U' ', U'a', U'b', U'\u00e9'};
  Layout layout;
  layout.add("l0.W_xh", 4, 5);
  layout.add("head.b_y", 1, 5);
  ck.tensors = layout.tensors();
  Rng rng(3);
  ck.params = charnn::testing::random_vector<float>(layout.size(), rng);
  ck.optimizer_state = {{"m", std::vector<float>(layout.size(), 0.25f)},
                        {"v", std::vector<float>(layout.size(), 0.5f)}};
  ck.step = 10;
  ck.learning_rate = 0.002;
  std::ostringstream engine;
  engine << rng.engine();
  ck.rng_state = engine.str();
  ck.data_positions = {0, 100};
  ck.hidden_state = std::vector<float>(8, -0.125f);
  ck.elapsed_seconds = 1.5;
  ck.best_val_loss = 2.0;
  ck.last_val_loss = 2.25;
  return ck;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), 4 * a.size()) == 0);
}

// Every field equal, floating point compared bit for bit (so NaN equals the same NaN).
void require_same(const Checkpoint& a, const Checkpoint& b) {
  CHECK(a.model == b.model);
  CHECK(a.config == b.config);
  CHECK(a.vocabulary == b.vocabulary);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (std::size_t k = 0; k < a.tensors.size(); ++k) {
    CHECK(a.tensors[k].name == b.tensors[k].name);
    CHECK(a.tensors[k].rows == b.tensors[k].rows);
    CHECK(a.tensors[k].cols == b.tensors[k].cols);
    CHECK(a.tensors[k].offset == b.tensors[k].offset);
  }
  CHECK(same_bits(a.params, b.params));
  REQUIRE(a.optimizer_state.size() == b.optimizer_state.size());
  for (std::size_t k = 0; k < a.optimizer_state.size(); ++k) {
    CHECK(a.optimizer_state[k].first == b.optimizer_state[k].first);
    CHECK(same_bits(a.optimizer_state[k].second, b.optimizer_state[k].second));
  }
  CHECK(a.step == b.step);
  CHECK(same_bits(a.learning_rate, b.learning_rate));
  CHECK(a.rng_state == b.rng_state);
  CHECK(a.data_positions == b.data_positions);
  CHECK(same_bits(a.hidden_state, b.hidden_state));
  CHECK(same_bits(a.elapsed_seconds, b.elapsed_seconds));
  CHECK(same_bits(a.best_val_loss, b.best_val_loss));
  CHECK(same_bits(a.last_val_loss, b.last_val_loss));
}

}  // namespace

TEST_CASE("crc32 is the CRC-32 that zlib computes", "[checkpoint]") {
  const std::string text = "123456789";  // the standard check string
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  CHECK(crc32(data, text.size()) == 0xCBF43926u);
  CHECK(crc32(data, 0) == 0u);
  CHECK(crc32(data + 4, 5, crc32(data, 4)) == 0xCBF43926u);  // in two pieces
}

TEST_CASE("a full checkpoint comes back bit for bit", "[checkpoint]") {
  TempDir dir;
  Checkpoint ck = small_checkpoint();
  // Non-ASCII characters of two, three and four UTF-8 bytes.
  ck.vocabulary = {U'\n', U' ', U'A', U'z', U'\u00e9', U'\u4e2d', U'\U0001F600', U'\U0010FFFF'};
  ck.config.emplace_back("corpus", "d\u00e9j\u00e0 vu.txt");
  // About 100k parameters over five tensors.
  Layout layout;
  layout.add("l0.W_xh", 200, 300);
  layout.add("l0.W_hh", 200, 200);
  layout.add("l0.b_h", 1, 200);
  layout.add("head.W_hy", 8, 200);
  layout.add("head.b_y", 1, 8);
  ck.tensors = layout.tensors();
  Rng rng(7);
  ck.params = charnn::testing::random_vector<float>(layout.size(), rng, 3.0);
  // Values a text format would lose: signed zero, a subnormal, infinities, a NaN with a payload.
  std::uint32_t nan_bits = 0x7FC01234u;
  float nan_with_payload;
  std::memcpy(&nan_with_payload, &nan_bits, 4);
  const float special[] = {-0.0f,
                           std::numeric_limits<float>::denorm_min(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           nan_with_payload,
                           std::numeric_limits<float>::max()};
  for (std::size_t k = 0; k < std::size(special); ++k)
    ck.params[1000 * k] = special[k];
  ck.optimizer_state = {{"m", charnn::testing::random_vector<float>(layout.size(), rng)},
                        {"v", {}}};  // an empty buffer is allowed
  ck.step = 123456789012;
  ck.learning_rate = 1.5e-3;
  ck.data_positions = {0, 4294967296 + 17, 999};  // one past 2^32
  ck.hidden_state = charnn::testing::random_vector<float>(3 * 2 * 200, rng);
  ck.elapsed_seconds = 3600.25;
  ck.best_val_loss = std::numeric_limits<double>::quiet_NaN();  // not evaluated yet
  ck.last_val_loss = std::numeric_limits<double>::infinity();
  std::ostringstream engine;
  engine << rng.engine();  // the generator mid-stream, as training would save it
  ck.rng_state = engine.str();

  const std::string path = dir.file("full.ck");
  save_checkpoint(path, ck);
  CHECK_FALSE(present(path + ".tmp"));
  const Checkpoint back = load_checkpoint(path);
  require_same(ck, back);
  CHECK(std::isnan(back.best_val_loss));
  CHECK(back.setting("corpus", path) == "d\u00e9j\u00e0 vu.txt");

  // The RNG state restores the very same stream of numbers.
  std::mt19937_64 restored;
  std::istringstream(back.rng_state) >> restored;
  CHECK(restored() == rng.engine()());

  // Saving what was loaded gives the same bytes again.
  save_checkpoint(dir.file("again.ck"), back);
  CHECK(charnn::testing::read_file(dir.file("again.ck")) == charnn::testing::read_file(path));
}

TEST_CASE("an empty checkpoint comes back, and has the documented size", "[checkpoint]") {
  TempDir dir;
  Checkpoint ck;
  ck.best_val_loss = -std::numeric_limits<double>::infinity();
  const std::string path = dir.file("empty.ck");
  save_checkpoint(path, ck);
  // 20 header + 104 payload (two empty strings of 4 bytes, twelve 8-byte counts or numbers)
  // + 4 checksum.
  CHECK(fs::file_size(path) == 128u);
  require_same(ck, load_checkpoint(path));
}

TEST_CASE("the bytes are the documented little-endian layout", "[checkpoint]") {
  TempDir dir;
  Checkpoint ck;
  ck.model = "rnn";
  ck.tensors = {TensorInfo{"w", 1, 2, 0}};
  ck.params = {1.0f, -2.0f};
  ck.vocabulary = {U'a', U'\u00e9'};
  ck.step = -2;  // not meaningful, but shows the two's complement
  const std::string path = dir.file("tiny.ck");
  save_checkpoint(path, ck);
  const std::string bytes = charnn::testing::read_file(path);

  const std::string expected_start(
      "CHARNNCK"
      "\x01\x00\x00\x00"                   // version 1
      "\x90\x00\x00\x00\x00\x00\x00\x00"   // payload length 144
      "\x03\x00\x00\x00rnn"                // model
      "\x01\x00\x00\x00\x00\x00\x00\x00"   // one tensor
      "\x01\x00\x00\x00w"                  // its name
      "\x01\x00\x00\x00\x02\x00\x00\x00"   // rows 1, cols 2
      "\x00\x00\x00\x00\x00\x00\x00\x00"   // offset 0
      "\x02\x00\x00\x00\x00\x00\x00\x00"   // two parameters
      "\x00\x00\x80\x3f\x00\x00\x00\xc0"   // 1.0f, -2.0f
      "\x02\x00\x00\x00\x00\x00\x00\x00"   // two characters
      "\x61\x00\x00\x00\xe9\x00\x00\x00"   // 'a', U+00E9
      "\x00\x00\x00\x00\x00\x00\x00\x00"   // no settings
      "\x00\x00\x00\x00\x00\x00\x00\x00"   // no optimizer buffers
      "\xfe\xff\xff\xff\xff\xff\xff\xff",  // step -2
      112);
  REQUIRE(bytes.size() == 20 + 144 + 4);
  CHECK(bytes.substr(0, expected_start.size()) == expected_start);
  const auto* payload = reinterpret_cast<const unsigned char*>(bytes.data()) + 20;
  const std::uint32_t crc = crc32(payload, 144);
  CHECK(bytes.substr(164) == std::string{static_cast<char>(crc), static_cast<char>(crc >> 8),
                                         static_cast<char>(crc >> 16),
                                         static_cast<char>(crc >> 24)});
}

TEST_CASE("setting() finds a value or names the missing key", "[checkpoint]") {
  const Checkpoint ck = small_checkpoint();
  CHECK(ck.setting("optimizer", "run/ck") == "adam");
  try {
    ck.setting("dropout", "run/ck");
    FAIL("no exception");
  } catch (const CheckpointError& e) {
    CHECK(std::string(e.what()) == "run/ck: checkpoint has no setting 'dropout'");
  }
}

TEST_CASE("saving replaces an existing checkpoint and leaves no temporary file", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("ck");
  Checkpoint first = small_checkpoint();
  save_checkpoint(path, first);
  write_bytes(path + ".tmp", "left over by a run that was killed while saving");
  Checkpoint second = first;
  second.step = 11;
  save_checkpoint(path, second);
  CHECK(load_checkpoint(path).step == 11);
  CHECK_FALSE(present(path + ".tmp"));
}

TEST_CASE("a failed save leaves the old checkpoint intact and no temporary file", "[checkpoint]") {
  TempDir dir;
  const Checkpoint ck = small_checkpoint();

  SECTION("the target folder does not exist") {
    const std::string path = dir.file("gone/ck");
    CHECK(save_error(path, ck) ==
          "cannot write checkpoint " + path + ": No such file or directory");
    CHECK_FALSE(present(path + ".tmp"));
    CHECK_FALSE(present(dir.file("gone")));
  }

  SECTION("the target folder was removed after the last save") {
    fs::create_directory(dir.file("run"));
    const std::string path = dir.file("run/ck");
    save_checkpoint(path, ck);
    fs::remove_all(dir.file("run"));
    CHECK(save_error(path, ck) ==
          "cannot write checkpoint " + path + ": No such file or directory");
    CHECK_FALSE(present(dir.file("run")));
  }

  SECTION("the disk is full") {
    // The temporary file is made a link to /dev/full, where every write fails with ENOSPC.
    if (!present("/dev/full")) return;  // not a Linux-like system
    const std::string path = dir.file("ck");
    save_checkpoint(path, ck);
    const std::string old_bytes = charnn::testing::read_file(path);
    fs::create_symlink("/dev/full", path + ".tmp");
    Checkpoint newer = ck;
    newer.step = 99;
    CHECK(save_error(path, newer) ==
          "cannot write checkpoint " + path + ": No space left on device");
    CHECK_FALSE(present(path + ".tmp"));
    CHECK(charnn::testing::read_file(path) == old_bytes);
    CHECK(load_checkpoint(path).step == 10);
  }

  SECTION("the target is a folder") {
    const std::string path = dir.file("folder");
    fs::create_directory(path);
    write_bytes(path + "/inside", "x");
    CHECK(starts_with(save_error(path, ck), "cannot write checkpoint " + path + ": "));
    CHECK_FALSE(present(path + ".tmp"));
    CHECK(present(path + "/inside"));
  }

  SECTION("the folder is read-only") {
    const std::string path = dir.file("locked/ck");
    fs::create_directory(dir.file("locked"));
    save_checkpoint(path, ck);
    fs::permissions(dir.file("locked"), fs::perms::owner_read | fs::perms::owner_exec);
    // Root ignores permissions; then there is nothing to test.
    const bool enforced = !std::ofstream(dir.file("locked/probe")).is_open();
    if (enforced) {
      Checkpoint newer = ck;
      newer.step = 99;
      CHECK(save_error(path, newer) == "cannot write checkpoint " + path + ": Permission denied");
      CHECK_FALSE(present(path + ".tmp"));
      CHECK(load_checkpoint(path).step == 10);
    }
    fs::permissions(dir.file("locked"), fs::perms::owner_all);
  }

  SECTION("the checkpoint is inconsistent") {
    const std::string path = dir.file("ck");
    save_checkpoint(path, ck);
    const std::string old_bytes = charnn::testing::read_file(path);
    Checkpoint bad = ck;
    bad.params.pop_back();
    CHECK(save_error(path, bad) == "cannot write checkpoint " + path +
                                       ": tensor 'head.b_y' ends at 25, past the end of the 24 "
                                       "parameters");
    CHECK(charnn::testing::read_file(path) == old_bytes);
    CHECK_FALSE(present(path + ".tmp"));
  }
}

TEST_CASE("saving refuses what could not be loaded back", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("ck");
  const std::string prefix = "cannot write checkpoint " + path + ": ";
  Checkpoint ck = small_checkpoint();

  Checkpoint gap = ck;
  gap.tensors[1].offset += 1;
  CHECK(save_error(path, gap) == prefix + "tensor 'head.b_y' starts at 21, expected 20");
  Checkpoint unsorted = ck;
  std::swap(unsorted.vocabulary[0], unsorted.vocabulary[1]);
  CHECK(save_error(path, unsorted) == prefix + "the vocabulary is not sorted and unique");
  Checkpoint surrogate = ck;
  surrogate.vocabulary.push_back(0xD800);
  CHECK(save_error(path, surrogate) ==
        prefix + "vocabulary entry 5 (55296) is not a valid code point");
  Checkpoint adam = ck;
  adam.optimizer_state[1].second.pop_back();
  CHECK(save_error(path, adam) == prefix + "optimizer buffer 'v' has 24 values for 25 parameters");
  Checkpoint twice = ck;
  twice.config.emplace_back("hidden", "8");
  CHECK(save_error(path, twice) == prefix + "setting 'hidden' appears twice");
  Checkpoint position = ck;
  position.data_positions[0] = -1;
  CHECK(save_error(path, position) == prefix + "a data position is negative (-1)");
  Checkpoint rng = ck;
  rng.rng_state = "42";
  CHECK(save_error(path, rng) ==
        prefix + "the random number generator state is not a std::mt19937_64 state");
  CHECK_FALSE(present(path));
  CHECK_FALSE(present(path + ".tmp"));
}

TEST_CASE("a missing file, a folder, a foreign file, a future version", "[checkpoint]") {
  TempDir dir;
  const std::string missing = dir.file("nothing.ck");
  CHECK(load_error(missing) == missing + ": no such file");
  CHECK(load_error(dir.path.string()) == dir.path.string() + ": is a directory");

  const std::string text = dir.file("notes.txt");
  write_bytes(text, "To be, or not to be, that is the question.\n");
  CHECK(load_error(text) == text + ": not a charnn checkpoint (bad magic number)");

  const std::string path = dir.file("ck");
  save_checkpoint(path, small_checkpoint());
  const std::string good = charnn::testing::read_file(path);

  std::string magic = good;
  magic[7] = 'X';
  write_bytes(path, magic);
  CHECK(load_error(path) == path + ": not a charnn checkpoint (bad magic number)");

  std::string future = good;
  put_u32(future, 8, 2);
  write_bytes(path, future);
  CHECK(load_error(path) ==
        path + ": checkpoint format version 2 is not supported (this program reads version 1)");

  std::string extra = good + '\0';
  write_bytes(path, extra);
  CHECK(load_error(path) == path + ": corrupt checkpoint (expected " + std::to_string(good.size()) +
                                " bytes, found " + std::to_string(extra.size()) +
                                ": extra bytes after the checksum)");
}

TEST_CASE("a checkpoint cut short anywhere is reported as truncated", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("ck");
  save_checkpoint(path, small_checkpoint());
  const std::string good = charnn::testing::read_file(path);
  const std::string cut_path = dir.file("cut");
  const std::string total = std::to_string(good.size());

  // Every length across the header, the first bytes of the payload, and then every 61st byte
  // up to one byte short.
  std::vector<std::size_t> cuts;
  for (std::size_t n = 0; n < 64; ++n)
    cuts.push_back(n);
  for (std::size_t n = 64; n < good.size(); n += 61)
    cuts.push_back(n);
  for (std::size_t n = good.size() - 5; n < good.size(); ++n)
    cuts.push_back(n);
  for (std::size_t n : cuts) {
    write_bytes(cut_path, good.substr(0, n));
    const std::string expected =
        n == 0   ? cut_path + ": the file is empty, not a checkpoint"
        : n < 20 ? cut_path + ": truncated checkpoint (expected at least 24 bytes, found " +
                       std::to_string(n) + ")"
                 : cut_path + ": truncated checkpoint (expected " + total + " bytes, found " +
                       std::to_string(n) + ")";
    INFO("file cut to " << n << " of " << good.size() << " bytes");
    CHECK(load_error(cut_path) == expected);
  }
}

TEST_CASE("a flipped bit is caught by the magic, the version, the length or the checksum",
          "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("ck");
  save_checkpoint(path, small_checkpoint());
  const std::string good = charnn::testing::read_file(path);
  const std::string flipped = dir.file("flipped");

  std::vector<std::size_t> positions;
  for (std::size_t p = 0; p < 40; ++p)
    positions.push_back(p);  // the header and the start of the payload
  for (std::size_t p = 40; p < good.size(); p += 97)
    positions.push_back(p);
  for (std::size_t p = good.size() - 8; p < good.size(); ++p)
    positions.push_back(p);  // the last fields and the checksum itself
  for (std::size_t p : positions)
    for (int bit : {0, 3, 7}) {
      std::string bytes = good;
      bytes[p] = static_cast<char>(bytes[p] ^ (1 << bit));
      write_bytes(flipped, bytes);
      const std::string message = load_error(flipped);
      INFO("bit " << bit << " of byte " << p << ": " << message);
      if (p < 8)
        CHECK(message == flipped + ": not a charnn checkpoint (bad magic number)");
      else if (p < 12)
        CHECK(starts_with(message, flipped + ": checkpoint format version "));
      else if (p < 20)  // a longer claimed payload is truncated, a shorter one leaves extra bytes
        CHECK((starts_with(message, flipped + ": truncated checkpoint (expected ") ||
               contains(message, ": extra bytes after the checksum)")));
      else
        CHECK(message == flipped + ": checksum mismatch: the file is corrupted");
    }
}

TEST_CASE("corrupted counts give an error, not a huge allocation", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("ck");
  const Checkpoint ck = small_checkpoint();
  save_checkpoint(path, ck);
  const std::string good = charnn::testing::read_file(path);
  const std::string bad = dir.file("bad");
  const std::uint64_t huge = std::uint64_t{1} << 60;
  const std::string prefix = bad + ": corrupt checkpoint (";

  // Payload offsets: the model name at 20, the tensor count after it, then the table.
  const std::size_t tensor_count_at = 20 + 4 + ck.model.size();
  std::size_t param_count_at = tensor_count_at + 8;
  for (const TensorInfo& t : ck.tensors)
    param_count_at += 4 + t.name.size() + 4 + 4 + 8;

  SECTION("the payload length claims 2^60 bytes") {
    std::string bytes = good;
    put_u64(bytes, 12, huge);
    write_bytes(bad, bytes);
    CHECK(load_error(bad) == bad +
                                 ": truncated checkpoint (expected 1152921504606847000 bytes, "
                                 "found " +
                                 std::to_string(good.size()) + ")");
    put_u64(bytes, 12, ~std::uint64_t{0});
    write_bytes(bad, bytes);
    CHECK(load_error(bad) == prefix + "payload length 18446744073709551615 is impossible)");
  }
  SECTION("the tensor count claims 2^60 tensors") {
    std::string bytes = good;
    put_u64(bytes, tensor_count_at, huge);
    reseal(bytes);
    write_bytes(bad, bytes);
    CHECK(load_error(bad) ==
          prefix + "tensor count 1152921504606846976 is more than the file holds)");
  }
  SECTION("the parameter count claims 2^60 floats") {
    std::string bytes = good;
    put_u64(bytes, param_count_at, huge);
    reseal(bytes);
    write_bytes(bad, bytes);
    CHECK(load_error(bad) ==
          prefix + "parameter count 1152921504606846976 is more than the file holds)");
  }
  SECTION("a string length claims 4 GiB") {
    std::string bytes = good;
    put_u32(bytes, 20, 0xFFFFFFFFu);
    reseal(bytes);
    write_bytes(bad, bytes);
    CHECK(load_error(bad) == prefix + "the payload ends inside the model name)");
  }
  SECTION("every count of every field set to 2^60 in turn") {
    // Wherever 8 bytes are read as a count, 2^60 must fail cleanly; elsewhere it changes a
    // value, which may or may not load. Either way, never a crash or a bad_alloc.
    // The digits of the RNG state (6 kB of text, no counts inside) are skipped to keep it fast.
    const std::size_t rng_at = good.find(ck.rng_state);
    REQUIRE(rng_at != std::string::npos);
    for (std::size_t at = 20; at + 8 <= good.size() - 4; ++at) {
      if (at > rng_at && at + 8 < rng_at + ck.rng_state.size()) continue;
      std::string bytes = good;
      put_u64(bytes, at, huge);
      reseal(bytes);
      write_bytes(bad, bytes);
      const std::string message = load_error(bad);
      INFO("2^60 written at byte " << at << ": " << message);
      CHECK_FALSE(starts_with(message, "not a CheckpointError"));
    }
  }
  SECTION("a tensor whose shape no longer matches the parameters") {
    std::string bytes = good;
    put_u32(bytes, tensor_count_at + 8 + 4 + ck.tensors[0].name.size(), 5);  // 4 rows -> 5
    reseal(bytes);
    write_bytes(bad, bytes);
    CHECK(load_error(bad) == prefix + "tensor 'head.b_y' starts at 20, expected 25)");
  }
}
