#include "samples/inspect_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "train/checkpoint.h"
#include "train/text.h"
#include "util/plot.h"
#include "util/progress.h"

namespace charnn {

namespace {

// ---- Text and numbers ------------------------------------------------------------------------

std::string fixed(double v, int digits) {
  return format_fixed(v, digits);
}

std::string signed_fixed(double v, int digits) {
  return (v >= 0 ? "+" : "\xE2\x88\x92") + fixed(std::abs(v), digits);  // U+2212 minus
}

std::string count(double v) {
  return format_count(v);
}

// How a character is shown in a coloured text: a newline as ↵ and a line break.
std::string shown_char(char32_t c) {
  if (c == U'\n') return "\xE2\x86\xB5";  // ↵ (the line break follows the span)
  if (c == U'\t') return "\xE2\x87\xA5";  // ⇥
  return xml_escape(encode_utf8(c));
}

// One of 9 colour levels for x in [-1, 1]: 0 is -1, 4 is 0, 8 is +1.
int level(double x) {
  if (!(x == x)) return 4;
  return std::clamp(static_cast<int>(std::lround((x + 1) / 2 * 8)), 0, 8);
}

// The text[begin, end) coloured by value(t) in [-1, 1], classes PREFIX0..PREFIX8; neighbours of
// one level share a span.
template <class F>
std::string coloured_text(const std::u32string& text, std::size_t begin, std::size_t end,
                          const std::string& prefix, F value) {
  std::string out = "<div class=\"text\">";
  int open = -1;
  for (std::size_t t = begin; t < end && t < text.size(); ++t) {
    const int lv = level(value(t));
    if (lv != open) {
      if (open >= 0) out += "</span>";
      out += "<span class=\"" + prefix + std::to_string(lv) + "\">";
      open = lv;
    }
    out += shown_char(text[t]);
    if (text[t] == U'\n') {  // the line break outside the span, so the colour stays on ↵
      out += "</span>\n";
      open = -1;
    }
  }
  if (open >= 0) out += "</span>";
  return out + "</div>\n";
}

// A unit's value mapped onto [-1, 1]: h and g are in (-1, 1) already, the gates f, i, o in
// (0, 1), and c is divided by its largest |c| over the steps (returned in `scale`).
std::vector<double> unit_values(const UnitSeries& s, int unit, int steps, double* scale) {
  std::vector<double> v(steps);
  double largest = 0;
  for (int t = 0; t < steps; ++t) {
    v[t] = s.at(t, unit);
    largest = std::max(largest, std::abs(v[t]));
  }
  const bool gate = s.kind == "f" || s.kind == "i" || s.kind == "o";
  const double k = s.kind == "c" ? (largest > 0 ? 1 / largest : 1) : 1;
  for (double& x : v)
    x = gate ? 2 * x - 1 : x * k;
  if (scale) *scale = s.kind == "c" ? largest : 1;
  return v;
}

const char* kind_name(const std::string& kind) {
  if (kind == "h") return "h (output)";
  if (kind == "c") return "c (cell)";
  if (kind == "f") return "f (forget gate)";
  if (kind == "i") return "i (input gate)";
  if (kind == "g") return "g (candidate)";
  return "o (output gate)";
}

std::string unit_name(const UnitMatch& u) {
  return "layer " + std::to_string(u.layer + 1) + " " + u.kind + " unit " + std::to_string(u.unit);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v)
    s += x;
  return v.empty() ? 0 : s / v.size();
}

// ---- The page --------------------------------------------------------------------------------

const char* kStyle = R"css(
body { font-family: Georgia, "Times New Roman", serif; max-width: 1180px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.lead { font-size: 1.08em; }
.note { color: #555; font-size: 0.92em; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1.2em; }
.text { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px;
        white-space: pre-wrap; line-height: 1.6; border: 1px solid #ddd; padding: 0.5em;
        background: #fff; }
.legend span { display: inline-block; width: 1.6em; text-align: center; font-size: 0.8em; }
select, input { font-size: 1em; margin-right: 0.8em; }
.q0 { background: #2166ac; color: #fff; } .q1 { background: #4393c3; color: #fff; }
.q2 { background: #92c5de; } .q3 { background: #d1e5f0; } .q4 { background: #ffffff; }
.q5 { background: #fddbc7; } .q6 { background: #f4a582; } .q7 { background: #d6604d; color: #fff; }
.q8 { background: #b2182b; color: #fff; }
.d0 { background: #b35806; color: #fff; } .d1 { background: #e08214; } .d2 { background: #fdb863; }
.d3 { background: #fee0b6; } .d4 { background: #ffffff; } .d5 { background: #d9f0d3; }
.d6 { background: #a6dba0; } .d7 { background: #5aae61; color: #fff; }
.d8 { background: #1b7837; color: #fff; }
)css";

std::string legend(const std::string& prefix, const std::string& low, const std::string& high) {
  std::string out = "<p class=\"legend note\">" + xml_escape(low) + " ";
  for (int k = 0; k <= 8; ++k)
    out += "<span class=\"" + prefix + std::to_string(k) + "\">&#160;</span>";
  return out + " " + xml_escape(high) + "</p>\n";
}

std::string svg_inline(const PlotOptions& options, const std::vector<Series>& series) {
  std::string svg = render_svg(options, series);
  const std::size_t start = svg.find("<svg");
  return svg.substr(start == std::string::npos ? 0 : start);
}

struct Context {
  const ReportInput& in;
  int N;      // steps
  int shown;  // characters the coloured texts show
};

std::string summary_section(const Context& cx) {
  const ReportInput& in = cx.in;
  std::string s = "<section id=\"summary\">\n<h2>1. The models and their loss on this text</h2>\n";
  s += "<p>Every model reads the first " + count(cx.N) +
       " characters of the validation part "
       "of <code>" +
       xml_escape(in.file) +
       "</code> from a zero state, one character per step, and "
       "predicts the character after each: " +
       count(cx.N) + " predictions. The Kneser-Ney " + std::to_string(in.settings.ngram_order) +
       "-gram is counted on the training part (" + count(static_cast<double>(in.training_chars)) +
       " characters) and sees the same history.</p>\n";
  s += "<table>\n<tr><th>model</th><th>size</th><th>trained</th><th>loss here (nats/char)</th>"
       "<th>bits/char</th></tr>\n";
  for (const ReportModel& m : in.models) {
    const double L = mean(m.rec.loss);
    s += "<tr><td>" + xml_escape(m.rec.display) + " <span class=\"note\">" + xml_escape(m.path) +
         "</span></td><td>" + std::to_string(m.rec.layers) + " \xC3\x97 " +
         std::to_string(m.rec.hidden) + "</td><td class=\"num\">" +
         count(static_cast<double>(m.checkpoint->step)) + " steps, " +
         fixed(m.checkpoint->elapsed_seconds / 60, 1) + " min</td><td class=\"num\">" +
         fixed(L, 4) + "</td><td class=\"num\">" + fixed(L / std::log(2.0), 4) + "</td></tr>\n";
  }
  const double K = mean(in.ngram_loss);
  s += "<tr><td>Kneser-Ney " + std::to_string(in.settings.ngram_order) +
       "-gram</td><td>counts</td><td>-</td><td class=\"num\">" + fixed(K, 4) +
       "</td><td class=\"num\">" + fixed(K / std::log(2.0), 4) + "</td></tr>\n</table>\n";
  return s + "</section>\n";
}

// The kinds of values a model's units are searched among.
std::vector<std::string> searched_kinds(const Recording& rec) {
  if (rec.model == "lstm") return {"h", "c"};
  return {"h"};
}

std::string units_section(const Context& cx, const std::vector<TextFeature>& features,
                          const std::vector<std::vector<FeatureMatch>>& matches) {
  const ReportInput& in = cx.in;
  std::string s = "<section id=\"units\">\n<h2>2. Units that follow a feature of the text</h2>\n";
  s += "<p>For each feature, every unit of h (and, in the LSTM, of c) in every layer is "
       "correlated with it over the first half of the steps, and the unit with the largest "
       "|r| is chosen. Its r is then measured on the second half, which played no part in the "
       "choice. The floor is the same number for a unit drawn at random, and the median over "
       "all units searched. A chosen unit well above both follows the feature.</p>\n";
  s += "<table>\n<tr><th>feature</th>";
  for (const ReportModel& m : in.models)
    s += "<th>" + xml_escape(m.rec.display) +
         ": chosen unit</th><th>r, held out</th><th>random "
         "unit |r|</th><th>median |r|</th>";
  s += "</tr>\n";
  for (std::size_t f = 0; f < features.size(); ++f) {
    s += "<tr><td><b>" + xml_escape(features[f].name) + "</b><br/><span class=\"note\">" +
         xml_escape(features[f].description) + "</span></td>";
    for (std::size_t k = 0; k < in.models.size(); ++k) {
      const FeatureMatch& m = matches[k][f];
      if (!m.varies) {
        s += "<td colspan=\"4\" class=\"note\">does not vary in both halves of this text</td>";
        continue;
      }
      s += "<td>" + unit_name(m.best) + "</td><td class=\"num\"><b>" +
           signed_fixed(m.best.r_held, 2) + "</b></td><td class=\"num\">" +
           fixed(std::abs(m.random.r_held), 2) + "</td><td class=\"num\">" +
           fixed(m.median_held, 2) + "</td>";
    }
    s += "</tr>\n";
  }
  s += "</table>\n";

  // The coloured texts, the features ordered by how well the first model follows them.
  std::vector<std::size_t> order;
  for (std::size_t f = 0; f < features.size(); ++f)
    if (matches[0][f].varies) order.push_back(f);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::abs(matches[0][a].best.r_held) > std::abs(matches[0][b].best.r_held);
  });
  s += "<p>Each text below is the first " + count(cx.shown) +
       " characters, every character coloured by the chosen unit's value after reading it "
       "(h and g as they are, in (\xE2\x88\x92"
       "1, 1); the gates f, i, o from 0 to 1; c divided "
       "by its largest |c| here).</p>\n";
  s += legend("q",
              "\xE2\x88\x92"
              "1 (or 0 for a gate)",
              "+1");
  for (std::size_t f : order) {
    s += "<h3>" + xml_escape(features[f].name) + "</h3>\n<div class=\"cols\">\n";
    for (std::size_t k = 0; k < in.models.size(); ++k) {
      const FeatureMatch& m = matches[k][f];
      const UnitSeries& series = in.models[k].rec.find(m.best.kind, m.best.layer);
      double scale = 1;
      const std::vector<double> v = unit_values(series, m.best.unit, cx.N, &scale);
      s += "<div><p class=\"note\">" + xml_escape(in.models[k].rec.display) + ", " +
           unit_name(m.best) + ": r = " + signed_fixed(m.best.r_held, 2) +
           " held out (random "
           "unit " +
           fixed(std::abs(m.random.r_held), 2) + ")" +
           (m.best.kind == "c" ? ", |c| up to " + fixed(scale, 2) : std::string()) + "</p>\n";
      s += coloured_text(in.text, 0, cx.shown, "q", [&](std::size_t t) { return v[t]; });
      s += "</div>\n";
    }
    s += "</div>\n";
  }
  return s + "</section>\n";
}

// The selector of any unit: the values of every unit on the first S characters, 9 levels each,
// two levels to a character of kAlphabet (81 symbols, none of them " & ' < > \).
const std::string kAlphabet =
    "!#$%()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";

std::string js_string(const std::u32string& text) {
  std::string out = "\"";
  for (char32_t c : text) {
    if (c == U'"' || c == U'\\')
      out += std::string("\\") + static_cast<char>(c);
    else if (c == U'\n')
      out += "\\n";
    else if (c == U'<' || c == U'&' || c == U'>' || c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += encode_utf8(c);
    }
  }
  return out + "\"";
}

const char* kScript = R"js(
(function () {
  var D = INSPECT;
  var chars = Array.from(D.text);
  var modelSel = document.getElementById("any-model");
  var kindSel = document.getElementById("any-kind");
  var layerIn = document.getElementById("any-layer");
  var unitIn = document.getElementById("any-index");
  var box = document.getElementById("any-text");
  var info = document.getElementById("any-info");
  document.getElementById("any-noscript").style.display = "none";
  document.getElementById("any-controls").style.display = "block";
  function option(sel, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    sel.appendChild(o);
  }
  D.models.forEach(function (m, k) { option(modelSel, k, m.name); });
  function fillKinds() {
    var m = D.models[+modelSel.value];
    kindSel.textContent = "";
    m.kinds.forEach(function (kind) { option(kindSel, kind, kind); });
    layerIn.max = m.layers;
    unitIn.max = m.units - 1;
  }
  function render() {
    var m = D.models[+modelSel.value];
    var layer = Math.max(1, Math.min(m.layers, Math.round(+layerIn.value) || 1));
    var unit = Math.max(0, Math.min(m.units - 1, Math.round(+unitIn.value) || 0));
    var data = m.series[kindSel.value + (layer - 1)];
    var per = Math.ceil(D.n / 2);
    var packed = data.substr(unit * per, per);
    box.textContent = "";
    for (var t = 0; D.n > t; t++) {
      var code = D.alphabet.indexOf(packed.charAt(Math.floor(t / 2)));
      var lv = t % 2 === 0 ? Math.floor(code / 9) : code % 9;
      var span = document.createElement("span");
      span.className = "q" + lv;
      span.textContent = chars[t] === "\n" ? "\u21b5" : chars[t];
      box.appendChild(span);
      if (chars[t] === "\n") box.appendChild(document.createTextNode("\n"));
    }
    info.textContent = m.name + ", layer " + layer + ", " + kindSel.value + " unit " + unit +
        (kindSel.value === "c" ? " (c divided by its largest |c| here)" : "");
  }
  modelSel.onchange = function () { fillKinds(); render(); };
  kindSel.onchange = render;
  layerIn.oninput = render;
  unitIn.oninput = render;
  fillKinds();
  if (D.first) {
    modelSel.value = 0;
    fillKinds();
    kindSel.value = D.first.kind;
    layerIn.value = D.first.layer + 1;
    unitIn.value = D.first.unit;
  }
  render();
})();
)js";

std::string selector_section(const Context& cx, const UnitMatch* first) {
  const ReportInput& in = cx.in;
  const int S = std::min(cx.N, in.settings.select_chars);
  std::string s = "<section id=\"any-unit\">\n<h2>3. Any unit</h2>\n";
  s += "<p id=\"any-noscript\" class=\"note\">This part needs scripts: with them on, it colours "
       "the first " +
       count(S) +
       " characters by any unit of any layer (h, and for the LSTM c, f, "
       "i, g, o). Everything else on the page shows without them.</p>\n";
  s +=
      "<div id=\"any-controls\" style=\"display: none\"><p>model <select id=\"any-model\"></select>"
      " value <select id=\"any-kind\"></select> layer <input id=\"any-layer\" type=\"number\" "
      "min=\"1\" value=\"1\"/> unit <input id=\"any-index\" type=\"number\" min=\"0\" "
      "value=\"0\"/></p><p id=\"any-info\" class=\"note\"></p>\n<div id=\"any-text\" "
      "class=\"text\"></div></div>\n";
  // The data: per model, per kind and layer, every unit's S levels packed two to a character.
  std::string js = "var INSPECT = {n: " + std::to_string(S) + ", alphabet: \"" + kAlphabet +
                   "\", text: " + js_string(in.text.substr(0, S)) + ", models: [";
  for (std::size_t k = 0; k < in.models.size(); ++k) {
    const Recording& r = in.models[k].rec;
    js += std::string(k ? ", " : "") + "{name: \"" + r.display +
          "\", layers: " + std::to_string(r.layers) + ", units: " + std::to_string(r.hidden) +
          ", kinds: [";
    std::vector<std::string> kinds;
    for (const UnitSeries& u : r.series)
      if (std::find(kinds.begin(), kinds.end(), u.kind) == kinds.end()) kinds.push_back(u.kind);
    for (std::size_t j = 0; j < kinds.size(); ++j)
      js += std::string(j ? ", " : "") + "\"" + kinds[j] + "\"";
    js += "], series: {";
    for (std::size_t q = 0; q < r.series.size(); ++q) {
      const UnitSeries& u = r.series[q];
      std::string packed;
      for (int j = 0; j < u.units; ++j) {
        const std::vector<double> v = unit_values(u, j, cx.N, nullptr);
        for (int t = 0; t < S; t += 2)
          packed += kAlphabet[level(v[t]) * 9 + (t + 1 < S ? level(v[t + 1]) : 4)];
      }
      js += std::string(q ? ", " : "") + "\"" + u.kind + std::to_string(u.layer) + "\": \"" +
            packed + "\"";
    }
    js += "}}";
  }
  js += "]";
  if (first)
    js += ", first: {kind: \"" + first->kind + "\", layer: " + std::to_string(first->layer) +
          ", unit: " + std::to_string(first->unit) + "}";
  js += "};\n";
  s += "<script>\n" + js + kScript + "</script>\n";
  return s + "</section>\n";
}

std::string saturation_section(const Context& cx) {
  std::string s = "<section id=\"saturation\">\n<h2>4. How often the gates saturate</h2>\n";
  s += "<p>One dot per unit: the fraction of steps at which its value is below 0.1 (right: "
       "often nearly closed) against the fraction above 0.9 (up: often nearly open), as in "
       "Karpathy, Johnson and Fei-Fei (2015). A forget-gate unit high up keeps its cell almost "
       "unchanged from step to step: an integrator. Units near the origin are never saturated; "
       "they act in the middle of their range. For the vanilla RNN the same is drawn for h, "
       "below \xE2\x88\x92"
       "0.9 against above 0.9: there is no gate, and a saturated tanh "
       "passes almost no gradient.</p>\n<div class=\"cols\">\n";
  const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#444444"};
  for (const ReportModel& m : cx.in.models) {
    const std::vector<Saturation> sats = saturation(m.rec);
    for (int l = 0; l < m.rec.layers; ++l) {
      PlotOptions o;
      o.title = m.rec.display + ", layer " + std::to_string(l + 1);
      o.x_label =
          m.rec.model == "rnn" ? "fraction of steps below -0.9" : "fraction of steps below 0.1";
      o.y_label = "fraction of steps above 0.9";
      o.width = 540;
      o.height = 380;
      o.y_include = {0, 1};
      std::vector<Series> series;
      std::string sentence;
      int color = 0;
      for (const Saturation& sat : sats) {
        if (sat.layer != l) continue;
        Series pts;
        pts.label = kind_name(sat.kind);
        pts.x = sat.low;
        pts.y = sat.high;
        pts.color = colors[color++ % 4];
        pts.dots = true;
        series.push_back(pts);
        int open = 0, closed = 0, never = 0;
        for (std::size_t j = 0; j < sat.low.size(); ++j) {
          open += sat.high[j] > 0.5;
          closed += sat.low[j] > 0.5;
          never += sat.low[j] + sat.high[j] < 0.05;
        }
        sentence += std::string(sentence.empty() ? "" : " ") + kind_name(sat.kind) + ": " +
                    std::to_string(open) + " of " + std::to_string(sat.low.size()) +
                    " units above " + fixed(sat.high_threshold, 1) +
                    " more than half of the time, " + std::to_string(closed) + " below " +
                    fixed(sat.low_threshold, 1) + ", " + std::to_string(never) +
                    " almost never saturated.";
      }
      o.x_include = {0, 1};
      s += "<div>" + svg_inline(o, series) + "<p class=\"note\">" + xml_escape(sentence) +
           "</p></div>\n";
    }
  }
  return s + "</div>\n</section>\n";
}

// A class of predicted characters: the position p = t + 1 of the character predicted at step t.
struct CharClass {
  std::string name;
  std::vector<char> member;  // (N) whether the character predicted at step t belongs
};

std::vector<CharClass> char_classes(const std::u32string& text, int N) {
  const std::vector<TextFeature> f = text_features(text);
  auto feature = [&](const char* name) -> const std::vector<double>& {
    for (const TextFeature& x : f)
      if (x.name == name) return x.values;
    throw std::logic_error(name);
  };
  const std::vector<double>& word_pos = feature("position in the word");
  const std::vector<double>& speaker = feature("speaker's name line");
  std::vector<CharClass> out;
  auto add = [&](const std::string& name, auto test) {
    CharClass c{name, std::vector<char>(N, 0)};
    for (int t = 0; t < N; ++t)
      c.member[t] = test(static_cast<std::size_t>(t) + 1);
    out.push_back(std::move(c));
  };
  add("every character", [](std::size_t) { return true; });
  add("the first character of a line", [&](std::size_t p) { return text[p - 1] == U'\n'; });
  add("a newline (the end of a line)", [&](std::size_t p) { return text[p] == U'\n'; });
  add("a space", [&](std::size_t p) { return text[p] == U' '; });
  add("the first letter of a word", [&](std::size_t p) { return word_pos[p] == 1; });
  add("the second or third letter of a word",
      [&](std::size_t p) { return word_pos[p] == 2 || word_pos[p] == 3; });
  add("the fourth letter of a word or later (long words)",
      [&](std::size_t p) { return word_pos[p] >= 4; });
  add("a capital letter", [&](std::size_t p) { return is_capital(text[p]); });
  add("punctuation", [&](std::size_t p) {
    const char32_t c = text[p];
    return !is_letter(c) && c != U' ' && c != U'\n' && !(c >= U'0' && c <= U'9');
  });
  add("inside a speaker's name line", [&](std::size_t p) { return speaker[p] > 0; });
  // Closing brackets and quotes by the distance to their opening.
  std::vector<int> distance(text.size(), -1);
  std::vector<std::size_t> open;
  int quote_at = -1;
  for (std::size_t p = 0; p < text.size(); ++p) {
    const char32_t c = text[p];
    if (c == U'(' || c == U'[' || c == U'{') open.push_back(p);
    if ((c == U')' || c == U']' || c == U'}') && !open.empty()) {
      distance[p] = static_cast<int>(p - open.back());
      open.pop_back();
    }
    if (c == U'"') {
      if (quote_at < 0) {
        quote_at = static_cast<int>(p);
      } else {
        distance[p] = static_cast<int>(p) - quote_at;
        quote_at = -1;
      }
    }
  }
  add("a closing bracket or quote, up to 10 characters after its opening",
      [&](std::size_t p) { return distance[p] > 0 && distance[p] <= 10; });
  add("a closing bracket or quote, more than 10 characters after its opening",
      [&](std::size_t p) { return distance[p] > 10; });
  return out;
}

std::string counting_section(const Context& cx) {
  const ReportInput& in = cx.in;
  const std::string ngram = "the " + std::to_string(in.settings.ngram_order) + "-gram";
  std::string s = "<section id=\"counting\">\n<h2>5. Where the network beats counting</h2>\n";
  s += "<p>The mean loss (nats per character) of each model and of " + xml_escape(ngram) +
       " on the characters of each class, where the class is that of the character "
       "predicted. \"Better\" is the share of those characters the network gives a higher "
       "probability than the counts do.</p>\n<table>\n<tr><th>characters predicted</th>"
       "<th>count</th><th>" +
       xml_escape(ngram) + "</th>";
  for (const ReportModel& m : in.models)
    s += "<th>" + xml_escape(m.rec.display) + "</th><th>difference</th><th>better</th>";
  s += "</tr>\n";
  for (const CharClass& c : char_classes(in.text, cx.N)) {
    int n = 0;
    double K = 0;
    for (int t = 0; t < cx.N; ++t)
      if (c.member[t]) {
        ++n;
        K += in.ngram_loss[t];
      }
    if (n == 0) continue;
    s += "<tr><td>" + xml_escape(c.name) + "</td><td class=\"num\">" + count(n) +
         "</td><td class=\"num\">" + fixed(K / n, 3) + "</td>";
    for (const ReportModel& m : in.models) {
      double L = 0;
      int better = 0;
      for (int t = 0; t < cx.N; ++t)
        if (c.member[t]) {
          L += m.rec.loss[t];
          better += m.rec.loss[t] < in.ngram_loss[t];
        }
      s += "<td class=\"num\">" + fixed(L / n, 3) + "</td><td class=\"num\">" +
           signed_fixed((L - K) / n, 3) + "</td><td class=\"num\">" + fixed(100.0 * better / n, 0) +
           "%</td>";
    }
    s += "</tr>\n";
  }
  s += "</table>\n<p>Below, every predicted character is coloured by how much better (green) "
       "or worse (orange) the network predicted it than " +
       xml_escape(ngram) + ", the difference of the two losses, full colour at 3 nats.</p>\n";
  s += legend("d", "network worse", "network better");
  s += "<div class=\"cols\">\n";
  for (const ReportModel& m : in.models) {
    s += "<div><p class=\"note\">" + xml_escape(m.rec.display) + " against " + xml_escape(ngram) +
         "</p>\n";
    s += coloured_text(in.text, 1, cx.shown + 1, "d", [&](std::size_t p) {
      return (in.ngram_loss[p - 1] - m.rec.loss[p - 1]) / 3;
    });
    s += "</div>\n";
  }
  return s + "</div>\n</section>\n";
}

std::string settings_section(const Context& cx) {
  std::string s = "<section id=\"settings\">\n<h2>6. Settings</h2>\n<div class=\"cols\">\n";
  for (const ReportModel& m : cx.in.models) {
    const Checkpoint& ck = *m.checkpoint;
    s += "<div><h3>" + xml_escape(m.rec.display) + ": " + xml_escape(m.path) + "</h3>\n<table>\n";
    s += "<tr><th>steps trained</th><td>" + count(static_cast<double>(ck.step)) + "</td></tr>\n";
    s += "<tr><th>training time</th><td>" + fixed(ck.elapsed_seconds / 60, 1) + " min</td></tr>\n";
    s += "<tr><th>best validation loss</th><td>" + fixed(ck.best_val_loss, 4) +
         " nats/char</td></tr>\n";
    for (const auto& [key, value] : ck.config)
      s += "<tr><th>" + xml_escape(key) + "</th><td>" + xml_escape(value) + "</td></tr>\n";
    s += "</table></div>\n";
  }
  s += "</div>\n<p class=\"note\">Written by <code>./inspect</code> with --chars " +
       std::to_string(cx.in.settings.chars) + " --shown " + std::to_string(cx.shown) +
       " --ngram-order " + std::to_string(cx.in.settings.ngram_order) + " --seed " +
       std::to_string(cx.in.settings.seed) + ".</p>\n";
  return s + "</section>\n";
}

}  // namespace

std::string render_report(const ReportInput& in) {
  const int N = in.models.front().rec.steps;
  const Context cx{in, N, std::min(N, in.settings.shown)};
  const std::vector<TextFeature> features = text_features(in.text.substr(0, N));  // read ones
  Rng rng(static_cast<std::uint64_t>(in.settings.seed));
  std::vector<std::vector<FeatureMatch>> matches(in.models.size());
  for (std::size_t k = 0; k < in.models.size(); ++k)
    for (const TextFeature& f : features)
      matches[k].push_back(
          find_unit(in.models[k].rec, f.values, searched_kinds(in.models[k].rec), rng));

  std::string title = "Inside ";
  for (std::size_t k = 0; k < in.models.size(); ++k)
    title += (k ? " and the " : "the ") + in.models[k].rec.display;
  title += " on " + in.file;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  html +=
      "<title>" + xml_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + xml_escape(title) + "</h1>\n";

  // The headline: the three features the first model follows best.
  std::vector<std::size_t> order;
  for (std::size_t f = 0; f < features.size(); ++f)
    if (matches[0][f].varies) order.push_back(f);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::abs(matches[0][a].best.r_held) > std::abs(matches[0][b].best.r_held);
  });
  html +=
      "<p class=\"lead\">What the units of a trained character model do, found by "
      "correlating each unit with features of the text. ";
  if (!order.empty()) {
    html += "The " + xml_escape(in.models[0].rec.display) + "'s clearest: ";
    for (std::size_t k = 0; k < order.size() && k < 3; ++k) {
      const FeatureMatch& m = matches[0][order[k]];
      html += std::string(k ? "; " : "") + unit_name(m.best) + " follows <b>" +
              xml_escape(features[order[k]].name) + "</b> (r = " + signed_fixed(m.best.r_held, 2) +
              " on held-out text, a random unit " + fixed(std::abs(m.random.r_held), 2) + ")";
    }
    html += ". docs/inside.md explains how every number here is computed.</p>\n";
  }
  html += summary_section(cx);
  html += units_section(cx, features, matches);
  html += selector_section(cx, order.empty() ? nullptr : &matches[0][order[0]].best);
  html += saturation_section(cx);
  html += counting_section(cx);
  html += settings_section(cx);
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace charnn
