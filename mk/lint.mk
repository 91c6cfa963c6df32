# mk/lint.mk - static analysis (issue 6).  Included by the Makefile.
#
#   make lint       cppcheck, then clang-tidy (checks in .clang-tidy),
#                   over the library and the CLI in src/; fails on any
#                   finding.  Suppressions live in .clang-tidy and below,
#                   each with its reason; fix the code rather than add one.

CPPCHECK   ?= cppcheck
CLANG_TIDY ?= clang-tidy
LINT_SRC    = $(sort $(wildcard src/*.c))
# cppcheck: the bug-finding classes (style is left to review and the
# compiler's -W list).  --library=posix knows the POSIX calls we use.
#   missingIncludeSystem  cppcheck does not need the system headers
#   unmatchedSuppression  keep the list stable as code moves
#   variableScope         style(9) declares locals at the top of a
#                         function, on purpose
#   redundantContinue     style(9) writes an empty loop body as
#                         `continue;`
#   readdirCalled         readdir_r(3) is deprecated (glibc 2.24); POSIX
#                         readdir(3) is safe on a DIR* used by one thread
CPPCHECK_FLAGS = --quiet --std=c11 --library=posix --inline-suppr \
	--enable=warning,style,performance,portability \
	--suppress=missingIncludeSystem --suppress=unmatchedSuppression \
	--suppress=variableScope --suppress=redundantContinue \
	--suppress=readdirCalled \
	--error-exitcode=1 -D__GNUC__ -D_POSIX_C_SOURCE=200809L \
	-D_DEFAULT_SOURCE -Iinclude -Isrc
# clang-tidy sees what the compiler sees.
TIDY_CFLAGS = $(filter-out -W%,$(ALL_CFLAGS))

# Both tools always run, so one pass shows every finding.
lint:
	@rc=0; \
	echo "cppcheck src/"; \
	$(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_SRC) || rc=1; \
	echo "clang-tidy src/"; \
	$(CLANG_TIDY) --quiet $(LINT_SRC) -- $(TIDY_CFLAGS) || rc=1; \
	exit $$rc

.PHONY: lint
