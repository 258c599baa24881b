# SPDX-License-Identifier: MIT
# pipeformer: one library (lib/), one program per cmd/*.c, bats tests in tests/.
VERSION  = 0.1.0
PREFIX  ?= /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man/man1
DOCDIR   = $(PREFIX)/share/doc/pipeformer
COMPDIR  = $(PREFIX)/share/bash-completion/completions
# zsh looks in vendor-completions for the system's packages, in site-functions for the local ones
ZSHDIR   = $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)

CC      ?= cc
CFLAGS  ?= -O2 -g
# No fused multiply-add unless a kernel asks for fmaf: every build and path rounds alike (also with CFLAGS=...).
override CFLAGS += -ffp-contract=off
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -std=c11 -D_DEFAULT_SOURCE -DPIPEFORMER_VERSION='"$(VERSION)"' -Ilib \
            $(shell pkg-config --cflags libpng libzip freetype2 fontconfig sndfile fftw3)
LDLIBS  += $(shell pkg-config --libs libpng libzip freetype2 fontconfig sndfile fftw3) -lm
# The BLAS and the font backend that --version names, read off the libraries the programs link.
BLAS_NAME  = $(or $(patsubst -l%,%,$(firstword $(filter -lopenblas -lblis -lcblas -lblas -lmkl_rt,$(LDLIBS)))),none)
FONTS_NAME = $(if $(filter -lfreetype,$(LDLIBS)),FreeType$(if $(filter -lfontconfig,$(LDLIBS)), and fontconfig),none (the built-in bitmap font))
CPPFLAGS += -DPIPEFORMER_BLAS='"$(BLAS_NAME)"' -DPIPEFORMER_FONTS='"$(FONTS_NAME)"'

# Matrix products: BLAS=openblas (the default) calls OpenBLAS's cblas_sgemm; BLAS=NAME uses any other
# CBLAS that pkg-config knows by NAME (blis, cblas, mkl-sdl...); BLAS=none keeps the plain C kernels.
BLAS    ?= openblas
ifneq ($(BLAS),none)
CPPFLAGS += -DPF_BLAS $(if $(filter openblas,$(BLAS)),-DPF_OPENBLAS) $(shell pkg-config --cflags $(BLAS))
LDLIBS  += $(shell pkg-config --libs $(BLAS))
endif

# Threads: OpenMP (make OPENMP= builds without; the programs then use one core beside the BLAS's threads).
OPENMP  ?= -fopenmp

# `make check` builds the same sources with sanitizers into another folder.
BUILD   ?= build
BIN     ?= bin

LIB_SRC  = $(wildcard lib/*.c)
CMD_SRC  = $(wildcard cmd/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
PROGRAMS = $(CMD_SRC:cmd/%.c=$(BIN)/%)
MANPAGES = $(wildcard cmd/*.1)
# Bash completion, generated from every program's --help (tools/completion.sh): one script, named after each program
COMPLETION = $(BUILD)/completion/pipeformer
ZSH_COMPLETION = $(BUILD)/completion/_pipeformer
# What install puts in DOCDIR: the README, the documentation and the samples (run with sh from a copy)
DOCFILES = README.md $(sort $(shell find docs samples -type f ! -name '.*'))
# C tests of library kernels (fast against reference), run by a bats file of the same concern
UNITS    = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/*.c))

all: $(PROGRAMS) $(COMPLETION) $(ZSH_COMPLETION)

# Everything is rebuilt when the compiler, its flags or the BLAS change (make BLAS=none after make).
FLAGS_STAMP = $(BUILD)/flags
BUILD_FLAGS := $(CC) $(CPPFLAGS) $(CFLAGS) $(OPENMP) $(LDFLAGS) $(LDLIBS)
ifneq ($(BUILD_FLAGS),$(file <$(FLAGS_STAMP)))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_STAMP),$(BUILD_FLAGS))
endif

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPENMP) $(WARN) -c -o $@ $<

$(BUILD)/libpipeformer.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: cmd/%.c $(BUILD)/libpipeformer.a $(wildcard lib/*.h) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPENMP) $(WARN) -o $@ $< $(BUILD)/libpipeformer.a $(LDFLAGS) $(OPENMP) $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libpipeformer.a $(wildcard lib/*.h) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPENMP) $(WARN) -o $@ $< $(BUILD)/libpipeformer.a $(LDFLAGS) $(OPENMP) $(LDLIBS)

test: all $(UNITS)
	PF_BIN=$(CURDIR)/$(BIN) PF_UNIT=$(CURDIR)/$(BUILD)/unit bats tests

check:
	$(MAKE) BUILD=build/san BIN=build/san/bin \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		LDFLAGS='-fsanitize=address,undefined' all units
	PF_BIN=$(CURDIR)/build/san/bin PF_UNIT=$(CURDIR)/build/san/unit ASAN_OPTIONS=detect_leaks=1 bats tests

units: $(UNITS)

# Every float32 bit pattern through lib/floatfmt against the snprintf + strtof reference (about an hour of
# one core; not part of make test, which checks a few million).
# An .npz entry over 4 GiB read whole (8 GiB of memory, about a minute; not part of `make test`).
test-large: all
	sh tests/large.sh

exhaustive: $(BUILD)/unit/floatfmt_test
	$(BUILD)/unit/floatfmt_test --exhaustive

# Every command on every page runs in make test (tests/docs.bats); make docs writes their real outputs back
# into the pages where they differ (tools/doccheck, docs/README.md), and the index of every error message
# into docs/errors.md (tools/errors-index).
DOC_PAGES = README.md $(wildcard docs/*.md docs/course/*.md) $(MANPAGES)
docs: all
	tools/doccheck --update --bin $(BIN) $(DOC_PAGES)
	tools/errors-index

demo: all
	PATH="$(CURDIR)/$(BIN):$$PATH" sh samples/demo.sh

bench: all $(BUILD)/bench/gemm
	BIN=$(BIN) GEMM=$(BUILD)/bench/gemm sh bench/run.sh

$(BUILD)/bench/%: bench/%.c $(BUILD)/libpipeformer.a $(wildcard lib/*.h) $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPENMP) $(WARN) -o $@ $< $(BUILD)/libpipeformer.a $(LDFLAGS) $(OPENMP) $(LDLIBS)

$(COMPLETION): tools/completion.sh $(PROGRAMS)
	@mkdir -p $(@D)
	tools/completion.sh $(PROGRAMS) > $@.tmp
	mv $@.tmp $@

$(ZSH_COMPLETION): tools/completion.sh $(PROGRAMS)
	@mkdir -p $(@D)
	tools/completion.sh --zsh $(PROGRAMS) > $@.tmp
	mv $@.tmp $@

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR) $(DESTDIR)$(ZSHDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/
	install -m 644 $(COMPLETION) $(DESTDIR)$(COMPDIR)/pipeformer
	for p in $(notdir $(PROGRAMS)); do ln -sf pipeformer $(DESTDIR)$(COMPDIR)/$$p || exit 1; done
	install -m 644 $(ZSH_COMPLETION) $(DESTDIR)$(ZSHDIR)/_pipeformer
	for f in $(DOCFILES); do install -D -m 644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done

# Removes what install put, and DOCDIR's folders once empty; other files in those folders stay.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,$(notdir $(MANPAGES)))
	rm -f $(DESTDIR)$(COMPDIR)/pipeformer $(addprefix $(DESTDIR)$(COMPDIR)/,$(notdir $(PROGRAMS)))
	rm -f $(DESTDIR)$(ZSHDIR)/_pipeformer
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(DOCFILES))
	if [ -d $(DESTDIR)$(DOCDIR) ]; then find $(DESTDIR)$(DOCDIR) -depth -type d -empty -delete; fi

# A Debian package, pipeformer_VERSION-1_ARCH.deb, of a build with Debian's hardening flags in build/deb:
# `apt-get install ./pipeformer_*.deb` gives the toolkit on a machine without a compiler (tools/deb.sh).
DEB_BUILDFLAGS = DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get
DEB_FLAGS = BUILD=build/deb BIN=build/deb/bin CFLAGS="$$($(DEB_BUILDFLAGS) CFLAGS) $$($(DEB_BUILDFLAGS) CPPFLAGS)" \
	LDFLAGS="$$($(DEB_BUILDFLAGS) LDFLAGS)"
deb:
	$(MAKE) $(DEB_FLAGS) all
	rm -rf build/deb/debian
	$(MAKE) $(DEB_FLAGS) -o all DESTDIR=$(CURDIR)/build/deb/debian/pipeformer PREFIX=/usr install
	tools/deb.sh build/deb $(VERSION) .

clean:
	rm -rf build bin out pipeformer_*.deb

.PHONY: all units test check docs demo bench install uninstall deb clean exhaustive test-large
.SECONDARY: $(LIB_OBJ)

# libFuzzer runs (clang; not part of CI) of the stream reader, the .npz reader, vocabularies and
# tokenising, and option parsing, FUZZ_SECONDS each over the committed corpus of each
# (tests/fuzz/corpus/NAME, new finds in build/fuzz/corpus/NAME). tests/fuzz/harness.h says why the wraps.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = stream npz vocab options
FUZZ_WRAP    = -Wl,--wrap=_exit,--wrap=exit,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
FUZZ_WRAP_NPZ = -Wl,--wrap=zip_open,--wrap=zip_fopen_index,--wrap=zip_fclose,--wrap=fopencookie,--wrap=fclose
FUZZ_FLAGS  ?=
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$t tests/fuzz/corpus/$$t; \
		extra=; [ $$t != npz ] || extra="$(FUZZ_WRAP_NPZ)"; \
		clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined $(FUZZ_WRAP) $$extra \
			-o build/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c $(LIB_SRC) $(LDLIBS); \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -malloc_limit_mb=512 \
			-close_fd_mask=3 -print_final_stats=1 $(FUZZ_FLAGS) build/fuzz/corpus/$$t tests/fuzz/corpus/$$t; \
	done
.PHONY: fuzz

# Mutation testing (minutes; not part of `make test`): each one-line break of lib/ listed in
# tests/mutants.txt is built in a copy of the tree and run against the suite; fails if one survives.
# MUTANT=PATTERN runs only the mutants whose title matches.
mutants:
	bash tests/mutants.sh "$(MUTANT)"
.PHONY: mutants
