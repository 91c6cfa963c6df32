#!/usr/bin/env python3
"""provider_texts.py - the labelled set of real bounce texts
(tests/corpus/provider-texts.tsv): read it, derive and verify its split.

  provider_texts.py check     verify every row (columns, cause ids, the
                              split derived from the source, no text in
                              both parts); exit 1 on any problem
  provider_texts.py stats     rows, receivers and sources per part
  provider_texts.py dev [CAUSE|RECEIVER...]
                              the dev rows (all, or those of the causes
                              or receivers named), one per line: the
                              rows rules may be written from

The split rule (tests/corpus/LABELLING.md): a `vendor-doc` or `seen`
source is dev; any other source is test when the first byte of the SHA-1
of its URL is even, dev when it is odd.  Standard library only.
"""
import collections
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TSV = os.environ.get("PROVIDER_TEXTS",
                     os.path.join(ROOT, "tests", "corpus", "provider-texts.tsv"))
COLUMNS = ["text", "cause", "alt", "receiver", "source", "source_kind", "split"]
KINDS = ("vendor-doc", "other", "seen")


def causes():
    """Cause ids defined in rules/00-causes.rules."""
    ids = set()
    with open(os.path.join(ROOT, "rules", "00-causes.rules"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"cause\s+(\S+)", line)
            if m:
                ids.add(m.group(1))
    return ids


def split_of(source, kind):
    """dev or test, from the source alone."""
    if kind in ("vendor-doc", "seen"):
        return "dev"
    return "test" if hashlib.sha1(source.encode("utf-8")).digest()[0] % 2 == 0 else "dev"


def unescape(s):
    """The TSV's \\n, \\t and \\\\ back to characters."""
    return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], s)


def norm(text):
    """A text with its variable parts (addresses, IPs, ids, numbers) and
    case removed: two rows with the same norm are one text."""
    t = text.lower()
    t = re.sub(r"[\w.+-]+@[\w.-]+", "@", t)
    t = re.sub(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", "#ip", t)
    t = re.sub(r"\b[0-9a-f]*:[0-9a-f:]{6,}\b", "#ip", t)
    t = re.sub(r"\b(?=\w*\d)\w{6,}\b", "#id", t)
    t = re.sub(r"\d+", "#", t)
    t = re.sub(r"\s+", " ", t).strip()
    return t


def read(path=TSV):
    """(line number, row dict) per row; raises ValueError on bad shape."""
    with open(path, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        if head != COLUMNS:
            raise ValueError("%s:1: header is %r, want %r" % (path, head, COLUMNS))
        for n, line in enumerate(f, 2):
            if not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != len(COLUMNS):
                raise ValueError("%s:%d: %d columns, want %d" % (path, n, len(cols), len(COLUMNS)))
            yield n, dict(zip(COLUMNS, cols))


def check():
    ids = causes()
    problems = []
    seen = {}
    try:
        rows = list(read())
    except ValueError as e:
        print("provider-texts: %s" % e)
        return 1
    for n, r in rows:
        where = "%s:%d" % (os.path.relpath(TSV, ROOT), n)
        if r["cause"] not in ids:
            problems.append("%s: unknown cause %r" % (where, r["cause"]))
        for a in filter(None, r["alt"].split(",")):
            if a not in ids:
                problems.append("%s: unknown alt %r" % (where, a))
        if r["source_kind"] not in KINDS:
            problems.append("%s: source_kind %r (want %s)" % (where, r["source_kind"], ", ".join(KINDS)))
        if not r["source"].strip() or not r["text"].strip() or not r["receiver"].strip():
            problems.append("%s: empty text, receiver or source" % where)
        want = split_of(r["source"], r["source_kind"])
        if r["split"] != want:
            problems.append("%s: split %r, but the source says %r" % (where, r["split"], want))
        k = norm(unescape(r["text"]))
        if k in seen:
            problems.append("%s: same text as line %d" % (where, seen[k]))
        else:
            seen[k] = n
    for p in problems[:50]:
        print("provider-texts: " + p)
    parts = collections.Counter(r["split"] for _, r in rows)
    receivers = {r["receiver"] for _, r in rows}
    print("provider-texts: %d rows (dev %d, test %d), %d receivers, %d problems"
          % (len(rows), parts["dev"], parts["test"], len(receivers), len(problems)))
    return 1 if problems else 0


def stats():
    rows = [r for _, r in read()]
    for part in ("dev", "test"):
        sub = [r for r in rows if r["split"] == part]
        print("%s: %d rows, %d receivers, %d sources" % (
            part, len(sub), len({r["receiver"] for r in sub}), len({r["source"] for r in sub})))
        for c, k in collections.Counter(r["cause"] for r in sub).most_common():
            print("  %-17s %4d" % (c, k))
    return 0


def dev(names):
    for _, r in read():
        if r["split"] != "dev":
            continue
        if names and r["cause"] not in names and r["receiver"] not in names:
            continue
        print("%s\t%s\t%s\t%s\t%s" % (r["cause"], r["alt"], r["receiver"], r["text"], r["source"]))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "dev":
        sys.exit(dev(sys.argv[2:]))
    cmd = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit({"check": check, "stats": stats}.get(cmd, lambda: sys.exit("usage: provider_texts.py check|stats"))())
