// The checkpoint file, format version 1. docs/checkpoint.md describes every byte.
//
// Portability: numbers are written byte by byte, least significant byte first, with shifts, so
// the file is the same on little- and big-endian machines. A float or double is first copied
// bit for bit into an unsigned integer of the same size (std::memcpy); this assumes the host
// uses IEEE-754 binary32 and binary64, which the static_asserts below check at compile time.
#include "train/checkpoint.h"

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <set>
#include <sstream>

#include "util/files.h"

namespace charnn {

static_assert(std::numeric_limits<float>::is_iec559 && sizeof(float) == 4,
              "the checkpoint format stores IEEE-754 binary32 floats");
static_assert(std::numeric_limits<double>::is_iec559 && sizeof(double) == 8,
              "the checkpoint format stores IEEE-754 binary64 doubles");

namespace {

constexpr char kMagic[8] = {'C', 'H', 'A', 'R', 'N', 'N', 'C', 'K'};
constexpr std::size_t kHeaderBytes = 20;           // magic 8 + version 4 + payload length 8
constexpr std::size_t kTrailerBytes = 4;           // the CRC-32 of the payload
constexpr std::size_t kVersionAt = 8;              // byte offset of the version in the header
constexpr std::size_t kLengthAt = 12;              // byte offset of the payload length
constexpr std::uint64_t kMaxString = 0xFFFFFFFFu;  // a string's length is a u32

// ---------------------------------------------------------------------------------------------
// CRC-32, as zlib computes it: polynomial 0xEDB88320 (the IEEE 802.3 one, bit-reversed), initial
// value and final XOR 0xFFFFFFFF. The table holds the CRC of each possible byte, so the loop
// handles eight bits per step; the compiler builds it once, at compile time.

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int bit = 0; bit < 8; ++bit)
      c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

// ---------------------------------------------------------------------------------------------
// Writer: appends little-endian fields to a byte buffer.

class Writer {
 public:
  void u32(std::uint32_t v) {
    for (int k = 0; k < 4; ++k)
      bytes_.push_back(static_cast<unsigned char>(v >> (8 * k)));
  }
  void u64(std::uint64_t v) {
    for (int k = 0; k < 8; ++k)
      bytes_.push_back(static_cast<unsigned char>(v >> (8 * k)));
  }
  // Two's complement: converting to unsigned is exact (modulo 2^64) by the C++ rules.
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f32(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);  // the same 32 bits, NaN payloads included
    u32(bits);
  }
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void raw(const char* data, std::size_t size) { bytes_.insert(bytes_.end(), data, data + size); }
  // u32 byte length, then the bytes (UTF-8 by convention; not checked).
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  // u64 count, then the elements. The bulk of a checkpoint, so written in place into space
  // made once, not pushed byte by byte (a 14 MB checkpoint took 0.1 s that way).
  void f32s(const std::vector<float>& v) {
    u64(v.size());
    std::size_t at = bytes_.size();
    bytes_.resize(at + 4 * v.size());
    unsigned char* out = bytes_.data() + at;
    for (float x : v) {
      std::uint32_t bits;
      std::memcpy(&bits, &x, sizeof bits);  // the same 32 bits, NaN payloads included
      for (int k = 0; k < 4; ++k)
        *out++ = static_cast<unsigned char>(bits >> (8 * k));
    }
  }

  // Overwrites 8 bytes at `pos` (to fill in the payload length once it is known).
  void u64_at(std::size_t pos, std::uint64_t v) {
    for (int k = 0; k < 8; ++k)
      bytes_[pos + k] = static_cast<unsigned char>(v >> (8 * k));
  }
  void reserve(std::size_t n) { bytes_.reserve(n); }
  std::vector<unsigned char>& bytes() { return bytes_; }

 private:
  std::vector<unsigned char> bytes_;
};

// ---------------------------------------------------------------------------------------------
// Reader: takes little-endian fields from the payload, checking before every read that the bytes
// are there, and before every allocation that the file is big enough to hold that many elements.
// A corrupted count therefore fails here instead of asking for gigabytes of memory.

class Reader {
 public:
  Reader(const unsigned char* bytes, std::size_t size, const std::string& path)
      : bytes_(bytes), size_(size), path_(path) {}

  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k)
      v |= static_cast<std::uint32_t>(bytes_[pos_ + k]) << (8 * k);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k)
      v |= static_cast<std::uint64_t>(bytes_[pos_ + k]) << (8 * k);
    pos_ += 8;
    return v;
  }
  // Back from two's complement without relying on implementation-defined conversions.
  std::int64_t i64(const char* what) {
    const std::uint64_t u = u64(what);
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(u);
    return -static_cast<std::int64_t>(~u) - 1;  // u = 2^64 - 1 - ~u
  }
  float f32(const char* what) {
    const std::uint32_t bits = u32(what);
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  double f64(const char* what) {
    const std::uint64_t bits = u64(what);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string str(const char* what) {
    const std::uint32_t n = u32(what);
    need(n, what);
    std::string s(reinterpret_cast<const char*>(bytes_ + pos_), n);
    pos_ += n;
    return s;
  }
  // A u64 element count, checked against the bytes left: each element takes at least
  // `min_bytes` bytes, so a count larger than remaining / min_bytes cannot be right.
  std::size_t count(std::size_t min_bytes, const char* what) {
    const std::uint64_t n = u64(what);
    if (n > remaining() / min_bytes)
      fail(std::string(what) + " count " + std::to_string(n) + " is more than the file holds");
    return static_cast<std::size_t>(n);
  }
  std::vector<float> f32s(const char* what) {
    std::vector<float> v(count(4, what));
    for (float& x : v)
      x = f32(what);
    return v;
  }

  std::size_t remaining() const { return size_ - pos_; }
  [[noreturn]] void fail(const std::string& why) const {
    throw CheckpointError(path_ + ": corrupt checkpoint (" + why + ")");
  }

 private:
  void need(std::size_t n, const char* what) const {
    if (remaining() < n) fail(std::string("the payload ends inside the ") + what);
  }

  const unsigned char* bytes_;
  std::size_t size_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The payload, field by field. write_payload and read_payload are mirror images: the same fields
// in the same order. The tensor table and the parameters come first, so a reader that only wants
// the weights can stop after them.

void write_payload(Writer& w, const Checkpoint& ck) {
  w.str(ck.model);
  w.u64(ck.tensors.size());  // tensor table: name, rows, cols, offset
  for (const TensorInfo& t : ck.tensors) {
    w.str(t.name);
    w.u32(static_cast<std::uint32_t>(t.rows));
    w.u32(static_cast<std::uint32_t>(t.cols));
    w.u64(t.offset);
  }
  w.f32s(ck.params);
  w.u64(ck.vocabulary.size());
  for (char32_t c : ck.vocabulary)
    w.u32(static_cast<std::uint32_t>(c));
  w.u64(ck.config.size());
  for (const auto& [key, value] : ck.config) {
    w.str(key);
    w.str(value);
  }
  w.u64(ck.optimizer_state.size());
  for (const auto& [name, values] : ck.optimizer_state) {
    w.str(name);
    w.f32s(values);
  }
  w.i64(ck.step);
  w.f64(ck.learning_rate);
  w.str(ck.rng_state);
  w.u64(ck.data_positions.size());
  for (std::int64_t p : ck.data_positions)
    w.i64(p);
  w.f32s(ck.hidden_state);
  w.f64(ck.elapsed_seconds);
  w.f64(ck.best_val_loss);
  w.f64(ck.last_val_loss);
}

Checkpoint read_payload(Reader& r) {
  Checkpoint ck;
  ck.model = r.str("model name");
  ck.tensors.resize(r.count(20, "tensor"));  // a table entry takes at least 4 + 4 + 4 + 8 bytes
  for (TensorInfo& t : ck.tensors) {
    t.name = r.str("tensor name");
    const std::uint32_t rows = r.u32("tensor rows"), cols = r.u32("tensor columns");
    if (rows > INT_MAX || cols > INT_MAX)
      r.fail("tensor '" + t.name + "' has shape (" + std::to_string(rows) + "," +
             std::to_string(cols) + ")");
    t.rows = static_cast<int>(rows);
    t.cols = static_cast<int>(cols);
    const std::uint64_t offset = r.u64("tensor offset");
    if (offset > std::numeric_limits<std::size_t>::max())
      r.fail("tensor '" + t.name + "' has offset " + std::to_string(offset));
    t.offset = static_cast<std::size_t>(offset);
  }
  ck.params = r.f32s("parameter");
  ck.vocabulary.resize(r.count(4, "vocabulary"));
  for (char32_t& c : ck.vocabulary)
    c = static_cast<char32_t>(r.u32("vocabulary"));
  ck.config.resize(r.count(8, "setting"));  // two strings, each at least a 4-byte length
  for (auto& [key, value] : ck.config) {
    key = r.str("setting name");
    value = r.str("setting value");
  }
  ck.optimizer_state.resize(r.count(12, "optimizer buffer"));  // a name and a count at least
  for (auto& [name, values] : ck.optimizer_state) {
    name = r.str("optimizer buffer name");
    values = r.f32s("optimizer value");
  }
  ck.step = r.i64("step");
  ck.learning_rate = r.f64("learning rate");
  ck.rng_state = r.str("random number generator state");
  ck.data_positions.resize(r.count(8, "data position"));
  for (std::int64_t& p : ck.data_positions)
    p = r.i64("data position");
  ck.hidden_state = r.f32s("hidden state");
  ck.elapsed_seconds = r.f64("elapsed time");
  ck.best_val_loss = r.f64("best validation loss");
  ck.last_val_loss = r.f64("last validation loss");
  if (r.remaining() != 0)
    r.fail(std::to_string(r.remaining()) + " unexpected bytes after the last field");
  return ck;
}

// ---------------------------------------------------------------------------------------------
// Consistency of a Checkpoint, checked before saving (so every file written can be read back)
// and after loading (so a resumed run never indexes past a buffer). Returns what is wrong, or "".

bool valid_rng_state(const std::string& text) {
  std::istringstream in(text);
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail()) return false;
  in >> std::ws;
  return in.eof();  // nothing but white space after the engine's numbers
}

std::string structure_problem(const Checkpoint& ck) {
  auto quoted = [](const std::string& s) { return "'" + s + "'"; };
  // Every string must fit its u32 length field.
  std::vector<const std::string*> strings = {&ck.model, &ck.rng_state};
  for (const TensorInfo& t : ck.tensors)
    strings.push_back(&t.name);
  for (const auto& kv : ck.config) {
    strings.push_back(&kv.first);
    strings.push_back(&kv.second);
  }
  for (const auto& buffer : ck.optimizer_state)
    strings.push_back(&buffer.first);
  for (const std::string* s : strings)
    if (s->size() > kMaxString) return "a text field is longer than 4 GiB";

  // The tensors tile the parameter buffer in order, without gaps or overlaps.
  std::set<std::string> names;
  std::uint64_t next = 0;  // where the next tensor must start
  for (const TensorInfo& t : ck.tensors) {
    if (t.name.empty()) return "a tensor has an empty name";
    if (!names.insert(t.name).second) return "tensor " + quoted(t.name) + " appears twice";
    if (t.rows < 0 || t.cols < 0) return "tensor " + quoted(t.name) + " has a negative shape";
    if (t.offset != next)
      return "tensor " + quoted(t.name) + " starts at " + std::to_string(t.offset) + ", expected " +
             std::to_string(next);
    next += static_cast<std::uint64_t>(t.rows) * static_cast<std::uint64_t>(t.cols);
    if (next > ck.params.size())
      return "tensor " + quoted(t.name) + " ends at " + std::to_string(next) +
             ", past the end of the " + std::to_string(ck.params.size()) + " parameters";
  }
  if (next != ck.params.size())
    return "the tensors hold " + std::to_string(next) + " values but there are " +
           std::to_string(ck.params.size()) + " parameters";

  for (std::size_t k = 0; k < ck.vocabulary.size(); ++k) {
    const char32_t c = ck.vocabulary[k];
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
      return "vocabulary entry " + std::to_string(k) + " (" + std::to_string(c) +
             ") is not a valid code point";
    if (k > 0 && ck.vocabulary[k - 1] >= c) return "the vocabulary is not sorted and unique";
  }

  std::set<std::string> keys;
  for (const auto& kv : ck.config) {
    if (kv.first.empty()) return "a setting has an empty name";
    if (!keys.insert(kv.first).second) return "setting " + quoted(kv.first) + " appears twice";
  }

  std::set<std::string> buffers;
  for (const auto& [name, values] : ck.optimizer_state) {
    if (name.empty()) return "an optimizer buffer has an empty name";
    if (!buffers.insert(name).second) return "optimizer buffer " + quoted(name) + " appears twice";
    if (!values.empty() && values.size() != ck.params.size())
      return "optimizer buffer " + quoted(name) + " has " + std::to_string(values.size()) +
             " values for " + std::to_string(ck.params.size()) + " parameters";
  }

  for (std::int64_t p : ck.data_positions)
    if (p < 0) return "a data position is negative (" + std::to_string(p) + ")";
  if (!ck.rng_state.empty() && !valid_rng_state(ck.rng_state))
    return "the random number generator state is not a std::mt19937_64 state";
  return "";
}

// The system's words for error number `err` ("No space left on device").
std::string reason(int err) {
  return err != 0 ? std::strerror(err) : "unknown error";
}

// Closes the file when the reading function returns or throws.
struct FileCloser {
  std::FILE* file;
  ~FileCloser() {
    if (file) std::fclose(file);
  }
};

}  // namespace

std::uint32_t crc32(const unsigned char* data, std::size_t size, std::uint32_t crc) {
  crc = ~crc;  // undo the final XOR of the previous piece (or start from 0xFFFFFFFF)
  for (std::size_t k = 0; k < size; ++k)
    crc = kCrcTable[(crc ^ data[k]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

std::string Checkpoint::setting(const std::string& key, const std::string& path) const {
  for (const auto& [k, value] : config)
    if (k == key) return value;
  throw CheckpointError(path + ": checkpoint has no setting '" + key + "'");
}

void save_checkpoint(const std::string& path, const Checkpoint& ck) {
  auto error = [&path](const std::string& why) {
    return CheckpointError("cannot write checkpoint " + path + ": " + why);
  };
  const std::string problem = structure_problem(ck);
  if (!problem.empty()) throw error(problem);

  // The whole file in memory: header (length filled in afterwards), payload, checksum.
  Writer w;
  w.reserve(kHeaderBytes + kTrailerBytes + 4096 +
            4 * (ck.params.size() * (1 + ck.optimizer_state.size()) + ck.hidden_state.size()));
  w.raw(kMagic, sizeof kMagic);
  w.u32(kCheckpointVersion);
  w.u64(0);  // payload length, filled in below
  write_payload(w, ck);
  std::vector<unsigned char>& bytes = w.bytes();
  const std::size_t payload_size = bytes.size() - kHeaderBytes;
  w.u64_at(kLengthAt, payload_size);
  w.u32(crc32(bytes.data() + kHeaderBytes, payload_size));

  // Through a temporary file renamed over the old one: a reader (or a crash) sees either the
  // old checkpoint or the new one.
  const std::string failure = write_file_atomically(path, bytes.data(), bytes.size());
  if (!failure.empty()) throw error(failure);
}

Checkpoint load_checkpoint(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_type type = fs::status(path, ec).type();
  if (type == fs::file_type::not_found) throw CheckpointError(path + ": no such file");
  if (type == fs::file_type::directory) throw CheckpointError(path + ": is a directory");

  errno = 0;
  FileCloser in{std::fopen(path.c_str(), "rb")};
  if (!in.file) throw CheckpointError(path + ": cannot read: " + reason(errno));
  // Read to the end rather than trusting the size the file system reports: a file that grows
  // or shrinks meanwhile is then judged by the bytes actually read.
  std::vector<unsigned char> bytes;
  const std::uintmax_t size_hint = fs::file_size(path, ec);
  if (!ec) bytes.reserve(static_cast<std::size_t>(size_hint));
  unsigned char chunk[1 << 16];
  for (;;) {
    errno = 0;
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, in.file);
    bytes.insert(bytes.end(), chunk, chunk + got);
    if (got < sizeof chunk) break;
  }
  if (std::ferror(in.file)) throw CheckpointError(path + ": cannot read: " + reason(errno));
  return parse_checkpoint(bytes.data(), bytes.size(), path);
}

Checkpoint parse_checkpoint(const unsigned char* data, std::size_t size, const std::string& path) {
  // The header, or as much of it as there is. Each check uses only bytes that exist.
  const std::size_t got = size < kHeaderBytes ? size : kHeaderBytes;
  const std::string truncated_header = path + ": truncated checkpoint (expected at least " +
                                       std::to_string(kHeaderBytes + kTrailerBytes) +
                                       " bytes, found " + std::to_string(size) + ")";
  const std::size_t magic_got = got < sizeof kMagic ? got : sizeof kMagic;
  if (size == 0) throw CheckpointError(path + ": the file is empty, not a checkpoint");
  if (std::memcmp(data, kMagic, magic_got) != 0)
    throw CheckpointError(path + ": not a charnn checkpoint (bad magic number)");
  if (got < kVersionAt + 4) throw CheckpointError(truncated_header);
  std::uint32_t version = 0;
  for (int k = 0; k < 4; ++k)
    version |= static_cast<std::uint32_t>(data[kVersionAt + k]) << (8 * k);
  if (version != kCheckpointVersion)
    throw CheckpointError(path + ": checkpoint format version " + std::to_string(version) +
                          " is not supported (this program reads version " +
                          std::to_string(kCheckpointVersion) + ")");
  if (got < kHeaderBytes) throw CheckpointError(truncated_header);
  std::uint64_t length = 0;
  for (int k = 0; k < 8; ++k)
    length |= static_cast<std::uint64_t>(data[kLengthAt + k]) << (8 * k);

  // The data must be exactly header + payload + checksum. This also bounds `length` by the
  // real size before anything is allocated.
  const std::uint64_t overhead = kHeaderBytes + kTrailerBytes;
  if (length > std::numeric_limits<std::uint64_t>::max() - overhead)
    throw CheckpointError(path + ": corrupt checkpoint (payload length " + std::to_string(length) +
                          " is impossible)");
  const std::uint64_t expected = length + overhead;
  if (size < expected)
    throw CheckpointError(path + ": truncated checkpoint (expected " + std::to_string(expected) +
                          " bytes, found " + std::to_string(size) + ")");
  if (size > expected)
    throw CheckpointError(path + ": corrupt checkpoint (expected " + std::to_string(expected) +
                          " bytes, found " + std::to_string(size) +
                          ": extra bytes after the checksum)");

  const unsigned char* payload = data + kHeaderBytes;
  const std::size_t payload_size = static_cast<std::size_t>(length);
  std::uint32_t stored_crc = 0;
  for (int k = 0; k < 4; ++k)
    stored_crc |= static_cast<std::uint32_t>(payload[payload_size + k]) << (8 * k);
  if (crc32(payload, payload_size) != stored_crc)
    throw CheckpointError(path + ": checksum mismatch: the file is corrupted");

  // The checksum matches, so these are the bytes a writer produced. Still, trust no count until
  // it is checked: a buggy or hostile writer can compute a checksum too.
  Reader r(payload, payload_size, path);
  Checkpoint ck = read_payload(r);
  const std::string problem = structure_problem(ck);
  if (!problem.empty()) r.fail(problem);
  return ck;
}

}  // namespace charnn
