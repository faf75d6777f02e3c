// The HTML page ./inspect writes (samples/inspect.h): one self-contained file, inline CSS and
// SVG, a small inline script for the selector of any unit; everything else shows without it.
// The page is well-formed XML after its first line (<!DOCTYPE html>), so tests parse it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "samples/inspect.h"

namespace charnn {

struct Checkpoint;

struct ReportModel {
  std::string path;
  const Checkpoint* checkpoint = nullptr;
  Recording rec;
};

struct ReportInput {
  std::string file;     // the text's path, for the title
  std::u32string text;  // the stretch: text[t] is read at step t, N + 1 characters
  InspectSettings settings;
  std::vector<ReportModel> models;  // one, or two side by side
  std::vector<double> ngram_loss;   // (N) the n-gram's -ln p of text[t+1]
  std::size_t training_chars = 0;   // the n-gram's training text
};

std::string render_report(const ReportInput& in);

}  // namespace charnn
