// Line plots as standalone SVG files, for training curves: validation loss against step, or
// gradient norm against time lag on a log scale, one line per model.
//
// The output is a complete SVG document that any browser shows as it is. Axes get "nice" ticks
// (1, 2 or 5 times a power of ten on a linear axis, powers of ten on a log axis), points that
// cannot be drawn (NaN, infinite, or not positive on a log axis) are left out, and degenerate
// input (no series, no points, constant data) still gives a valid picture, never NaN coordinates.
#pragma once

#include <string>
#include <vector>

namespace charnn {

// One line of the plot: the points (x[i], y[i]), joined in order.
struct Series {
  std::string label;
  std::vector<double> x, y;  // the same length, else render_svg throws std::invalid_argument
  std::string color;         // any SVG colour; empty: the palette's colour for this series' index
  bool dashed = false;
  bool dots = false;  // each point a dot, not joined: a scatter plot
};

// A horizontal dashed line across the whole plot, labelled at its right end: a level the
// curves are measured against, such as the unigram entropy of the training text.
struct ReferenceLine {
  double y;
  std::string label;
};

struct PlotOptions {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  int width = 720, height = 440;  // pixels; smaller than 240 by 160 is raised to that
  std::vector<ReferenceLine> references;
  // Values the y axis covers besides the data (drawable ones only): room above a curve that
  // reaches its maximum, 1.05 for an accuracy, say.
  std::vector<double> y_include;
  std::vector<double> x_include;  // the same for the x axis
};

// `s` with all five XML special characters escaped (& < > " '), safe in the text and the
// attributes of SVG and HTML.
std::string xml_escape(const std::string& s);

// The SVG document of the plot. Text is escaped, so labels may hold any characters.
std::string render_svg(const PlotOptions& options, const std::vector<Series>& series);

// Writes render_svg's document to `path`, through `path + ".tmp"` renamed over it, so `path`
// is never left half written. Throws std::runtime_error, one line starting with the path,
// if the file cannot be written.
void write_svg(const std::string& path, const PlotOptions& options,
               const std::vector<Series>& series);

// One plot of a figure that stacks several, top to bottom (loss against steps above loss
// against seconds, say).
struct Panel {
  PlotOptions options;
  std::vector<Series> series;
};

// One SVG document holding every panel, each exactly as render_svg draws it alone, one below
// the other; the figure is as wide as the widest panel. Throws like render_svg.
std::string render_svg(const std::vector<Panel>& panels);

// Writes that document to `path` as write_svg does.
void write_svg(const std::string& path, const std::vector<Panel>& panels);

}  // namespace charnn
