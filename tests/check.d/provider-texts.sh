#!/bin/sh
# tests/check.d/provider-texts.sh - the labelled set of real bounce texts
# (tests/corpus/provider-texts.tsv) is well formed: every row has its
# columns, a known cause, a source, and the split its source dictates
# (tests/corpus/LABELLING.md); no text appears twice.  How well the tool
# does on it is `make eval`'s business, not a pass/fail test.
set -u
cd "$(dirname "$0")/../.." || exit 1
if ! command -v python3 >/dev/null 2>&1; then
	echo "provider-texts.sh: python3 not installed: not checked"
	exit 0
fi
python3 scripts/provider_texts.py check
