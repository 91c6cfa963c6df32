#!/usr/bin/env python3
"""tests/e2e/assert-json.py - check bouncediag's JSON Lines output.

usage: assert-json.py LABEL FILE COUNT RECIPIENT CAUSE ENHANCED

Asserts that FILE holds exactly COUNT JSON objects, one per line, and that
each names RECIPIENT with cause CAUSE and enhanced code ENHANCED. Prints
got/want for every mismatch and exits 1 if there is any.
"""
import json
import sys


def main():
    if len(sys.argv) != 7:
        sys.stderr.write(__doc__)
        return 2
    label, path, count, rcpt, cause, enhanced = sys.argv[1:]
    errors = []
    records = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError as e:
                errors.append("line %d: not JSON (%s): %r" % (n, e, line[:200]))
    if len(records) != int(count):
        errors.append("records: got %d, want %s" % (len(records), count))
    want = {"recipient": rcpt, "cause": cause, "enhanced": enhanced}
    for i, r in enumerate(records, 1):
        for key, value in want.items():
            got = r.get(key)
            if isinstance(got, str) and key == "recipient":
                got = got.lower()
            if got != value:
                errors.append("record %d (%s): %s: got %r, want %r"
                              % (i, r.get("source"), key, r.get(key), value))
    for e in errors:
        print("e2e: %s: FAIL: %s" % (label, e))
    if errors:
        return 1
    for r in records:
        print("e2e: %s: ok: source=%s recipient=%s cause=%s enhanced=%s "
              "rule=%s confidence=%s" % (label, r.get("source"), r.get("recipient"),
                                         r.get("cause"), r.get("enhanced"),
                                         r.get("rule"), r.get("confidence")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
