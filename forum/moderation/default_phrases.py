"""The starting list of watched phrases for diabetes peer support (admins edit it).

Crisis and medical-emergency phrases always hold the post for a trained peer moderator
(the author sees a supportive page, never a refusal). Prescription trading and spam are
blocked with a reason. Each entry: (phrase, action, category). ``*`` ends a prefix.

Phrases are chosen so everyday sentences don't trip them: "end it all" alone would hold
"in the end it all worked out", and "cant go on" would hold "I can't go on holiday".
"""

DEFAULT_PHRASES: list[tuple[str, str, str]] = [
    # Suicide and self-harm
    ("suicid*", "hold", "crisis"),
    ("kill myself", "hold", "crisis"),
    ("end my life", "hold", "crisis"),
    ("to end it all", "hold", "crisis"),
    ("ending it all", "hold", "crisis"),
    ("want to die", "hold", "crisis"),
    ("wish i was dead", "hold", "crisis"),
    ("better off dead", "hold", "crisis"),
    ("no reason to live", "hold", "crisis"),
    ("self harm", "hold", "crisis"),
    ("self-harm", "hold", "crisis"),
    ("want to hurt myself", "hold", "crisis"),
    ("overdose on insulin", "hold", "crisis"),
    ("take all my insulin", "hold", "crisis"),
    ("cant go on anymore", "hold", "crisis"),
    ("cant go on any more", "hold", "crisis"),
    ("cant go on like this", "hold", "crisis"),
    ("cannot go on anymore", "hold", "crisis"),
    # Diabetes-specific emergencies
    ("cant bring my low up", "hold", "medical_emergency"),
    ("cant get my sugar up", "hold", "medical_emergency"),
    ("cant get my blood sugar up", "hold", "medical_emergency"),
    ("cannot bring my low up", "hold", "medical_emergency"),
    ("cannot get my sugar up", "hold", "medical_emergency"),
    ("cannot get my blood sugar up", "hold", "medical_emergency"),
    ("low wont come up", "hold", "medical_emergency"),
    ("dka", "hold", "medical_emergency"),
    ("diabetic ketoacidosis", "hold", "medical_emergency"),
    ("ketones and vomiting", "hold", "medical_emergency"),
    ("ketones and being sick", "hold", "medical_emergency"),
    ("vomiting with high ketones", "hold", "medical_emergency"),
    ("high ketones", "hold", "medical_emergency"),
    ("rationing insulin", "hold", "medical_emergency"),
    ("rationing my insulin", "hold", "medical_emergency"),
    ("cant afford insulin", "hold", "medical_emergency"),
    ("skipping insulin to lose weight", "hold", "medical_emergency"),
    ("skip insulin to lose weight", "hold", "medical_emergency"),
    ("diabulimia", "hold", "medical_emergency"),
    # Prescription trading
    ("selling insulin", "block", "prescription_trading"),
    ("sell my insulin", "block", "prescription_trading"),
    ("buy insulin without prescription", "block", "prescription_trading"),
    ("insulin for sale", "block", "prescription_trading"),
    ("swap insulin", "block", "prescription_trading"),
    ("spare ozempic", "block", "prescription_trading"),
    ("selling ozempic", "block", "prescription_trading"),
    ("selling test strips", "block", "prescription_trading"),
    ("dm me for pens", "block", "prescription_trading"),
    # Spam
    ("cure diabetes in 30 days", "block", "spam"),
    ("reverse diabetes instantly", "block", "spam"),
    ("crypto investment", "block", "spam"),
]
