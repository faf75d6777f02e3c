// csv_to_text IN.csv OUT.txt: turns the haikus corpus (one quoted CSV record per poem) into plain
// text, one poem per paragraph (`make data` runs it). See haikus_csv_to_text in train/text.h.
#include <iostream>
#include <stdexcept>
#include <string>

#include "train/text.h"
#include "util/files.h"
#include "util/program.h"

int main(int argc, char** argv) {
  return charnn::run_program("csv_to_text", [&] {
    if (argc != 3) {
      std::cerr << "usage: csv_to_text IN.csv OUT.txt\n";
      return 2;
    }
    const std::string text = charnn::haikus_csv_to_text(charnn::read_file(argv[1]));
    const std::string failure = charnn::write_file_atomically(argv[2], text.data(), text.size());
    if (!failure.empty())
      throw std::runtime_error(std::string("cannot write ") + argv[2] + ": " + failure);
    return 0;
  });
}
