# wissel — GNU Make build.
#
#   make            build ./wissel (release: -O2)
#   make test       build with ASan+UBSan, run every test, print "N passed, N failed"
#   make demo       the quickstart: examples/quickstart on this machine's Docker Engine
#                   (make demo-down removes it)
#   make bench      run the benchmarks and print their figures
#   make fuzz       run the fuzz targets for longer (FUZZ_SECONDS, default 300)
#   make clean
#
# Sources are found by wildcard: a new .c file in lib/, manifests/, providers/ or
# orchestrator/ (one level of subfolders) is built without editing this file, and a new
# tests/unit/test_*.c becomes a test program.

CC       ?= cc
CLANG    ?= clang
PKGS     := libcurl yaml-0.1 libgit2 openssl jansson libmicrohttpd
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wformat=2 -Wno-format-truncation -Wno-missing-field-initializers -Wvla
STD      := -std=c17 -D_GNU_SOURCE -I.
REL_FLAGS  := -O2 -g
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)

# pkg-config runs after tools/deps has installed the packages (lazy, evaluated once).
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)) -lm -lpthread)$(PKG_LIBS)
CMOCKA_LIBS = $(eval CMOCKA_LIBS := $(shell pkg-config --libs cmocka))$(CMOCKA_LIBS)

CORE_SRC := $(wildcard lib/*.c manifests/*.c providers/*.c providers/*/*.c \
                       orchestrator/*.c orchestrator/*/*.c)
CORE_SRC := $(filter-out orchestrator/main.c,$(CORE_SRC))
REL_OBJ  := $(CORE_SRC:%.c=build/rel/%.o)
ASAN_OBJ := $(CORE_SRC:%.c=build/asan/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
TEST_HELPERS := $(wildcard tests/unit/helpers/*.c)

.PHONY: all test unit bench fuzz clean deps check-layers demo demo-down
all: wissel

build/deps.stamp: tools/deps
	@mkdir -p build
	@tools/deps test
	@touch $@
deps: build/deps.stamp

build/rel/%.o: %.c | build/deps.stamp
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(REL_FLAGS) $(PKG_CFLAGS) -DWSL_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

build/asan/%.o: %.c | build/deps.stamp
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) -DWSL_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

build/rel/libwissel.a: $(REL_OBJ)
	@rm -f $@
	ar rcs $@ $^
build/asan/libwissel.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

wissel: build/rel/orchestrator/main.o build/rel/libwissel.a
	$(CC) $(REL_FLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/wissel: build/asan/orchestrator/main.o build/asan/libwissel.a
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/tests/%: tests/unit/%.c $(TEST_HELPERS) build/asan/libwissel.a | build/deps.stamp
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) -o $@ $< $(TEST_HELPERS) \
	    build/asan/libwissel.a $(PKG_LIBS) $(CMOCKA_LIBS)

# C programs that integration scripts drive (tests/integration/<name>.c: cmocka, ASan+UBSan),
# built as build/asan/tests/integration/<name>; tests/run does not run them by themselves.
ITEST_SRC := $(wildcard tests/integration/*.c)
ITEST_BIN := $(ITEST_SRC:tests/integration/%.c=build/asan/tests/integration/%)
build/asan/tests/integration/%: tests/integration/%.c $(TEST_HELPERS) build/asan/libwissel.a | build/deps.stamp
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) -o $@ $< $(TEST_HELPERS) \
	    build/asan/libwissel.a $(PKG_LIBS) $(CMOCKA_LIBS)

# --- fuzzing (clang libFuzzer) -------------------------------------------------------
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_SRC := $(wildcard lib/*.c manifests/*.c)
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -Wno-unknown-warning-option
build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC) | build/deps.stamp
	@mkdir -p $(@D)
	$(CLANG) $(STD) $(WARN) $(FUZZ_FLAGS) $(PKG_CFLAGS) -DWSL_VERSION='"fuzz"' -o $@ $^ $(PKG_LIBS)
# The webhook receiver is pure (lib/ and OpenSSL/jansson only): its target links it too.
build/fuzz/fuzz_webhook: orchestrator/server/webhook.c
# DNS messages, TSIG and ownership records (providers/rfc2136) need no network: linked too.
build/fuzz/fuzz_dns: providers/rfc2136/parse.c providers/rfc2136/wire.c \
                     providers/rfc2136/update.c providers/rfc2136/tsig.c providers/rfc2136/owner.c \
                     providers/dnsowner.c

FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	    n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	    s=tests/fuzz/seeds-$${n#fuzz_}; d=; \
	    [ -d $$s ] || { s=tests/fuzz/seeds; d=-dict=tests/fuzz/yaml.dict; }; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=1024 $$d \
	        build/fuzz/corpus-$$n $$s || exit 1; done

# --- the quickstart: examples/quickstart on this machine's Docker Engine --------------
demo: wissel
	@examples/quickstart/demo

demo-down:
	@examples/quickstart/demo down

# --- tests -------------------------------------------------------------------------
unit: $(UNIT_BIN)

test: build/deps.stamp wissel build/asan/wissel $(UNIT_BIN) $(ITEST_BIN) $(FUZZ_BIN)
	@tests/run

check-layers:
	@tests/integration/layers.sh

# Benchmark programs: tests/bench/bench_*.c linked with the release library.
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=build/bench/%)
build/bench/%: tests/bench/%.c build/rel/libwissel.a | build/deps.stamp
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(REL_FLAGS) $(PKG_CFLAGS) -o $@ $< build/rel/libwissel.a $(PKG_LIBS)

bench: wissel $(BENCH_BIN)
	@tests/bench/run

clean:
	rm -rf build wissel

-include $(shell find build -name '*.d' 2>/dev/null)
