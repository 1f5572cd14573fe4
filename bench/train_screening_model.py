"""Training the crisis screener's statistical second opinion
(``forum/moderation/screening/model.py``) and writing its weights, ``model.json``.

    .venv/bin/python bench/train_screening_model.py          # train, write model.json
    .venv/bin/python bench/train_screening_model.py --cv     # k-fold grid, then train
    .venv/bin/python bench/train_screening_model.py --check  # retrain, compare, no write

Data: every labelled post we have, deduplicated by text: the shared dev set, our hard
cases (``tests/moderation/screening-hard-cases.jsonl``) and the earlier writing batches
(``tests/moderation/screening-train/*.jsonl``). Never train on a held-out set.

The threshold is chosen by cross-validation: the lowest at which the combined system
(rules crisis, or model probability >= threshold) holds at most ``--max-false-holds``
of the ``none`` posts out of fold. Fixed seeds: the same files give the same weights.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum.moderation.screening.engine import model_features, rules_decision  # noqa: E402
from forum.moderation.screening.evaluate import read_items  # noqa: E402
from forum.moderation.screening.model import (  # noqa: E402
    MODEL_FILE,
    Linear,
    linear_data,
    train_linear,
)

DEV_SET = ROOT.parent / "shared" / "corpora" / "screening" / "screening-dev.jsonl"
HARD_CASES = ROOT / "tests" / "moderation" / "screening-hard-cases.jsonl"
TRAIN_DIR = ROOT / "tests" / "moderation" / "screening-train"

# Chosen by --cv (see the report in docs/moderation.md).
PARAMS = {"l2": 0.3, "epochs": 12, "min_count": 2}
SEED = 7
FOLDS = 5


def training_files() -> list[Path]:
    return [DEV_SET, HARD_CASES, *sorted(TRAIN_DIR.glob("*.jsonl"))]


def load_items(files: list[Path]) -> list[dict]:
    """The labelled items of ``files``, first occurrence of each text kept."""
    seen: set[str] = set()
    items = []
    for path in files:
        for item in read_items(path):
            if item["text"] not in seen:
                seen.add(item["text"])
                items.append(item)
    return items


def featurise(items: list[dict]) -> list[set[str]]:
    return [model_features(item["text"]) for item in items]


def fit(found: list[set[str]], items: list[dict], params: dict) -> tuple[Linear, Linear]:
    crisis = train_linear([(f, int(i["label"] == "crisis")) for f, i in zip(
        found, items, strict=True)], seed=SEED, **params)
    emotional = train_linear([(f, int(i.get("kind") == "emotional")) for f, i in zip(
        found, items, strict=True) if i["label"] == "crisis"], seed=SEED, **params)
    return crisis, emotional


def folds(items: list[dict], k: int) -> list[int]:
    """A fold number for each item, stratified by label and kind, seeded."""
    rng = random.Random(SEED)
    fold = [0] * len(items)
    groups: dict[tuple, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault((item["label"], item.get("kind")), []).append(index)
    for key in sorted(groups, key=str):
        members = groups[key]
        rng.shuffle(members)
        for position, index in enumerate(members):
            fold[index] = position % k
    return fold


def out_of_fold(found, items, params, k=FOLDS) -> tuple[list[float], list[float]]:
    """Out-of-fold crisis and emotional probabilities for every item."""
    fold = folds(items, k)
    p_crisis, p_emotional = [0.0] * len(items), [0.0] * len(items)
    for f in range(k):
        train = [i for i in range(len(items)) if fold[i] != f]
        crisis, emotional = fit([found[i] for i in train], [items[i] for i in train], params)
        for i in range(len(items)):
            if fold[i] == f:
                p_crisis[i] = crisis.probability(found[i])
                p_emotional[i] = emotional.probability(found[i])
    return p_crisis, p_emotional


def choose_threshold(p: list[float], items: list[dict], rules: list[str],
                     max_false_holds: float) -> float:
    """The lowest threshold (a multiple of 0.01) at which rules-or-model holds at most
    ``max_false_holds`` of the none items."""
    nones = [i for i, item in enumerate(items) if item["label"] == "none"]
    for step in range(50, 100):
        t = step / 100
        held = sum(1 for i in nones if rules[i] == "crisis" or p[i] >= t)
        if held / len(nones) <= max_false_holds:
            return t
    return 0.99


def report(p, pe, items, rules, t) -> dict:
    crisis = [i for i, item in enumerate(items) if item["label"] == "crisis"]
    nones = [i for i, item in enumerate(items) if item["label"] == "none"]
    concern = [i for i, item in enumerate(items) if item["label"] == "concern"]
    model_recall = sum(p[i] >= t for i in crisis) / len(crisis)
    emo = [i for i in crisis if items[i]["kind"] == "emotional"]
    med = [i for i in crisis if items[i]["kind"] == "medical"]
    kind_ok = sum((pe[i] >= 0.5) == (items[i]["kind"] == "emotional") for i in crisis)
    return {
        "threshold": t,
        "model_alone_recall": round(model_recall, 3),
        "model_alone_recall_emotional": round(sum(p[i] >= t for i in emo) / len(emo), 3),
        "model_alone_recall_medical": round(sum(p[i] >= t for i in med) / len(med), 3),
        "model_false_holds": sum(p[i] >= t for i in nones),
        "combined_false_hold_rate": round(sum(
            rules[i] == "crisis" or p[i] >= t for i in nones) / len(nones), 4),
        "concern_lifted_to_crisis": sum(
            rules[i] != "crisis" and p[i] >= t for i in concern),
        "kind_accuracy": round(kind_ok / len(crisis), 3),
        "auc": round(_auc([p[i] for i in crisis], [p[i] for i in nones]), 4),
        "n": len(items),
    }


def _auc(positive: list[float], negative: list[float]) -> float:
    ranked = sorted([(s, 1) for s in positive] + [(s, 0) for s in negative])
    rank_sum, rank = 0.0, 0
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average = (rank + 1 + rank + j - i) / 2
        rank_sum += average * sum(1 for s in ranked[i:j] if s[1])
        rank += j - i
        i = j
    n_pos, n_neg = len(positive), len(negative)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def build(max_false_holds: float, params: dict | None = None) -> dict:
    """The model file's data, from the training files: CV for the threshold, then a fit
    on everything."""
    params = params or PARAMS
    items = load_items(training_files())
    found = featurise(items)
    rules = [rules_decision(item["text"]).decision for item in items]
    p, pe = out_of_fold(found, items, params)
    t = choose_threshold(p, items, rules, max_false_holds)
    cv = report(p, pe, items, rules, t)
    crisis, emotional = fit(found, items, params)
    return {
        "threshold": t,
        "meta": {"params": params, "seed": SEED, "folds": FOLDS,
                 "max_false_holds": max_false_holds, "cv": cv,
                 "files": [os.path.relpath(f, ROOT) for f in training_files()]},
        "crisis": linear_data(crisis),
        "emotional": linear_data(emotional),
    }


def model_text(data: dict) -> str:
    """The model file's text: indented, one ``["feature", weight]`` pair a line."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return re.sub(r"\[\n\s+(\"(?:[^\"\\]|\\.)*\"),\n\s+(-?[\d.e-]+)\n\s+\]", r"[\1, \2]",
                  text) + "\n"


def grid(max_false_holds: float) -> None:
    items = load_items(training_files())
    found = featurise(items)
    rules = [rules_decision(item["text"]).decision for item in items]
    print(f"{len(items)} items; rules: crisis on "
          f"{sum(r == 'crisis' for r in rules)}")
    for l2 in (0.1, 0.3, 1.0, 3.0):
        for epochs in (6, 12, 25):
            for min_count in (1, 2, 3):
                params = {"l2": l2, "epochs": epochs, "min_count": min_count}
                p, pe = out_of_fold(found, items, params)
                t = choose_threshold(p, items, rules, max_false_holds)
                print(params, json.dumps(report(p, pe, items, rules, t)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="print the k-fold grid first")
    parser.add_argument("--check", action="store_true",
                        help="retrain and compare with the shipped file; write nothing")
    parser.add_argument("--max-false-holds", type=float, default=0.01)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    if args.cv:
        grid(args.max_false_holds)
        return
    data = build(args.max_false_holds)
    text = model_text(data)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(("same as " if same else "DIFFERENT from ") + str(args.out))
        sys.exit(0 if same else 1)
    args.out.write_text(text, encoding="utf-8")
    print(json.dumps(data["meta"]["cv"]))
    print(f"wrote {args.out} ({len(data['crisis']['weights'])} + "
          f"{len(data['emotional']['weights'])} weights)")


if __name__ == "__main__":
    main()
