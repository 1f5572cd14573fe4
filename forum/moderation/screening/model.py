"""The statistical second opinion: a small logistic regression over the words of a post,
trained on every labelled post we have (``bench/train_screening_model.py``), that can
lift a post the rules did not call a crisis to one when it is very sure.

Features are read from the screener's own normalised sentences (``text.sentences``):
each word and each pair of neighbouring words in a sentence, present or not (a number
stands as its shape, ``0`` or ``0.0``), and what the rules' measures read in the
numbers (``@ketones_3_or_more``, ``@glucose_below_3``, ``@glucose_in_range``: "148
mg/dl" is not a low). One model gives the probability of a crisis;
a second, trained on crises only, the probability that it is emotional rather than
medical. Weights are data, ``model.json`` (readable: the heaviest features of each
model are listed first). Pure Python, no dependencies; scoring a 5,000-character post
costs well under a millisecond.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from forum.moderation.screening.text import Sentence

MODEL_FILE = Path(__file__).with_name("model.json")


def features(sentences: Iterable[Sentence], measured: Iterable[str] = ()) -> set[str]:
    """The features of a text given as normalised sentences: words and neighbouring
    pairs within a sentence (numbers as their shape), and ``@name`` for what the rules'
    measures made of its numbers (``@ketones_3_or_more``, ``@glucose_in_range``)."""
    found = {f"@{name}" for name in measured}
    for sentence in sentences:
        # a word that starts with a digit is a number ("3", "2.4"): see text.py
        words = [("0.0" if "." in w else "0") if w[:1].isdigit() else w
                 for w in sentence.words.split(" ")]
        found.update(words)
        found.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return found


@dataclass(frozen=True)
class Linear:
    """A logistic regression: a bias and one weight per feature."""

    bias: float
    weights: dict[str, float]

    def margin(self, found: set[str]) -> float:
        weights = self.weights
        return self.bias + sum(weights.get(f, 0.0) for f in found)

    def probability(self, found: set[str]) -> float:
        return _sigmoid(self.margin(found))

    def top(self, found: set[str], count: int = 5) -> list[str]:
        """The features of ``found`` that pushed hardest towards the positive class."""
        weights = self.weights
        pushing = sorted((f for f in found if weights.get(f, 0.0) > 0),
                         key=lambda f: -weights[f])
        return pushing[:count]


@dataclass(frozen=True)
class Model:
    """The crisis model, the kind model (emotional vs medical) and the threshold above
    which the crisis model's word is taken."""

    crisis: Linear
    emotional: Linear
    threshold: float
    meta: dict


@dataclass(frozen=True)
class Opinion:
    """What the model thinks of one text."""

    probability: float
    kind: str  # emotional | medical ("" below the threshold)
    words: list[str]  # the heaviest words pushing towards a crisis (above the threshold)
    crisis: bool  # probability at or above the model's threshold

    @property
    def evidence(self) -> str:
        return f"p={self.probability:.2f}: top words " + ", ".join(
            f"“{w}”" for w in self.words)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _linear(data: dict) -> Linear:
    return Linear(float(data["bias"]), {f: float(w) for f, w in data["weights"]})


def model_from_data(data: dict) -> Model:
    return Model(_linear(data["crisis"]), _linear(data["emotional"]),
                 float(data["threshold"]), data.get("meta", {}))


@cache
def default_model() -> Model | None:
    """The shipped model, or None when there is no model file."""
    if not MODEL_FILE.exists():
        return None
    return model_from_data(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def opinion(sentences: Sequence[Sentence], measured: Iterable[str] = (),
            model: Model | None = None) -> Opinion | None:
    """The model's opinion of a text (its normalised sentences and what the rules'
    measures read in it), or None without a model."""
    model = model or default_model()
    if model is None:
        return None
    found = features(sentences, measured)
    p = model.crisis.probability(found)
    if p < model.threshold:  # the usual case: the kind and the words are not needed
        return Opinion(p, "", [], False)
    kind = "emotional" if model.emotional.probability(found) >= 0.5 else "medical"
    return Opinion(p, kind, model.crisis.top(found), True)


# --- training ---------------------------------------------------------------------------

def train_linear(examples: Sequence[tuple[set[str], int]], *, l2: float, epochs: int,
                 rate: float = 0.5, seed: int = 7, min_count: int = 2) -> Linear:
    """A logistic regression fitted by AdaGrad stochastic gradient descent with an L2
    penalty (applied to the features each example touches), over features seen in at
    least ``min_count`` examples. Deterministic for a given ``seed``."""
    counts: dict[str, int] = {}
    for found, _ in examples:
        for f in found:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f for f, c in counts.items() if c >= min_count}
    rows = [(sorted(found & vocab), label) for found, label in examples]
    weights: dict[str, float] = dict.fromkeys(sorted(vocab), 0.0)
    squares: dict[str, float] = dict.fromkeys(weights, 1e-8)
    bias, bias_square = 0.0, 1e-8
    order = list(range(len(rows)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            found, label = rows[i]
            p = _sigmoid(bias + sum(weights[f] for f in found))
            error = p - label
            for f in found:
                g = error + l2 * weights[f] / counts[f]
                squares[f] += g * g
                weights[f] -= rate * g / math.sqrt(squares[f])
            bias_square += error * error
            bias -= rate * error / math.sqrt(bias_square)
    return Linear(bias, {f: w for f, w in weights.items() if abs(w) >= 1e-4})


def linear_data(model: Linear, digits: int = 4) -> dict:
    """``model`` as JSON data, heaviest features first."""
    ordered = sorted(model.weights.items(), key=lambda fw: (-abs(fw[1]), fw[0]))
    return {"bias": round(model.bias, digits),
            "weights": [[f, round(w, digits)] for f, w in ordered if round(w, digits)]}
