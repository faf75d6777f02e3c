// The folders are layers and includes point one way, down: a program's main may use anything,
// the model math uses only core/, and core/ knows nothing of training, files or programs.
// README.md's layout table draws the same picture.
#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tests/catch.hpp"
#include "tests/helpers.h"

using charnn::testing::read_file;
using charnn::testing::repo_path;

namespace {

// Each product folder and its layer, from the bottom up. A file may include files of its own
// folder and of any lower layer. Folders of one layer are siblings and do not include each
// other (rnn/, lstm/ and gru/ are written side by side, not one from another).
const std::map<std::string, int> kLayers = {
    {"core/fast", 0},                                     // how the products are made fast
    {"core", 1},      {"util", 1},                        // the math's basics; plain utilities
    {"rnn", 2},       {"lstm", 2},           {"gru", 2},  // the models
    {"ngram", 2},                                         // the counting baseline beside them
    {"train", 3},                                         // text, batches, training, checkpoints
    {"samples", 4},   {"gradient_check", 4}, {"benchmark", 4},  // what is built on training
    {"apps", 5},                                                // the programs' mains
};

struct Include {
  std::string file;    // "rnn/rnn.cpp"
  std::string target;  // "core/gemm.h"
};

std::string folder_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// The includes that break the layering: to a folder of a higher layer, to a sibling folder of
// the same layer, or to a folder that is not a layer at all (tests/, say).
std::vector<std::string> wrong_way(const std::vector<Include>& includes) {
  std::vector<std::string> out;
  for (const Include& inc : includes) {
    const std::string from = folder_of(inc.file), to = folder_of(inc.target);
    if (from == to) continue;
    const auto f = kLayers.find(from), t = kLayers.find(to);
    if (f == kLayers.end()) continue;  // not a product file
    if (t == kLayers.end() || t->second >= f->second)
      out.push_back(inc.file + " includes " + inc.target);
  }
  return out;
}

// Every quote include of every .h and .cpp in the product folders.
std::vector<Include> product_includes() {
  const std::regex include_line(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<Include> out;
  for (const auto& [folder, layer] : kLayers) {
    (void)layer;
    const std::filesystem::path dir = repo_path(folder);
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
      const std::string file = folder + "/" + entry.path().filename().string();
      std::istringstream text(read_file(entry.path().string()));
      std::smatch m;
      for (std::string line; std::getline(text, line);)
        if (std::regex_search(line, m, include_line)) out.push_back({file, m[1].str()});
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every include of the product points down a layer or stays in its folder", "[layers]") {
  const std::vector<Include> includes = product_includes();
  REQUIRE(includes.size() > 100);  // the walk found the sources
  const std::vector<std::string> wrong = wrong_way(includes);
  for (const std::string& w : wrong)
    UNSCOPED_INFO(w);
  CHECK(wrong.empty());
}

TEST_CASE("the layer check refuses an include up a layer, across siblings or into tests",
          "[layers]") {
  CHECK(wrong_way({{"rnn/rnn.cpp", "core/gemm.h"},
                   {"apps/sample_main.cpp", "train/text.h"},
                   {"core/gemm.h", "core/fast/simd.h"},
                   {"lstm/lstm.cpp", "lstm/lstm.h"}})
            .empty());
  CHECK(wrong_way({{"core/gemm.h", "train/text.h"}}) ==
        std::vector<std::string>{"core/gemm.h includes train/text.h"});
  CHECK(wrong_way({{"rnn/rnn.cpp", "lstm/lstm.h"}}).size() == 1);
  CHECK(wrong_way({{"core/fast/gemm.cpp", "core/matrix.h"}}).size() == 1);
  CHECK(wrong_way({{"train/trainer.h", "tests/helpers.h"}}).size() == 1);
  CHECK(wrong_way({{"util/plot.cpp", "core/matrix.h"}}).size() == 1);
}

TEST_CASE("no program's main lives outside apps/", "[layers]") {
  std::vector<std::string> mains_elsewhere;
  for (const auto& [folder, layer] : kLayers) {
    (void)layer;
    if (folder == "apps" || !std::filesystem::is_directory(repo_path(folder))) continue;
    for (const auto& entry : std::filesystem::directory_iterator(repo_path(folder))) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 9 && name.compare(name.size() - 9, 9, "_main.cpp") == 0)
        mains_elsewhere.push_back(folder + "/" + name);
    }
  }
  CHECK(mains_elsewhere.empty());
  for (const std::string& m : mains_elsewhere)
    UNSCOPED_INFO(m);
}
