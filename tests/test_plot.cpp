// The SVG plots: well-formed XML, one line per series with exactly its drawable points, finite
// coordinates inside the frame, escaped labels, nice ticks, degenerate input, and the file writer.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "tests/xml.h"
#include "util/plot.h"

using namespace charnn;
using namespace charnn::testing;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Queries on the parsed document (parse_xml, Element and all() are in tests/xml.h).

// The one element of class `cls`, or nullptr.
const Element* by_class(const Element& root, const std::string& cls) {
  const Element* found = nullptr;
  for (const char* name : {"g", "rect", "text"})
    for (const Element* e : all(root, name))
      if (e->attributes.count("class") && e->attributes.at("class") == cls) {
        REQUIRE(found == nullptr);
        found = e;
      }
  return found;
}

std::vector<std::string> texts_in(const Element* group) {
  std::vector<std::string> out;
  if (group)
    for (const Element* t : all(*group, "text"))
      out.push_back(t->text);
  return out;
}

double number(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') throw std::runtime_error("not a number: \"" + s + "\"");
  return v;
}

struct Pt {
  double x, y;
};

// "1,2 3.5,4" -> {1, 2}, {3.5, 4}.
std::vector<Pt> polyline_points(const Element& e) {
  std::vector<Pt> out;
  std::string list = e.attributes.at("points");
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t end = list.find(' ', start);
    if (end == std::string::npos) end = list.size();
    const std::string pair = list.substr(start, end - start);
    const std::size_t comma = pair.find(',');
    REQUIRE(comma != std::string::npos);
    out.push_back({number(pair.substr(0, comma)), number(pair.substr(comma + 1))});
    start = end + 1;
  }
  return out;
}

struct Box {
  double x0, y0, x1, y1;
  bool contains(Pt p, double slack = 0.01) const {
    return p.x >= x0 - slack && p.x <= x1 + slack && p.y >= y0 - slack && p.y <= y1 + slack;
  }
};

Box box_of(const Element& rect) {
  const double x = number(rect.attributes.at("x")), y = number(rect.attributes.at("y"));
  return {x, y, x + number(rect.attributes.at("width")), y + number(rect.attributes.at("height"))};
}

// Every number in every geometric attribute parses and is finite.
void check_coordinates(const Element& e) {
  static const char* const kNumeric[] = {"x",  "y",  "x1", "y1",    "x2",    "y2",
                                         "cx", "cy", "r",  "width", "height"};
  for (const char* key : kNumeric)
    if (e.attributes.count(key)) {
      INFO(e.name << " " << key << "=\"" << e.attributes.at(key) << "\"");
      CHECK(std::isfinite(number(e.attributes.at(key))));
    }
  if (e.name == "polyline")
    for (const Pt& p : polyline_points(e)) {
      CHECK(std::isfinite(p.x));
      CHECK(std::isfinite(p.y));
    }
  for (const Element& c : e.children)
    check_coordinates(c);
}

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Renders, parses, and checks what every plot must satisfy; returns the root.
Element render_and_check(const PlotOptions& options, const std::vector<Series>& series) {
  const std::string doc = render_svg(options, series);
  Element root;
  REQUIRE_NOTHROW(root = parse_xml(doc));
  REQUIRE(root.name == "svg");
  CHECK(root.attributes.at("xmlns") == "http://www.w3.org/2000/svg");
  const std::string w = root.attributes.at("width"), h = root.attributes.at("height");
  CHECK(root.attributes.at("viewBox") == "0 0 " + w + " " + h);
  // The labels used in these tests never contain these words, so any occurrence is a number.
  CHECK(lower(doc).find("nan") == std::string::npos);
  CHECK(lower(doc).find("inf") == std::string::npos);
  check_coordinates(root);
  const Element* frame = by_class(root, "frame");
  REQUIRE(frame != nullptr);
  const Box plot = box_of(*frame);
  CHECK(plot.x1 > plot.x0);
  CHECK(plot.y1 > plot.y0);
  for (const Element* line : all(root, "polyline"))
    for (const Pt& p : polyline_points(*line))
      CHECK(plot.contains(p));
  for (const Element* c : all(root, "circle"))
    CHECK(plot.contains({number(c->attributes.at("cx")), number(c->attributes.at("cy"))}));
  return root;
}

std::vector<double> tick_values(const Element& root, const std::string& axis) {
  std::vector<double> out;
  for (const std::string& label : texts_in(by_class(root, std::string(axis) + "-ticks")))
    out.push_back(number(label));
  return out;
}

// Whether v is 1, 2 or 5 times a power of ten.
bool nice_step(double v) {
  const double e = std::floor(std::log10(v));
  const double m = v / std::pow(10.0, e);
  for (double want : {1.0, 2.0, 5.0, 10.0})
    if (std::fabs(m - want) < 1e-6) return true;
  return false;
}

bool power_of_ten(double v) {
  const double e = std::log10(v);
  return v > 0 && std::fabs(e - std::round(e)) < 1e-9;
}

Series make_series(const std::string& label, std::vector<double> x, std::vector<double> y) {
  Series s;
  s.label = label;
  s.x = std::move(x);
  s.y = std::move(y);
  return s;
}

std::vector<double> range(int n, double from = 0, double step = 1) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i)
    v.push_back(from + step * i);
  return v;
}

// A validation-loss-like curve: falls quickly, then levels off.
Series loss_curve(const std::string& label, double start, double floor_value) {
  std::vector<double> y;
  for (double step : range(40, 0, 250))
    y.push_back(floor_value + (start - floor_value) * std::exp(-step / 2000));
  return make_series(label, range(40, 0, 250), y);
}

}  // namespace

TEST_CASE("the XML checker rejects what is not well-formed", "[plot]") {
  CHECK(parse_xml("<?xml version=\"1.0\"?>\n<a x='1'><b/>t&amp;&#60;&#x3E;</a>\n").text == "t&<>");
  const char* const bad[] = {
      "<a><b></a></b>",        // crossed tags
      "<a><b></b>",            // not closed
      "<a x=1/>",              // unquoted attribute value
      "<a x=\"1\" x=\"2\"/>",  // repeated attribute
      "<a>&nbsp;</a>",         // entity XML does not predefine
      "<a>R&D</a>",            // bare ampersand
      "<a/><b/>",              // two roots
      "",                      // no root
      "<a x=\"<\"/>",          // '<' in a value
      "<a>&#0;</a>",           // a character XML forbids
      "<a x=\"1\"y=\"2\"/>",   // attributes run together
      "<a>\x01</a>",           // a control character
  };
  for (const char* doc : bad) {
    INFO(doc);
    CHECK_THROWS_AS(parse_xml(doc), XmlError);
  }
}

TEST_CASE("plots are well-formed SVG documents of the requested size", "[plot]") {
  PlotOptions loss;
  loss.title = "Validation loss";
  loss.x_label = "step";
  loss.y_label = "loss (nats per character)";
  loss.references = {{3.2, "unigram entropy"}};
  loss.width = 800;
  loss.height = 500;
  const Element root =
      render_and_check(loss, {loss_curve("RNN", 4.2, 1.6), loss_curve("LSTM", 4.2, 1.4)});
  CHECK(root.attributes.at("width") == "800");
  CHECK(root.attributes.at("height") == "500");
  // The background is white and covers everything.
  const Element* background = all(root, "rect").front();
  CHECK(background->attributes.at("fill") == "white");
  CHECK(box_of(*background).x1 == 800);
  CHECK(box_of(*background).y1 == 500);

  PlotOptions norms;
  norms.log_y = true;
  std::vector<double> decay;
  for (double lag : range(50))
    decay.push_back(std::pow(0.7, lag));
  render_and_check(norms, {make_series("RNN", range(50), decay)});

  PlotOptions both;
  both.log_x = both.log_y = true;
  both.width = 10;  // raised to the smallest size that still fits a plot
  both.height = 10;
  const Element small =
      render_and_check(both, {make_series("power law", range(20, 1), range(20, 1))});
  CHECK(number(small.attributes.at("width")) >= 240);
  CHECK(number(small.attributes.at("height")) >= 160);
}

TEST_CASE("each series with two or more drawable points is one polyline of exactly those points",
          "[plot]") {
  std::vector<double> y = range(10, 1);
  y[2] = kNaN;
  y[5] = kInf;
  std::vector<double> x = range(10);
  x[7] = -kInf;
  const std::vector<Series> series = {
      make_series("clean", range(12), range(12, 5, -0.5)),  // 12 points, some y <= 0
      make_series("holes", x, y),                           // 7 finite points
      make_series("lone", {1, kNaN}, {2, 3}),               // 1 finite point: a dot
      make_series("empty", {}, {}),                         // nothing to draw
      make_series("all missing", {kNaN, kNaN}, {kNaN, 1}),  // nothing to draw
  };

  SECTION("linear axes") {
    const Element root = render_and_check(PlotOptions{}, series);
    const auto lines = all(root, "polyline");
    REQUIRE(lines.size() == 2);
    CHECK(polyline_points(*lines[0]).size() == 12);
    CHECK(polyline_points(*lines[1]).size() == 7);
    CHECK(all(*by_class(root, "data"), "circle").size() == 1);
    for (const Element* line : lines) {
      CHECK(line->attributes.at("fill") == "none");
      CHECK(number(line->attributes.at("stroke-width")) >= 1.5);
    }
    // x grows to the right; the "clean" series falls, which on screen means y grows.
    const std::vector<Pt> p = polyline_points(*lines[0]);
    for (std::size_t k = 1; k < p.size(); ++k) {
      CHECK(p[k].x > p[k - 1].x);
      CHECK(p[k].y > p[k - 1].y);
      // Equal steps in the data are equal steps on screen.
      CHECK(p[k].x - p[k - 1].x == Approx(p[1].x - p[0].x).margin(0.02));
      CHECK(p[k].y - p[k - 1].y == Approx(p[1].y - p[0].y).margin(0.02));
    }
  }
  SECTION("a log y axis also leaves out values that are not positive") {
    PlotOptions options;
    options.log_y = true;
    const Element root = render_and_check(options, series);
    const auto lines = all(root, "polyline");
    REQUIRE(lines.size() == 2);
    CHECK(polyline_points(*lines[0]).size() == 10);  // 5, 4.5, ..., 0.5; not 0 or -0.5
    CHECK(polyline_points(*lines[1]).size() == 7);
  }
  SECTION("a log x axis also leaves out x values that are not positive") {
    PlotOptions options;
    options.log_x = true;
    const Element root = render_and_check(options, series);
    const auto lines = all(root, "polyline");
    REQUIRE(lines.size() == 2);
    CHECK(polyline_points(*lines[0]).size() == 11);  // x = 0 dropped
    CHECK(polyline_points(*lines[1]).size() == 6);   // x = 0 dropped too
  }
}

TEST_CASE("a log axis spaces powers of ten evenly", "[plot]") {
  PlotOptions options;
  options.log_y = true;
  const Element root = render_and_check(
      options, {make_series("decay", {0, 1, 2, 3, 4}, {1, 1e-1, 1e-2, 1e-3, 1e-4})});
  const std::vector<Pt> p = polyline_points(*all(root, "polyline").at(0));
  for (std::size_t k = 1; k < p.size(); ++k)
    CHECK(p[k].y - p[k - 1].y == Approx(p[1].y - p[0].y).margin(0.02));
  CHECK(p[1].y - p[0].y > 10);
}

TEST_CASE("labels appear, escaped", "[plot]") {
  PlotOptions options;
  options.title = "Loss at <R&D>";
  options.x_label = "step \"k\"";
  options.y_label = "it's the loss";
  options.references = {{2.5, "unigram <entropy>"}, {kNaN, "dropped"}};
  Series rnn = make_series("RNN <R&D>", range(5), range(5, 3, -0.2));
  Series lstm = make_series("LSTM & co", range(5), range(5, 3, -0.3));
  Series bell = make_series("bell\a", range(2), range(2));
  CHECK(texts_in(by_class(render_and_check(options, {bell}), "legend")) ==
        std::vector<std::string>{"bell "});  // XML cannot hold the control character
  const std::string doc = render_svg(options, {rnn, lstm});
  CHECK(doc.find("&lt;R&amp;D&gt;") != std::string::npos);
  CHECK(doc.find("<R&D>") == std::string::npos);
  CHECK(doc.find("R&D") == std::string::npos);
  CHECK(doc.find("&quot;k&quot;") != std::string::npos);
  CHECK(doc.find("it&apos;s") != std::string::npos);

  const Element root = render_and_check(options, {rnn, lstm});
  REQUIRE(by_class(root, "title") != nullptr);
  CHECK(by_class(root, "title")->text == options.title);
  CHECK(by_class(root, "x-label")->text == options.x_label);
  const Element* y_label = by_class(root, "y-label");
  CHECK(y_label->text == options.y_label);
  CHECK(y_label->attributes.at("transform").find("rotate(-90") == 0);
  CHECK(texts_in(by_class(root, "legend")) == std::vector<std::string>{rnn.label, lstm.label});
  // The reference with no drawable level is left out; the other one is a line and its label.
  const Element* references = by_class(root, "references");
  CHECK(texts_in(references) == std::vector<std::string>{"unigram <entropy>"});
  REQUIRE(all(*references, "line").size() == 1);
  const Element& line = *all(*references, "line")[0];
  CHECK(line.attributes.count("stroke-dasharray") == 1);
  CHECK(line.attributes.at("y1") == line.attributes.at("y2"));
  const Box plot = box_of(*by_class(root, "frame"));
  CHECK(number(line.attributes.at("x1")) == Approx(plot.x0).margin(0.01));
  CHECK(number(line.attributes.at("x2")) == Approx(plot.x1).margin(0.01));
}

TEST_CASE("series get distinct palette colours unless given one, and dashes when asked", "[plot]") {
  std::vector<Series> series;
  for (int i = 0; i < 4; ++i)
    series.push_back(make_series("s" + std::to_string(i), range(3), range(3, i)));
  series[2].color = "#123456";
  series[3].dashed = true;
  const Element root = render_and_check(PlotOptions{}, series);
  const auto lines = all(root, "polyline");
  REQUIRE(lines.size() == 4);
  std::vector<std::string> colors;
  for (const Element* l : lines)
    colors.push_back(l->attributes.at("stroke"));
  CHECK(colors[2] == "#123456");
  std::sort(colors.begin(), colors.end());
  CHECK(std::unique(colors.begin(), colors.end()) == colors.end());
  for (int i = 0; i < 4; ++i)
    CHECK(lines[i]->attributes.count("stroke-dasharray") == (i == 3 ? 1u : 0u));
  // The legend's swatches repeat the lines' colours and dashes, in order.
  const auto swatches = all(*by_class(root, "legend"), "line");
  REQUIRE(swatches.size() == 4);
  for (int i = 0; i < 4; ++i) {
    CHECK(swatches[i]->attributes.at("stroke") == lines[i]->attributes.at("stroke"));
    CHECK(swatches[i]->attributes.count("stroke-dasharray") ==
          lines[i]->attributes.count("stroke-dasharray"));
  }
}

TEST_CASE("the legend avoids the lines when a corner is free", "[plot]") {
  // A rising line crosses the top-right corner; a falling one crosses the top-left.
  for (double slope : {1.0, -1.0}) {
    const Element root =
        render_and_check(PlotOptions{}, {make_series("line", range(50), range(50, 0, slope))});
    const Box legend = box_of(*all(*by_class(root, "legend"), "rect").at(0));
    const std::vector<Pt> p = polyline_points(*all(root, "polyline").at(0));
    for (std::size_t k = 1; k < p.size(); ++k)
      for (int s = 0; s <= 20; ++s) {
        const double t = s / 20.0;
        const Pt q{p[k - 1].x + t * (p[k].x - p[k - 1].x), p[k - 1].y + t * (p[k].y - p[k - 1].y)};
        CHECK_FALSE(legend.contains(q, 0));
      }
  }
}

TEST_CASE("linear ticks are 1, 2 or 5 times a power of ten and cover the data", "[plot]") {
  const std::vector<std::pair<double, double>> ranges = {
      {0, 1},          {1.37, 4.21},    {0, 2500},
      {-3, 7},         {1e-6, 5e-6},    {1e7, 3e8},
      {0.1, 0.3},      {-0.02, 0.07},   {123456.7, 123456.9},
      {-1e200, 1e200}, {1e-250, 3e-250}};
  for (const auto& [lo, hi] : ranges) {
    INFO("data from " << lo << " to " << hi);
    const Element root = render_and_check(PlotOptions{}, {make_series("s", {lo, hi}, {lo, hi})});
    for (const char* axis : {"x", "y"}) {
      const std::vector<std::string> labels =
          texts_in(by_class(root, std::string(axis) + "-ticks"));
      const std::vector<double> ticks = tick_values(root, axis);
      REQUIRE(ticks.size() >= 4);
      CHECK(ticks.size() <= 8);
      const double step = ticks[1] - ticks[0];
      CHECK(nice_step(step));
      for (std::size_t k = 1; k < ticks.size(); ++k)
        CHECK(ticks[k] - ticks[k - 1] == Approx(step).epsilon(1e-6));
      CHECK(ticks.front() <= lo);
      CHECK(ticks.back() >= hi);
      for (const std::string& l : labels) {
        CHECK(l.size() <= 12);  // compact, no 0.30000000000000004
        CHECK(l.find("0000001") == std::string::npos);
        CHECK(l.find("9999") == std::string::npos);
      }
    }
  }
}

TEST_CASE("tick labels are short decimals, or scientific only for extreme magnitudes", "[plot]") {
  const Element tenths = render_and_check(PlotOptions{}, {make_series("s", {0.1, 0.3}, {0, 2500})});
  CHECK(texts_in(by_class(tenths, "x-ticks")) ==
        std::vector<std::string>{"0.1", "0.15", "0.2", "0.25", "0.3"});
  CHECK(texts_in(by_class(tenths, "y-ticks")) ==
        std::vector<std::string>{"0", "500", "1000", "1500", "2000", "2500"});
  const Element tiny =
      render_and_check(PlotOptions{}, {make_series("s", {1e-5, 4e-5}, {2e7, 9e7})});
  CHECK(texts_in(by_class(tiny, "x-ticks")) ==
        std::vector<std::string>{"1e-5", "1.5e-5", "2e-5", "2.5e-5", "3e-5", "3.5e-5", "4e-5"});
  CHECK(texts_in(by_class(tiny, "y-ticks")) ==
        std::vector<std::string>{"2e7", "3e7", "4e7", "5e7", "6e7", "7e7", "8e7", "9e7"});
}

TEST_CASE("log ticks are powers of ten", "[plot]") {
  PlotOptions options;
  options.log_y = true;
  const Element decades = render_and_check(options, {make_series("s", {0, 1}, {0.002, 50})});
  CHECK(texts_in(by_class(decades, "y-ticks")) ==
        std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10", "100"});
  const Element small = render_and_check(options, {make_series("s", {0, 1}, {3e-7, 2e-6})});
  CHECK(texts_in(by_class(small, "y-ticks")) == std::vector<std::string>{"1e-7", "1e-6", "1e-5"});
  // One style per axis: no "0.0001" among "1e-6" and "1e-8".
  const Element mixed = render_and_check(options, {make_series("s", {0, 1}, {1e-7, 10})});
  CHECK(texts_in(by_class(mixed, "y-ticks")) == std::vector<std::string>{"1e-7", "1e-6", "1e-5",
                                                                         "1e-4", "1e-3", "1e-2",
                                                                         "1e-1", "1", "1e1"});

  for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{
           {1e-7, 3}, {5, 5}, {1e-300, 1e300}, {0.5, 0.7}, {1000, 1000}}) {
    INFO("data from " << lo << " to " << hi);
    const Element root = render_and_check(options, {make_series("s", {0, 1}, {lo, hi})});
    const std::vector<double> ticks = tick_values(root, "y");
    REQUIRE(ticks.size() >= 2);
    CHECK(ticks.size() <= 11);
    for (double t : ticks)
      CHECK(power_of_ten(t));
    for (std::size_t k = 2; k < ticks.size(); ++k)
      CHECK(std::log10(ticks[k] / ticks[k - 1]) == Approx(std::log10(ticks[1] / ticks[0])));
    CHECK(ticks.front() <= lo);
    CHECK(ticks.back() >= hi);
  }
}

TEST_CASE("degenerate input still gives a well-formed plot", "[plot]") {
  SECTION("no series: no lines and no legend") {
    const Element root = render_and_check(PlotOptions{}, {});
    CHECK(all(root, "polyline").empty());
    CHECK(by_class(root, "legend") == nullptr);
    CHECK(tick_values(root, "x").size() >= 2);
  }
  SECTION("an empty series is listed in the legend but draws nothing") {
    const Element root = render_and_check(PlotOptions{}, {make_series("nothing yet", {}, {})});
    CHECK(all(root, "polyline").empty());
    CHECK(all(root, "circle").empty());
    CHECK(texts_in(by_class(root, "legend")) == std::vector<std::string>{"nothing yet"});
  }
  SECTION("constant data gets a range around it") {
    for (double c : {2.5, 0.0, -1e-9, 1e300}) {
      INFO("constant " << c);
      const Element root = render_and_check(
          PlotOptions{}, {make_series("flat", range(5), std::vector<double>(5, c))});
      const std::vector<double> ticks = tick_values(root, "y");
      REQUIRE(ticks.size() >= 2);
      CHECK(ticks.front() < c);
      CHECK(ticks.back() > c);
      const Box plot = box_of(*by_class(root, "frame"));
      for (const Pt& p : polyline_points(*all(root, "polyline").at(0))) {
        CHECK(p.y > plot.y0 + 1);
        CHECK(p.y < plot.y1 - 1);
      }
    }
  }
  SECTION("a single point is a dot inside the frame") {
    PlotOptions options;
    options.log_x = options.log_y = true;
    const Element root = render_and_check(options, {make_series("one", {100}, {0.01})});
    CHECK(all(root, "polyline").empty());
    REQUIRE(all(root, "circle").size() == 1);
  }
  SECTION("a log axis with no positive values, and only reference lines") {
    PlotOptions options;
    options.log_y = true;
    options.references = {{0.5, "half"}, {-1, "never drawn"}};
    const Element root = render_and_check(options, {make_series("negative", {1, 2}, {-1, 0})});
    CHECK(all(root, "polyline").empty());
    CHECK(texts_in(by_class(root, "references")) == std::vector<std::string>{"half"});
  }
  SECTION("the largest doubles") {
    const double big = std::numeric_limits<double>::max();
    const Element root =
        render_and_check(PlotOptions{}, {make_series("huge", {-big, big}, {big, -big})});
    CHECK(polyline_points(*all(root, "polyline").at(0)).size() == 2);
  }
  SECTION("x and y of different lengths are a caller's mistake") {
    CHECK_THROWS_AS(render_svg(PlotOptions{}, {make_series("bad", {1, 2}, {1})}),
                    std::invalid_argument);
  }
}

TEST_CASE("write_svg writes the document through a temporary file", "[plot]") {
  testing::TempDir dir;
  const std::string path = dir.file("curve.svg");
  PlotOptions options;
  options.title = "first";
  const std::vector<Series> series = {loss_curve("RNN", 4, 2)};
  write_svg(path, options, series);
  CHECK(testing::read_file(path) == render_svg(options, series));
  options.title = "second";  // replacing an existing file
  write_svg(path, options, series);
  CHECK(testing::read_file(path) == render_svg(options, series));
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path),
                      std::filesystem::directory_iterator()) == 1);

  const std::string missing = dir.file("no/such/folder/curve.svg");
  try {
    write_svg(missing, options, series);
    FAIL("write_svg did not throw");
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    CHECK(message.find(missing) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("no")));
}

TEST_CASE("y_include widens the y axis to cover the values it names", "[plot]") {
  PlotOptions options;
  const Series accuracy = make_series("acc", {5, 10, 20}, {1, 1, 0.3});
  const std::vector<double> plain = tick_values(render_and_check(options, {accuracy}), "y");
  REQUIRE(!plain.empty());
  CHECK(plain.back() == Approx(1));  // the top tick is the frame: a line at 1 lies on it
  options.y_include = {0, 1.05, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> wider = tick_values(render_and_check(options, {accuracy}), "y");
  CHECK(wider.front() <= 0);
  CHECK(wider.back() >= 1.05);
}

TEST_CASE("panels stack into one document, each drawn as alone", "[plot]") {
  Panel top, bottom;
  top.options.title = "against steps";
  top.series = {make_series("a", {1, 2, 3}, {3, 2, 1})};
  bottom.options.title = "against seconds";
  bottom.options.height = 300;
  bottom.series = {make_series("a", {1, 2}, {3, 1}), make_series("b", {1, 2}, {2, 1})};
  const std::string doc = render_svg(std::vector<Panel>{top, bottom});
  Element root;
  REQUIRE_NOTHROW(root = parse_xml(doc));
  REQUIRE(root.name == "svg");
  CHECK(root.attributes.at("height") == "740");  // 440 + 300
  const std::vector<const Element*> panels = all(root, "svg");
  REQUIRE(panels.size() == 3);  // the figure and its two panels
  CHECK(panels[1]->attributes.at("y") == "0");
  CHECK(panels[2]->attributes.at("y") == "440");
  CHECK(all(*panels[1], "polyline").size() == 1);
  CHECK(all(*panels[2], "polyline").size() == 2);
  // A panel is the single plot's document without its XML declaration.
  const std::string alone = render_svg(bottom.options, bottom.series);
  CHECK(doc.find(alone.substr(alone.find("<svg") + 4)) != std::string::npos);
}
