#!/usr/bin/env python3
"""Run the benchmark rows and write the table (issue 18). Standard library only.

    bench/run.py --bench BUILD/bench/paragrad_bench [options] [FILTER]

FILTER: a regular expression; only rows whose name it matches (re.search) are run.
Options:
  --rounds N          rounds per row (default 5; a row may fix its own, e.g. memory rows: 1)
  --min-time S        CPU seconds per side per round (default 0.2)
  --reruns N          extra attempts of a row whose spread exceeds 20% (default 2)
  --variant NAME=BINARY:REGEX
                      a paragrad_bench built differently (e.g. -DPARAGRAD_LAPACK=ON): for the rows
                      matching REGEX its paragrad side is measured as side "paragrad@NAME",
                      alternating processes round by round with the main program
  --results DIR       where the table is saved as <date>-<time>.md (default: bench/results)
  --meta KEY=VALUE    a header line (command, build, ...)

The rows run one at a time: one process per row measures every side in interleaved rounds
(A B C A B C ...). The table is printed and saved; every attempt's raw figures are kept below it.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        info = {k.strip(): v.strip() for k, v in
                (line.split(":", 1) for line in out.splitlines() if ":" in line)}
        flags = info.get("Flags", "").split()
        simd = next((f for f in ("avx512f", "avx2", "avx", "sse4_2") if f in flags), "?")
        caches = ", ".join(f"{k} {info[k]}" for k in ("L1d cache", "L2 cache", "L3 cache")
                           if k in info)
        vm = f" ({info['Hypervisor vendor']} VM)" if "Hypervisor vendor" in info else ""
        return (f"{info.get('Model name', platform.processor() or 'unknown')}{vm}, "
                f"{info.get('CPU(s)', os.cpu_count())} CPU(s), "
                f"{info.get('Thread(s) per core', '?')} thread(s) per core, {simd}"
                + (f"; {caches}" if caches else ""))
    except (OSError, subprocess.CalledProcessError):
        return f"{platform.processor() or 'unknown'}; {os.cpu_count()} CPU(s)"


def call(binary, args):
    """Runs paragrad_bench; returns (json or None, exit code)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        proc = subprocess.run([binary, *args, "--out", path])
        data = None
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            pass
        return data, proc.returncode
    finally:
        os.unlink(path)


def crashed(row, code):
    row = dict(row)
    row["results"] = {s: {"error": f"crash (exit {code})", "rounds": []} for s in row["sides"]}
    return row


def measure(args, row, variants):
    """One attempt of one row: its JSON with every side's rounds."""
    name = f"^{re.escape(row['name'])}$"
    rounds = row.get("rounds") or args.rounds
    common = ["--rows", name, "--min-time", str(args.min_time)]
    mine = [v for v in variants if re.search(v[2], row["name"])]
    if not mine:  # every side in one process, interleaved
        data, code = call(args.bench, common + ["--rounds", str(rounds)])
        if data is None or not data["rows"]:
            return crashed(row, code)
        return data["rows"][0]
    # Build variants: alternate processes round by round (main program, then each variant).
    merged = dict(row)
    merged["sides"] = list(row["sides"]) + [f"{row['sides'][0]}@{n}" for n, _, _ in mine]
    merged["results"] = {}
    for _ in range(rounds):
        runs = [(None, args.bench, common)]
        runs += [(n, b, common + ["--sides", row["sides"][0]]) for n, b, _ in mine]
        for variant, binary, argv in runs:
            data, code = call(binary, argv + ["--rounds", "1"])
            if data is None or not data["rows"]:
                part = crashed(row, code)["results"]
            else:
                part = data["rows"][0].get("results", {})
            for side, r in part.items():
                key = side if variant is None else f"{side}@{variant}"
                into = merged["results"].setdefault(
                    key, {"iterations": r.get("iterations"), "check": r.get("check"),
                          "error": "", "rounds": []})
                into["rounds"] += r.get("rounds", [])
                if r.get("error"):
                    into["error"] = r["error"]
    return merged


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--reruns", type=int, default=2)
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "results"))
    ap.add_argument("--meta", action="append", default=[])
    ap.add_argument("filter", nargs="?", default=".*")
    args = ap.parse_args()
    variants = []
    for v in args.variant:
        name, rest = v.split("=", 1)
        binary, regex = rest.rsplit(":", 1)
        variants.append((name, binary, regex))

    started = datetime.datetime.now()
    load_start = loadavg()
    listing, code = call(args.bench, ["--list", "--rows", args.filter])
    if listing is None:
        sys.exit(f"run.py: {args.bench} --list failed (exit {code})")
    context = listing["context"]
    attempts_by_row, last = [], []
    for row in listing["rows"]:
        attempts = []
        for attempt in range(1 + max(0, args.reruns)):
            before = loadavg()
            measured = measure(args, row, variants)
            attempts.append((measured, {"load_before": before, "load_after": loadavg()}))
            ev = report.evaluate(measured)
            print(f"run.py: {row['name']}: {ev['verdict']}, spread {100 * ev['spread']:.0f}%"
                  + (" (noisy, measuring again)" if ev["noisy"] and attempt < args.reruns else ""),
                  file=sys.stderr)
            if not ev["noisy"]:
                break
        attempts_by_row.append((row["name"], attempts))
        last.append(report.evaluate(attempts[-1][0]))
    load_end = loadavg()

    meta = dict(m.split("=", 1) for m in args.meta)
    stamp = started.strftime("%Y-%m-%d-%H%M%S")
    lines = [f"### paragrad benchmarks, {started:%Y-%m-%d %H:%M}", ""]
    lines.append(f"- Machine: {cpu_model()}; load average (1/5/15 min) at start {load_start}, "
                 f"at end {load_end}.")
    lines.append(f"- Compiler: {context.get('compiler', '?')}; {context.get('flags', '')}; "
                 f"Eigen {context.get('eigen', '?')}"
                 + (f"; LibTorch {context['torch_version']}" if "torch_version" in context
                    else "; LibTorch: not built (its columns read n/a)") + ".")
    for key, value in meta.items():
        lines.append(f"- {key.capitalize()}: {value}")
    lines.append(f"- Method: every side of a row in one process, in {args.rounds} interleaved "
                 f"rounds (A B C A B C ...; memory rows: one round) of ≥ {args.min_time:g} s of "
                 "CPU time each after a warm-up; figures are CPU time per iteration (median, "
                 "min–max over the rounds); ratios are taken round by round; a target holds when "
                 f"it holds for the median ratio and in ≥ {report.needed_rounds(args.rounds)} of "
                 f"{args.rounds} rounds (4 of 5; ⌈0.8 · rounds⌉); \"noisy\": spread "
                 "(max − min) / median > 20% after "
                 f"{args.reruns} re-measurement(s). One thread everywhere (OMP/OPENBLAS/"
                 f"MKL_NUM_THREADS={context.get('OPENBLAS_NUM_THREADS', '?')}, "
                 f"Eigen threads {context.get('eigen_threads', '?')}, at::set_num_threads(1)); "
                 "the same seeded inputs on every side, whose results are compared (\"check\" "
                 "below).")
    lines += ["", report.table(last), ""]
    misses = [ev for ev in last if ev["verdict"] == "MISS"]
    if misses:
        lines.append("MISS: " + "; ".join(
            f"{ev['name']} ({', '.join(e['text'] for e in ev['targets'] if e['verdict'] == 'MISS')})"
            for ev in misses) + ".")
    noisy = [ev["name"] for ev in last if ev["noisy"]]
    if noisy:
        lines.append("Noisy after re-measuring: " + ", ".join(noisy) + ".")
    errors = [f"{ev['name']}: {e}" for ev in last for e in ev["errors"]]
    if errors:
        lines += ["", "Errors:"] + [f"- {e}" for e in errors]
    lines += ["", "<details><summary>Every attempt, round by round</summary>", "",
              report.details(attempts_by_row), "</details>", ""]
    text = "\n".join(lines)
    os.makedirs(args.results, exist_ok=True)
    path = os.path.join(args.results, f"{stamp}.md")
    n = 2
    while os.path.exists(path):  # never overwrite
        path = os.path.join(args.results, f"{stamp}-{n}.md")
        n += 1
    with open(path, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    print(f"run.py: saved {os.path.relpath(path)}", file=sys.stderr)


if __name__ == "__main__":
    main()
