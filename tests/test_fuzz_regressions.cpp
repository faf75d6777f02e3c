// Every input that once crashed a fuzz target stays fixed: the checkpoint fuzz target
// (tests/fuzz/fuzz_checkpoint.cpp) is compiled into the test suite here, under other names and
// without libFuzzer, and run on each file of tests/fuzz/regressions/ whose name starts with
// "fuzz_checkpoint-". A property that fails traps, which fails `make test` (and, under
// `make sanitize`, the sanitizers report what the fuzzer saw). `make fuzz` keeps looking for
// new ones.
#define LLVMFuzzerTestOneInput fuzz_checkpoint_one_input
#define LLVMFuzzerInitialize fuzz_checkpoint_initialize
#include "tests/fuzz/fuzz_checkpoint.cpp"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

#include <algorithm>
#include <filesystem>

#include "tests/catch.hpp"
#include "tests/helpers.h"

TEST_CASE("fuzz regressions: the checkpoint inputs that once crashed now pass the target",
          "[robustness]") {
  namespace fs = std::filesystem;
  fuzz_checkpoint_initialize(nullptr, nullptr);
  std::vector<std::string> inputs;
  for (const auto& entry :
       fs::directory_iterator(charnn::testing::repo_path("tests/fuzz/regressions")))
    if (entry.path().filename().string().rfind("fuzz_checkpoint-", 0) == 0)
      inputs.push_back(entry.path().string());
  std::sort(inputs.begin(), inputs.end());
  REQUIRE(inputs.size() >= 2);
  for (const std::string& path : inputs) {
    INFO(path);
    const std::string bytes = charnn::testing::read_file(path);
    REQUIRE_FALSE(bytes.empty());
    CHECK(fuzz_checkpoint_one_input(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                    bytes.size()) == 0);
  }
  charnn::set_thread_count(2);  // as the other tests expect
}

TEST_CASE("fuzz regressions: a small checkpoint cannot make the programs build a huge model",
          "[robustness]") {
  // The fuzzer's 49 KB file claims an LSTM of 8192 characters: its settings must be refused
  // before the model (and its 10 MB buffers; 4.5 GB for a 4.5 MB file) is allocated, so
  // config_from_checkpoint itself must throw.
  const std::string bytes = charnn::testing::read_file(
      charnn::testing::repo_path("tests/fuzz/regressions/fuzz_checkpoint-model-larger-than-file"));
  REQUIRE(bytes.size() > 1);
  REQUIRE(bytes[0] == 'b');  // a payload, to be wrapped in a valid header and checksum
  const std::vector<unsigned char> file =
      wrap(reinterpret_cast<const unsigned char*>(bytes.data()) + 1, bytes.size() - 1);
  const charnn::Checkpoint ck = charnn::parse_checkpoint(file.data(), file.size(), "big.ckpt");
  CHECK(ck.vocabulary.size() == 8192);
  CHECK_THROWS_WITH(charnn::config_from_checkpoint<charnn::Lstm<float>>(ck, "big.ckpt"),
                    "big.ckpt: its parameters do not match the model it describes");
}
