"""The report of a run: a Markdown table of throughput and ratios, the targets, and JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from benchmarks.batches import BatchFigure
from benchmarks.comparisons import BASELINES
from benchmarks.results import Results, size_label
from benchmarks.targets import Outcome
from benchmarks.workloads import KINDS, WORKLOADS


def rate_label(rate: float) -> str:
    """Three significant digits: ``123``, ``12.3k``, ``1.23M``."""
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if rate >= limit:
            return f"{_three_digits(rate / limit)}{suffix}"
    return _three_digits(rate)


def _three_digits(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown(results: Results, batches: Sequence[BatchFigure], outcomes: Sequence[Outcome],
             meta: dict[str, Any]) -> str:
    lines = ["# gc3store benchmark", "",
             f"{meta['mode']} run, {meta['date']}, gc3store at {meta['commit'] or '?'}, "
             f"Python {meta['python']}, "
             f"{meta['cpus']} CPUs; {meta['rounds']} interleaved rounds, at most "
             f"{meta['ops_per_batch']} operations or {meta['budget_s']} s per subject, "
             f"workload and round; {meta['elapsed_s']:.0f} s in all.", "",
             "Operations per second (median over the rounds) and, in parentheses, the ratio to "
             "the comparison's raw baseline (the median of the ratios of each round, in which "
             "both ran one after the other). `list` lists the whole store once per operation.",
             ""]
    lines += _targets_table(outcomes)
    for comparison in results.comparisons():
        lines += [f"## {comparison}", "", f"Baseline: {BASELINES.get(comparison, '?')}.", ""]
        lines += _throughput_table(results, comparison)
    if batches:
        lines += ["## Batches", "", "New small objects saved one by one and in one "
                  "`store.batch()`, in turns; the speed-up is the median of the rounds' ratios.",
                  "", *_batch_table(batches)]
    return "\n".join(lines) + "\n"


def _batch_table(batches: Sequence[BatchFigure]) -> list[str]:
    rows = [["comparison", "subject", "objects", "one by one", "in one batch", "speed-up"]]
    for figure in batches:
        rows.append([figure.comparison, figure.subject, str(figure.count),
                     f"{rate_label(figure.rate(figure.one_by_one_s))}/s",
                     f"{rate_label(figure.rate(figure.batched_s))}/s", f"{figure.speedup:.1f}x"])
    return [*_aligned(rows), ""]


def _throughput_table(results: Results, comparison: str) -> list[str]:
    sizes = results.sizes()
    rows = [["objects", "operation", "subject", *(size_label(size) for size in sizes)]]
    for kind in KINDS:
        for workload in WORKLOADS:
            for subject, role in results.subjects(comparison):
                cells = []
                for size in sizes:
                    figure = results.find(comparison, subject, kind, size, workload)
                    if figure is None:
                        cells.append("")
                        continue
                    ratio = results.ratio(figure)
                    cell = rate_label(figure.ops_per_second)
                    cells.append(cell if role == "baseline" or ratio is None
                                 else f"{cell} ({ratio:.2f}x)")
                if any(cells):
                    rows.append([kind, workload, subject, *cells])
    return [*_aligned(rows), ""]


def _targets_table(outcomes: Sequence[Outcome]) -> list[str]:
    rows = [["target", "status", "worst", "where"]]
    for outcome in outcomes:
        worst = "" if outcome.worst is None else f"{outcome.worst:.2f}x"
        rows.append([outcome.target, outcome.status, worst, outcome.where])
    return ["## Targets", "", *_aligned(rows), ""]


def _aligned(rows: list[list[str]]) -> list[str]:
    """A Markdown table whose columns line up in a terminal too."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        return "| " + " | ".join(cells) + " |"

    return [line(rows[0]), "|" + "|".join("-" * (width + 2) for width in widths) + "|",
            *(line(row) for row in rows[1:])]


def as_json(results: Results, batches: Sequence[BatchFigure], outcomes: Sequence[Outcome],
            meta: dict[str, Any]) -> str:
    figures = []
    for figure in results:
        entry = dataclasses.asdict(figure)
        entry["ops_per_second"] = figure.ops_per_second
        entry["ratio_to_baseline"] = results.ratio(figure)
        figures.append(entry)
    return json.dumps({"meta": meta, "targets": [dataclasses.asdict(o) for o in outcomes],
                       "figures": figures,
                       "batches": [{**dataclasses.asdict(figure), "speedup": figure.speedup}
                                   for figure in batches]}, indent=1) + "\n"
