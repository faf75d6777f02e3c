#include "samples/text_features.h"

#include <stdexcept>

namespace charnn {

bool is_capital(char32_t c) {
  return (c >= U'A' && c <= U'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}

bool is_letter(char32_t c) {
  return is_capital(c) || (c >= U'a' && c <= U'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}

bool is_vowel(char32_t c) {
  for (char32_t v : std::u32string(U"aeiouyAEIOUY"))
    if (c == v) return true;
  return false;
}

namespace {

bool is_quote(char32_t c) {
  return c == U'"' || c == 0x201C || c == 0x201D;
}
bool is_opening(char32_t c) {
  return c == U'(' || c == U'[' || c == U'{';
}
bool is_closing(char32_t c) {
  return c == U')' || c == U']' || c == U'}';
}

// Calls line(start, end) for every line of the text: characters [start, end), end being its
// newline's position or the text's size; a line's newline belongs to it.
template <class F>
void for_each_line(const std::u32string& text, F line) {
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find(U'\n', start);
    if (end == std::u32string::npos) end = text.size();
    line(start, end);
    start = end + 1;
  }
}

// Sets values[k] = v for the characters of the line [start, end) and its newline.
void set_line(std::vector<double>& values, std::size_t start, std::size_t end, double v) {
  for (std::size_t k = start; k < end + 1 && k < values.size(); ++k)
    values[k] = v;
}

}  // namespace

std::vector<TextFeature> text_features(const std::u32string& text) {
  const std::size_t n = text.size();
  auto feature = [n](const char* name, const char* description, bool binary) {
    TextFeature f;
    f.name = name;
    f.description = description;
    f.binary = binary;
    f.values.assign(n, 0.0);
    return f;
  };
  TextFeature line_pos = feature("line position", "characters read since the last newline", false);
  TextFeature line_start = feature("start of a line", "the character read is a newline", true);
  TextFeature stanza =
      feature("line in the stanza", "lines since the last empty line (0 on its first line)", false);
  TextFeature speaker =
      feature("speaker's name line", "inside a line like \"MENENIUS:\" that opens a speech", true);
  TextFeature word = feature("inside a word", "the character read is a letter", true);
  TextFeature word_pos =
      feature("position in the word", "letters read since the word began (0 outside)", false);
  TextFeature vowel = feature("after a vowel", "the character read is a vowel", true);
  TextFeature capital = feature("capital letter", "the character read is a capital", true);
  TextFeature space = feature("after a space", "the character read is a space", true);
  TextFeature quotes =
      feature("inside quotes", "after an opening double quote and before its closing one", true);
  TextFeature brackets =
      feature("inside brackets", "after an opening ( [ { and before its closing one", true);

  // Features of whole lines. A speaker's name line is a non-empty line that follows an empty
  // one (or the start), starts with a capital and ends with ':', as "MENENIUS:" or "First
  // Citizen:". The line in the stanza counts the non-empty lines since the last empty one.
  bool after_empty = true;
  double index = 0;
  for_each_line(text, [&](std::size_t start, std::size_t end) {
    const bool empty = end == start;
    if (!empty && after_empty && is_capital(text[start]) && text[end - 1] == U':')
      set_line(speaker.values, start, end, 1);
    set_line(stanza.values, start, end, empty ? 0 : index);
    index = empty ? 0 : index + 1;
    after_empty = empty;
  });

  double column = 0, letters = 0;
  bool quoted = false;
  int depth = 0;
  for (std::size_t t = 0; t < n; ++t) {
    const char32_t c = text[t];
    column = c == U'\n' ? 0 : column + 1;
    letters = is_letter(c) ? letters + 1 : 0;
    if (is_quote(c)) quoted = !quoted;
    if (is_opening(c)) ++depth;
    if (is_closing(c) && depth > 0) --depth;
    line_pos.values[t] = column;
    line_start.values[t] = c == U'\n';
    word.values[t] = is_letter(c);
    word_pos.values[t] = letters;
    vowel.values[t] = is_vowel(c);
    capital.values[t] = is_capital(c);
    space.values[t] = c == U' ';
    quotes.values[t] = quoted;
    brackets.values[t] = depth > 0;
  }
  return {line_pos, line_start, stanza, speaker, word,    word_pos,
          vowel,    capital,    space,  quotes,  brackets};
}

TextFeature text_feature(const std::u32string& text, const std::string& name) {
  for (TextFeature& f : text_features(text))
    if (f.name == name) return f;
  throw std::invalid_argument("no text feature called '" + name + "'");
}

}  // namespace charnn
