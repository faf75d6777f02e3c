// The text layer: reading files, strict UTF-8, the vocabulary, messages, the haikus corpus.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/catch.hpp"
#include "tests/helpers.h"
#include "train/data.h"
#include "train/text.h"

using namespace charnn;
using charnn::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string what_of_decode(const std::string& bytes) {
  try {
    decode_utf8(bytes, "in.txt");
  } catch (const TextError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("UTF-8 of 1, 2, 3 and 4 bytes decodes and encodes back", "[text]") {
  const std::string bytes = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // A é € 😀
  const std::u32string text = decode_utf8(bytes, "in.txt");
  CHECK(text == std::u32string{U'A', 0xE9, 0x20AC, 0x1F600});
  CHECK(encode_utf8(text) == bytes);
  CHECK(encode_utf8(U'A') == "A");
  CHECK(encode_utf8(char32_t{0xE9}) == "\xC3\xA9");
  CHECK(encode_utf8(char32_t{0x20AC}) == "\xE2\x82\xAC");
  CHECK(encode_utf8(char32_t{0x1F600}) == "\xF0\x9F\x98\x80");
}

TEST_CASE("every valid code point survives encode then decode", "[text]") {
  // Covers each length's boundaries (U+007F/0080, U+07FF/0800, U+FFFF/10000, U+10FFFF).
  std::u32string all;
  for (char32_t c = 0; c <= 0x10FFFF; ++c)
    if (c < 0xD800 || c > 0xDFFF) all += c;
  const std::u32string back = decode_utf8(encode_utf8(all), "all");
  REQUIRE(back.size() == all.size());
  // Compared here, not in CHECK: Catch would print all 1.1 million characters.
  std::size_t first_mismatch = 0;
  while (first_mismatch < all.size() && back[first_mismatch] == all[first_mismatch])
    ++first_mismatch;
  CHECK(first_mismatch == all.size());
}

TEST_CASE("Japanese text decodes to one code point per character", "[text]") {
  const std::string bytes = "古池や 蛙飛び込む 水の音\n";
  const std::u32string text = decode_utf8(bytes, "basho.txt");
  CHECK(text.size() == 14);
  CHECK(text[0] == 0x53E4);  // 古
  CHECK(text.back() == U'\n');
  CHECK(encode_utf8(text) == bytes);
}

TEST_CASE("a byte-order mark at the start is dropped, elsewhere kept", "[text]") {
  CHECK(decode_utf8("\xEF\xBB\xBFhi", "in.txt") == U"hi");
  CHECK(decode_utf8("\xEF\xBB\xBF", "in.txt").empty());
  CHECK(decode_utf8("a\xEF\xBB\xBF", "in.txt") == std::u32string{U'a', 0xFEFF});
  // Error offsets count the mark's three bytes.
  CHECK(what_of_decode("\xEF\xBB\xBF"
                       "ab\x80") == "in.txt: invalid UTF-8 at byte 5 (0x80)");
}

TEST_CASE("empty input decodes and encodes to empty", "[text]") {
  CHECK(decode_utf8("", "in.txt").empty());
  CHECK(encode_utf8(std::u32string()).empty());
}

TEST_CASE("invalid UTF-8 is refused with the offset and byte of the bad sequence", "[text]") {
  // Stray continuation byte.
  CHECK(what_of_decode("x\x80") == "in.txt: invalid UTF-8 at byte 1 (0x80)");
  // Truncated: at the end of the input, and followed by a byte that is not a continuation.
  CHECK(what_of_decode("ab\xC3") == "in.txt: invalid UTF-8 at byte 2 (0xc3)");
  CHECK(what_of_decode("ab\xE2\x82") == "in.txt: invalid UTF-8 at byte 2 (0xe2)");
  CHECK(what_of_decode("\xC3"
                       "A") == "in.txt: invalid UTF-8 at byte 0 (0xc3)");
  CHECK(what_of_decode("\xF0\x9F\x98"
                       "A") == "in.txt: invalid UTF-8 at byte 0 (0xf0)");
  // Overlong forms: '/' in two and three bytes, U+0000 in four.
  CHECK(what_of_decode("\xC0\xAF") == "in.txt: invalid UTF-8 at byte 0 (0xc0)");
  CHECK(what_of_decode("\xC1\xBF") == "in.txt: invalid UTF-8 at byte 0 (0xc1)");
  CHECK(what_of_decode("\xE0\x80\xAF") == "in.txt: invalid UTF-8 at byte 0 (0xe0)");
  CHECK(what_of_decode("\xF0\x80\x80\x80") == "in.txt: invalid UTF-8 at byte 0 (0xf0)");
  // Surrogates and values above U+10FFFF.
  CHECK(what_of_decode("\xED\xA0\x80") == "in.txt: invalid UTF-8 at byte 0 (0xed)");
  CHECK(what_of_decode("\xED\xBF\xBF") == "in.txt: invalid UTF-8 at byte 0 (0xed)");
  CHECK(what_of_decode("\xF4\x90\x80\x80") == "in.txt: invalid UTF-8 at byte 0 (0xf4)");
  // Bytes that never occur in UTF-8.
  CHECK(what_of_decode("\xFF") == "in.txt: invalid UTF-8 at byte 0 (0xff)");
  CHECK(what_of_decode("\xF5\x80\x80\x80") == "in.txt: invalid UTF-8 at byte 0 (0xf5)");
  // The offset counts bytes, not characters: é and € take 5 bytes before the bad one.
  CHECK(what_of_decode("\xC3\xA9\xE2\x82\xAC\xFF") == "in.txt: invalid UTF-8 at byte 5 (0xff)");
  // The largest values of each length are still fine.
  CHECK(decode_utf8("\xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF", "in.txt") ==
        std::u32string{0xD7FF, 0xE000, 0x10FFFF});
}

TEST_CASE("read_file returns the bytes unchanged, an empty file included", "[text]") {
  TempDir dir;
  const std::string bytes("a\r\nb\0c\xFF", 7);
  CHECK(read_file(dir.write("data.bin", bytes)) == bytes);
  CHECK(read_file(dir.write("empty.txt", "")).empty());
}

TEST_CASE("read_file says why a file cannot be read", "[text]") {
  TempDir dir;
  const std::string missing = (dir.path / "missing.txt").string();
  CHECK_THROWS_WITH(read_file(missing), missing + ": no such file");
  CHECK_THROWS_WITH(read_file(dir.path.string()),
                    dir.path.string() + ": is a directory, not a file");

  const std::string locked = dir.write("locked.txt", "secret");
  fs::permissions(locked, fs::perms::none);
  if (std::ifstream(locked)) {
    // Root (or a file system without permissions) reads it anyway: nothing to test here.
    WARN("skipped the unreadable-file check: permissions are not enforced for this user");
  } else {
    CHECK_THROWS_WITH(read_file(locked), locked + ": cannot be read (permission denied)");
  }
  fs::permissions(locked, fs::perms::owner_all);
}

TEST_CASE("the vocabulary is the sorted set of distinct characters", "[text]") {
  const std::u32string text = U"hello, wörld\n";
  const Vocabulary vocab = Vocabulary::from_text(text);
  CHECK(vocab.symbols() ==
        std::vector<char32_t>{U'\n', U' ', U',', U'd', U'e', U'h', U'l', U'o', U'r', U'w', 0xF6});
  CHECK(vocab.size() == 11);
  CHECK(vocab.id(U'\n') == 0);
  CHECK(vocab.id(0xF6) == 10);
  CHECK(vocab.symbol(5) == U'h');
  CHECK(vocab.id(U'z') == -1);
  CHECK(vocab.id(0x4E00) == -1);   // beyond the lookup table
  CHECK(vocab.id(0x1F600) == -1);  // beyond U+FFFF
  CHECK(vocab.id(0x7FFFFFFF) == -1);
  CHECK(vocab.contains(U'w'));
  CHECK_FALSE(vocab.contains(U'W'));

  const std::vector<int> ids = vocab.encode(text, "in.txt");
  CHECK(ids == std::vector<int>{5, 4, 6, 6, 7, 2, 1, 9, 10, 8, 6, 3, 0});
  CHECK(vocab.decode(ids) == text);
  CHECK(Vocabulary::from_text(U"").size() == 0);
}

TEST_CASE("the vocabulary handles characters above U+FFFF", "[text]") {
  const std::u32string text = {0x1F600, U'a', 0x10FFFF, 0x1F600, 0x4E00};
  const Vocabulary vocab = Vocabulary::from_text(text);
  CHECK(vocab.symbols() == std::vector<char32_t>{U'a', 0x4E00, 0x1F600, 0x10FFFF});
  CHECK(vocab.id(0x1F600) == 2);
  CHECK(vocab.id(0x10FFFF) == 3);
  CHECK(vocab.id(0x1F601) == -1);
  CHECK(vocab.decode(vocab.encode(text, "in.txt")) == text);
}

TEST_CASE("an unknown character is reported with its position", "[text]") {
  const Vocabulary vocab = Vocabulary::from_text(U"abc");
  CHECK_THROWS_WITH(vocab.encode(U"abcé", "prime"),
                    "prime: character 'é' (U+00E9) at position 3 is not in the vocabulary");
  CHECK_THROWS_WITH(vocab.encode(U"ab\nc", "prime"),
                    "prime: character newline (U+000A) at position 2 is not in the vocabulary");
  CHECK_THROWS_AS(vocab.decode({0, 3}), TextError);
  CHECK_THROWS_AS(vocab.decode({-1}), TextError);
}

TEST_CASE("a stored vocabulary must be sorted, unique and valid", "[text]") {
  CHECK(Vocabulary(std::vector<char32_t>{U'a', U'b', 0x1F600}).size() == 3);
  CHECK(Vocabulary(std::vector<char32_t>{}).size() == 0);
  CHECK_THROWS_WITH(Vocabulary(std::vector<char32_t>{U'b', U'a'}), "vocabulary: not sorted/unique");
  CHECK_THROWS_WITH(Vocabulary(std::vector<char32_t>{U'a', U'a'}), "vocabulary: not sorted/unique");
  CHECK_THROWS_WITH(Vocabulary(std::vector<char32_t>{U'a', 0xD800}),
                    "vocabulary: U+D800 is not a valid code point");
  CHECK_THROWS_WITH(Vocabulary(std::vector<char32_t>{0x110000}),
                    "vocabulary: U+110000 is not a valid code point");
}

TEST_CASE("ascii_lowercase folds A-Z only", "[text]") {
  CHECK(ascii_lowercase(U"Hello, WORLD") == U"hello, world");
  CHECK(ascii_lowercase(U"ÉCOLE Ω") == U"École Ω");
}

TEST_CASE("describe_char quotes visible characters and names invisible ones", "[text]") {
  CHECK(describe_char(U'a') == "'a' (U+0061)");
  CHECK(describe_char(0xE9) == "'é' (U+00E9)");
  CHECK(describe_char(0x1F600) == "'😀' (U+1F600)");
  CHECK(describe_char(U'\n') == "newline (U+000A)");
  CHECK(describe_char(U' ') == "space (U+0020)");
  CHECK(describe_char(U'\t') == "tab (U+0009)");
  CHECK(describe_char(U'\r') == "carriage return (U+000D)");
  CHECK(describe_char(0x07) == "U+0007");
  CHECK(describe_char(0x7F) == "U+007F");
  CHECK(describe_char(0x200B) == "U+200B");  // zero-width space
  CHECK(describe_char(0xD800) == "U+D800");
  CHECK(describe_char(0x110000) == "U+110000");
}

TEST_CASE("haikus CSV: quoted poems become paragraphs", "[text]") {
  // CRLF between records, LF inside the quotes, a trailing newline inside the field.
  CHECK(haikus_csv_to_text("\"old pond\nfrog\nsplash\n\"\r\n\"two\nlines\n\"\r\n") ==
        "old pond\nfrog\nsplash\n\ntwo\nlines\n");
  // LF between records, no newline at the end of the file, CRLF inside the quotes.
  CHECK(haikus_csv_to_text("\"a\r\nb\"\n\"c\"") == "a\nb\n\nc\n");
  CHECK(haikus_csv_to_text("").empty());
}

TEST_CASE("haikus CSV: quoting rules", "[text]") {
  // "" inside quotes is one quote; commas inside quotes are text.
  CHECK(haikus_csv_to_text("\"she says \"\"go\"\", then\nleaves\"\n") ==
        "she says \"go\", then\nleaves\n");
  // Unquoted fields, one line each.
  CHECK(haikus_csv_to_text("first poem\nsecond poem\r\n") == "first poem\n\nsecond poem\n");
  // Several fields: the first one with text is the poem.
  CHECK(haikus_csv_to_text(",\"the poem\nhere\",42\n\"\",  ,x\n") == "the poem\nhere\n\nx\n");
  // Text after a closing quote is kept.
  CHECK(haikus_csv_to_text("\"a\"b\n") == "ab\n");
}

TEST_CASE("haikus CSV: whitespace and empty records", "[text]") {
  // Trailing spaces go, leading ones stay; blank lines inside a poem and empty records go.
  CHECK(haikus_csv_to_text("\n\r\n\"\"\n\"   \n\"\n\" one  \n\n two\t\n\"\n,\n") == " one\n two\n");
  // A lone CR is a line break.
  CHECK(haikus_csv_to_text("\"a\rb\"\r\"c\"\r") == "a\nb\n\nc\n");
  // A byte-order mark before the first record is not text.
  CHECK(haikus_csv_to_text("\xEF\xBB\xBF\"a\"\n") == "a\n");
}

TEST_CASE("haikus CSV: an unterminated quote names where the field starts", "[text]") {
  CHECK_THROWS_WITH(haikus_csv_to_text("\"a\"\n\"b\nc\n"),
                    "CSV: the quoted field that starts at byte 4 has no closing quote");
  CHECK_THROWS_AS(haikus_csv_to_text("\""), TextError);
  CHECK_THROWS_AS(haikus_csv_to_text("\"a\"\"\n"), TextError);  // "" is a quote, not the end
}

TEST_CASE("haikus CSV: the real corpus", "[text]") {
  // ../shared/data next to the repository, or DATA_MIRROR like the Makefile's data fetch.
  const char* mirror = std::getenv("DATA_MIRROR");
  const std::string path = mirror ? std::string(mirror) + "/haikus.csv"
                                  : testing::repo_path("../shared/data/haikus.csv");
  if (!fs::is_regular_file(path)) {
    WARN("skipped: " << path << " not found");
    return;
  }
  const std::string csv = read_file(path);
  const std::string text = haikus_csv_to_text(csv);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("\n\n\n") == std::string::npos);  // exactly one blank line between poems
  CHECK(text.find(" \n") == std::string::npos);     // no trailing spaces
  REQUIRE(text.size() > 2);
  CHECK(text.front() != '\n');
  CHECK(text.front() != '"');  // the framing quotes are gone
  CHECK(text.back() == '\n');

  std::size_t poems = 1, quotes = 0;
  for (std::size_t k = 0; k + 1 < text.size(); ++k)
    poems += text[k] == '\n' && text[k + 1] == '\n';
  for (char c : text)
    quotes += c == '"';
  CHECK(decode_utf8(text, path).size() == text.size());  // ASCII only

  // The file described in ../shared/data/README.md: 8370 records, one poem each, and 20 quote
  // marks that belong to the poems (written "" in the file).
  if (csv.size() == 462747) {
    CHECK(poems == 8370);
    CHECK(quotes == 20);
  } else {
    WARN("not the known haikus.csv (" << csv.size() << " bytes): counts not checked");
  }
}

TEST_CASE("the batcher: B evenly spaced streams, targets one character on", "[text]") {
  std::vector<int> ids(1001);
  for (int k = 0; k <= 1000; ++k)
    ids[k] = k;  // the id is the position: easy to check
  const charnn::Batcher batcher(ids, 4, 10);
  // 4 segments of (1001 - 1) / 4 = 250 characters, 25 chunks of 10 in each.
  CHECK(batcher.chunks_per_epoch() == 25);
  std::vector<int> x, y;
  for (std::int64_t k : {0, 1, 24, 25, 26}) {
    const charnn::Batch batch = batcher.chunk(k, x, y);
    CHECK(batch.B == 4);
    CHECK(batch.T == 10);
    for (int b = 0; b < 4; ++b)
      for (int t = 0; t < 10; ++t) {
        const int expected = b * 250 + static_cast<int>(k % 25) * 10 + t;
        CHECK(x[t * 4 + b] == expected);
        CHECK(y[t * 4 + b] == expected + 1);
      }
  }
  CHECK_THROWS_WITH(charnn::Batcher(ids, 101, 10),
                    "the training text has 1001 characters, too few for --batch 101 streams of "
                    "--seq-len 10 (it needs at least 1011); use a longer text or smaller values");
}

TEST_CASE("the corpus: vocabulary of the whole file, first 90% train, last 10% validate",
          "[text]") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "charnn_corpus_test.txt").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "\xEF\xBB\xBF";  // a byte-order mark, dropped
    for (int k = 0; k < 100; ++k)
      out << (k < 90 ? 'a' : 'B');
  }
  const charnn::Corpus c =
      charnn::load_corpus(path, 0.1, charnn::TextCodec(charnn::Vocabulary(), false));
  CHECK(c.vocab.size() == 2);  // 'B' only occurs in the validation part, and still has an id
  CHECK(c.train.size() == 90);
  CHECK(c.val.size() == 10);
  CHECK(c.val[0] == c.vocab.id(U'B'));
  const charnn::Corpus lower =
      charnn::load_corpus(path, 0.1, charnn::TextCodec(charnn::Vocabulary(), true));
  CHECK(lower.vocab.size() == 2);
  CHECK(lower.vocab.contains(U'b'));
  CHECK_FALSE(lower.vocab.contains(U'B'));
  std::remove(path.c_str());
}

TEST_CASE("a codec reads CRLF as LF unless it keeps CRLF, and a lone CR stays", "[text]") {
  using charnn::TextCodec;
  using charnn::Vocabulary;
  const TextCodec folding(Vocabulary(), false);
  const TextCodec keeping(Vocabulary(), false, true);
  CHECK(folding.folded(U"a\r\nb\r\n") == U"a\nb\n");
  CHECK(folding.folded(U"a\rb\r\r\n\r") == U"a\rb\r\n\r");  // only the pair folds
  CHECK(keeping.folded(U"a\r\nb\r\n") == U"a\r\nb\r\n");
  CHECK(TextCodec(Vocabulary(), true).folded(U"AB\r\nC") == U"ab\nc");

  // for_each_char folds the same way straight from bytes, the end of the text included.
  for (const std::string& bytes :
       {std::string("x\r\ny\r"), std::string("\r\n\r\n"), std::string("\xEF\xBB\xBFZ\r\r\n")}) {
    for (const TextCodec* codec : {&folding, &keeping}) {
      std::u32string streamed;
      codec->for_each_char(bytes, "t", [&streamed](char32_t c) { streamed.push_back(c); });
      CHECK(streamed == codec->folded(charnn::decode_utf8(bytes, "t")));
    }
  }
  const TextCodec codec(Vocabulary::from_text(U"ab\n"), false);
  CHECK(codec.encode(U"a\r\nb", "--prime") == std::vector<int>{1, 0, 2});
  CHECK_THROWS_WITH(TextCodec(Vocabulary::from_text(U"ab\n"), false, true).encode(U"a\r\n", "p"),
                    "p: character carriage return (U+000D) at position 1 is not in the vocabulary");
}

TEST_CASE("invalid UTF-8 that looks like Latin-1 or Windows-1252 gets a second line on iconv",
          "[text]") {
  const auto path = std::filesystem::temp_directory_path() / "charnn_8bit_test.txt";
  auto error_for = [&path](const std::string& bytes) -> std::string {
    std::ofstream(path, std::ios::binary) << bytes;
    try {
      charnn::read_text_file(path.string());
    } catch (const charnn::TextError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string p = path.string();
  CHECK(error_for("Caf\xe9 cr\xe8me, na\xefve r\xe9sum\xe9\n") ==
        p + ": invalid UTF-8 at byte 3 (0xe9)\n" + p +
            ": this looks like Latin-1 text, not UTF-8; convert it first: iconv -f latin1 -t "
            "utf-8 " +
            p + " > " + p + ".utf8");
  // 0x93 and 0x94 are Windows-1252's curly quotes, control codes in Latin-1.
  CHECK(error_for("He said \x93hello\x94 in caf\xe9s\n") ==
        p + ": invalid UTF-8 at byte 8 (0x93)\n" + p +
            ": this looks like Windows-1252 text, not UTF-8; convert it first: iconv -f "
            "windows-1252 -t utf-8 " +
            p + " > " + p + ".utf8");
  // UTF-8 with one damaged byte: most characters above U+007F are proper multi-byte
  // sequences, so no hint, the one line only.
  CHECK(error_for("caf\xc3\xa9, na\xc3\xafve, one bad \xff here, r\xc3\xa9sum\xc3\xa9\n") ==
        p + ": invalid UTF-8 at byte 23 (0xff)");
  CHECK(error_for("plain ASCII\n") == "no error");
  std::filesystem::remove(path);
}
