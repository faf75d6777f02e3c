// Text in, ids out: reading a corpus file, UTF-8 decoding, the vocabulary, the haikus corpus.
//
// The model works on code points, not bytes, so "é" is one character with one id. A text goes
// file -> bytes (read_file) -> code points (decode_utf8) -> ids (Vocabulary::encode), and
// samples come back the other way (Vocabulary::decode, encode_utf8). Every failure a user can
// cause throws TextError with one line that says what went wrong and where.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace charnn {

// One clear, single-line message meant for the user,
// e.g. "shakespeare.txt: invalid UTF-8 at byte 1234 (0xff)".
struct TextError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The whole file as bytes. Throws TextError "PATH: no such file", "PATH: is a directory, not a
// file", "PATH: cannot be read (REASON)" or "PATH: read failed (REASON)". An empty file is not an
// error here: the caller knows whether it can use one.
std::string read_file(const std::string& path);

// UTF-8 bytes to code points. A byte-order mark (EF BB BF) at the very start is dropped.
// Strict: stray continuation bytes, truncated sequences, overlong forms, surrogates
// (U+D800..U+DFFF), values above U+10FFFF and the bytes C0, C1, F5..FF are all refused with
// TextError "SOURCE: invalid UTF-8 at byte N (0xXX)", N being the offset in `bytes` (BOM
// included) of the first byte of the bad sequence and XX that byte.
std::u32string decode_utf8(const std::string& bytes, const std::string& source);

// The same decoding without building the text: calls on_char(c, offset) for each code point c
// in order (offset: the byte where its sequence starts), with the same checks and the same
// TextError. Corpora are decoded this way, straight into ids, so a 200 MB text never exists
// as 800 MB of code points.
template <class OnChar>
void for_each_code_point(const std::string& bytes, const std::string& source, OnChar on_char);

// A text file's bytes, checked to be text before anyone decodes them: throws TextError
// "PATH: the file is empty", "PATH: is UTF-16 text (it starts with the UTF-16 byte-order mark
// FF FE); convert it to UTF-8 first, e.g. with iconv -f UTF-16 -t UTF-8" (also for FE FF and
// for UTF-32), or "PATH: byte N is 0 (NUL), which text never contains: this is a binary file,
// or UTF-16/UTF-32 text", and decode_utf8's error for invalid UTF-8. When the invalid UTF-8
// looks like Latin-1 or Windows-1252 text (most bytes above 0x7F, and at least two, standing
// alone between ASCII ones), that error
// has a second line saying so and how to convert the file:
// "PATH: this looks like Latin-1 text, not UTF-8; convert it first: iconv -f latin1 -t utf-8
// PATH > PATH.utf8". read_file's errors pass through.
std::string read_text_file(const std::string& path);

// Code points to UTF-8. The input is assumed valid (it came from decode_utf8 or a vocabulary).
std::string encode_utf8(char32_t c);
std::string encode_utf8(const std::u32string& text);

// A-Z folded to a-z; every other character, 'É' included, is left alone (for --lowercase).
inline char32_t ascii_lowercase(char32_t c) {
  return c >= U'A' && c <= U'Z' ? c + (U'a' - U'A') : c;
}
std::u32string ascii_lowercase(std::u32string text);

// A character as a message should show it: "'é' (U+00E9)" when it is visible, by name when it
// is a space or a common control character ("newline (U+000A)", "space (U+0020)"), and as a
// bare code ("U+0007") when it would be invisible or garble the message.
std::string describe_char(char32_t c);

// A separator as typed after --reset-at: "\n", "\t", "\r" and "\\" stand for newline, tab,
// carriage return and backslash, so that a blank line is '\n\n' on any shell. Another
// backslash sequence is a TextError naming `what`. Returns the text (UTF-8, not checked here).
std::string unescape(const std::string& typed, const std::string& what);
// The reverse: newline, tab, carriage return and backslash written as those escapes. What a
// checkpoint stores and messages show, so '\n\n' and a typed $'\n\n' are stored alike.
std::string escape(const std::string& text);

// The model's alphabet: the sorted set of distinct code points of a text. A character's id is
// its position in that order, so the same text always gives the same ids.
class Vocabulary {
 public:
  Vocabulary() = default;
  static Vocabulary from_text(const std::u32string& text);
  // From one flag per code point (present[c] != 0: c is in the text), as a caller that sees
  // the text piece by piece collects them. Refuses surrogates like the constructor below.
  static Vocabulary from_present(const std::vector<unsigned char>& present);
  // From a stored list (a checkpoint). Throws TextError "vocabulary: not sorted/unique" unless
  // the list is strictly increasing, and "vocabulary: U+110000 is not a valid code point" for a
  // surrogate or a value above U+10FFFF.
  explicit Vocabulary(std::vector<char32_t> symbols);

  int size() const { return static_cast<int>(symbols_.size()); }
  char32_t symbol(int id) const { return symbols_[id]; }  // id in [0, size)
  int id(char32_t c) const;                               // -1 when c is not in the vocabulary
  bool contains(char32_t c) const { return id(c) >= 0; }
  const std::vector<char32_t>& symbols() const { return symbols_; }

  // Every character mapped to its id. The first unknown one throws TextError
  // "SOURCE: character 'X' (U+XXXX) at position P is not in the vocabulary" (P counts code
  // points from 0).
  std::vector<int> encode(const std::u32string& text, const std::string& source) const;
  // Ids back to characters; an id outside [0, size) throws TextError.
  std::u32string decode(const std::vector<int>& ids) const;

 private:
  std::vector<char32_t> symbols_;  // strictly increasing
  // dense_[c] is the id of c for every c up to the largest symbol below U+10000 (-1 when c is
  // not a symbol): an O(1) lookup for the common characters. Rarer ones use binary search.
  std::vector<int> dense_;
};

// The text codec: how a text becomes ids, which a checkpoint carries (train/model_io.h,
// codec_from_checkpoint). The vocabulary, whether A-Z are folded to a-z before a character is
// looked up (--lowercase), and whether Windows line endings are folded: "\r\n" read as "\n"
// (the default; --keep-crlf keeps the "\r"). A lone "\r" is left alone. Every program that
// turns text into ids folds through this class, so the trainer, ./evaluate, ./sample and the
// others read a file the same way. docs/training.md, "Reading the text", says why CRLF is folded.
class TextCodec {
 public:
  TextCodec() = default;
  TextCodec(Vocabulary vocab, bool lowercase, bool keep_crlf = false)
      : vocab_(std::move(vocab)), lowercase_(lowercase), keep_crlf_(keep_crlf) {}

  const Vocabulary& vocab() const { return vocab_; }
  bool lowercase() const { return lowercase_; }
  bool keep_crlf() const { return keep_crlf_; }

  // The character as the vocabulary holds it: folded to lower case when lowercase().
  char32_t fold(char32_t c) const { return lowercase_ ? ascii_lowercase(c) : c; }
  // The id of fold(c), or -1 when the vocabulary has none.
  int id(char32_t c) const { return vocab_.id(fold(c)); }
  // The text as the model reads it: "\r\n" folded to "\n" unless keep_crlf(), then every
  // character through fold().
  std::u32string folded(const std::u32string& text) const;
  // folded(text), encoded: Vocabulary::encode's TextError for an unknown character (its
  // position counts the folded text's characters).
  std::vector<int> encode(const std::u32string& text, const std::string& source) const;
  // UTF-8 bytes decoded (for_each_code_point, with its checks) and folded as folded() folds,
  // one character at a time: calls on_char(c) for each character the model reads.
  template <class OnChar>
  void for_each_char(const std::string& bytes, const std::string& source, OnChar on_char) const;

 private:
  Vocabulary vocab_;
  bool lowercase_ = false;
  bool keep_crlf_ = false;
};

// The haikus corpus (one CSV record per poem, the poem's lines separated by newlines inside the
// quotes) as plain text: one poem per paragraph, its lines joined by '\n', poems separated by a
// blank line, the text ending in '\n'. CSV quoting follows RFC 4180 ("" inside quotes is a
// quote; unquoted fields are allowed); of a record with several fields the first non-empty one
// is the poem. CR is removed (a lone CR counts as a line break), trailing spaces and tabs are
// cut from each line, and empty lines are dropped, so a poem is never split into two
// paragraphs; records with no text are skipped. An unterminated quoted field throws TextError
// naming the byte offset where it starts.
std::string haikus_csv_to_text(const std::string& csv);

// ---------------------------------------------------------------------------------------------
// for_each_code_point, defined here because it is a template.

namespace detail {
[[noreturn]] void throw_invalid_utf8(const std::string& bytes, std::size_t at,
                                     const std::string& source);
}

template <class OnChar>
void for_each_code_point(const std::string& bytes, const std::string& source, OnChar on_char) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) i = 3;  // byte-order mark
  while (i < n) {
    const unsigned b0 = p[i];
    if (b0 < 0x80) {  // ASCII, by far the most common case
      on_char(static_cast<char32_t>(b0), i);
      ++i;
      continue;
    }
    // The lead byte gives the length and the smallest value that needs that length; anything
    // smaller is an overlong form. C0 and C1 could only start overlong 2-byte forms, and F5..FF
    // would start values above U+10FFFF, so they are refused here.
    int length;
    char32_t c, smallest;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2, c = b0 & 0x1F, smallest = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3, c = b0 & 0x0F, smallest = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4, c = b0 & 0x07, smallest = 0x10000;
    } else {
      detail::throw_invalid_utf8(bytes, i, source);  // a stray continuation byte, C0, C1, F5..FF
    }
    if (n - i < static_cast<std::size_t>(length))
      detail::throw_invalid_utf8(bytes, i, source);  // cut off by the end
    for (int k = 1; k < length; ++k) {
      const unsigned b = p[i + k];
      if ((b & 0xC0) != 0x80) detail::throw_invalid_utf8(bytes, i, source);  // stops early
      c = (c << 6) | (b & 0x3F);
    }
    // Above U+10FFFF (F4 90..) or a surrogate (ED A0..ED BF): not a character.
    if (c < smallest || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
      detail::throw_invalid_utf8(bytes, i, source);
    on_char(c, i);
    i += static_cast<std::size_t>(length);
  }
}

template <class OnChar>
void TextCodec::for_each_char(const std::string& bytes, const std::string& source,
                              OnChar on_char) const {
  bool pending_cr = false;  // a "\r" read, not yet passed on: it may start a "\r\n"
  for_each_code_point(bytes, source, [&](char32_t c, std::size_t) {
    if (pending_cr) {
      pending_cr = false;
      if (c != U'\n') on_char(fold(U'\r'));  // a lone "\r" stays; "\r\n" gives the "\n" alone
    }
    if (c == U'\r' && !keep_crlf_) {
      pending_cr = true;
      return;
    }
    on_char(fold(c));
  });
  if (pending_cr) on_char(fold(U'\r'));
}

}  // namespace charnn
