"""Measuring the risk engine on a labelled set: lines of JSON
``{"text", "label": crisis|concern|none, "kind": emotional|medical|null}``.

crisis_recall: share of crisis items decided crisis; false_hold_rate: share of none
items decided crisis; concern_caught: share of concern items decided concern or crisis;
kind_accuracy: share of crisis items decided crisis with the right kind.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from forum.moderation.screening.engine import RiskDecision, assess
from forum.moderation.screening.rules import RuleSet

LABELS = ("crisis", "concern", "none")


@dataclass
class Evaluation:
    """The confusion counts (label, decision) and the misses, for a report."""

    confusion: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)  # crisis items: right / wrong kind
    misses: list[tuple[dict, RiskDecision]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return sum(self.confusion.values())

    def _share(self, label: str, decisions: tuple[str, ...]) -> float:
        total = sum(self.confusion[(label, d)] for d in LABELS)
        if not total:
            return 0.0
        return sum(self.confusion[(label, d)] for d in decisions) / total

    @property
    def crisis_recall(self) -> float:
        return self._share("crisis", ("crisis",))

    @property
    def false_hold_rate(self) -> float:
        return self._share("none", ("crisis",))

    @property
    def concern_caught(self) -> float:
        return self._share("concern", ("concern", "crisis"))

    @property
    def kind_accuracy(self) -> float:
        total = sum(self.confusion[("crisis", d)] for d in LABELS)
        return self.kinds["right"] / total if total else 0.0

    def table(self) -> list[str]:
        """The confusion table, one row per label, as lines of text."""
        lines = [f"{'label/decided':<16}" + "".join(f"{d:>9}" for d in LABELS)
                 + f"{'total':>8}"]
        for label in LABELS:
            row = [self.confusion[(label, d)] for d in LABELS]
            lines.append(f"{label:<16}" + "".join(f"{c:>9}" for c in row) + f"{sum(row):>8}")
        return lines

    def summary(self) -> str:
        return (f"crisis_recall={self.crisis_recall:.2f} "
                f"false_hold_rate={self.false_hold_rate:.2f} "
                f"concern_caught={self.concern_caught:.2f} "
                f"kind_accuracy={self.kind_accuracy:.2f} n={self.n}")


def read_items(path: Path | str) -> list[dict]:
    """The labelled items in a JSON-lines file (blank lines skipped)."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        if item.get("label") not in LABELS or not isinstance(item.get("text"), str):
            raise ValueError(f"{path}:{number}: needs 'text' and a label in {LABELS}")
        items.append(item)
    return items


def evaluate(items: Iterable[dict], rules: RuleSet | None = None) -> Evaluation:
    """The engine's decisions on ``items`` against their labels (under ``rules``; default
    the shipped rules)."""
    result = Evaluation()
    for item in items:
        decision = assess(item["text"], rules)
        result.confusion[(item["label"], decision.decision)] += 1
        if item["label"] == "crisis" and decision.decision == "crisis":
            result.kinds["right" if decision.kind == item.get("kind") else "wrong"] += 1
        wrong_kind = (item["label"] == "crisis" and decision.decision == "crisis"
                      and decision.kind != item.get("kind"))
        if decision.decision != item["label"] or wrong_kind:
            result.misses.append((item, decision))
    return result
