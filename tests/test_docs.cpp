// The code mirrors the docs: every labelled equation has its line of code and every labelled
// line of code its equation; the LSTM page's worked example is what the code computes.
#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lstm/lstm.h"
#include "tests/catch.hpp"
#include "tests/helpers.h"

using namespace charnn;
using charnn::testing::read_file;
using charnn::testing::repo_path;

namespace {

// Every page of docs/ and every source file of the product: labels live in both.
std::vector<std::string> files_in(const std::vector<std::string>& folders,
                                  const std::vector<std::string>& extensions) {
  std::vector<std::string> out;
  for (const std::string& folder : folders)
    for (const auto& entry : std::filesystem::directory_iterator(repo_path(folder))) {
      const std::string ext = entry.path().extension().string();
      for (const std::string& e : extensions)
        if (entry.is_regular_file() && ext == e) out.push_back(entry.path().string());
    }
  std::sort(out.begin(), out.end());
  return out;
}

// Every match of group 1 of `pattern` in `text`.
std::vector<std::string> matches(const std::string& text, const std::regex& pattern) {
  std::vector<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it)
    out.push_back((*it)[1].str());
  return out;
}

// A label is one to three capital letters and a number: R1, RB7, LB16, S3, G2.
const std::regex kTag(R"(\\tag\{([A-Z]{1,3}[0-9]{1,3})\})");
const std::regex kRef(R"(\(([A-Z]{1,3}[0-9]{1,3})\))");

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& x : s)
    out += (out.empty() ? "" : " ") + x;
  return out;
}

}  // namespace

TEST_CASE("every equation label in docs/ has its line in code, and the reverse", "[docs]") {
  std::set<std::string> defined, referenced_in_docs, in_code;
  std::map<std::string, int> times_defined;
  const auto docs = files_in({"docs"}, {".md"});
  const auto code = files_in({"core", "core/fast", "util", "rnn", "lstm", "gru", "ngram", "train",
                              "gradient_check", "samples", "benchmark", "apps"},
                             {".h", ".cpp"});
  REQUIRE(docs.size() >= 5);
  REQUIRE(code.size() >= 10);
  for (const std::string& doc : docs) {
    const std::string text = read_file(doc);
    REQUIRE_FALSE(text.empty());
    for (const std::string& l : matches(text, kTag)) {
      defined.insert(l);
      ++times_defined[l];
    }
    for (const std::string& l : matches(text, kRef))
      referenced_in_docs.insert(l);
  }
  for (const std::string& file : code) {
    const std::string text = read_file(file);
    REQUIRE_FALSE(text.empty());
    for (const std::string& l : matches(text, kRef))
      in_code.insert(l);
  }
  REQUIRE(defined.size() >= 40);  // R1-R3, RB1-RB7, L1-L7, LB1-LB16, S1-S3, SB1-SB4, G1-G3

  std::set<std::string> docs_only, code_only, undefined_refs, defined_twice;
  for (const std::string& l : defined)
    if (!in_code.count(l)) docs_only.insert(l);
  for (const std::string& l : in_code)
    if (!defined.count(l)) code_only.insert(l);
  for (const std::string& l : referenced_in_docs)
    if (!defined.count(l)) undefined_refs.insert(l);
  for (const auto& [l, n] : times_defined)
    if (n > 1) defined_twice.insert(l);
  INFO("labels in docs but in no code comment: " << join(docs_only));
  INFO("labels in code but tagged in no doc: " << join(code_only));
  INFO("labels referred to in docs but never tagged: " << join(undefined_refs));
  INFO("labels tagged more than once: " << join(defined_twice));
  CHECK(docs_only.empty());
  CHECK(code_only.empty());
  CHECK(undefined_refs.empty());
  CHECK(defined_twice.empty());
}

// A model's equation has two sites in code: the fast file, and the textbook twin a reader meets
// first. Each of the two must carry every label its page tags, and the RNN's files no label of
// the LSTM's page or the reverse (both may name the head's); the test above only asks that each
// label appear somewhere in code.
TEST_CASE("every equation of a model's page is labelled in the fast code and in its textbook twin",
          "[docs]") {
  struct Sites {
    const char* page;
    const char* fast;
    const char* textbook;
  };
  const Sites sites[] = {{"docs/rnn.md", "rnn/rnn.cpp", "rnn/rnn_textbook.h"},
                         {"docs/lstm.md", "lstm/lstm.cpp", "lstm/lstm_textbook.h"},
                         {"docs/gru.md", "gru/gru.cpp", "gru/gru_textbook.h"},
                         {"docs/softmax.md", "core/softmax_head.h", "core/textbook.h"}};
  std::map<std::string, std::string> page_of;  // label -> the page that tags it
  for (const Sites& s : sites)
    for (const std::string& l : matches(read_file(repo_path(s.page)), kTag))
      page_of[l] = s.page;
  for (const Sites& s : sites) {
    std::set<std::string> tagged;
    for (const std::string& l : matches(read_file(repo_path(s.page)), kTag))
      tagged.insert(l);
    REQUIRE(tagged.size() >= 7);
    for (const char* file : {s.fast, s.textbook}) {
      std::set<std::string> in_file, missing, foreign;
      for (const std::string& l : matches(read_file(repo_path(file)), kRef))
        in_file.insert(l);
      for (const std::string& l : tagged)
        if (!in_file.count(l)) missing.insert(l);
      for (const std::string& l : in_file)
        if (page_of.count(l) && page_of[l] != s.page && page_of[l] != "docs/softmax.md")
          foreign.insert(l);  // an RNN file with an LSTM label, or the reverse
      INFO(file << " lacks labels of " << s.page << ": " << join(missing));
      INFO(file << " carries labels of another model's page: " << join(foreign));
      CHECK(missing.empty());
      CHECK(foreign.empty());
    }
  }
}

namespace {

// The "```text worked-example" block of docs/lstm.md as name -> numbers (matrices row by row).
std::map<std::string, std::vector<double>> worked_example() {
  const std::string text = read_file(repo_path("docs/lstm.md"));
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  std::map<std::string, std::vector<double>> values;
  while (std::getline(in, line)) {
    if (!inside) {
      inside = line.rfind("```", 0) == 0 && line.find("worked-example") != std::string::npos;
      continue;
    }
    if (line.rfind("```", 0) == 0) break;
    if (line.empty() || line[0] == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string name = line.substr(0, eq);
    name.erase(name.find_last_not_of(" \t") + 1);
    std::string rest = line.substr(eq + 1);
    for (char& ch : rest)
      if (ch == '[' || ch == ']' || ch == ',') ch = ' ';
    std::istringstream nums(rest);
    double v;
    while (nums >> v)
      values[name].push_back(v);
  }
  return values;
}

}  // namespace

TEST_CASE("the LSTM worked example in docs/lstm.md is what the code computes", "[docs]") {
  auto ex = worked_example();
  const int H = 2, V = 3;
  auto get = [&](const std::string& name, std::size_t size) {
    INFO("worked example entry " << name);
    REQUIRE(ex.count(name) == 1);
    REQUIRE(ex[name].size() == size);
    return ex[name];
  };

  Layout layout;
  Lstm<double> lstm({V, H, 1}, layout);
  std::vector<double> params(layout.size()), grads(layout.size(), 0.0);
  for (const char* gate : {"f", "i", "g", "o"}) {
    const std::string g = gate;
    for (const auto& [prefix, size] :
         {std::pair<std::string, int>{"W_", H * V}, {"U_", H * H}, {"b_", H}}) {
      const auto v = get(prefix + g, size);
      std::copy(v.begin(), v.end(),
                params.begin() + layout[layout.find("l0." + prefix + g)].offset);
    }
  }
  const int x = static_cast<int>(get("x", 1)[0]);
  std::vector<double> state = get("h_prev", H), c_prev = get("c_prev", H);
  state.insert(state.end(), c_prev.begin(), c_prev.end());  // l0.h0, then l0.c0
  std::vector<double> state_out(state.size()), dstate(state.size());

  lstm.forward(params.data(), layout, &x, 1, 1, state.data(), state_out.data());
  const auto dh = get("dh", H);
  lstm.backward(params.data(), layout, CMat<double>(dh.data(), 1, H), grads.data(), dstate.data());

  auto require_close = [&](const std::string& name, const double* computed) {
    const auto expected = get(name, H);
    for (int j = 0; j < H; ++j) {
      INFO(name << "[" << j << "]: docs " << expected[j] << ", code " << computed[j]);
      CHECK(std::fabs(expected[j] - computed[j]) <= 1e-6);
    }
  };
  CMat<double> gates = lstm.gates(0);
  require_close("f", gates.row(0) + Lstm<double>::F * H);
  require_close("i", gates.row(0) + Lstm<double>::I * H);
  require_close("g", gates.row(0) + Lstm<double>::G * H);
  require_close("o", gates.row(0) + Lstm<double>::O * H);
  require_close("h", lstm.output().row(0));
  require_close("h", state_out.data());
  require_close("c", state_out.data() + H);
  // With one step and one sequence, db_* = dz_* by (LB15); the state gradients are what
  // (LB12) and (LB11) send to step t-1.
  for (const char* gate : {"f", "i", "g", "o"})
    require_close(std::string("dz_") + gate,
                  grads.data() + layout[layout.find(std::string("l0.b_") + gate)].offset);
  require_close("dh_next", dstate.data());
  require_close("dc_next", dstate.data() + H);
}

namespace {

// The name of every Catch2 test case in tests/*.cpp, its string literals joined the way the
// compiler joins them ("a " "b" is "a b"; clang-format splits long names so).
std::set<std::string> test_case_names() {
  std::set<std::string> names;
  for (const std::string& file : files_in({"tests"}, {".cpp"})) {
    const std::string src = read_file(file);
    for (std::size_t at = src.find("TEST_CASE("); at != std::string::npos;
         at = src.find("TEST_CASE(", at + 1)) {
      if (at > 0 && src[at - 1] == '"') continue;  // the text "TEST_CASE(" in code, as here
      std::size_t k = at + 10;
      std::string name;
      for (;;) {
        while (k < src.size() && std::isspace(static_cast<unsigned char>(src[k])))
          ++k;
        if (k >= src.size() || src[k] != '"') break;
        const std::size_t end = src.find('"', k + 1);
        name += src.substr(k + 1, end - k - 1);
        k = end + 1;
      }
      if (!name.empty()) names.insert(name);
    }
  }
  return names;
}

}  // namespace

// CTest runs each test case as `run_tests "NAME"` (catch_discover_tests, CMakeLists.txt). CMake
// cuts a name at a semicolon, and Catch takes a name that starts with a dash for an option: the
// cut name then matches no test, runs nothing and passes. So no name may have either.
TEST_CASE("every test name works as a CTest name: no semicolon, no leading dash", "[docs]") {
  const std::set<std::string> names = test_case_names();
  REQUIRE(names.size() > 100);
  for (const std::string& name : names) {
    INFO(name);
    CHECK(name.find(';') == std::string::npos);
    CHECK(name.front() != '-');
    CHECK(name.find('\\') == std::string::npos);  // an escape: the name is not what it reads
  }
}

TEST_CASE("every test docs/robustness.md names exists, and the table has every required row",
          "[docs]") {
  const std::string page = read_file(repo_path("docs/robustness.md"));
  REQUIRE_FALSE(page.empty());
  const std::set<std::string> names = test_case_names();
  REQUIRE(names.size() > 100);
  int rows = 0, quoted = 0, scripts = 0;
  std::istringstream lines(page);
  std::string line;
  bool in_table = false;  // inside a table whose last column is "Test"
  while (std::getline(lines, line)) {
    if (line.rfind("| ", 0) != 0) {
      in_table = false;
      continue;
    }
    if (line.size() >= 9 && line.compare(line.size() - 9, 9, " | Test |") == 0) {
      in_table = true;
      continue;
    }
    if (!in_table || line.rfind("| ---", 0) == 0) continue;
    line.pop_back();  // the closing "|"
    const std::string test_column = line.substr(line.rfind(" | ") + 3);
    ++rows;
    INFO(line);
    const std::vector<std::string> tests = matches(test_column, std::regex("\"([^\"]+)\""));
    const std::vector<std::string> files = matches(test_column, std::regex("`(tests/[^`]+)`"));
    CHECK(tests.size() + files.size() >= 1);  // every row names its proof
    for (const std::string& t : tests) {
      INFO("test case: " << t);
      CHECK(names.count(t) == 1);
      ++quoted;
    }
    for (const std::string& f : files) {
      INFO("file: " << f);
      CHECK(std::filesystem::exists(repo_path(f)));
      ++scripts;
    }
  }
  CHECK(rows >= 40);
  CHECK(quoted >= 40);
  CHECK(scripts >= 4);
  // The rows the project promises (docs/robustness.md's first table and the issue that asked
  // for it): each must be there.
  for (const std::string row : {"| Missing file",
                                "| Unreadable file",
                                "| Empty file",
                                "| A directory instead of a file",
                                "| Binary file",
                                "| Invalid UTF-8",
                                "| Text shorter than one sequence",
                                "| Validation split too small",
                                "| `./sample --prime` with an unknown character",
                                "| `./evaluate` on a text with unknown characters",
                                "with a missing value",
                                "| Malformed numbers",
                                "| Zero or negative",
                                "| Absurd values",
                                "| `--resume` with a",
                                "| Truncated",
                                "| A flipped bit",
                                "| Another format version",
                                "| An unknown model kind",
                                "| Settings that do not match",
                                "| Checkpoint path in a missing folder",
                                "| Checkpoint path in a read-only folder",
                                "| The disk fills up while saving",
                                "| Ctrl-C (SIGINT) or SIGTERM",
                                "| The process killed without warning",
                                "| A learning rate so high",
                                "| A loss or gradient that becomes NaN",
                                "| A 200 MB text"}) {
    INFO(row);
    CHECK(page.find(row) != std::string::npos);
  }
}
