"""The screener's statistical second opinion (``forum.moderation.screening.model``):
the shipped weights load, the training script rebuilds them, and ``assess`` takes the
model's word only where the rules find no crisis."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from forum.moderation.screening.engine import assess, rules_decision
from forum.moderation.screening.model import (
    MODEL_FILE,
    Linear,
    Model,
    default_model,
    linear_data,
)

ROOT = Path(__file__).resolve().parents[2]
TRAINER = ROOT / "bench" / "train_screening_model.py"


def _trainer():
    spec = importlib.util.spec_from_file_location("train_screening_model", TRAINER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_loads():
    model = default_model()
    assert model is not None
    assert 0.5 < model.threshold < 1
    assert len(model.crisis.weights) > 1000 and len(model.emotional.weights) > 500
    assert model.meta["cv"]["combined_false_hold_rate"] <= model.meta["max_false_holds"]


@pytest.mark.skipif(not _trainer().DEV_SET.exists(), reason="the shared dev set is absent")
def test_the_training_script_rebuilds_the_shipped_weights():
    # The final fit only (about 2 s); `train_screening_model.py --check` also reruns the
    # cross-validation that chose the threshold.
    trainer = _trainer()
    shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    items = trainer.load_items(trainer.training_files())
    assert len(items) == shipped["meta"]["cv"]["n"]
    crisis, emotional = trainer.fit(trainer.featurise(items), items, shipped["meta"]["params"])
    for name, rebuilt in (("crisis", crisis), ("emotional", emotional)):
        expected = dict(shipped[name]["weights"])
        got = dict(linear_data(rebuilt)["weights"])
        assert got.keys() == expected.keys()
        assert max(abs(got[f] - expected[f]) for f in expected) < 1e-3
        assert linear_data(rebuilt)["bias"] == pytest.approx(shipped[name]["bias"], abs=1e-3)


def test_the_model_lifts_a_post_the_rules_miss_and_says_why():
    text = ("I have been thinking that nobody needs me around. "
            "I have the tablets counted out on the table for Friday.")
    assert rules_decision(text).decision == "none"
    risk = assess(text)
    assert (risk.decision, risk.kind) == ("crisis", "emotional")
    rule, words = risk.evidence[0]
    assert rule == "statistical_model" and words.startswith("p=") and "top words" in words


def test_the_models_kind_and_the_rules_evidence_are_kept():
    text = ("My brother is shaking and talking rubbish, meter says 2.1 and he keeps "
            "spitting the juice out")
    assert rules_decision(text).decision == "concern"
    risk = assess(text)
    assert (risk.decision, risk.kind) == ("crisis", "medical")
    assert [rule for rule, _ in risk.evidence][0] == "statistical_model"
    assert len(risk.evidence) > 1  # the concern rule's evidence follows


TOY = Model(Linear(-10.0, {"zorblex": 20.0}), Linear(-1.0, {"zorblex": -1.0}), 0.9, {})


def test_a_rules_crisis_is_left_alone_and_the_threshold_is_respected():
    assert assess("zorblex is here", model=TOY).evidence[0][0] == "statistical_model"
    assert assess("zorblex is here", model=TOY).kind == "medical"
    assert assess("nothing to see", model=TOY).decision == "none"
    rules_crisis = "ketones 3.6 and cant stop being sick zorblex"
    assert "statistical_model" not in dict(assess(rules_crisis, model=TOY).evidence)
    assert assess(rules_crisis, model=TOY) == rules_decision(rules_crisis)


def test_a_reading_in_range_is_not_a_low_to_the_model():
    # the model reads numbers through the rules' measures
    low = assess("dex says 48 mg/dl and she's having a seizure")
    assert low.decision == "crisis"
    assert assess("dex says 148 mg/dl and she's confused by the new app").decision == "none"
