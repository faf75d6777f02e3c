// ./kneser_ney FILE: the interpolated Kneser-Ney character n-gram (ngram/kneser_ney.h) fitted
// on a text's training split and scored on its validation split, on the windows the networks
// are scored on. (The program is not called ./ngram: the folder ngram/ has that name at the top
// level.) See docs/ngram.md.
#pragma once

#include <string>

#include "util/cli.h"

namespace charnn {

struct KneserNeySettings {
  std::string file;
  int order = 0;                         // one order to report; 0: those of `orders`
  std::string orders = "1,2,3,4,5,6,7";  // the orders to report, separated by commas
  int seq_len = 100;                     // T of the validation windows (kneser_ney_flags sets these
  double val_frac = 0.1;                 // three to the trainers' defaults)
  bool lowercase = false;
  bool keep_crlf = false;  // --keep-crlf: "\r\n" stays two characters
};

// The highest order ./kneser_ney fits.
constexpr int kMaxKneserNeyOrder = 16;

// ./kneser_ney's flags, writing into `settings`; those it shares with the trainers come from their
// settings table (train/settings.h), with the same defaults and ranges.
ArgParser kneser_ney_flags(KneserNeySettings& settings);

// Fits one model per requested order and prints each one's validation loss and discounts;
// returns the exit status (0). `parsed` tells which flags were given (--order and --orders
// together are a UsageError). Errors throw.
int kneser_ney_program(const KneserNeySettings& settings, const ArgParser& parsed);

}  // namespace charnn
