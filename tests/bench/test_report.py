#!/usr/bin/env python3
"""The benchmark table's rules (bench/report.py): per-round ratios, the 4-of-5 rule, noise,
checks, absent and crashed sides. Standard library only; run directly or through CTest."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import report  # noqa: E402


def side(times, check=1.0, metrics=None, error=""):
    rounds = [{"cpu_ns": t, "wall_ns": t, "metrics": dict(metrics or {})} for t in times]
    return {"iterations": 10, "check": check, "error": error, "rounds": rounds}


def row(targets, results, sides=None, figure="", metric="µs"):
    return {"name": "r", "metric": metric, "ns_per_unit": 1000.0, "note": "", "figure": figure,
            "sides": sides or list(results), "targets": targets, "results": results}


def target(kind, ref, value, metric=""):
    return {"kind": kind, "ref": ref, "value": value, "metric": metric}


class Rules(unittest.TestCase):
    def test_rounds_needed_is_four_of_five(self):
        self.assertEqual(report.needed_rounds(5), 4)
        self.assertEqual(report.needed_rounds(1), 1)
        self.assertEqual(report.needed_rounds(10), 8)

    def test_speedup_passes_on_median_and_four_rounds(self):
        # LibTorch ÷ paragrad per round: 3.5, 3.2, 2.9, 3.4, 3.6 -> median 3.4, 4 of 5 rounds ≥ 3
        pg = [1000.0] * 5
        ev = report.evaluate(row([target("speedup_at_least", "torch", 3.0)],
                                 {"paragrad": side(pg), "torch": side([3500, 3200, 2900, 3400, 3600])}))
        self.assertEqual(ev["verdict"], "PASS")
        self.assertEqual(ev["targets"][0]["met"], 4)
        self.assertAlmostEqual(ev["targets"][0]["stats"]["median"], 3.4)

    def test_median_alone_is_not_enough(self):
        # ratios 3.5, 3.2, 2.9, 2.8, 3.6: median 3.2 ≥ 3 but only 3 of 5 rounds
        ev = report.evaluate(row([target("speedup_at_least", "torch", 3.0)],
                                 {"paragrad": side([1000.0] * 5),
                                  "torch": side([3500, 3200, 2900, 2800, 3600])}))
        self.assertEqual(ev["verdict"], "MISS")

    def test_ratios_are_taken_round_by_round(self):
        # A machine that slows down in rounds 4-5 slows both sides: each round's ratio is 2.
        ev = report.evaluate(row([target("speedup_at_least", "torch", 2.0)],
                                 {"paragrad": side([100, 100, 100, 200, 200]),
                                  "torch": side([200, 200, 200, 400, 400])}))
        self.assertEqual(ev["verdict"], "PASS")
        self.assertEqual(ev["targets"][0]["spread"], 0.0)
        self.assertFalse(ev["noisy"])

    def test_time_ratio_and_speed_share(self):
        res = {"paragrad": side([80] * 5), "torch": side([100] * 5), "eigen": side([70] * 5)}
        ev = report.evaluate(row([target("time_ratio_at_most", "torch", 0.8),
                                  target("speed_share_at_least", "eigen", 0.9)], res))
        self.assertEqual([t["verdict"] for t in ev["targets"]], ["PASS", "MISS"])  # 0.8; 87.5%
        self.assertEqual(ev["verdict"], "MISS")

    def test_noisy_when_spread_exceeds_twenty_percent(self):
        ev = report.evaluate(row([target("speedup_at_least", "torch", 1.0)],
                                 {"paragrad": side([100] * 5),
                                  "torch": side([200, 200, 250, 200, 200])}))
        self.assertAlmostEqual(ev["spread"], 0.25)
        self.assertTrue(ev["noisy"])
        self.assertIn("noisy", report.table([ev]))

    def test_value_target_on_a_metric(self):
        res = {"paragrad": side([1e6], metrics={"peak": 180.0}),
               "torch": side([1e6], metrics={"peak": 600.0})}
        ev = report.evaluate(row([target("value_at_most", "", 200.0, "peak")], res,
                                 figure="peak", metric="B/op"))
        self.assertEqual(ev["verdict"], "PASS")
        self.assertEqual(ev["sides"]["paragrad"]["median"], 180.0)
        self.assertEqual(ev["ratios"], [])  # a memory figure is shown, not divided

    def test_differing_checks_are_flagged(self):
        res = {"paragrad": side([100] * 5, check=1.0), "torch": side([100] * 5, check=1.01)}
        ev = report.evaluate(row([], res))
        self.assertAlmostEqual(ev["checks"]["torch"], 0.01)
        self.assertIn("check differs", report.table([ev]))

    def test_absent_reference_is_not_a_pass(self):
        ev = report.evaluate(row([target("speedup_at_least", "torch", 3.0)],
                                 {"paragrad": side([100] * 5)}, sides=["paragrad", "torch"]))
        self.assertTrue(ev["verdict"].startswith("n/a"))
        self.assertIn("| n/a |", report.table([ev]))

    def test_crashed_side_is_a_miss(self):
        ev = report.evaluate(row([target("speedup_at_least", "torch", 3.0)],
                                 {"paragrad": side([], error="crash (exit 139)"),
                                  "torch": side([100] * 5)}))
        self.assertEqual(ev["verdict"], "MISS")
        self.assertTrue(ev["errors"])


if __name__ == "__main__":
    unittest.main()
