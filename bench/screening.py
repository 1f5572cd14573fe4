"""Crisis-screening benchmark: time for the risk engine to read one post.

    .venv/bin/python bench/screening.py            # 1,000 runs per size
    .venv/bin/python bench/screening.py --runs 500

Builds realistic mixed posts (everyday chat, numbers with units, idioms, past events, a
few risk sentences) of about 280, 1,000 and 5,000 characters, each run a different
shuffle so no cache helps, and times ``forum.moderation.screening.engine.assess`` on
each. Prints one table; the target is p95 <= 5 ms at 5,000 characters. Wall time is
what a member waits for; CPU time (this thread only) is the engine's own cost, steady
even when other processes share the machine. Pure Python: no database, no network.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum.moderation.screening.engine import assess  # noqa: E402
from forum.moderation.screening.rules import default_rules  # noqa: E402

SENTENCES = [
    "Morning all, fasting was 6.8 today which is about normal for me.",
    "Had porridge with blueberries and bolused 4 units, peaked at 9.1 an hour later.",
    "Does anyone else find the libre reads a bit low overnight when you lie on it?",
    "My DSN wants me to try a temp basal of 80% for the football on Saturdays.",
    "This new sensor is killing me, it keeps catching on my sleeve.",
    "Years ago I had DKA with ketones of 4.5 but I've been fine since then.",
    "We're off to Spain in August so I'm sorting a letter for the airport.",
    "Honestly dying for a coffee after that clinic wait, two hours!",
    "Went low at the gym, 3.4, had some jelly babies and was back up to 6.2 quickly.",
    "If your child is being sick with ketones, ring the team or go to A&E.",
    "Anyone tried the new smart pens? The app looks decent but the price is steep.",
    "Sugars have been a bit all over the place with this cold, ketones 0.3 though.",
    "I'm so tired of the night alarms, I feel like I haven't slept properly in weeks.",
    "Tresiba has been much better for me than lantus ever was.",
    "The kids made me a hypo box for Christmas with all my favourite sweets in it.",
    "My HbA1c came back at 52 which I'm really pleased with.",
    "Not sure whether to pre-bolus 15 or 20 minutes for pizza, any thoughts?",
    "My mum keeps asking whether I can eat cake, which is a whole conversation.",
    "I could murder a bacon sandwich right now.",
    "Ketones 1.2 this morning, drinking water and correcting, will check again at lunch.",
    "I don't want to be here any more and I've got all my pens lined up.",
    "I stopped taking my novorapid last week so the weight comes off.",
]


def make_post(rng: random.Random, size: int) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < size:
        parts.append(rng.choice(SENTENCES))
    text = " ".join(parts)
    return text[:size]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    default_rules()  # loading and compiling the rules happens once per process
    for _ in range(20):  # warm up
        assess(make_post(rng, 5000))
    print(f"{'post size':>10} {'runs':>6} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'cpu p50':>8} {'cpu p95':>8}")
    for size in (280, 1000, 5000):
        posts = [make_post(rng, size) for _ in range(args.runs)]
        samples, cpu = [], []
        for post in posts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            assess(post)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            samples.append((time.perf_counter() - start) * 1000)
        print(f"{size:>10} {len(samples):>6} {statistics.mean(samples):>8.2f} "
              f"{percentile(samples, 0.50):>8.2f} {percentile(samples, 0.95):>8.2f} "
              f"{percentile(samples, 0.99):>8.2f} {max(samples):>8.2f} "
              f"{percentile(cpu, 0.50):>8.2f} {percentile(cpu, 0.95):>8.2f}")


if __name__ == "__main__":
    main()
