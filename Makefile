# bouncediag - Makefile.  Plain GNU make; see README.md for the targets.
#
#   make            build ./bouncediag (installs missing build deps first)
#   make run        diagnose the bundled sample bounce
#   make check      build and run every test
#   make asan       the test suite under AddressSanitizer + UBSan
#   make ubsan      the test suite under UBSan alone
#   make valgrind   the test suite under valgrind memcheck
#   make eval       accuracy on ../shared/corpus (skips when absent)
#   make bench      speed benchmarks
#   make clean

VERSION   = 0.1.0

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
RULESDIR ?= $(DATADIR)/bouncediag/rules

# Objects of a variant build (asan, ubsan) go under B; the default build
# puts ./bouncediag at the top of the tree.
B       ?= build/default
BIN     ?= bouncediag

CC      ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
           -Wwrite-strings -Wpointer-arith -Wformat=2
PCRE_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpcre2-8 2>/dev/null)
PCRE_LIBS   := $(shell $(PKG_CONFIG) --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
             -Iinclude -Isrc $(PCRE_CFLAGS) $(WARN) $(CFLAGS) \
             -DBD_RULES_DIR='"$(RULESDIR)"'
LIBS     = $(PCRE_LIBS)

LIB_SRC  = $(filter-out src/main.c,$(sort $(wildcard src/*.c)))
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/%.o)
HDRS     = $(wildcard src/*.h) include/bouncediag.h
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:%.c=$(B)/%)
SAN      = -O1 -g -fno-omit-frame-pointer

.DEFAULT_GOAL := all

# Feature fragments (fuzzing, logs, install, ...) keep their own targets.
# They may add to LIBS, CHECK_DEPS (built before `make check`) and
# CLEAN_FILES.
CHECK_DEPS =
CLEAN_FILES =
-include $(sort $(wildcard mk/*.mk))

all: $(BIN)

# Install missing build dependencies (apt-get) or say what to install.
$(B)/.deps:
	@sh scripts/install-deps.sh
	@mkdir -p $(B) && touch $@

$(B)/src/%.o: src/%.c $(HDRS) | $(B)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libbouncediag.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BIN): $(B)/src/main.o $(B)/libbouncediag.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(B)/src/main.o \
	    $(B)/libbouncediag.a $(LIBS)

$(B)/tests/unit/test_%: tests/unit/test_%.c $(B)/libbouncediag.a \
    $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) \
	    -o $@ $< $(B)/libbouncediag.a $(LIBS) $(CMOCKA_LIBS)

run: $(BIN)
	./$(BIN) tests/samples/seed.txt

check: $(BIN) $(UNIT_BIN) $(CHECK_DEPS)
	@BIN=./$(BIN) B=$(B) sh tests/run.sh $(UNIT_BIN)

asan:
	$(MAKE) B=build/asan BIN=build/asan/bouncediag \
	    CFLAGS="$(SAN) -fsanitize=address,undefined -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check

ubsan:
	$(MAKE) B=build/ubsan BIN=build/ubsan/bouncediag \
	    CFLAGS="$(SAN) -fsanitize=undefined -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=undefined" check

valgrind: $(BIN) $(UNIT_BIN) $(CHECK_DEPS)
	@BIN=./$(BIN) B=$(B) VALGRIND="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
	    sh tests/run.sh $(UNIT_BIN)

eval: $(BIN)
	@sh scripts/eval.sh

bench: $(BIN)
	@echo "== one-shot paste (scripts/bench-paste.sh)"
	@BIN=./$(BIN) sh scripts/bench-paste.sh
	@echo "== bounce emails beside Sisimai (scripts/bench-eml.sh)"
	@BIN=./$(BIN) sh scripts/bench-eml.sh
	@echo "== a 1 GB Postfix log beside grep (scripts/bench.sh)"
	@BIN=./$(BIN) sh scripts/bench.sh

regen: $(BIN)
	@BIN=./$(BIN) sh tests/cli/regen.sh

clean:
	rm -rf build $(BIN) $(CLEAN_FILES)

.PHONY: all run check asan ubsan valgrind eval bench regen clean
