#include "samples/kneser_ney_program.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "ngram/kneser_ney.h"
#include "train/data.h"
#include "train/settings.h"
#include "train/text.h"
#include "util/progress.h"

namespace charnn {

namespace {

// "3,5,7" -> {3, 5, 7}; each order in 1..kMaxKneserNeyOrder.
std::vector<int> parse_orders(const std::string& text) {
  std::vector<int> orders;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    int order = 0;
    try {
      order = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || order < 1 || order > kMaxKneserNeyOrder)
      throw UsageError("--orders: expected orders from 1 to " + std::to_string(kMaxKneserNeyOrder) +
                       " separated by commas, got '" + text + "'");
    orders.push_back(order);
  }
  if (orders.empty()) throw UsageError("--orders: expected at least one order");
  return orders;
}

}  // namespace

ArgParser kneser_ney_flags(KneserNeySettings& s) {
  // The trainers' defaults, so that the split and the windows are theirs.
  const TrainSettings trainers;
  s.seq_len = trainers.seq_len;
  s.val_frac = trainers.val_frac;
  s.lowercase = trainers.lowercase;
  s.keep_crlf = trainers.keep_crlf;
  ArgParser a("kneser_ney", "FILE [options]",
              "Fits an interpolated Kneser-Ney character n-gram model on a text's training split\n"
              "and prints its loss on the validation split, in nats and bits per character,\n"
              "for each order asked for (by default orders 1 to 7, one model each), with the\n"
              "discounts D_1 .. D_N it estimated. The text is read as the trainers read it\n"
              "(UTF-8, \\r\\n read as \\n, the vocabulary of the whole text, --lowercase, the "
              "first 1 - val-frac\n"
              "trains), and the loss is measured on the windows their validation uses: T + 1\n"
              "characters that overlap by one (T = --seq-len), each window's history starting\n"
              "empty as each network window starts from a zero state. See docs/ngram.md.");
  a.add_positional("FILE", &s.file, "the text (UTF-8)", true);
  a.add_int("order", &s.order, "report this one order N (0: the orders of --orders)", 0,
            kMaxKneserNeyOrder);
  a.add_string("orders", &s.orders, "the orders to report, separated by commas");
  add_setting_flag(a, "seq-len", &s.seq_len,
                   "T: the validation windows are T + 1 characters, T predictions each");
  add_setting_flag(a, "val-frac", &s.val_frac);
  add_setting_flag(a, "lowercase", &s.lowercase, "fold A-Z to a-z");
  add_setting_flag(a, "keep-crlf", &s.keep_crlf,
                   "keep \\r\\n as two characters (default: read as \\n)");
  return a;
}

int kneser_ney_program(const KneserNeySettings& s, const ArgParser& parsed) {
  if (s.order != 0 && parsed.given("orders"))
    throw UsageError("--order and --orders: give one of them");
  const std::vector<int> orders = s.order != 0 ? std::vector<int>{s.order} : parse_orders(s.orders);

  const Corpus corpus =
      load_corpus(s.file, s.val_frac, TextCodec(Vocabulary(), s.lowercase, s.keep_crlf));
  if (corpus.train.empty())
    throw TextError(s.file + ": the training split has 0 characters; use a longer text or a " +
                    "smaller --val-frac");
  // The trainers' check (train/trainer.h): at least one validation window.
  if (window_count(corpus.val.size(), s.seq_len) < 1)
    throw TextError(s.file + ": the validation split has " + std::to_string(corpus.val.size()) +
                    " characters, fewer than one window of --seq-len + 1 = " +
                    std::to_string(s.seq_len + 1) + "; use a longer text or a larger --val-frac");
  const int V = corpus.vocab.size();
  const std::int64_t windows = window_count(corpus.val.size(), s.seq_len);
  std::cout << s.file << ": " << format_count(static_cast<double>(corpus.train.size()))
            << " training and " << format_count(static_cast<double>(corpus.val.size()))
            << " validation characters, vocabulary " << V << "\n"
            << "validation: " << format_count(static_cast<double>(windows))
            << (windows == 1 ? " window of " : " windows of ") << s.seq_len + 1 << " characters ("
            << format_count(static_cast<double>(windows) * static_cast<double>(s.seq_len))
            << " predictions), each window's history starting empty\n"
            << "order  nats/char  bits/char  discounts D_1 .. D_N\n";
  for (int N : orders) {
    double loss = 0;
    std::vector<double> D;
    try {
      KneserNey model(N, V);
      model.fit(corpus.train);
      loss = ngram_window_loss(model, corpus.val, s.seq_len);
      D = model.discounts();
    } catch (const std::bad_alloc&) {
      throw std::runtime_error("out of memory at order " + std::to_string(N) +
                               "; use a smaller --order or a shorter text");
    }
    char line[64];
    std::snprintf(line, sizeof line, "%5d  %9.4f  %9.4f ", N, loss, loss / std::log(2.0));
    std::cout << line;
    for (double d : D)
      std::cout << " " << format_fixed(d, 3);
    std::cout << std::endl;  // one line per order as it is done
  }
  return 0;
}

}  // namespace charnn
