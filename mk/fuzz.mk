# mk/fuzz.mk - fuzzing and hostile input (issue 6; STYLE 18).  Included
# by the Makefile.
#
#   make fuzz            build the libFuzzer harnesses (clang,
#                        -fsanitize=fuzzer,address,undefined) into
#                        build/fuzz and run each for FUZZ_SECONDS (default
#                        60), FUZZ_JOBS (default 2) at a time.  New inputs
#                        go to build/fuzz/corpus/HARNESS (seeds stay
#                        clean); crashes to build/fuzz/artifacts/HARNESS.
#   make fuzz-build      only build them
#   make fuzz-replay     build the harnesses without libFuzzer (normal CC,
#                        $(B)) and replay fuzz/seeds + fuzz/crashes; part
#                        of `make check` through tests/check.d/fuzz-replay.sh
#   make pathological    the pathological-input suite with a time and
#                        memory report per case (docs/robustness.md)
#
# A crash found: minimise it (build/fuzz/HARNESS -minimize_crash=1
# -runs=100000 CRASH), copy it to fuzz/crashes/HARNESS/, fix, and
# `make check` replays it from then on.

FUZZ_HARNESSES = reply message log rules diagnose
FUZZ_SECONDS  ?= 60
FUZZ_JOBS     ?= 2
FUZZ_CC       ?= clang
FUZZ_B         = build/fuzz
# Per-harness -max_len: a reply or log line is short; a message needs
# room for MIME structure.  -timeout catches hangs (seconds per input).
FUZZ_MAXLEN_reply    = 4096
FUZZ_MAXLEN_log      = 4096
FUZZ_MAXLEN_rules    = 16384
FUZZ_MAXLEN_message  = 65536
FUZZ_MAXLEN_diagnose = 65536
FUZZ_FLAGS    ?= -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_SAN       = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_DEFS      = -DBD_FUZZ_RULES_DIR='"$(CURDIR)/rules"'
FUZZ_HDRS      = fuzz/fuzz.h $(HDRS)

# The replay build: same compiler and flags as the tree it checks.
FUZZ_REPLAY = $(FUZZ_HARNESSES:%=$(B)/fuzz/fuzz_%)
CHECK_DEPS  += $(FUZZ_REPLAY)

$(B)/fuzz/standalone.o: fuzz/standalone.c $(FUZZ_HDRS) | $(B)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(FUZZ_DEFS) -c -o $@ $<

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c $(B)/fuzz/standalone.o \
    $(B)/libbouncediag.a $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(FUZZ_DEFS) $(LDFLAGS) -o $@ $< \
	    $(B)/fuzz/standalone.o $(B)/libbouncediag.a $(LIBS)

fuzz-replay: $(FUZZ_REPLAY)
	@B=$(B) sh tests/check.d/fuzz-replay.sh

# The libFuzzer build: the library under ASan+UBSan with coverage
# (fuzzer-no-link), then each harness linked with libFuzzer's main().
fuzz-build:
	$(MAKE) B=$(FUZZ_B) CC=$(FUZZ_CC) \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	    $(FUZZ_B)/libbouncediag.a
	@for h in $(FUZZ_HARNESSES); do \
	    echo "$(FUZZ_CC) ... -o $(FUZZ_B)/fuzz_$$h"; \
	    $(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_DEFS) -O1 -g \
	        -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer \
	        -o $(FUZZ_B)/fuzz_$$h fuzz/fuzz_$$h.c \
	        $(FUZZ_B)/libbouncediag.a $(LIBS) || exit 1; \
	done

# One run per harness: a private corpus dir seeded from fuzz/seeds, the
# log and final stats in build/fuzz/HARNESS.log.
fuzz-run-%:
	@mkdir -p $(FUZZ_B)/corpus/$* $(FUZZ_B)/artifacts/$*
	@echo "fuzz: $* for $(FUZZ_SECONDS) s"
	@$(FUZZ_B)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$(FUZZ_MAXLEN_$*) -dict=fuzz/dict $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FUZZ_B)/artifacts/$*/ \
	    $(FUZZ_B)/corpus/$* fuzz/seeds/$* >$(FUZZ_B)/$*.log 2>&1; \
	rc=$$?; grep -E '^(#[0-9]+[[:space:]]+DONE|stat::)' $(FUZZ_B)/$*.log | \
	    sed "s/^/fuzz: $*: /"; \
	if [ $$rc -ne 0 ]; then tail -40 $(FUZZ_B)/$*.log; \
	    echo "fuzz: $*: FAILED, see $(FUZZ_B)/$*.log"; exit 1; fi

fuzz: fuzz-build
	@$(MAKE) -k -j$(FUZZ_JOBS) $(FUZZ_HARNESSES:%=fuzz-run-%)

.PHONY: fuzz fuzz-build fuzz-replay

# The pathological-input suite alone, at the sizes issue 6 names, with
# time and peak memory per case (/usr/bin/time -v): the numbers of
# docs/robustness.md.  `make check` runs the same suite (same sizes;
# smaller under valgrind and the sanitizers, see the script).
pathological: $(BIN)
	@BIN=./$(BIN) BD_PATHO_REPORT=1 BD_PATHO_SCALE=1 \
	    sh tests/check.d/pathological.sh

.PHONY: pathological
