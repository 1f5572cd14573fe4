"""A synthetic forum corpus for bench/search.py: posts that read roughly like ours.

Words are drawn from a Zipf distribution over a vocabulary that mixes common
English, diabetes terms and a long tail of rare made-up words (brand names,
misspellings, nicknames), so there are very common, middling and rare terms. Some
fixed phrases ("continuous glucose monitor", "type 1") are sprinkled in so that
phrase and synonym queries have something to find. Deterministic for a given seed.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

COMMON = """
the be to of and a in that have i it for not on with he as you do at this but his by from
they we say her she or an will my one all would there their what so up out if about who get
which go me when make can like time no just him know take people into year your good some
could them see other than then now look only come its over think also back after use two how
our work first well way even new want because any these give day most us is was are been has
had were did said got made went feel felt really still try tried thing things lot little much
very today tonight yesterday morning evening night week month week end weekend hour minute
always never sometimes often usually again last next long short early late before during
help helps helped helpful thanks thank sorry hope hoping worried worry scared happy tired
glad friend family mum dad son daughter husband wife partner kid kids child children school
work job holiday walk walking run running swim cycling gym exercise sport football dog garden
sleep sleeping wake woke bed breakfast lunch dinner tea coffee snack toast pasta rice bread
potato porridge cereal fruit apple banana orange juice chocolate biscuit cake pizza curry
salad soup cheese egg eggs chicken fish milk water wine beer drink drinking eat eating ate
meal meals food hungry thirsty plate portion kitchen shop shopping supermarket label labels
car drive driving licence train bus travel trip flight airport hotel phone app watch alarm
doctor nurse hospital clinic appointment gp team consultant surgery pharmacy prescription
review check checkup letter result results number numbers range target chart graph data
start started starting stop stopped change changed changing different same better worse
high low normal steady stable spike spikes drop dropped rise rising fall falling fast slow
body weight loss lose lost gain stress stressed anxious anxiety mood energy pain ache sick
ill cold flu virus fever headache dizzy shaky sweaty confused hungry thirst vision eyes
feet foot skin cut heal healing kidney heart blood pressure cholesterol liver
question answer advice idea experience story share sharing support group forum post thread
""".split()

DIABETES = """
diabetes diabetic insulin glucose sugar sugars carb carbs carbohydrate carbohydrates
hypo hypos hypoglycaemia hypoglycemia hyper hypers hyperglycaemia ketones ketoacidosis dka
basal bolus correction dose doses dosing injection injections injecting inject injected
pen pens needle needles pump pumps pumping cannula site sites infusion set reservoir
cgm sensor sensors libre dexcom monitor monitoring finger prick meter strips lancet
hba1c a1c metformin gliclazide sitagliptin empagliflozin dapagliflozin semaglutide ozempic
liraglutide tirzepatide novorapid humalog fiasp lantus levemir tresyga toujeo abasaglar
type gestational prediabetes remission diagnosis diagnosed diagnose endocrinologist
dietitian dsn educator dafne desmond retinopathy neuropathy nephropathy screening
loop looping closed algorithm bolusing prebolus pre-bolus ratio ratios icr isf sensitivity
dawn phenomenon rebound overnight exercise lows highs trend arrow alert alarms calibration
glucagon dextrose jelly babies lucozade glucotabs hypo-kit treat treating treatment
units unit mmol mg dl reading readings level levels spike postprandial fasting
""".split()

PHRASES = [
    "continuous glucose monitor", "type 1", "type 2", "blood sugar", "basal rate",
    "night time hypo", "carb counting", "insulin pump", "jelly babies", "finger prick",
    "dawn phenomenon", "diabetic ketoacidosis", "hypo treatment", "sick day rules",
    "time in range", "closed loop", "low carb", "HbA1c result",
]


def _made_up_words(count: int, rng: random.Random) -> list[str]:
    """Pronounceable nonsense words for the rare tail (never real vocabulary)."""
    consonants, vowels = "bcdfghjklmnprstvz", "aeiou"
    words = set()
    while len(words) < count:
        syllables = rng.randint(2, 4)
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables))
        words.add(word + rng.choice(["", "x", "q", "th"]))
    return sorted(words)


@dataclass
class Corpus:
    """The generated forum: categories, threads and posts as plain tuples."""

    categories: list[tuple[int, str, bool]]           # (id, name, members_only)
    threads: list[tuple[int, int, str]]               # (id, category_id, title)
    posts: list[tuple[int, int, int, str, int]]       # (id, thread_id, author_id, text, epoch)
    vocabulary: list[str]
    rare_words: list[str]


def build_vocabulary(rng: random.Random, tail: int = 20_000) -> tuple[list[str], list[str]]:
    """Everyday words first, then everyday and diabetes words interleaved, then a tail.

    So "the" is in nearly every post, "insulin" in roughly one in five, and each
    made-up tail word in a handful.
    """
    head: list[str] = COMMON[:80]
    rest = COMMON[80:]
    for n, diabetic in enumerate(DIABETES):
        head.extend(word for word in rest[3 * n:3 * n + 3] + [diabetic] if word not in head)
    head.extend(word for word in rest[3 * len(DIABETES):] if word not in head)
    rare = _made_up_words(tail, rng)
    return head + rare, rare


def generate(posts: int = 100_000, threads: int = 10_000, categories: int = 8,
             users: int = 2_000, seed: int = 7) -> Corpus:
    """Generate the corpus: 30-300 words a post, replies spread over threads."""
    rng = random.Random(seed)
    vocabulary, rare = build_vocabulary(rng)
    # Zipf over the real words; the made-up tail together gets about 5% of all words.
    weights = list(itertools.accumulate(
        (1.0 if rank < len(vocabulary) - len(rare) else 0.08) / (rank + 1)
        for rank in range(len(vocabulary))
    ))
    cats = [(n + 1, f"Category {n + 1}", n >= categories - 2) for n in range(categories)]
    thread_rows = []
    for n in range(threads):
        title_words = rng.choices(vocabulary[:600], cum_weights=weights[:600], k=rng.randint(3, 8))
        thread_rows.append((n + 1, rng.randint(1, categories), " ".join(title_words).capitalize()))
    start = 1_700_000_000
    post_rows = []
    for n in range(posts):
        thread_id = n + 1 if n < threads else rng.randint(1, threads)
        words = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(30, 300))
        for _ in range(rng.randint(0, 2)):
            words.insert(rng.randrange(len(words)), rng.choice(PHRASES))
        text = _sentences(words, rng)
        post_rows.append((n + 1, thread_id, rng.randint(1, users), text, start + n * 300))
    return Corpus(cats, thread_rows, post_rows, vocabulary, rare)


def _sentences(words: list[str], rng: random.Random) -> str:
    out, start = [], 0
    while start < len(words):
        end = start + rng.randint(6, 18)
        out.append(" ".join(words[start:end]).capitalize() + rng.choice(".?!."))
        start = end
    return " ".join(out)
