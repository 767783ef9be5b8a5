"""The plot of a run: throughput against store size, one panel per object kind and workload."""

from __future__ import annotations

from pathlib import Path

from benchmarks.results import Results, size_label
from benchmarks.workloads import KINDS, WORKLOADS

_LINE_STYLES = {"store": "-", "baseline": "--", "peer": ":"}
_MARKERS = {"store": "o", "baseline": "s"}
_PEER_MARKERS = ("^", "v", "D", "P")


def draw(results: Results, path: Path, title: str) -> None:
    """Write a PNG: one line per subject, a colour per comparison, dashed for baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results.sizes()
    comparisons = results.comparisons()
    colours = {name: plt.get_cmap("tab10")(index % 10) for index, name in enumerate(comparisons)}
    figure, axes = plt.subplots(len(KINDS), len(WORKLOADS), figsize=(4 * len(WORKLOADS), 8),
                                squeeze=False)
    for row, kind in enumerate(KINDS):
        for column, workload in enumerate(WORKLOADS):
            ax = axes[row][column]
            drawn = False
            for comparison in comparisons:
                peers = 0
                for subject, role in results.subjects(comparison):
                    marker = _MARKERS.get(role) or _PEER_MARKERS[peers % len(_PEER_MARKERS)]
                    peers += role == "peer"
                    points = [(size, figure_.ops_per_second) for size in sizes
                              if (figure_ := results.find(comparison, subject, kind, size,
                                                          workload)) is not None]
                    if not points:
                        continue
                    drawn = True
                    ax.plot([size for size, _ in points], [rate for _, rate in points],
                            linestyle=_LINE_STYLES[role], marker=marker,
                            color=colours[comparison], label=subject)
            if not drawn:
                ax.set_visible(False)
                continue
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xticks(sizes, [size_label(size) for size in sizes])
            ax.minorticks_off()
            ax.set_title(f"{workload}, {kind} objects")
            ax.set_xlabel("objects in the store")
            ax.set_ylabel("operations per second")
            ax.grid(True, which="major", alpha=0.3)
    handles, labels = [], []
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="lower center", ncol=min(6, len(labels)), fontsize="small")
    figure.suptitle(title)
    figure.tight_layout(rect=(0, 0.1, 1, 0.96))
    figure.savefig(path, dpi=100)
    plt.close(figure)
