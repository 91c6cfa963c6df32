# mk/log.mk - mail logs (issue 5): jansson for JSON events, zlib for
# gzip, the speed benchmark and the end-to-end test.
#
#   make bench       1 GB Postfix log: bouncediag --summary vs grep -c
#   make check-e2e   real Postfix on loopback (tests/e2e; not in check)

JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS   := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || \
                    echo -ljansson)
ZLIB_CFLAGS    := $(shell $(PKG_CONFIG) --cflags zlib 2>/dev/null)
ZLIB_LIBS      := $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz)

ALL_CFLAGS += $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
LIBS       += $(JANSSON_LIBS) $(ZLIB_LIBS)

check-e2e: $(BIN)
	@BIN=./$(BIN) sh tests/e2e/postfix.sh

.PHONY: check-e2e
