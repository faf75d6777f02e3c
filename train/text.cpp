#include "train/text.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

namespace charnn {

namespace {

// "U+00E9": at least four upper-case hex digits, as the Unicode standard writes code points.
std::string code_point_name(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04lX", static_cast<unsigned long>(c));
  return buf;
}

bool is_valid_code_point(char32_t c) {
  return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
}

// An OS error text such as "Permission denied" written the way our messages are: "permission
// denied".
std::string reason_text(int err) {
  std::string reason = err != 0 ? std::strerror(err) : "unknown error";
  if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] += 'a' - 'A';
  return reason;
}

// Writes the UTF-8 form of c (1 to 4 bytes) at `out` and returns the end. The lead byte's high
// bits say how many bytes follow; each continuation byte is 10xxxxxx and carries 6 bits.
char* put_utf8(char32_t c, char* out) {
  if (c < 0x80) {
    *out++ = static_cast<char>(c);
  } else if (c < 0x800) {
    *out++ = static_cast<char>(0xC0 | (c >> 6));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (c >> 12));
    *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (c >> 18));
    *out++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

int utf8_length(char32_t c) {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

}  // namespace

std::string read_file(const std::string& path) {
  namespace fs = std::filesystem;
  // Ask the file system first: "no such file" and "is a directory" are clearer than whatever
  // a failed open would leave in errno.
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) throw TextError(path + ": no such file");
  if (ec) throw TextError(path + ": cannot be read (" + reason_text(ec.value()) + ")");
  if (fs::is_directory(status)) throw TextError(path + ": is a directory, not a file");

  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TextError(path + ": cannot be read (" + reason_text(errno) + ")");

  std::string data;
  // The size is only a hint (it is unknown for pipes and may change while we read), so we read
  // until the end rather than exactly that many bytes.
  const std::uintmax_t size_hint = fs::is_regular_file(status) ? fs::file_size(path, ec) : 0;
  if (!ec) data.reserve(static_cast<std::size_t>(size_hint));
  char chunk[1 << 16];
  for (;;) {
    errno = 0;
    in.read(chunk, sizeof chunk);
    data.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (!in) break;  // end of file, or an error: bad() tells which
  }
  if (in.bad()) throw TextError(path + ": read failed (" + reason_text(errno) + ")");
  return data;
}

namespace detail {
void throw_invalid_utf8(const std::string& bytes, std::size_t at, const std::string& source) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x",
                static_cast<unsigned>(static_cast<unsigned char>(bytes[at])));
  throw TextError(source + ": invalid UTF-8 at byte " + std::to_string(at) + " (" + hex + ")");
}
}  // namespace detail

std::u32string decode_utf8(const std::string& bytes, const std::string& source) {
  // Every character starts with exactly one byte that is not a continuation byte (10xxxxxx), so
  // counting those sizes the output once; invalid input can only produce fewer characters.
  std::size_t starts = 0;
  for (unsigned char b : bytes)
    starts += (b & 0xC0) != 0x80;
  std::u32string text;
  text.reserve(starts);
  for_each_code_point(bytes, source, [&text](char32_t c, std::size_t) { text.push_back(c); });
  return text;
}

namespace {

// Whether invalid UTF-8 looks like text in an 8-bit encoding, and which: "Latin-1" or
// "Windows-1252", or nullptr. In UTF-8 every character above U+007F is a run of 2 to 4 bytes
// >= 0x80; in an 8-bit encoding such a character is one byte between ASCII ones. So when most
// runs of bytes >= 0x80 are a single byte, and there are at least two of them (one stray byte
// in ASCII text says nothing of its encoding), the text is 8-bit. Windows-1252 puts printable
// characters (curly quotes, dashes) at 0x80..0x9F, where Latin-1 has control codes that text
// does not use: any byte there says Windows-1252.
const char* eight_bit_encoding(const std::string& bytes) {
  std::size_t runs = 0, single = 0;
  bool c1 = false;
  for (std::size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t j = i;
    for (; j < bytes.size() && static_cast<unsigned char>(bytes[j]) >= 0x80; ++j)
      c1 = c1 || static_cast<unsigned char>(bytes[j]) <= 0x9F;
    ++runs;
    single += j - i == 1;
    i = j;
  }
  if (single < 2 || 2 * single <= runs) return nullptr;  // one damaged byte is not an encoding
  return c1 ? "Windows-1252" : "Latin-1";
}

const char* iconv_name(const std::string& encoding) {
  return encoding == "Latin-1" ? "latin1" : "windows-1252";
}

}  // namespace

std::string read_text_file(const std::string& path) {
  std::string bytes = read_file(path);
  if (bytes.empty()) throw TextError(path + ": the file is empty");
  // UTF-32 LE starts FF FE 00 00, so it is tested before UTF-16 LE (FF FE).
  const char* encoding = nullptr;
  const char* mark = nullptr;
  if (bytes.compare(0, 4, std::string("\xFF\xFE\0\0", 4)) == 0) {
    encoding = "UTF-32", mark = "FF FE 00 00";
  } else if (bytes.compare(0, 4, std::string("\0\0\xFE\xFF", 4)) == 0) {
    encoding = "UTF-32", mark = "00 00 FE FF";
  } else if (bytes.compare(0, 2, "\xFF\xFE") == 0) {
    encoding = "UTF-16", mark = "FF FE";
  } else if (bytes.compare(0, 2, "\xFE\xFF") == 0) {
    encoding = "UTF-16", mark = "FE FF";
  }
  if (encoding)
    throw TextError(path + ": is " + encoding + " text (it starts with the " + encoding +
                    " byte-order mark " + mark +
                    "); convert it to UTF-8 first, e.g. with iconv -f " + encoding + " -t UTF-8");
  // In UTF-8 a zero byte can only be the character U+0000, which no text contains; binary
  // files and UTF-16 text are full of them. memchr scans 200 MB in a few milliseconds.
  if (const void* nul = std::memchr(bytes.data(), 0, bytes.size()))
    throw TextError(path + ": byte " +
                    std::to_string(static_cast<const char*>(nul) - bytes.data()) +
                    " is 0 (NUL), which text never contains: this is a binary file, or UTF-16 or "
                    "UTF-32 text");
  // Checked here, once, so that a file in an 8-bit encoding gets the hint below wherever it is
  // read; the callers' own decoding then cannot fail. About 1 GB/s.
  try {
    for_each_code_point(bytes, path, [](char32_t, std::size_t) {});
  } catch (const TextError& e) {
    const char* encoding = eight_bit_encoding(bytes);
    if (!encoding) throw;
    throw TextError(std::string(e.what()) + "\n" + path + ": this looks like " + encoding +
                    " text, not UTF-8; convert it first: iconv -f " + iconv_name(encoding) +
                    " -t utf-8 " + path + " > " + path + ".utf8");
  }
  return bytes;
}

std::string encode_utf8(char32_t c) {
  char buf[4];
  return std::string(buf, put_utf8(c, buf));
}

std::string encode_utf8(const std::u32string& text) {
  std::size_t length = 0;
  for (char32_t c : text)
    length += utf8_length(c);
  std::string bytes(length, '\0');
  char* out = &bytes[0];
  for (char32_t c : text)
    out = put_utf8(c, out);
  return bytes;
}

std::u32string ascii_lowercase(std::u32string text) {
  for (char32_t& c : text)
    c = ascii_lowercase(c);
  return text;
}

std::string unescape(const std::string& typed, const std::string& what) {
  std::string out;
  for (std::size_t k = 0; k < typed.size(); ++k) {
    if (typed[k] != '\\') {
      out += typed[k];
      continue;
    }
    const char next = k + 1 < typed.size() ? typed[k + 1] : '\0';
    switch (next) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      default:
        throw TextError(what + ": '\\" + (next ? std::string(1, next) : std::string()) +
                        "' is not an escape this program reads (\\n, \\t, \\r and \\\\ are)");
    }
    ++k;
  }
  return out;
}

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string describe_char(char32_t c) {
  const std::string code = code_point_name(c);
  // Spaces and line breaks would be invisible between quotes, so they get a name.
  const char* name = nullptr;
  switch (c) {
    case U'\t':
      name = "tab";
      break;
    case U'\n':
      name = "newline";
      break;
    case U'\v':
      name = "vertical tab";
      break;
    case U'\f':
      name = "form feed";
      break;
    case U'\r':
      name = "carriage return";
      break;
    case U' ':
      name = "space";
      break;
    case 0xA0:
      name = "no-break space";
      break;
    case 0x3000:
      name = "ideographic space";
      break;
    case 0xFEFF:
      name = "byte-order mark";
      break;
    default:
      break;
  }
  if (name) return std::string(name) + " (" + code + ")";
  // Characters that print nothing, print something misleading, or would attach themselves to
  // the quote mark: control codes, combining accents, zero-width and layout characters,
  // variation selectors, specials, and values that are not characters at all.
  const bool invisible = c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x300 && c <= 0x36F) ||
                         (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
                         (c >= 0x205F && c <= 0x206F) || (c >= 0xFE00 && c <= 0xFE0F) ||
                         (c >= 0xFFF0 && c <= 0xFFFF) || !is_valid_code_point(c);
  if (invisible) return code;
  return "'" + encode_utf8(c) + "' (" + code + ")";
}

Vocabulary Vocabulary::from_text(const std::u32string& text) {
  // One flag per possible code point (1.1 MB): linear in the text, where sorting a copy of a
  // 200 MB corpus would not be.
  std::vector<unsigned char> seen(0x110000, 0);
  for (char32_t c : text) {
    if (c > 0x10FFFF)
      throw TextError("vocabulary: " + code_point_name(c) + " is not a valid code point");
    seen[c] = 1;
  }
  return from_present(seen);
}

Vocabulary Vocabulary::from_present(const std::vector<unsigned char>& present) {
  std::vector<char32_t> symbols;
  for (char32_t c = 0; c < present.size(); ++c)
    if (present[c]) symbols.push_back(c);
  return Vocabulary(std::move(symbols));  // also refuses surrogates
}

Vocabulary::Vocabulary(std::vector<char32_t> symbols) : symbols_(std::move(symbols)) {
  for (std::size_t k = 0; k < symbols_.size(); ++k) {
    if (!is_valid_code_point(symbols_[k]))
      throw TextError("vocabulary: " + code_point_name(symbols_[k]) + " is not a valid code point");
    if (k > 0 && symbols_[k] <= symbols_[k - 1]) throw TextError("vocabulary: not sorted/unique");
  }
  // The table reaches only as far as the largest symbol below U+10000: 128 entries for ASCII
  // text, at most 65536 for any text.
  std::size_t table_size = 0;
  for (char32_t c : symbols_)
    if (c < 0x10000) table_size = c + 1;
  dense_.assign(table_size, -1);
  for (int k = 0; k < size(); ++k)
    if (symbols_[k] < table_size) dense_[symbols_[k]] = k;
}

int Vocabulary::id(char32_t c) const {
  if (c < dense_.size()) return dense_[c];
  if (c < 0x10000) return -1;  // the table covers every symbol below U+10000
  const auto it = std::lower_bound(symbols_.begin(), symbols_.end(), c);
  return it != symbols_.end() && *it == c ? static_cast<int>(it - symbols_.begin()) : -1;
}

std::vector<int> Vocabulary::encode(const std::u32string& text, const std::string& source) const {
  std::vector<int> ids(text.size());
  for (std::size_t k = 0; k < text.size(); ++k) {
    ids[k] = id(text[k]);
    if (ids[k] < 0)
      throw TextError(source + ": character " + describe_char(text[k]) + " at position " +
                      std::to_string(k) + " is not in the vocabulary");
  }
  return ids;
}

std::u32string TextCodec::folded(const std::u32string& text) const {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] == U'\r' && !keep_crlf_ && k + 1 < text.size() && text[k + 1] == U'\n')
      continue;  // "\r\n" read as "\n"
    out.push_back(fold(text[k]));
  }
  return out;
}

std::vector<int> TextCodec::encode(const std::u32string& text, const std::string& source) const {
  return vocab_.encode(folded(text), source);
}

std::u32string Vocabulary::decode(const std::vector<int>& ids) const {
  std::u32string text(ids.size(), U'\0');
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (ids[k] < 0 || ids[k] >= size())
      throw TextError("vocabulary: id " + std::to_string(ids[k]) + " is outside [0, " +
                      std::to_string(size()) + ")");
    text[k] = symbols_[ids[k]];
  }
  return text;
}

namespace {

// A CSV field as poem text: CR LF and lone CR become line breaks, trailing spaces and tabs go,
// and empty lines are dropped (a blank line inside a poem would read as the end of the poem).
// Each kept line ends in '\n'; a field with no text gives "".
std::string poem_from_field(const std::string& field) {
  std::string poem;
  std::size_t start = 0;
  while (start < field.size()) {
    std::size_t end = field.find_first_of("\r\n", start);
    if (end == std::string::npos) end = field.size();
    std::size_t stop = end;
    while (stop > start && (field[stop - 1] == ' ' || field[stop - 1] == '\t'))
      --stop;
    if (stop > start) {
      poem.append(field, start, stop - start);
      poem += '\n';
    }
    start = end + 1;
  }
  return poem;
}

}  // namespace

std::string haikus_csv_to_text(const std::string& csv) {
  const std::size_t n = csv.size();
  std::size_t i = csv.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // skip a byte-order mark
  std::string text;
  text.reserve(n);
  std::string field, poem;

  while (i < n) {  // one record per pass
    poem.clear();
    for (;;) {  // one field per pass
      field.clear();
      if (i < n && csv[i] == '"') {
        // Quoted: commas and line breaks are part of the field, "" is one quote, and a lone
        // quote closes it.
        const std::size_t opened = i++;
        for (;;) {
          if (i == n)
            throw TextError("CSV: the quoted field that starts at byte " + std::to_string(opened) +
                            " has no closing quote");
          const char c = csv[i++];
          if (c != '"') {
            field += c;
          } else if (i < n && csv[i] == '"') {
            field += '"';
            ++i;
          } else {
            break;
          }
        }
      }
      // Unquoted text, or stray text after a closing quote, which we keep rather than refuse
      // (Python's csv module does the same).
      while (i < n && csv[i] != ',' && csv[i] != '\n' && csv[i] != '\r')
        field += csv[i++];
      if (poem.empty()) poem = poem_from_field(field);  // the first field with text wins
      if (i < n && csv[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    // The record ends with CR LF, LF, a lone CR, or the end of the input.
    if (i < n && csv[i] == '\r') ++i;
    if (i < n && csv[i] == '\n') ++i;
    if (poem.empty()) continue;       // an empty record
    if (!text.empty()) text += '\n';  // the blank line between two poems
    text += poem;
  }
  return text;
}

}  // namespace charnn
