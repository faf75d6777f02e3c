// csv_to_text IN.csv OUT.txt: turns the haikus corpus (one quoted CSV record per poem) into plain
// text, one poem per paragraph (`make data` runs it). See haikus_csv_to_text in train/text.h.
#include <exception>
#include <fstream>
#include <iostream>

#include "train/text.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: csv_to_text IN.csv OUT.txt\n";
    return 2;
  }
  try {
    const std::string text = charnn::haikus_csv_to_text(charnn::read_file(argv[1]));
    const std::string tmp = std::string(argv[2]) + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary);
      out << text;
      if (!out.flush()) throw std::runtime_error(std::string("cannot write ") + tmp);
    }
    if (std::rename(tmp.c_str(), argv[2]) != 0)
      throw std::runtime_error(std::string("cannot write ") + argv[2]);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "csv_to_text: " << e.what() << "\n";
    return 1;
  }
}
