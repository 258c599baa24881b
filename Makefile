# pipeformer: one library (lib/), one program per cmd/*.c, bats tests in tests/.
VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man/man1

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -std=c11 -D_DEFAULT_SOURCE -DPIPEFORMER_VERSION='"$(VERSION)"' -Ilib \
            $(shell pkg-config --cflags libpng libzip freetype2 fontconfig)
LDLIBS  += $(shell pkg-config --libs libpng libzip freetype2 fontconfig) -lm

# `make check` builds the same sources with sanitizers into another folder.
BUILD   ?= build
BIN     ?= bin

LIB_SRC  = $(wildcard lib/*.c)
CMD_SRC  = $(wildcard cmd/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
PROGRAMS = $(CMD_SRC:cmd/%.c=$(BIN)/%)
MANPAGES = $(wildcard cmd/*.1)
# C tests of library kernels (fast against reference), run by a bats file of the same concern
UNITS    = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/*.c))

all: $(PROGRAMS)

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/libpipeformer.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: cmd/%.c $(BUILD)/libpipeformer.a $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(BUILD)/libpipeformer.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libpipeformer.a $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(BUILD)/libpipeformer.a $(LDFLAGS) $(LDLIBS)

test: all $(UNITS)
	PF_BIN=$(CURDIR)/$(BIN) PF_UNIT=$(CURDIR)/$(BUILD)/unit bats tests

check:
	$(MAKE) BUILD=build/san BIN=build/san/bin \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		LDFLAGS='-fsanitize=address,undefined' all units
	PF_BIN=$(CURDIR)/build/san/bin PF_UNIT=$(CURDIR)/build/san/unit ASAN_OPTIONS=detect_leaks=1 bats tests

units: $(UNITS)

demo: all
	PATH="$(CURDIR)/$(BIN):$$PATH" sh samples/demo.sh

bench: all
	PATH="$(CURDIR)/$(BIN):$$PATH" sh bench/run.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	cp $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	cp $(MANPAGES) $(DESTDIR)$(MANDIR)/

clean:
	rm -rf build bin out

.PHONY: all units test check demo bench install clean
.SECONDARY: $(LIB_OBJ)

# A libFuzzer run of the stream reader over the committed corpus (clang; not part of CI).
# Leaks are not checked: after an error the harness abandons the reader, as a program that exits does.
FUZZ_SECONDS ?= 60
fuzz:
	@mkdir -p build/fuzz/corpus
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -Wl,--wrap=_exit \
		-o build/fuzz/fuzz_stream tests/fuzz/fuzz_stream.c $(LIB_SRC) $(LDLIBS)
	ASAN_OPTIONS=detect_leaks=0 build/fuzz/fuzz_stream -max_total_time=$(FUZZ_SECONDS) -detect_leaks=0 -rss_limit_mb=1024 \
		-malloc_limit_mb=512 build/fuzz/corpus tests/fuzz/corpus
.PHONY: fuzz
