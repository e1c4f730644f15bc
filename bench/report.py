"""Statistics, verdicts and the Markdown table of the benchmarks (issue 18). Standard library only.

Input: the JSON rows that paragrad_bench writes (harness.cpp), one or more attempts per row.
Every figure is per round: a side's figure in round k, and for each target the per-round ratio
of the judged side (the row's first, paragrad) to the reference side in the same round k.

Rules (bench/README.md):
  - each side: median and min–max over the rounds;
  - each per-round ratio: median and min–max;
  - a target holds when it holds for the ratios' median AND in at least 4 of 5 rounds (in general
    ceil(0.8 · rounds)); a row passes when all its targets hold;
  - spread = (max − min) / median of a target's per-round quantity (rows without a target: of the
    LibTorch ratio, else of the paragrad figure); above 20% the row is "noisy" and run.py
    measures it again; the table keeps the last attempt and says "noisy" if it still is.
"""
import math
import statistics

NOISE_LIMIT = 0.20
CHECK_TOLERANCE = 1e-3  # relative disagreement of the sides' checks that the table flags

SIDE_LABELS = {"paragrad": "paragrad", "torch": "LibTorch", "eigen": "raw Eigen",
               "eigen_2t": "raw Eigen on 2 threads",
               "floor": "minimal-tape floor", "bare": "bare forward ops",
               "fused": "fused-design prototype"}


def label(side):
    if side in SIDE_LABELS:
        return SIDE_LABELS[side]
    if "@" in side:  # a build variant: paragrad@lapack
        base, variant = side.split("@", 1)
        return f"{label(base)} ({variant} build)"
    return side


def needed_rounds(rounds):
    """Rounds in which a target must hold: 4 of 5, in general ceil(0.8 · rounds)."""
    return max(1, math.ceil(0.8 * rounds - 1e-9))


def figures(row, result, metric=""):
    """A side's per-round figures (the row's main figure, or the Metrics key `metric`)."""
    key = metric or row.get("figure", "")
    out = []
    for r in result.get("rounds", []):
        if key:
            out.append(r["metrics"].get(key, float("nan")))
        else:
            # Rows on several threads: wall time (the timing thread's CPU clock misses the
            # pool's threads); one-thread rows: the thread's CPU time, as always.
            ns = r["wall_ns"] if row.get("threads", 1) > 1 else r["cpu_ns"]
            out.append(ns / row["ns_per_unit"])
    return out


def spread(values):
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if len(vals) < 2:
        return 0.0
    med = statistics.median(vals)
    return (max(vals) - min(vals)) / abs(med) if med else float("inf")


def stats(values):
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


# How a target reads one round: (quantity, holds?) from the judged figure p and reference r.
def quantity(kind, p, r):
    if kind in ("speedup_at_least", "speed_share_at_least"):
        return r / p if p else float("inf")
    if kind == "time_ratio_at_most":
        return p / r if r else float("inf")
    if kind == "value_at_most":
        return p
    raise ValueError(f"unknown target kind {kind}")


def holds(kind, q, value):
    if kind in ("speedup_at_least", "speed_share_at_least"):
        return q >= value
    return q <= value


def describe_target(t, unit):
    ref, v, kind = label(t["ref"]), t["value"], t["kind"]
    if kind == "speedup_at_least":
        return f"≥ {v:g}× faster than {ref}"
    if kind == "speed_share_at_least":
        return f"≥ {100 * v:g}% of {ref}'s speed"
    if kind == "time_ratio_at_most":
        return f"≤ {v:g}× the time of {ref}" if t["ref"] != "floor" else f"≤ {v:g}× the floor"
    return f"≤ {v:g} {unit}"


def fmt(x):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    mag = abs(x)
    if mag >= 1000:
        return f"{x:,.0f}"
    if mag >= 100:
        return f"{x:.0f}"
    if mag >= 10:
        return f"{x:.1f}"
    if mag >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def fmt_stats(s, kind=None):
    """'median (min–max)' in the target's display: × for ratios, % for speed shares."""
    if s is None:
        return "n/a"
    if kind == "speed_share_at_least":
        return f"{100 * s['median']:.0f}% ({100 * s['min']:.0f}–{100 * s['max']:.0f})"
    suffix = "×" if kind in ("speedup_at_least", "time_ratio_at_most") else ""
    if s["n"] == 1:
        return f"{fmt(s['median'])}{suffix}"
    return f"{fmt(s['median'])}{suffix} ({fmt(s['min'])}–{fmt(s['max'])})"


def default_kind(side):
    """How a reference without a target is shown: LibTorch as a speed-up, raw Eigen as a share
    of its speed, anything else (floor, bare ops, build variants) as a multiple of its time."""
    return {"torch": "speedup_at_least", "eigen": "speed_share_at_least",
            "eigen_2t": "speed_share_at_least"}.get(side, "time_ratio_at_most")


def evaluate(row):
    """Everything the table needs about one attempt of one row."""
    res = row.get("results", {})
    judged = row["sides"][0]
    ev = {"name": row["name"], "row": row, "sides": {}, "ratios": [], "targets": [],
          "errors": [], "checks": {}}
    for side in row["sides"]:
        if side not in res:
            ev["sides"][side] = "n/a"
            continue
        r = res[side]
        if r.get("error"):
            ev["sides"][side] = "error"
            ev["errors"].append(f"{label(side)}: {r['error']}")
            continue
        ev["sides"][side] = stats(figures(row, r))
    p = res.get(judged)
    p_ok = p is not None and not p.get("error")
    # Per-round ratios against every reference side (targets' references in their own display).
    kinds = {t["ref"]: t["kind"] for t in row["targets"] if t["ref"]}
    for side in row["sides"][1:]:
        if row.get("figure") and side not in kinds:
            continue  # a memory figure, not a time: the sides' values are shown, not divided
        r = res.get(side)
        if not p_ok or r is None or r.get("error"):
            continue
        kind = kinds.get(side, default_kind(side))
        qs = [quantity(kind, a, b) for a, b in zip(figures(row, p), figures(row, r))]
        ev["ratios"].append({"side": side, "kind": kind, "stats": stats(qs), "spread": spread(qs)})
    # Targets.
    for t in row["targets"]:
        entry = {"target": t, "text": describe_target(t, row["metric"]), "verdict": "not run",
                 "met": None, "rounds": 0, "stats": None, "spread": 0.0}
        ref = res.get(t["ref"]) if t["ref"] else None
        if not p_ok:
            entry["verdict"] = "MISS" if p is not None else "not run"
        elif t["ref"] and (ref is None or ref.get("error")):
            entry["verdict"] = f"n/a (no {label(t['ref'])})"
        else:
            ps = figures(row, p, t.get("metric", ""))
            rs = figures(row, ref, t.get("metric", "")) if t["ref"] else [None] * len(ps)
            qs = [quantity(t["kind"], a, b) for a, b in zip(ps, rs)]
            st = stats(qs)
            met = sum(1 for q in qs if holds(t["kind"], q, t["value"]))
            ok = st is not None and holds(t["kind"], st["median"], t["value"]) and \
                met >= needed_rounds(len(qs))
            entry.update(verdict="PASS" if ok else "MISS", met=met, rounds=len(qs), stats=st,
                         spread=spread(qs))
        ev["targets"].append(entry)
    # Checks: every side's summary of its result against the judged side's.
    if p_ok:
        base = p.get("check")
        for side, r in res.items():
            c = r.get("check")
            if side == judged or r.get("error") or c is None or base is None:
                continue
            ev["checks"][side] = abs(c - base) / max(abs(base), 1e-30)
    # Noise.
    if ev["targets"]:
        spreads = [e["spread"] for e in ev["targets"] if e["stats"] is not None]
    else:
        torch = [x for x in ev["ratios"] if x["side"] == "torch"]
        spreads = [torch[0]["spread"]] if torch else \
            [spread(figures(row, p))] if p_ok else []
    ev["spread"] = max(spreads) if spreads else 0.0
    ev["noisy"] = ev["spread"] > NOISE_LIMIT
    verdicts = [e["verdict"] for e in ev["targets"]]
    if not verdicts:
        ev["verdict"] = "—" if p_ok else ("MISS" if p is not None else "not run")
    elif "MISS" in verdicts:
        ev["verdict"] = "MISS"
    elif all(v == "PASS" for v in verdicts):
        ev["verdict"] = "PASS"
    else:
        ev["verdict"] = next(v for v in verdicts if v != "PASS")
    return ev


def table(evaluations):
    """The main Markdown table: one line per row (its last attempt)."""
    head = ["workload", "metric", "paragrad", "LibTorch", "raw Eigen", "other reference",
            "per-round ratios", "target", "rounds met", "result"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    for ev in evaluations:
        row = ev["row"]
        cell = lambda side: (fmt_stats(ev["sides"][side]) if isinstance(ev["sides"].get(side), dict)
                             else ev["sides"].get(side, "—"))
        judged = row["sides"][0]
        others = [s for s in row["sides"][1:] if s not in ("torch", "eigen")]
        other = "; ".join(f"{label(s)}: {cell(s)}" for s in others) or "—"
        ratios = "; ".join(
            f"{ratio_label(x['side'], x['kind'], judged)} {fmt_stats(x['stats'], x['kind'])}"
            for x in ev["ratios"]) or "—"
        targets = "; ".join(e["text"] for e in ev["targets"]) or "—"
        met = "; ".join(f"{e['met']}/{e['rounds']}" for e in ev["targets"] if e["met"] is not None) \
            or "—"
        result = ev["verdict"]
        if ev["noisy"]:
            result += f" (noisy: spread {100 * ev['spread']:.0f}%)"
        bad = [s for s, d in ev["checks"].items() if d > CHECK_TOLERANCE]
        if bad:
            result += " (check differs: " + ", ".join(label(s) for s in bad) + ")"
        lines.append("| " + " | ".join([ev["name"], row["metric"], cell(judged), cell("torch"),
                                         cell("eigen"), other, ratios, targets, met, result]) + " |")
    return "\n".join(lines)


def ratio_label(side, kind, judged):
    if kind == "speed_share_at_least":
        return f"% of {label(side)} speed"
    if kind == "speedup_at_least":
        return f"{label(side)} ÷ {label(judged)}"
    if kind == "value_at_most":
        return label(judged)
    return f"{label(judged)} ÷ {label(side)}"


def details(attempts_by_row):
    """Every attempt of every row, round by round: the raw figures behind the table."""
    out = []
    for name, attempts in attempts_by_row:
        for i, (row, meta) in enumerate(attempts, 1):
            ev = evaluate(row)
            title = f"#### {name}" + (f", attempt {i} of {len(attempts)}" if len(attempts) > 1 else "")
            out += [title, "", f"{row.get('note', '')}. Load average before / after: "
                    f"{meta.get('load_before', '?')} / {meta.get('load_after', '?')}; "
                    f"spread {100 * ev['spread']:.0f}%" + (" (noisy)" if ev["noisy"] else "") + ".", ""]
            res = row.get("results", {})
            sides = [s for s in row["sides"] if s in res]
            if not sides:
                out += ["(not measured)", ""]
                continue
            rounds = max(len(res[s].get("rounds", [])) for s in sides)
            head = ["side", "iterations/round", "check"] + [f"round {k + 1}" for k in range(rounds)]
            out += ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
            for s in sides:
                r = res[s]
                figs = figures(row, r)
                extra = ""
                if r.get("rounds") and r["rounds"][-1]["metrics"] and not row.get("figure"):
                    extra = " " + ", ".join(f"{k}={fmt(v)}" for k, v in r["rounds"][-1]["metrics"].items())
                check = "n/a" if r.get("check") is None else f"{r['check']:.9g}"
                if s in ev["checks"]:
                    check += f" (Δ {ev['checks'][s]:.1e})"
                cells = [fmt(f) for f in figs] + [""] * (rounds - len(figs))
                if r.get("error"):
                    cells = [f"error: {r['error']}"] + [""] * (rounds - 1)
                out.append("| " + " | ".join([label(s), str(r.get("iterations", "")), check] + cells)
                           + " |" + extra)
            out.append("")
    return "\n".join(out)
