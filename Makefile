# bouncediag - Makefile.  Plain GNU make; see README.md for the targets.

VERSION   = 0.1.0
SOVERSION = 0

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
RULESDIR ?= $(DATADIR)/bouncediag/rules

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
LIB_OBJ  = $(LIB_SRC:.c=.o)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:.c=)

all: bouncediag

src/%.o: src/%.c $(wildcard src/*.h) include/bouncediag.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

libbouncediag.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

bouncediag: src/main.o libbouncediag.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ src/main.o libbouncediag.a $(LIBS)

tests/unit/test_%: tests/unit/test_%.c libbouncediag.a $(wildcard tests/unit/*.h)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -DUNIT_TESTING $(LDFLAGS) \
	    -o $@ $< libbouncediag.a $(LIBS) $(CMOCKA_LIBS)

# The bundled sample: what README's first command shows.
run: bouncediag
	./bouncediag tests/samples/seed.txt

check: bouncediag $(UNIT_BIN)
	@sh tests/run.sh $(UNIT_BIN)

regen: bouncediag
	@sh tests/cli/regen.sh

clean:
	rm -f src/*.o bouncediag libbouncediag.a $(UNIT_BIN)

.PHONY: all run check regen clean
