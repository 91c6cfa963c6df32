#!/usr/bin/env python3
"""eval.py - measure bouncediag on the labelled Sisimai corpus.

Runs ./bouncediag once over every email of ../shared/corpus (or
$BD_CORPUS), then reports:

  * coverage: every email in sisimai/maildir/{bsd,dos,mac} yields at least
    one record (a diagnosis or a not-bounce record); none silently skipped;
  * enhanced status agreement with sisimai-expected.tsv (rows whose
    status_is_pseudo is 0);
  * cause agreement with the `our_cause` column, overall and per cause,
    exact-mapped and approx-mapped rows apart, with a confusion table and
    the disagreements; rows listed in tests/corpus/exceptions.tsv (where
    Sisimai's label is wrong for our taxonomy) count with the cause we
    argue for there;
  * rows left `unknown` although the email states a registered code.

Exits 0; prints "eval: skipped" when the corpus is absent.  Standard
library only.
"""
import collections
import concurrent.futures
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provider_texts  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("BD_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
BIN = os.environ.get("BIN", os.path.join(ROOT, "bouncediag"))
EXCEPTIONS = os.path.join(ROOT, "tests", "corpus", "exceptions.tsv")
VERBOSE = "-v" in sys.argv
SHOW_TEST = "--show-test" in sys.argv


def read_tsv(path):
    """Rows of a TSV file as dicts; '#' lines (before the header too) are
    comments."""
    with open(path, encoding="utf-8") as f:
        line = f.readline()
        while line.startswith("#"):
            line = f.readline()
        head = line.rstrip("\n").split("\t")
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield dict(zip(head, line.rstrip("\n").split("\t")))


def run(files):
    """One process over every file; JSON Lines grouped by source."""
    out = collections.defaultdict(list)
    chunk = 400
    for i in range(0, len(files), chunk):
        p = subprocess.run([BIN, "--format", "json", "--"] + files[i:i + chunk],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode not in (0, 3):
            sys.exit("eval: bouncediag failed (%d): %s" % (p.returncode, p.stderr.decode()[:500]))
        for line in p.stdout.decode("utf-8").splitlines():
            d = json.loads(line)
            out[d["source"].split("#")[0]].append(d)
    return out


def sisimai(files):
    """Debian's Sisimai over the same files: {(path, n): reason}, or None."""
    try:
        p = subprocess.run(["perl", os.path.join(ROOT, "scripts", "sisimai-reasons.pl")] + files,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    if p.returncode != 0:
        return None
    out = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        f, n, reason = line.split("\t")
        out[(f, int(n))] = reason
    return out


def sisimai_version():
    p = subprocess.run(["perl", "-MSisimai", "-e", "print $Sisimai::VERSION"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout.decode().strip() or "?"


def pct(a, b):
    return "%.1f%%" % (100.0 * a / b) if b else "n/a"


def paste(text):
    """bouncediag -e TEXT with the shipped rules: its first record."""
    p = subprocess.run([BIN, "--rules", os.path.join(ROOT, "rules"), "--format", "json",
                        "-e", text], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    return json.loads(lines[0]) if lines else None


def provider_report():
    """Cause agreement, answers at high confidence and their precision on
    tests/corpus/provider-texts.tsv, per part.  Only the dev part's
    disagreements are listed: no rule is written from the test part."""
    rows = [r for _, r in provider_texts.read()]
    texts = [provider_texts.unescape(r["text"]) for r in rows]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        got = list(ex.map(paste, texts))
    print("provider texts (tests/corpus/provider-texts.tsv, %d real texts, %d receivers):"
          % (len(rows), len({r["receiver"] for r in rows})))
    print("  %-5s %5s %8s %10s %10s %9s %9s" % ("part", "rows", "agree", "agree+alt",
                                               "at high", "prec.high", "no output"))
    for part in ("test", "dev"):
        idx = [i for i, r in enumerate(rows) if r["split"] == part]
        n = len(idx)
        if n == 0:
            continue
        ok = sum(1 for i in idx if got[i] and got[i]["cause"] == rows[i]["cause"])
        ok_alt = sum(1 for i in idx if got[i] and (got[i]["cause"] == rows[i]["cause"] or
                                                   got[i]["cause"] in rows[i]["alt"].split(",")))
        high = [i for i in idx if got[i] and got[i]["confidence"] == "high"]
        high_ok = sum(1 for i in high if got[i]["cause"] == rows[i]["cause"])
        none = sum(1 for i in idx if not got[i])
        print("  %-5s %5d %8s %10s %10s %9s %9d" % (
            part, n, pct(ok, n), pct(ok_alt, n), pct(len(high), n), pct(high_ok, len(high)), none))
    for part in ("test", "dev"):
        if part == "test" and not SHOW_TEST:
            continue
        idx = [i for i, r in enumerate(rows) if r["split"] == part and
               not (got[i] and got[i]["cause"] == r["cause"])]
        print("%s disagreements (%d):" % (part, len(idx)))
        for i in idx:
            g = got[i]
            print("  want %s got %s/%s (%s) [%s] %s" % (
                rows[i]["cause"], g["cause"] if g else "(none)", g["confidence"] if g else "-",
                g["rule"] if g else "-", rows[i]["receiver"], texts[i].replace("\n", " ")[:160]))
    print()


def main():
    if os.path.exists(provider_texts.TSV):
        provider_report()
    sis = os.path.join(CORPUS, "sisimai")
    if not os.path.isdir(sis):
        print("eval: skipped (no corpus at %s)" % CORPUS)
        return 0
    rows = list(read_tsv(os.path.join(CORPUS, "sisimai-expected.tsv")))
    exceptions = {}
    if os.path.exists(EXCEPTIONS):
        for e in read_tsv(EXCEPTIONS):
            exceptions[(e["file"], e["rcpt_index"])] = e
    sweep = []
    for folder in ("bsd", "dos", "mac"):
        d = os.path.join(sis, "maildir", folder)
        sweep += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".eml"))
    labelled = sorted({os.path.join(sis, r["file"]) for r in rows})
    files = sorted(set(sweep) | set(labelled))
    res = run(files)

    # 1. Coverage.
    empty = [f for f in sweep if not res.get(f)]
    print("coverage: %d of %d emails in maildir/{bsd,dos,mac} yield a record (%d none)"
          % (len(sweep) - len(empty), len(sweep), len(empty)))
    for f in empty[:20]:
        print("  no record: %s" % os.path.relpath(f, sis))

    # 2. Status and 3. cause, row by row.
    st_n = st_ok = 0
    by_conf = collections.Counter()
    ok_conf = collections.Counter()
    per_cause = collections.defaultdict(lambda: [0, 0])
    confusion = collections.Counter()
    disagree = []
    unknown_with_code = []
    raw_ok = collections.Counter()   # agreement with Sisimai's label as is
    for r in rows:
        path = os.path.join(sis, r["file"])
        recs = res.get(path, [])
        idx = max(int(r["rcpt_index"] or 0), 1) - 1
        got = recs[idx] if idx < len(recs) else (recs[0] if recs else None)
        if r["expected_status"] and r["status_is_pseudo"] == "0":
            st_n += 1
            if got and got.get("enhanced") == r["expected_status"]:
                st_ok += 1
            elif VERBOSE:
                print("  status %s: want %s got %s" % (r["file"], r["expected_status"],
                                                        got and got.get("enhanced")))
        conf = r["cause_confidence"]
        if conf == "none":
            continue
        want = r["our_cause"]
        if got and got["cause"] == want:
            raw_ok[conf] += 1
        ex = exceptions.get((r["file"], r["rcpt_index"]))
        if ex:
            want = ex["cause"]
        cause = got["cause"] if got else "(none)"
        by_conf[conf] += 1
        per_cause[want][0] += 1
        confusion[(want, cause)] += 1
        if cause == want:
            ok_conf[conf] += 1
            per_cause[want][1] += 1
        else:
            disagree.append((conf, r["file"], r["rcpt_index"], want, cause,
                             (got or {}).get("rule"), ((got or {}).get("text") or "")[:110]))
        if got and cause == "unknown" and got.get("code_title"):
            unknown_with_code.append((r["file"], got.get("enhanced") or got.get("code")))

    print("status:   %d of %d rows agree (%s)" % (st_ok, st_n, pct(st_ok, st_n)))
    tot = sum(by_conf.values())
    print("cause:    %d of %d rows agree (%s); exact-mapped %d/%d (%s), approx-mapped %d/%d (%s)"
          % (sum(ok_conf.values()), tot, pct(sum(ok_conf.values()), tot),
             ok_conf["exact"], by_conf["exact"], pct(ok_conf["exact"], by_conf["exact"]),
             ok_conf["approx"], by_conf["approx"], pct(ok_conf["approx"], by_conf["approx"])))
    print("          (against Sisimai's labels as they are, without the %d exceptions: "
          "exact-mapped %s, approx-mapped %s)"
          % (len(exceptions), pct(raw_ok["exact"], by_conf["exact"]),
             pct(raw_ok["approx"], by_conf["approx"])))
    print("unknown although a registered code is stated: %d rows" % len(unknown_with_code))
    for u in unknown_with_code[:10]:
        print("  %s (%s)" % u)
    # The same rows for Debian's Sisimai, outside maildir/mac (which that
    # version cannot read), mapped to our causes with the reason map.
    rmap = {m["sisimai_reason"]: m["our_cause"]
            for m in read_tsv(os.path.join(CORPUS, "sisimai-reason-map.tsv"))}
    sis_res = sisimai(labelled)
    if sis_res is None:
        print("Sisimai: not installed (apt-get install libsisimai-perl): no comparison")
    else:
        n_all = ok_us = ok_sis = raw_us = raw_sis = 0
        for r in rows:
            if r["cause_confidence"] == "none" or r["folder"] == "maildir/mac":
                continue
            path = os.path.join(sis, r["file"])
            want = r["our_cause"]
            ex = exceptions.get((r["file"], r["rcpt_index"]))
            if ex:
                want = ex["cause"]
            idx = max(int(r["rcpt_index"] or 0), 1)
            reason = sis_res.get((path, idx))
            sc = rmap.get(reason, "not-bounce" if reason is None else "unknown")
            recs = res.get(path, [])
            got = recs[idx - 1] if idx - 1 < len(recs) else (recs[0] if recs else None)
            n_all += 1
            ok_us += bool(got and got["cause"] == want)
            ok_sis += sc == want
            raw_us += bool(got and got["cause"] == r["our_cause"])
            raw_sis += sc == r["our_cause"]
        print("beside Debian's Sisimai %s, same %d rows outside maildir/mac: "
              "bouncediag %s, Sisimai %s against the labels as they are; "
              "%s and %s with the exceptions"
              % (sisimai_version(), n_all, pct(raw_us, n_all), pct(raw_sis, n_all),
                 pct(ok_us, n_all), pct(ok_sis, n_all)))
    print("\nper cause (expected -> agreement):")
    for c in sorted(per_cause):
        n, ok = per_cause[c]
        print("  %-17s %4d rows  %s" % (c, n, pct(ok, n)))
    print("\nconfusion (expected -> got, disagreements only):")
    for (w, g), n in sorted(confusion.items(), key=lambda x: -x[1]):
        if w != g:
            print("  %-17s -> %-17s %d" % (w, g, n))
    print("\ndisagreements (%d):" % len(disagree))
    for d in disagree:
        print("  [%s] %s#%s want %s got %s (%s) %s" % d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
