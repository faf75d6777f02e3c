// ./train_rnn FILE [options]: trains the vanilla RNN. Everything but the choice of network is the
// shared driver in train/trainer.h.
#include "rnn/rnn.h"
#include "samples/generate.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  using Model = charnn::LanguageModel<charnn::Rnn<float>>;
  charnn::Trainer<charnn::Rnn<float>> trainer(
      "train_rnn", [](Model& model, const charnn::Vocabulary& vocab, charnn::Rng& rng) {
        charnn::SamplerOptions opt;
        opt.temperature = 0.8;
        return charnn::generate(model, vocab, charnn::default_prime(vocab), 200, opt, rng);
      });
  return charnn::finish_stdout("train_rnn", trainer.main(argc, argv));
}
