// Line plots as SVG: the axes and their ticks, the series, the reference lines and the legend.
//
// A position is computed in two steps. The axis first turns a data value into a "unit" value,
// the value itself or, on a log axis, its log10; then the axis's unit range maps linearly onto
// the pixels of the plot area. Ticks are chosen in unit values, so on a log axis they are
// whole exponents, i.e. powers of ten.
#include "util/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <utility>

#include "util/files.h"

namespace charnn {

namespace {

// Okabe and Ito's palette, which stays distinguishable under the common colour-vision
// deficiencies; their yellow is left out because it is hard to see on white.
const char* const kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                "#E69F00", "#56B4E9", "#000000"};
constexpr std::size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];

constexpr int kTickFont = 12, kAxisFont = 13, kTitleFont = 16, kLegendFont = 12, kNoteFont = 11;
constexpr const char* kInk = "#333333";  // frame, ticks and text: softer than black

using Point = std::pair<double, double>;

// SVG cannot measure text, so boxes are sized with the average width of a sans-serif glyph.
double text_width(const std::string& s, int font_size) {
  std::size_t chars = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++chars;  // UTF-8 continuation bytes are not characters
  return 0.6 * font_size * static_cast<double>(chars);
}

// "2.500" -> "2.5", "3.000" -> "3"; a string without a decimal point is left as it is.
std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A pixel coordinate: two decimals are finer than any screen needs and keep files small.
std::string px(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = trim_zeros(buf);
  return s == "-0" ? "0" : s;
}

// printf's "%.*e" without its padding: "2.50e+06" -> "2.5e6", "1e-05" -> "1e-5".
std::string scientific(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*e", decimals, v);
  const std::string s = buf;
  const std::size_t e = s.find('e');
  std::string out = trim_zeros(s.substr(0, e)) + "e";
  std::size_t k = e + 1;
  if (s[k] == '-') out += '-';
  if (s[k] == '-' || s[k] == '+') ++k;
  while (k + 1 < s.size() && s[k] == '0')
    ++k;
  return out + s.substr(k);
}

// Whether a value can be drawn: logarithms exist only for positive numbers.
bool drawable(double v, bool log) {
  return std::isfinite(v) && (!log || v > 0);
}

struct Axis {
  bool log = false;
  double lo = 0, hi = 1;      // the unit range shown, lo < hi
  std::vector<double> ticks;  // unit values
  std::vector<std::string> labels;

  double unit(double v) const { return log ? std::log10(v) : v; }
  // Where the unit value u lies: 0 at lo, 1 at hi. Halving first keeps the difference finite
  // for any two finite doubles, where hi - lo itself could overflow.
  double fraction(double u) const { return (u / 2 - lo / 2) / (hi / 2 - lo / 2); }
};

// A linear axis covering [lo, hi] (no data when lo > hi), widened to whole multiples of a step
// of 1, 2 or 5 times a power of ten: the smallest such step that gives at most eight ticks.
Axis linear_axis(double lo, double hi) {
  constexpr double kMax = std::numeric_limits<double>::max();
  if (!(lo <= hi)) {
    lo = 0;
    hi = 1;
  }
  // Constant data, or data whose spread is lost in rounding, gets a range around its value;
  // without it the step below would be zero or finer than a double can resolve.
  const double magnitude = std::max(std::fabs(lo), std::fabs(hi));
  if (hi / 2 - lo / 2 < std::max(magnitude * 1e-9, 1e-300)) {
    const double middle = lo / 2 + hi / 2;
    const double half = magnitude >= 1e-290 ? magnitude / 10 : 1;
    lo = std::max(middle - half, -kMax);
    hi = std::min(middle + half, kMax);
  }
  // The step is m * 10^k. The range is at least 1e-300 and at most twice kMax, so k stays
  // within [-301, 307] and every power below is a normal, finite double.
  int k = static_cast<int>(std::floor(std::log10((hi / 2 - lo / 2) * 0.4)));
  int m = 1;
  double first = 0, last = 0;
  // n steps; dividing by 10^-k is exact for the values that matter (0.3 is 3 / 10, where
  // 3 * 0.1 would be 0.30000000000000004).
  auto value = [&](double n) {
    return k >= 0 ? n * m * std::pow(10.0, k) : n * m / std::pow(10.0, -k);
  };
  for (int candidate : {1, 2, 5, 10}) {
    m = candidate;
    first = std::floor(lo / value(1));
    last = std::ceil(hi / value(1));
    if (last - first <= 7) break;  // a step of 10^(k+1) always gets here: range / step < 5
  }
  if (m == 10) {
    m = 1;
    ++k;
  }
  Axis axis;
  axis.lo = value(first);
  axis.hi = value(last);
  // Widening beyond the largest double is not possible; the axis then ends at the data.
  if (!std::isfinite(axis.lo)) {
    axis.lo = lo;
    first = std::ceil(lo / value(1));
  }
  if (!std::isfinite(axis.hi)) {
    axis.hi = hi;
    last = std::floor(hi / value(1));
  }

  // Plain decimals for everyday magnitudes; otherwise scientific notation, with as many digits
  // as the step needs to tell neighbouring ticks apart.
  const double biggest = std::max(std::fabs(value(first)), std::fabs(value(last)));
  const bool plain = biggest >= 1e-4 && biggest < 1e6;
  const int digits = std::clamp(static_cast<int>(std::floor(std::log10(biggest))) - k, 0, 16);
  const int count = static_cast<int>(last - first);  // at most 7, see above
  for (int i = 0; i <= count; ++i) {
    const double n = first + i;
    const double v = value(n);
    axis.ticks.push_back(v);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", std::max(0, -k), v);
    axis.labels.push_back(n == 0 ? "0" : plain ? trim_zeros(buf) : scientific(v, digits));
  }
  return axis;
}

// 10^e as "1000" or "0.01" when every tick of the axis is that short, else as "1e3" or "1e-2",
// so that one axis does not mix the two styles.
std::string power_of_ten(int e, bool plain) {
  if (e == 0) return "1";
  if (!plain) return "1e" + std::to_string(e);
  return e > 0 ? "1" + std::string(e, '0') : "0." + std::string(-e - 1, '0') + "1";
}

// A log axis covering the positive values [lo, hi] (no data when lo > hi), from a power of ten
// to a power of ten, with a tick at every decade, or every few decades when there are many.
Axis log_axis(double lo, double hi) {
  if (!(lo <= hi)) {
    lo = 1;
    hi = 10;
  }
  double e_lo = std::floor(std::log10(lo)), e_hi = std::ceil(std::log10(hi));
  if (e_lo == e_hi) {  // constant data at a power of ten: put it in the middle
    e_lo -= 1;
    e_hi += 1;
  }
  const double stride = std::ceil((e_hi - e_lo) / 8);
  e_lo = std::floor(e_lo / stride) * stride;
  e_hi = std::ceil(e_hi / stride) * stride;
  Axis axis;
  axis.log = true;
  axis.lo = e_lo;
  axis.hi = e_hi;
  const bool plain = e_lo >= -4 && e_hi <= 5;
  for (double e = e_lo; e <= e_hi; e += stride) {
    axis.ticks.push_back(e);
    axis.labels.push_back(power_of_ten(static_cast<int>(e), plain));
  }
  return axis;
}

// The length of the segment a-b inside the rectangle [x0, x1] x [y0, y1] (Liang and Barsky's
// clipping): how much of a line a legend box placed there would hide.
double length_inside(Point a, Point b, double x0, double y0, double x1, double y1) {
  const double dx = b.first - a.first, dy = b.second - a.second;
  double t0 = 0, t1 = 1;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.first - x0, x1 - a.first, a.second - y0, y1 - a.second};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return 0;  // parallel to this edge and outside it
    } else if (p[i] < 0) {
      t0 = std::max(t0, q[i] / p[i]);
    } else {
      t1 = std::min(t1, q[i] / p[i]);
    }
  }
  return t1 > t0 ? (t1 - t0) * std::hypot(dx, dy) : 0;
}

}  // namespace

// Escapes all five XML special characters, so the result is safe in text and in attributes.
std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no other control character, not even as a character reference.
        const bool control = static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n';
        out += control ? ' ' : c;
    }
  }
  return out;
}

std::string render_svg(const PlotOptions& options, const std::vector<Series>& series) {
  const double width = std::max(options.width, 240), height = std::max(options.height, 160);

  // The drawable points of every series, in unit values, and the data range they span.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double x_lo = kInf, x_hi = -kInf, y_lo = kInf, y_hi = -kInf;
  std::vector<std::vector<Point>> points(series.size());
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    if (s.x.size() != s.y.size())
      throw std::invalid_argument("plot series \"" + s.label + "\" has " +
                                  std::to_string(s.x.size()) + " x values but " +
                                  std::to_string(s.y.size()) + " y values");
    for (std::size_t j = 0; j < s.x.size(); ++j) {
      const double x = s.x[j], y = s.y[j];
      if (!drawable(x, options.log_x) || !drawable(y, options.log_y)) continue;
      points[i].emplace_back(x, y);
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
    }
  }
  std::vector<const ReferenceLine*> references;
  for (const ReferenceLine& r : options.references) {
    if (!drawable(r.y, options.log_y)) continue;
    references.push_back(&r);
    y_lo = std::min(y_lo, r.y);
    y_hi = std::max(y_hi, r.y);
  }
  for (double y : options.y_include) {
    if (!drawable(y, options.log_y)) continue;
    y_lo = std::min(y_lo, y);
    y_hi = std::max(y_hi, y);
  }
  for (double x : options.x_include) {
    if (!drawable(x, options.log_x)) continue;
    x_lo = std::min(x_lo, x);
    x_hi = std::max(x_hi, x);
  }
  const Axis xa = options.log_x ? log_axis(x_lo, x_hi) : linear_axis(x_lo, x_hi);
  const Axis ya = options.log_y ? log_axis(y_lo, y_hi) : linear_axis(y_lo, y_hi);

  // Margins make room for the title, the tick labels and the axis labels.
  double widest_y_label = 0;
  for (const std::string& l : ya.labels)
    widest_y_label = std::max(widest_y_label, text_width(l, kTickFont));
  const double top = options.title.empty() ? 16 : 44;
  const double bottom = options.x_label.empty() ? 30 : 52;
  const double left = (options.y_label.empty() ? 12 : 34) + widest_y_label + 10;
  const double right = std::max(20.0, text_width(xa.labels.back(), kTickFont) / 2 + 6);
  const double plot_w = std::max(40.0, width - left - right);
  const double plot_h = std::max(40.0, height - top - bottom);
  const double plot_right = left + plot_w, plot_bottom = top + plot_h;
  auto to_x = [&](double u) { return left + xa.fraction(u) * plot_w; };
  auto to_y = [&](double u) { return plot_bottom - ya.fraction(u) * plot_h; };

  std::vector<std::vector<Point>> pixels(series.size());
  for (std::size_t i = 0; i < series.size(); ++i)
    for (const Point& p : points[i])
      pixels[i].emplace_back(to_x(xa.unit(p.first)), to_y(ya.unit(p.second)));
  auto color = [&](std::size_t i) {
    return series[i].color.empty() ? std::string(kPalette[i % kPaletteSize]) : series[i].color;
  };
  auto dash = [&](std::size_t i) {
    return std::string(series[i].dashed ? " stroke-dasharray=\"7 4\"" : "");
  };
  auto line = [](double x1, double y1, double x2, double y2, const std::string& attributes) {
    return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" +
           px(y2) + "\" " + attributes + "/>\n";
  };
  auto text = [](double x, double y, const std::string& content, const std::string& attributes) {
    return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"" + (attributes.empty() ? "" : " ") +
           attributes + ">" + xml_escape(content) + "</text>\n";
  };

  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(width) + "\" height=\"" +
         px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) +
         "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + px(width) + "\" height=\"" + px(height) +
         "\" fill=\"white\"/>\n";

  svg += "<g class=\"grid\">\n";
  for (double u : xa.ticks)
    svg += line(to_x(u), top, to_x(u), plot_bottom, "stroke=\"#e5e5e5\"");
  for (double u : ya.ticks)
    svg += line(left, to_y(u), plot_right, to_y(u), "stroke=\"#e5e5e5\"");
  svg += "</g>\n";
  svg += "<rect class=\"frame\" x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" +
         px(plot_w) + "\" height=\"" + px(plot_h) + "\" fill=\"none\" stroke=\"" + kInk + "\"/>\n";

  const std::string tick_style =
      "font-size=\"" + std::to_string(kTickFont) + "\" fill=\"" + kInk + "\"";
  svg += "<g class=\"x-ticks\" " + tick_style + " text-anchor=\"middle\">\n";
  for (std::size_t t = 0; t < xa.ticks.size(); ++t) {
    const double x = to_x(xa.ticks[t]);
    svg += line(x, plot_bottom, x, plot_bottom + 5, "stroke=\"" + std::string(kInk) + "\"");
    svg += text(x, plot_bottom + 18, xa.labels[t], "");
  }
  svg += "</g>\n<g class=\"y-ticks\" " + tick_style + " text-anchor=\"end\">\n";
  for (std::size_t t = 0; t < ya.ticks.size(); ++t) {
    const double y = to_y(ya.ticks[t]);
    svg += line(left - 5, y, left, y, "stroke=\"" + std::string(kInk) + "\"");
    svg += text(left - 8, y + 4, ya.labels[t], "");
  }
  svg += "</g>\n";

  // A reference label sits just above its line, or below it when the line is at the top.
  svg += "<g class=\"references\" font-size=\"" + std::to_string(kNoteFont) +
         "\" fill=\"#666666\" text-anchor=\"end\">\n";
  for (const ReferenceLine* r : references) {
    const double y = to_y(ya.unit(r->y));
    svg += line(left, y, plot_right, y, "stroke=\"#666666\" stroke-dasharray=\"4 4\"");
    svg += text(plot_right - 4, y - 4 - kNoteFont < top ? y + kNoteFont + 2 : y - 4, r->label, "");
  }
  svg += "</g>\n";

  svg += "<g class=\"data\">\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::vector<Point>& p = pixels[i];
    if (series[i].dots) {
      for (const Point& q : p)
        svg += "<circle cx=\"" + px(q.first) + "\" cy=\"" + px(q.second) + "\" r=\"2.5\" fill=\"" +
               xml_escape(color(i)) + "\" fill-opacity=\"0.6\"/>\n";
    } else if (p.size() == 1) {
      svg += "<circle cx=\"" + px(p[0].first) + "\" cy=\"" + px(p[0].second) +
             "\" r=\"3.5\" fill=\"" + xml_escape(color(i)) + "\"/>\n";
    } else if (p.size() > 1) {
      svg += "<polyline fill=\"none\" stroke=\"" + xml_escape(color(i)) +
             "\" stroke-width=\"2\" stroke-linejoin=\"round\"" + dash(i) + " points=\"";
      for (std::size_t j = 0; j < p.size(); ++j)
        svg += (j ? " " : "") + px(p[j].first) + "," + px(p[j].second);
      svg += "\"/>\n";
    }
  }
  svg += "</g>\n";

  if (!series.empty()) {
    // The legend goes in the corner of the plot where it hides the least of the lines.
    constexpr double kRow = 18, kPad = 8, kSwatch = 22, kInset = 8;
    double widest = 0;
    for (const Series& s : series)
      widest = std::max(widest, text_width(s.label, kLegendFont));
    const double box_w = kPad + kSwatch + 6 + widest + kPad;
    const double box_h = kPad + kRow * static_cast<double>(series.size()) + kPad / 2;
    const Point corners[4] = {{plot_right - kInset - box_w, top + kInset},
                              {left + kInset, top + kInset},
                              {plot_right - kInset - box_w, plot_bottom - kInset - box_h},
                              {left + kInset, plot_bottom - kInset - box_h}};
    Point best = corners[0];
    double least = kInf;
    for (const Point& c : corners) {
      const double x0 = c.first, y0 = c.second, x1 = x0 + box_w, y1 = y0 + box_h;
      double hidden = 0;
      for (const std::vector<Point>& p : pixels) {
        for (std::size_t j = 1; j < p.size(); ++j)
          hidden += length_inside(p[j - 1], p[j], x0, y0, x1, y1);
        // A lone point is a dot; hiding it costs as much as hiding a short stretch of line.
        if (p.size() == 1 && p[0].first >= x0 && p[0].first <= x1 && p[0].second >= y0 &&
            p[0].second <= y1)
          hidden += 20;
      }
      for (const ReferenceLine* r : references) {
        const double y = to_y(ya.unit(r->y));
        hidden += length_inside({left, y}, {plot_right, y}, x0, y0, x1, y1);
      }
      if (hidden < least) {
        least = hidden;
        best = c;
      }
    }
    svg += "<g class=\"legend\" font-size=\"" + std::to_string(kLegendFont) + "\" fill=\"" + kInk +
           "\">\n";
    svg += "<rect x=\"" + px(best.first) + "\" y=\"" + px(best.second) + "\" width=\"" + px(box_w) +
           "\" height=\"" + px(box_h) +
           "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n";
    for (std::size_t i = 0; i < series.size(); ++i) {
      const double y = best.second + kPad + kRow * (static_cast<double>(i) + 0.5);
      const double x = best.first + kPad;
      svg += line(x, y, x + kSwatch, y,
                  "stroke=\"" + xml_escape(color(i)) + "\" stroke-width=\"2\"" + dash(i));
      svg += text(x + kSwatch + 6, y + 4, series[i].label, "");
    }
    svg += "</g>\n";
  }

  const std::string ink = "fill=\"" + std::string(kInk) + "\" text-anchor=\"middle\"";
  if (!options.title.empty())
    svg += text(width / 2, 28, options.title,
                "class=\"title\" font-size=\"" + std::to_string(kTitleFont) +
                    "\" font-weight=\"bold\" " + ink);
  if (!options.x_label.empty())
    svg += text(left + plot_w / 2, plot_bottom + 42, options.x_label,
                "class=\"x-label\" font-size=\"" + std::to_string(kAxisFont) + "\" " + ink);
  if (!options.y_label.empty()) {
    const double x = 18, y = top + plot_h / 2;
    svg += text(x, y, options.y_label,
                "class=\"y-label\" font-size=\"" + std::to_string(kAxisFont) + "\" " + ink +
                    " transform=\"rotate(-90 " + px(x) + " " + px(y) + ")\"");
  }
  svg += "</svg>\n";
  return svg;
}

std::string render_svg(const std::vector<Panel>& panels) {
  // Each panel is a complete <svg> of its own; nested inside the figure's <svg> with a y
  // offset, it keeps its coordinates. Its XML declaration line is dropped.
  double width = 240, height = 0;
  std::string body;
  for (const Panel& panel : panels) {
    const double w = std::max(panel.options.width, 240), h = std::max(panel.options.height, 160);
    std::string svg = render_svg(panel.options, panel.series);
    svg = svg.substr(svg.find("<svg"));
    svg.insert(4, " x=\"0\" y=\"" + px(height) + "\"");
    body += svg;
    width = std::max(width, w);
    height += h;
  }
  height = std::max(height, 160.0);
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(width) + "\" height=\"" +
         px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) + "\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + px(width) + "\" height=\"" + px(height) +
         "\" fill=\"white\"/>\n";
  svg += body + "</svg>\n";
  return svg;
}

namespace {

void write_document(const std::string& path, const std::string& svg) {
  const std::string failure = write_file_atomically(path, svg.data(), svg.size());
  if (!failure.empty()) throw std::runtime_error(path + ": cannot write the plot: " + failure);
}

}  // namespace

void write_svg(const std::string& path, const PlotOptions& options,
               const std::vector<Series>& series) {
  write_document(path, render_svg(options, series));
}

void write_svg(const std::string& path, const std::vector<Panel>& panels) {
  write_document(path, render_svg(panels));
}

}  // namespace charnn
