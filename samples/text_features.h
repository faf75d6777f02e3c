// Features of a text that a unit of a recurrent network might track, computed from the text
// alone: where the reader is in the line, whether it is inside quotes or brackets, in a word, in
// a speaker's name line of a play. ./inspect looks for the units that follow each one
// (docs/inside.md).
#pragma once

#include <string>
#include <vector>

namespace charnn {

struct TextFeature {
  std::string name;         // "line position"
  std::string description;  // "characters since the last newline"
  bool binary = false;      // values are 0 or 1
  // values[t]: the feature after reading character t (what a unit can know at step t).
  std::vector<double> values;
};

// The features of `text`, one value per character, in a fixed order: line position, start of a
// line, line in the stanza, speaker's name line, inside a word, position in the word, after a
// vowel, capital letter, after a space, inside quotes, inside brackets.
std::vector<TextFeature> text_features(const std::u32string& text);

// The feature called `name` of text_features(text); throws std::invalid_argument if none is.
TextFeature text_feature(const std::u32string& text, const std::string& name);

// Character classes the features and ./inspect's summaries use. ASCII letters only, and the
// Latin-1 letters, so that accented words are words too.
bool is_letter(char32_t c);
bool is_vowel(char32_t c);
bool is_capital(char32_t c);

}  // namespace charnn
