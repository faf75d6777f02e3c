// Fuzz target for the UTF-8 decoder, charnn::decode_utf8 and charnn::for_each_code_point
// (train/text.h), and for what is built on the decoded text: Vocabulary, describe_char,
// ascii_lowercase.
//
// The input is any byte string. decode_utf8 must either return or throw charnn::TextError;
// anything else escapes and crashes the fuzzer. Beyond "no crash", the target checks:
//   - accept or refuse, and the refused byte, agree with an independent decoder written here
//     from the Unicode standard's table of well-formed byte sequences (Table 3-7);
//   - on success: every code point is valid, encode_utf8 gives back the input without its
//     byte-order mark, and for_each_code_point reports the same characters at the byte
//     offsets where their sequences start;
//   - on failure: the message is exactly "input: invalid UTF-8 at byte N (0xXX)", N being the
//     first byte of the first bad sequence and XX that byte;
//   - the vocabulary of the decoded text holds exactly its distinct characters, and its ids
//     round-trip through encode and decode;
//   - describe_char accepts every code point of the text, and arbitrary 32-bit values too.
// A failed check calls __builtin_trap(), which libFuzzer reports as a crash with this input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.h"
#include "train/text.h"

namespace {

// Prints what failed, then traps: the message lands in the fuzzer's log beside the stack.

const std::string kSource = "input";

// The length of the well-formed UTF-8 sequence at p[i], or 0 if there is none. Written from
// Table 3-7 of the Unicode standard, byte ranges only, without computing a code point, so it
// shares no logic with the decoder under test.
std::size_t well_formed_length(const unsigned char* p, std::size_t n, std::size_t i) {
  auto in = [&](std::size_t k, unsigned lo, unsigned hi) {
    return i + k < n && p[i + k] >= lo && p[i + k] <= hi;
  };
  const unsigned b = p[i];
  if (b <= 0x7F) return 1;
  if (b >= 0xC2 && b <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (b == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (b == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (b == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (b >= 0xF1 && b <= 0xF3)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (b == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;  // 80..C1 (continuation bytes, overlong leads) and F5..FF never start a character
}

bool has_bom(const std::string& bytes) {
  return bytes.size() >= 3 && bytes.compare(0, 3, "\xEF\xBB\xBF") == 0;
}

// Where the reference decoder stops: the offset of the first sequence that is not well formed
// (after a leading byte-order mark), or bytes.size() when the whole input is valid.
std::size_t first_bad_byte(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = has_bom(bytes) ? 3 : 0;
  while (i < bytes.size()) {
    const std::size_t length = well_formed_length(p, bytes.size(), i);
    if (length == 0) return i;
    i += length;
  }
  return bytes.size();
}

std::string invalid_message(const std::string& bytes, std::size_t at) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(bytes[at]));
  return kSource + ": invalid UTF-8 at byte " + std::to_string(at) + " (" + hex + ")";
}

bool valid_code_point(char32_t c) {
  return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
}

void check_describe(char32_t c) {
  const std::string d = charnn::describe_char(c);
  // Every description names the code, "U+" and at least four hex digits.
  FUZZ_CHECK(d.find("U+") != std::string::npos);
  // An invalid value must never be written out as if it were a character.
  if (!valid_code_point(c)) FUZZ_CHECK(d.compare(0, 2, "U+") == 0);
}

// The text decoded successfully: its vocabulary, ids, lower-casing and descriptions.
void check_text(const std::u32string& text, std::size_t input_size) {
  const std::set<char32_t> distinct(text.begin(), text.end());
  const std::vector<char32_t> sorted(distinct.begin(), distinct.end());
  // Vocabulary::from_text walks a table of all 1.1 million code points, which under the
  // fuzzer's comparison tracing costs milliseconds; on every input it would cut the fuzzer's
  // speed some forty times. So it runs on one input length in 64, and the other inputs use
  // the vocabulary it must give, built from the sorted distinct characters.
  const charnn::Vocabulary vocab =
      input_size % 64 == 0 ? charnn::Vocabulary::from_text(text) : charnn::Vocabulary(sorted);
  FUZZ_CHECK(vocab.size() == static_cast<int>(distinct.size()));
  FUZZ_CHECK(sorted == vocab.symbols());
  for (int id = 0; id < vocab.size(); ++id) {
    FUZZ_CHECK(vocab.id(vocab.symbol(id)) == id);
    check_describe(vocab.symbol(id));
  }
  // A few characters that are not in the text must be unknown.
  for (char32_t c : {char32_t(0), char32_t('a'), char32_t(0xE9), char32_t(0xFFFF),
                     char32_t(0x10000), char32_t(0x10FFFF), char32_t(0x110000)})
    if (!distinct.count(c)) FUZZ_CHECK(vocab.id(c) == -1 && !vocab.contains(c));

  const std::vector<int> ids = vocab.encode(text, kSource);  // every character is known
  FUZZ_CHECK(ids.size() == text.size());
  for (int id : ids)
    FUZZ_CHECK(id >= 0 && id < vocab.size());
  FUZZ_CHECK(vocab.decode(ids) == text);

  const std::u32string lower = charnn::ascii_lowercase(text);
  FUZZ_CHECK(lower.size() == text.size());
  for (std::size_t k = 0; k < text.size(); ++k) {
    const char32_t c = text[k];
    FUZZ_CHECK(lower[k] == (c >= U'A' && c <= U'Z' ? c + (U'a' - U'A') : c));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t bad = first_bad_byte(bytes);

  std::u32string text;
  bool ok = true;
  std::string message;
  try {
    text = charnn::decode_utf8(bytes, kSource);
  } catch (const charnn::TextError& e) {
    ok = false;
    message = e.what();
  }

  // The same decoding through the streaming interface: the characters it reports before it
  // throws (if it does) and their offsets.
  std::u32string streamed;
  std::vector<std::size_t> offsets;
  bool stream_ok = true;
  std::string stream_message;
  try {
    charnn::for_each_code_point(bytes, kSource, [&](char32_t c, std::size_t at) {
      streamed.push_back(c);
      offsets.push_back(at);
    });
  } catch (const charnn::TextError& e) {
    stream_ok = false;
    stream_message = e.what();
  }
  FUZZ_CHECK(stream_ok == ok);
  FUZZ_CHECK(stream_message == message);

  // Each character reported starts where the one before ended, and its bytes are there.
  std::size_t at = has_bom(bytes) ? 3 : 0;
  for (std::size_t k = 0; k < streamed.size(); ++k) {
    FUZZ_CHECK(valid_code_point(streamed[k]));
    FUZZ_CHECK(offsets[k] == at);
    const std::string encoded = charnn::encode_utf8(streamed[k]);
    FUZZ_CHECK(bytes.compare(at, encoded.size(), encoded) == 0);
    at += encoded.size();
  }

  if (ok) {
    FUZZ_CHECK(bad == bytes.size());  // the reference decoder accepts it too
    FUZZ_CHECK(at == bytes.size());
    FUZZ_CHECK(streamed == text);
    for (char32_t c : text)
      FUZZ_CHECK(valid_code_point(c));
    FUZZ_CHECK(charnn::encode_utf8(text) == bytes.substr(has_bom(bytes) ? 3 : 0));
    check_text(text, size);
  } else {
    FUZZ_CHECK(bad < bytes.size());                      // the reference decoder refuses it too ...
    FUZZ_CHECK(message == invalid_message(bytes, bad));  // ... at the same byte
    FUZZ_CHECK(at == bad);  // every character before the bad one was reported, none after
    // The valid prefix decodes alone, and the rest fails at its first byte.
    FUZZ_CHECK(charnn::decode_utf8(bytes.substr(0, bad), kSource) == streamed);
    try {
      charnn::decode_utf8(bytes.substr(bad), kSource);
      FUZZ_CHECK(false);
    } catch (const charnn::TextError& e) {
      FUZZ_CHECK(std::string(e.what()) == invalid_message(bytes.substr(bad), 0));
    }
  }

  // describe_char on arbitrary 32-bit values, valid or not.
  for (std::size_t k = 0; k + 4 <= size && k < 64; k += 4) {
    const char32_t c = static_cast<char32_t>(data[k] | data[k + 1] << 8 | data[k + 2] << 16 |
                                             static_cast<std::uint32_t>(data[k + 3]) << 24);
    check_describe(c);
  }
  return 0;
}
