// A minimal XML parser for the tests of the SVG plots (tests/test_plot.cpp) and of ./compare's
// output (tests/test_compare.cpp).
#pragma once

#include <cctype>
#include <cstddef>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace charnn::testing {

// A minimal XML parser, strict where render_svg's output could go wrong: tags nested and closed,
// attribute values quoted and not repeated, no entities but the five predefined ones and
// numeric character references, exactly one root element. It skips the XML declaration,
// processing instructions and comments, and has no DTD or CDATA support (the plots use none).

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;  // entities decoded
  std::vector<Element> children;
  std::string text;  // the character data directly inside, entities decoded
};

struct XmlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class XmlParser {
 public:
  explicit XmlParser(const std::string& doc) : s_(doc) {}

  Element document() {
    misc();
    if (!at("<")) fail("no root element");
    Element root = element();
    misc();
    if (pos_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  const std::string& s_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw XmlError(what + " at byte " + std::to_string(pos_));
  }
  bool at(const char* prefix) const { return s_.compare(pos_, std::strlen(prefix), prefix) == 0; }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }
  void skip_past(const char* end) {
    const std::size_t found = s_.find(end, pos_);
    if (found == std::string::npos) fail(std::string("no closing ") + end);
    pos_ = found + std::strlen(end);
  }
  // Whitespace, comments and processing instructions, allowed around the root element.
  void misc() {
    for (;;) {
      skip_space();
      if (at("<?")) {
        skip_past("?>");
      } else if (at("<!--")) {
        comment();
      } else {
        return;
      }
    }
  }
  void comment() {
    pos_ += 4;
    const std::size_t end = s_.find("--", pos_);
    if (end == std::string::npos || s_.compare(end, 3, "-->") != 0) fail("bad comment");
    pos_ = end + 3;
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.' || static_cast<unsigned char>(c) >= 0x80;
  }
  std::string name() {
    const std::size_t start = pos_;
    if (pos_ >= s_.size() || std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
        s_[pos_] == '-' || s_[pos_] == '.')
      fail("bad name");
    while (pos_ < s_.size() && name_char(s_[pos_]))
      ++pos_;
    if (pos_ == start) fail("empty name");
    return s_.substr(start, pos_ - start);
  }
  static void append_utf8(std::string& out, unsigned long c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  // One character of text, which XML 1.0 allows to be no control character but these three.
  void raw_char(std::string& out) {
    const unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') fail("a control character");
    out += s_[pos_++];
  }
  // The reference starting at '&', decoded onto `out`.
  void reference(std::string& out) {
    const std::size_t semicolon = s_.find(';', pos_);
    if (semicolon == std::string::npos) fail("'&' without ';'");
    const std::string ref = s_.substr(pos_ + 1, semicolon - pos_ - 1);
    static const std::map<std::string, char> kNamed = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    if (kNamed.count(ref)) {
      out += kNamed.at(ref);
    } else if (ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string digits = ref.substr(hex ? 2 : 1);
      const char* valid = hex ? "0123456789abcdefABCDEF" : "0123456789";
      if (digits.empty() || digits.size() > 8 ||
          digits.find_first_not_of(valid) != std::string::npos)
        fail("bad character reference &" + ref + ";");
      const unsigned long c = std::strtoul(digits.c_str(), nullptr, hex ? 16 : 10);
      const bool allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
                           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
      if (!allowed) fail("character reference to a character XML forbids");
      append_utf8(out, c);
    } else {
      fail("undefined entity &" + ref + ";");
    }
    pos_ = semicolon + 1;
  }
  std::string attribute_value() {
    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) fail("unquoted attribute");
    const char quote = s_[pos_++];
    std::string value;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated attribute value");
      const char c = s_[pos_];
      if (c == quote) break;
      if (c == '<') fail("'<' in an attribute value");
      if (c == '&') {
        reference(value);
      } else {
        raw_char(value);
      }
    }
    ++pos_;
    return value;
  }
  Element element() {
    ++pos_;  // '<'
    Element e;
    e.name = name();
    for (;;) {
      const std::size_t before = pos_;
      skip_space();
      if (at("/>")) {
        pos_ += 2;
        return e;
      }
      if (at(">")) {
        ++pos_;
        break;
      }
      if (pos_ == before) fail("no space before an attribute");
      const std::string key = name();
      skip_space();
      if (!at("=")) fail("attribute " + key + " without '='");
      ++pos_;
      skip_space();
      if (!e.attributes.emplace(key, attribute_value()).second)
        fail("attribute " + key + " repeated");
    }
    for (;;) {  // content
      if (pos_ >= s_.size()) fail("element <" + e.name + "> is not closed");
      if (at("</")) {
        pos_ += 2;
        if (name() != e.name) fail("end tag does not match <" + e.name + ">");
        skip_space();
        if (!at(">")) fail("bad end tag");
        ++pos_;
        return e;
      }
      if (at("<!--")) {
        comment();
      } else if (at("<?")) {
        skip_past("?>");
      } else if (at("<!")) {
        fail("unsupported markup declaration");
      } else if (at("<")) {
        e.children.push_back(element());
      } else if (at("&")) {
        reference(e.text);
      } else {
        if (at("]]>")) fail("']]>' in text");
        raw_char(e.text);
      }
    }
  }
};

inline Element parse_xml(const std::string& doc) {
  return XmlParser(doc).document();
}

// Every element called `name`, in document order.
inline void collect(const Element& e, const std::string& name, std::vector<const Element*>& out) {
  if (e.name == name) out.push_back(&e);
  for (const Element& c : e.children)
    collect(c, name, out);
}

inline std::vector<const Element*> all(const Element& root, const std::string& name) {
  std::vector<const Element*> out;
  collect(root, name, out);
  return out;
}

}  // namespace charnn::testing
