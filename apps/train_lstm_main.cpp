// ./train_lstm FILE [options]: trains the LSTM. Everything but the choice of network is the
// shared driver in train/trainer.h.
#include "lstm/lstm.h"
#include "samples/generate.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  using Model = charnn::LanguageModel<charnn::Lstm<float>>;
  charnn::Trainer<charnn::Lstm<float>> trainer(
      "train_lstm", [](Model& model, const charnn::Vocabulary& vocab, charnn::Rng& rng) {
        charnn::SamplerOptions opt;
        opt.temperature = 0.8;
        return charnn::generate(model, vocab, charnn::default_prime(vocab), 200, opt, rng);
      });
  return charnn::finish_stdout("train_lstm", trainer.main(argc, argv));
}
