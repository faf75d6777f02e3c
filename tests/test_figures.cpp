// The hand-written diagrams of docs/figures: well-formed, self-contained SVG that stays inside its
// viewBox, each shown by a page of docs/, and naming only equation labels that docs/ tags.
#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/xml.h"

using charnn::testing::all;
using charnn::testing::Element;
using charnn::testing::parse_xml;
using charnn::testing::read_file;
using charnn::testing::repo_path;

namespace {

// The files of docs/`folder` whose names end in `extension`, sorted, as paths relative to docs/.
std::vector<std::string> docs_files(const std::string& folder, const std::string& extension) {
  std::vector<std::string> out;
  const std::filesystem::path root = repo_path("docs");
  for (const auto& entry : std::filesystem::directory_iterator(root / folder))
    if (entry.is_regular_file() && entry.path().extension() == extension)
      out.push_back(std::filesystem::relative(entry.path(), root).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> figures() {
  return docs_files("figures", ".svg");
}

// Every match of group 1 of `pattern` in `text`.
std::vector<std::string> matches(const std::string& text, const std::regex& pattern) {
  std::vector<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it)
    out.push_back((*it)[1].str());
  return out;
}

// The same label syntax as tests/test_docs.cpp: one to three capitals and a number.
const std::regex kTag(R"(\\tag\{([A-Z]{1,3}[0-9]{1,3})\})");
const std::regex kRef(R"(\(([A-Z]{1,3}[0-9]{1,3})\))");

// The character data of every element, one string per element, in document order.
void texts(const Element& e, std::vector<std::string>& out) {
  out.push_back(e.text);
  for (const Element& c : e.children)
    texts(c, out);
}

const Element* child(const Element& e, const std::string& name) {
  for (const Element& c : e.children)
    if (c.name == name) return &c;
  return nullptr;
}

// The numbers of an attribute such as viewBox="0 0 800 540" or points="1,2 3,4".
std::vector<double> numbers(std::string value) {
  std::replace(value.begin(), value.end(), ',', ' ');
  std::istringstream in(value);
  std::vector<double> out;
  double v;
  while (in >> v)
    out.push_back(v);
  return out;
}

// Every element of the tree, in document order.
void elements(const Element& e, std::vector<const Element*>& out) {
  out.push_back(&e);
  for (const Element& c : e.children)
    elements(c, out);
}

}  // namespace

TEST_CASE(
    "every figure in docs/figures parses as XML, is an svg with a viewBox, a title and a "
    "description",
    "[docs][figures]") {
  const std::vector<std::string> files = figures();
  REQUIRE(files.size() >= 4);
  for (const std::string& file : files) {
    INFO(file);
    const std::string text = read_file(repo_path("docs/" + file));
    REQUIRE_FALSE(text.empty());
    const Element root = parse_xml(text);  // throws on anything tests/xml.h does not accept
    CHECK(root.name == "svg");
    CHECK(root.attributes.count("xmlns"));
    CHECK(root.attributes.at("xmlns") == "http://www.w3.org/2000/svg");
    REQUIRE(root.attributes.count("viewBox"));
    const std::vector<double> box = numbers(root.attributes.at("viewBox"));
    REQUIRE(box.size() == 4);
    CHECK(box[2] > 0);
    CHECK(box[3] > 0);
    REQUIRE(root.attributes.count("width"));
    REQUIRE(root.attributes.count("height"));
    CHECK(std::stod(root.attributes.at("width")) > 0);
    CHECK(std::stod(root.attributes.at("height")) > 0);
    const Element* title = child(root, "title");
    const Element* desc = child(root, "desc");
    REQUIRE(title != nullptr);
    REQUIRE(desc != nullptr);
    CHECK(title->text.size() >= 10);
    CHECK(desc->text.size() >= 50);
  }
}

TEST_CASE("every figure is self-contained: no script, no image, every url(#id) defined",
          "[docs][figures]") {
  for (const std::string& file : figures()) {
    INFO(file);
    const Element root = parse_xml(read_file(repo_path("docs/" + file)));
    std::vector<const Element*> all_elements;
    elements(root, all_elements);
    std::set<std::string> ids;
    for (const Element* e : all_elements)
      if (e->attributes.count("id")) ids.insert(e->attributes.at("id"));
    const std::regex url(R"(url\(([^)]*)\))");
    for (const Element* e : all_elements) {
      INFO("element <" << e->name << ">");
      CHECK(e->name != "script");
      CHECK(e->name != "image");
      CHECK(e->name != "foreignObject");
      CHECK(e->attributes.count("href") == 0);
      CHECK(e->attributes.count("xlink:href") == 0);
      for (const auto& [key, value] : e->attributes) {
        CHECK(key.rfind("on", 0) != 0);  // no event handlers
        for (const std::string& target : matches(value, url)) {
          INFO(key << "=\"" << value << "\"");
          REQUIRE(target.size() > 1);
          CHECK(target[0] == '#');
          CHECK(ids.count(target.substr(1)));
        }
      }
    }
    // Every arrow has its head: a marker is defined, and something uses it.
    CHECK(!all(root, "marker").empty());
    bool uses_marker = false;
    for (const Element* e : all_elements)
      uses_marker = uses_marker || e->attributes.count("marker-end");
    CHECK(uses_marker);
  }
}

TEST_CASE("every shape and every text of a figure is placed inside its viewBox",
          "[docs][figures]") {
  for (const std::string& file : figures()) {
    INFO(file);
    const Element root = parse_xml(read_file(repo_path("docs/" + file)));
    const std::vector<double> box = numbers(root.attributes.at("viewBox"));
    REQUIRE(box.size() == 4);
    const double x0 = box[0], y0 = box[1], x1 = box[0] + box[2], y1 = box[1] + box[3];
    auto inside = [&](const Element& e, double x, double y) {
      INFO("<" << e.name << "> at (" << x << ", " << y << ")");
      CHECK(x >= x0);
      CHECK(x <= x1);
      CHECK(y >= y0);
      CHECK(y <= y1);
    };
    auto number = [](const Element& e, const char* key) {
      return e.attributes.count(key) ? std::stod(e.attributes.at(key)) : 0.0;
    };
    std::vector<const Element*> all_elements;
    elements(root, all_elements);
    int checked = 0;
    for (const Element* e : all_elements) {
      // Markers draw in their own coordinates; tspans are placed by their text.
      if (e->name == "marker" || e->name == "path" || e->name == "tspan") continue;
      if (e->name == "text" || e->name == "rect") {
        const double x = number(*e, "x"), y = number(*e, "y");
        inside(*e, x, y);
        if (e->name == "rect") inside(*e, x + number(*e, "width"), y + number(*e, "height"));
        ++checked;
      } else if (e->name == "line") {
        inside(*e, number(*e, "x1"), number(*e, "y1"));
        inside(*e, number(*e, "x2"), number(*e, "y2"));
        ++checked;
      } else if (e->name == "circle" || e->name == "ellipse") {
        const double rx = number(*e, e->name == "circle" ? "r" : "rx");
        const double ry = number(*e, e->name == "circle" ? "r" : "ry");
        inside(*e, number(*e, "cx") - rx, number(*e, "cy") - ry);
        inside(*e, number(*e, "cx") + rx, number(*e, "cy") + ry);
        ++checked;
      } else if (e->name == "polyline") {
        const std::vector<double> p = numbers(e->attributes.at("points"));
        REQUIRE(p.size() % 2 == 0);
        for (std::size_t k = 0; k < p.size(); k += 2)
          inside(*e, p[k], p[k + 1]);
        ++checked;
      }
    }
    CHECK(checked >= 20);
  }
}

TEST_CASE("every image a docs page shows exists, and every figure is shown by some page",
          "[docs][figures]") {
  const std::regex image(R"(!\[[^\]]*\]\((figures/[^)\s]+\.svg)\))");
  std::map<std::string, std::set<std::string>> shown_by;  // figure -> pages
  for (const std::string& page : docs_files(".", ".md")) {
    const std::string text = read_file(repo_path("docs/" + page));
    REQUIRE_FALSE(text.empty());
    for (const std::string& figure : matches(text, image)) {
      INFO(page << " shows " << figure);
      CHECK(std::filesystem::is_regular_file(repo_path("docs/" + figure)));
      shown_by[figure].insert(page);
    }
  }
  const std::vector<std::string> files = figures();
  REQUIRE(files.size() >= 4);
  for (const std::string& figure : files) {
    INFO(figure << " is shown by no page of docs/");
    CHECK(shown_by.count(figure));
  }
  // Where the text refers to them.
  const std::map<std::string, std::vector<std::string>> expected = {
      {"figures/rnn-cell.svg", {"rnn.md"}},
      {"figures/lstm-cell.svg", {"lstm.md"}},
      {"figures/gru-cell.svg", {"gru.md"}},
      {"figures/unrolled.svg", {"rnn.md", "lstm.md"}},
      {"figures/gradient-paths.svg", {"rnn-vs-lstm.md", "lstm.md"}},
  };
  for (const auto& [figure, pages] : expected)
    for (const std::string& page : pages) {
      INFO(page << " should show " << figure);
      CHECK(shown_by[figure].count(page));
    }
}

TEST_CASE("every equation label written in a figure is tagged in docs/", "[docs][figures]") {
  std::set<std::string> tagged;
  for (const std::string& page : docs_files(".", ".md"))
    for (const std::string& label : matches(read_file(repo_path("docs/" + page)), kTag))
      tagged.insert(label);
  REQUIRE(tagged.size() >= 40);
  for (const std::string& file : figures()) {
    INFO(file);
    std::vector<std::string> strings;
    texts(parse_xml(read_file(repo_path("docs/" + file))), strings);
    std::set<std::string> labels;
    for (const std::string& s : strings)
      for (const std::string& label : matches(s, kRef))
        labels.insert(label);
    CHECK(!labels.empty());  // each figure ties itself to the equations
    for (const std::string& label : labels) {
      INFO("label (" << label << ")");
      CHECK(tagged.count(label));
    }
  }
}
