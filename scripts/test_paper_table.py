#!/usr/bin/python3
"""Tests of scripts/paper_table.py's Table 7 (no simulator needed): errors and means against
values worked out by hand from made-up stats and paper rows."""
import csv
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper_table as P  # noqa: E402


def stats(tops, active, wstall, wshift, nm, raw, inp):
    return {"run": {"tops": tops, "table3_percent": {
        "array_active": active, "weight_stall": wstall, "weight_shift": wshift,
        "non_matrix": nm, "raw_stall": raw, "input_stall": inp}}}


PAPER = {
    "A": {"tops": "10", "array_active": "20", "weight_stall": "50", "weight_shift": "10", "non_matrix": "20"},
    "B": {"tops": "4", "array_active": "80", "weight_stall": "0", "weight_shift": "0", "non_matrix": "20"},
}


class Table7(unittest.TestCase):
    def setUp(self):
        # A: TOPS 12 of 10 -> +20%; active 25-20 = +5; stall 40-50 = -10; shift 10-10 = 0;
        #    non-matrix 10+10+5 = 25, 25-20 = +5.
        # B: TOPS 3 of 4 -> -25%; active 70-80 = -10; stall 4-0 = +4; shift 6-0 = +6;
        #    non-matrix 10+5+5 = 20, 20-20 = 0.
        self.rows = P.table7_rows([("A", stats(12, 25, 40, 10, 10, 10, 5)),
                                   ("B", stats(3, 70, 4, 6, 10, 5, 5))], PAPER)

    def test_errors_per_app(self):
        a, b = dict(self.rows)["A"], dict(self.rows)["B"]
        self.assertEqual([round(a[c], 9) for c in P.T7_COLUMNS], [20, 5, -10, 0, 5])
        self.assertEqual([round(b[c], 9) for c in P.T7_COLUMNS], [-25, -10, 4, 6, 0])

    def test_mean_of_absolute_errors(self):
        self.assertEqual(self.rows[-1][0], "mean |error|")
        m = self.rows[-1][1]
        self.assertEqual([round(m[c], 9) for c in P.T7_COLUMNS], [22.5, 7.5, 7, 3, 2.5])

    def test_csv(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "table7.csv")
            P.write_table7_csv(path, self.rows)
            with open(path) as f:
                got = list(csv.reader(f))
        self.assertEqual(got[0], ["app"] + P.T7_COLUMNS)
        self.assertEqual(got[1], ["A", "20.0000", "5.0000", "-10.0000", "0.0000", "5.0000"])
        self.assertEqual(got[3][0], "mean |error|")
        self.assertEqual(len(got), 4)

    def test_text_has_every_row(self):
        text = P.table7_text(self.rows)
        self.assertIn("Table 7", text)
        for app in ("A", "B", "mean |error|"):
            self.assertTrue(any(line.startswith(app) for line in text.splitlines()), app)


class Facts(unittest.TestCase):
    def test_values_worked_out_by_hand(self):
        # Model: 600 useful of 1000 array MACs = 60%; 4096 rows of 256 B = 1 MiB; 3000 cycles over
        # 200 instructions = CPI 15. Paper: 6.3 useful of 10.5 active = 60%; 4.5 MiB; counters
        # 6.3% of 92 TOPS = 5.796 TOPS against 2.8 measured.
        st = {"config": {"mxu": [256, 256]}, "workload": {"useful_macs": 600, "ub_rows_used": 4096},
              "tpu": {"mxu": {"array_macs": 1000}, "sequencer": {"retired": 200}},
              "run": {"cycles": 3000, "peak_tops": 92.0}}
        paper = {"L": {"useful_macs": "6.3", "array_active": "10.5", "max_ub_mib": "4.5", "tops": "2.8"}}
        (app, r), = P.facts_rows([("L", st)], paper)
        self.assertEqual(app, "L")
        want = {"useful_share": 60, "paper_useful_share": 60, "ub_mib": 1, "paper_ub_mib": 4.5, "cpi": 15,
                "counter_tops": 5.796, "paper_tops": 2.8}
        self.assertEqual(set(r), set(P.FACT_COLUMNS))
        for k, v in want.items():
            self.assertAlmostEqual(r[k], v, places=9, msg=k)
        self.assertIn("5.80 /   2.80", P.facts_text([(app, r)]))

    def test_paper_csv_has_the_fact_columns(self):
        paper = P.paper_values()
        self.assertEqual(sorted(paper), ["CNN0", "CNN1", "LSTM0", "LSTM1", "MLP0", "MLP1"])
        # Table 3's useful MACs never exceed array active; Table 8's UB fits in 24 MiB.
        for app, p in paper.items():
            self.assertLessEqual(float(p["useful_macs"]), float(p["array_active"]), app)
            self.assertLess(float(p["max_ub_mib"]), 24.0, app)


if __name__ == "__main__":
    unittest.main()
