#!/bin/sh
# make eval: accuracy on ../shared/corpus (skips cleanly when absent).
cd "$(dirname "$0")/.." || exit 1
if ! command -v python3 >/dev/null 2>&1; then
	echo "eval: needs python3 (apt-get install python3)" >&2
	exit 1
fi
exec python3 scripts/eval.py "$@"
