# Builds the programs at the repository root; `make test` builds and runs the tests.
#
#   make              the programs (./train_lstm, ./train_rnn, ./train_gru, ./sample, ./evaluate,
#                     ./compare, ./kneser_ney, ./inspect, ./gradcheck, ./bench) and shakespeare.txt
#                     (from $DATA_MIRROR, else downloaded)
#   make data         also sonnets.txt, haikus.txt, dracula.txt, nietzsche.txt, speeches.txt
#   make test         builds and runs the Catch2 tests
#   make sanitize     the programs and tests with AddressSanitizer and UBSan (build/sanitize/),
#                     then the tests and ./gradcheck under them
#   make tsan         the programs and tests with ThreadSanitizer (build/tsan/), then the tests
#                     that use threads and a short 2-thread training run with dropout
#   make fuzz         the libFuzzer targets of tests/fuzz/, FUZZ_SECONDS (60) each (needs clang)
#   make mutation-test  breaks backward and forward lines one at a time and checks that
#                     ./gradcheck (backward) or ./gradcheck --textbook (forward) notices
#   make format       clang-format every source file in place
#   make WERROR=1     treat warnings as errors (CI does)
#
# CMakeLists.txt builds the same programs from the same sources.

CXX ?= g++
CXXFLAGS ?= -O3 -march=native
# Floating-point exceptions are never enabled here, so the compiler may treat comparisons as
# free of them: that is what lets GCC turn loops with comparisons into vector code (the
# activations where <experimental/simd> is missing, core/activations.h). It changes no result.
STD := -std=c++17 -fno-trapping-math
WARNINGS := -Wall -Wextra -Wpedantic
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
# Quote includes ("core/gemm.h") are found from the repository root. Only those: -I. would let
# a standard header's #include <compare> find the ./compare program built here.
CPPFLAGS += -iquote .
LDLIBS += -pthread
BUILD := build/make
# Where the programs and the test binary go: the repository root, or build/sanitize/ for
# `make sanitize` (which sets OUT and BUILD for a second, separate build).
OUT :=
RUN_TESTS := tests/run_tests

COMPILE = $(CXX) $(STD) $(CPPFLAGS) $(CXXFLAGS) $(WARNINGS) -MMD -MP

# Every .cpp in these folders is library code; the programs' mains are apps/*_main.cpp.
LIB_SRC := $(filter-out %_main.cpp,$(wildcard core/*.cpp core/fast/*.cpp util/*.cpp rnn/*.cpp \
             lstm/*.cpp gru/*.cpp ngram/*.cpp train/*.cpp gradient_check/*.cpp samples/*.cpp benchmark/*.cpp))
LIB_OBJ := $(LIB_SRC:%.cpp=$(BUILD)/%.o)
PROGRAMS := gradcheck train_rnn train_lstm train_gru sample evaluate compare kneser_ney bench inspect
TEST_SRC := $(wildcard tests/test_*.cpp)
TEST_OBJ := $(TEST_SRC:%.cpp=$(BUILD)/%.o) $(BUILD)/tests/main.o
FORMATTED := $(wildcard core/*.h core/*.cpp core/fast/*.h core/fast/*.cpp util/*.h util/*.cpp \
               rnn/*.h rnn/*.cpp lstm/*.h lstm/*.cpp gru/*.h gru/*.cpp ngram/*.h ngram/*.cpp train/*.h train/*.cpp apps/*.cpp \
               gradient_check/*.h gradient_check/*.cpp samples/*.h samples/*.cpp \
               benchmark/*.h benchmark/*.cpp \
               tests/*.h tests/*.hpp tests/*.cpp tests/fuzz/*.h tests/fuzz/*.cpp)

.PHONY: all test sanitize tsan fuzz mutation-test format format-check clean data corpus-shakespeare
all: $(PROGRAMS) corpus-shakespeare

# The corpora: copied from $(DATA_MIRROR) when it is set, else downloaded; SHA-256 checked.
# A missing corpus is reported with what to do, and the programs are still built.
corpus-shakespeare:
	@sh samples/corpora.sh shakespeare || true

data: corpus-shakespeare $(BUILD)/csv_to_text
	sh samples/corpora.sh sonnets
	sh samples/corpora.sh haikus
	sh samples/corpora.sh dracula
	sh samples/corpora.sh nietzsche
	sh samples/corpora.sh speeches
	$(BUILD)/csv_to_text haikus.csv haikus.txt

$(BUILD)/csv_to_text: $(BUILD)/apps/csv_to_text_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)gradcheck: $(BUILD)/apps/gradcheck_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)train_rnn: $(BUILD)/apps/train_rnn_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)train_lstm: $(BUILD)/apps/train_lstm_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)train_gru: $(BUILD)/apps/train_gru_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)sample: $(BUILD)/apps/sample_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)evaluate: $(BUILD)/apps/evaluate_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)compare: $(BUILD)/apps/compare_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)kneser_ney: $(BUILD)/apps/kneser_ney_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)bench: $(BUILD)/apps/bench_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(OUT)inspect: $(BUILD)/apps/inspect_main.o $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(COMPILE) -c $< -o $@

# Tests read docs/ and sources, and run the programs; they find them through absolute paths.
BIN := $(abspath $(CURDIR)/$(OUT))
$(BUILD)/tests/%.o: CPPFLAGS += -DCHARNN_SOURCE_DIR=\"$(CURDIR)\" -DCHARNN_BIN_DIR=\"$(BIN)\"

# The tests need Catch2; tests/ensure_catch2.sh installs it when it is missing and can be.
$(RUN_TESTS): $(TEST_OBJ) $(LIB_OBJ)
	$(CXX) $(STD) $(CXXFLAGS) $^ -o $@ $(LDFLAGS) $$(sh tests/ensure_catch2.sh --libs) $(LDLIBS)

test:
	@sh tests/ensure_catch2.sh
	@$(MAKE) --no-print-directory tests/run_tests $(PROGRAMS)
	./tests/run_tests


# AddressSanitizer and UndefinedBehaviorSanitizer: every program and the tests built again with
# them (into build/sanitize/), then the tests (which run the sanitized programs) and
# ./gradcheck. Any invalid memory access, leak or undefined behaviour stops the run.
# GCC warns falsely about std::regex internals at -O1 with the sanitizers (-Wmaybe-uninitialized);
# the normal build stays free of that warning with it on.
SANITIZE_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -Wno-maybe-uninitialized \
                  -fno-sanitize-recover=all
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
sanitize:
	@sh tests/ensure_catch2.sh
	@$(MAKE) --no-print-directory OUT=build/sanitize/ BUILD=build/sanitize/obj \
	  RUN_TESTS=build/sanitize/run_tests CXXFLAGS="$(SANITIZE_FLAGS)" \
	  LDFLAGS="$(SANITIZE_FLAGS)" $(addprefix build/sanitize/,$(PROGRAMS)) build/sanitize/run_tests
	$(SANITIZE_ENV) build/sanitize/run_tests
	$(SANITIZE_ENV) build/sanitize/gradcheck
	$(SANITIZE_ENV) build/sanitize/gradcheck --textbook >/dev/null

# ThreadSanitizer: every data race between the worker threads stops the run. The tests that run
# on several threads (the products, the models on 1, 2 and 3 threads, the thread pool), then
# both trainers for a few steps on 2 threads with dropout (whose masks each thread draws).
TSAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:exitcode=66
tsan: corpus-shakespeare
	@sh tests/ensure_catch2.sh
	@$(MAKE) --no-print-directory OUT=build/tsan/ BUILD=build/tsan/obj RUN_TESTS=build/tsan/run_tests \
	  CXXFLAGS="$(TSAN_FLAGS)" LDFLAGS="$(TSAN_FLAGS)" build/tsan/train_lstm build/tsan/train_rnn \
	  build/tsan/run_tests
	$(TSAN_ENV) build/tsan/run_tests "*thread*"
	head -c 50000 shakespeare.txt > build/tsan/small.txt
	$(TSAN_ENV) build/tsan/train_lstm build/tsan/small.txt --hidden 64 --layers 2 --dropout 0.2 \
	  --threads 2 --steps 6 --eval-every 3 --sample-every 3 --checkpoint build/tsan/lstm.ckpt --quiet
	$(TSAN_ENV) build/tsan/train_lstm build/tsan/small.txt --resume build/tsan/lstm.ckpt --steps 8 \
	  --checkpoint build/tsan/lstm.ckpt --quiet
	$(TSAN_ENV) build/tsan/train_rnn build/tsan/small.txt --hidden 64 --dropout 0.2 --threads 2 \
	  --steps 6 --eval-every 3 --checkpoint build/tsan/rnn.ckpt --quiet

# libFuzzer (clang): the UTF-8 decoder, the checkpoint reader and the command-line parser, each
# for FUZZ_SECONDS seconds; tests/fuzz/run.sh builds them into build/fuzz/ and says what to
# install when clang or libFuzzer is missing.
FUZZ_SECONDS := 60
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)

mutation-test: gradcheck
	sh tests/mutation_test.sh

format:
	clang-format -i $(FORMATTED)

format-check:
	clang-format --dry-run --Werror $(FORMATTED)

clean:
	rm -rf build $(PROGRAMS) tests/run_tests

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
