// ./train_gru FILE [options]: trains the GRU. Everything but the choice of network is the
// shared driver in train/trainer.h, which parses the flags and reports errors through
// run_program (util/program.h).
#include "gru/gru.h"
#include "samples/generate.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  using Net = charnn::Gru<float>;
  charnn::Trainer<Net> trainer("train_gru", charnn::progress_sample<charnn::LanguageModel<Net>>);
  return trainer.main(argc, argv);
}
