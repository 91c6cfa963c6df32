# mk/valgrind.mk - memcheck suppressions for `make valgrind` (issue 6).
# tests/valgrind.supp holds only false positives outside bouncediag, each
# with its reason; valgrind reads VALGRIND_OPTS from the environment, so
# the Makefile's VALGRIND line needs no change.
export VALGRIND_OPTS := $(strip $(VALGRIND_OPTS) \
	--suppressions=$(CURDIR)/tests/valgrind.supp)
