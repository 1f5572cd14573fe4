"""Demo content for Sugar Circle: categories, members and conversations.

Pure data, loaded by ``forum.seed.seed_demo``. Everything here is invented: the
members are pseudonyms on example.org addresses and no real person is named.

Times are relative so the forum always looks active: a thread opened ``days_ago``
days before seeding, and each reply ``hours_after`` its opening post (increasing,
and always before "now"). A reaction is ``(target, reactor email, kind)`` where
``target`` is 0 for the opening post and n for the n-th reply (1-based); nobody
reacts to their own post.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

DEMO_PASSWORD = "peer-support-demo"


class CategorySeed(TypedDict):
    slug: str
    name: str
    description: str
    members_only: bool


class UserSeed(TypedDict):
    email: str
    display_name: str
    role: str
    joined_days_ago: int
    bio: str


class ReplySeed(TypedDict):
    author: str
    hours_after: float
    body: str


class ThreadSeed(TypedDict):
    category: str
    author: str
    title: str
    body: str
    days_ago: float
    replies: list[ReplySeed]
    reactions: list[tuple[int, str, str]]
    pinned: NotRequired[bool]
    locked: NotRequired[bool]


CATEGORIES: list[CategorySeed] = [
    {
        "slug": "newly-diagnosed",
        "name": "Newly diagnosed",
        "description": "Just been told? Ask anything here, however basic it feels: "
                       "we have all been at the beginning.",
        "members_only": False,
    },
    {
        "slug": "type-1",
        "name": "Type 1",
        "description": "Day-to-day life with type 1 diabetes, from hypos and hospital "
                       "clinics to the small wins nobody else notices.",
        "members_only": False,
    },
    {
        "slug": "type-2",
        "name": "Type 2",
        "description": "Living well with type 2 diabetes: medication, check-ups, "
                       "food and everything in between, without judgement.",
        "members_only": False,
    },
    {
        "slug": "pregnancy",
        "name": "Pregnancy & gestational diabetes",
        "description": "For anyone planning a pregnancy with diabetes, expecting, or "
                       "navigating gestational diabetes; you are not alone in this.",
        "members_only": False,
    },
    {
        "slug": "food-activity",
        "name": "Food & activity",
        "description": "Recipes, carb counting, walking, running and everything that "
                       "moves your numbers, shared kindly and without food shaming.",
        "members_only": False,
    },
    {
        "slug": "tech",
        "name": "Pumps, CGMs & tech",
        "description": "Sensors, pumps, meters, apps and the sticky realities of wearing "
                       "them, from people who wear them every day.",
        "members_only": False,
    },
    {
        "slug": "feelings",
        "name": "Feelings & burnout",
        "description": "A quieter, members-only space for the emotional side of "
                       "diabetes: burnout, worry, guilt and getting through it together.",
        "members_only": True,
    },
    {
        "slug": "family",
        "name": "Family & caregivers",
        "description": "For parents, partners, grandparents and carers supporting "
                       "someone they love who lives with diabetes.",
        "members_only": False,
    },
]

ADMIN = "admin@example.org"
MODERATOR = "moderator@example.org"
LAPSED_MODERATOR = "sam@example.org"
LIZ = "liz@example.org"
TOM = "tom@example.org"
MUM = "mum@example.org"
RAVI = "ravi@example.org"
NADIA = "nadia@example.org"
GEOFF = "geoff@example.org"

USERS: list[UserSeed] = [
    {
        "email": ADMIN,
        "display_name": "Hannah (staff)",
        "role": "admin",
        "joined_days_ago": 60,
        "bio": "I look after Sugar Circle behind the scenes. Type 1 since I was twelve; "
               "two pregnancies and a lot of sensors later, still learning.",
    },
    {
        "email": MODERATOR,
        "display_name": "Priya (moderator)",
        "role": "moderator",
        "joined_days_ago": 60,
        "bio": "Trained peer-support volunteer and one of the forum's moderators. "
               "If something worries you, use the flag link and I will take a look.",
    },
    {
        "email": LAPSED_MODERATOR,
        "display_name": "Sam (moderator)",
        "role": "moderator",
        "joined_days_ago": 58,
        "bio": "Peer moderator on a break while my training is renewed. Type 2, "
               "allotment, two dogs.",
    },
    {
        "email": LIZ,
        "display_name": "LoopingLiz",
        "role": "member",
        "joined_days_ago": 45,
        "bio": "Type 1 for twenty years, on a hybrid closed loop. Tea, crosswords "
               "and far too many opinions about sensor tape.",
    },
    {
        "email": TOM,
        "display_name": "T2Tom",
        "role": "member",
        "joined_days_ago": 42,
        "bio": "Diagnosed with type 2 three years ago at 49. Metformin, allotment, "
               "and an ongoing truce with bread.",
    },
    {
        "email": MUM,
        "display_name": "MumOfAMax",
        "role": "member",
        "joined_days_ago": 40,
        "bio": "Mum to Max (14), diagnosed with type 1 eighteen months ago. I had "
               "gestational diabetes with him too, so I have seen both sides.",
    },
    {
        "email": RAVI,
        "display_name": "RunnerRavi",
        "role": "member",
        "joined_days_ago": 37,
        "bio": "Type 1 since I was fifteen, pump user, slow marathon runner. "
               "Always carrying jelly babies.",
    },
    {
        "email": NADIA,
        "display_name": "NewbieNadia",
        "role": "member",
        "joined_days_ago": 33,
        "bio": "",
    },
    {
        "email": GEOFF,
        "display_name": "GrandadGeoff",
        "role": "member",
        "joined_days_ago": 30,
        "bio": "Retired engineer. Joined to help with my granddaughter's type 1, "
               "then got my own type 2 diagnosis. Life is full of surprises.",
    },
]


THREADS: list[ThreadSeed] = [
    # ------------------------------------------------------------------ newly diagnosed
    {
        "category": "newly-diagnosed",
        "author": MODERATOR,
        "title": "Welcome! Start here — how this community works",
        "pinned": True,
        "days_ago": 26.5,
        "body": (
            "Hello and welcome to Sugar Circle. Whether you were diagnosed last week or "
            "thirty years ago, or you are supporting someone who was, you are in the right "
            "place.\n\n"
            "A few things that keep this a good place to be:\n\n"
            "- **Share experience, not prescriptions.** Tell us what worked for *you*; "
            "please don't tell others to change their insulin or medication.\n"
            "- **Be kind.** Everyone's diabetes is different and nobody is \"doing it wrong\".\n"
            "- **Feelings & burnout** is visible to signed-in members only, so you can speak "
            "more freely there.\n"
            "- Use the *report* link if anything worries you; a moderator will look at it.\n\n"
            "This forum is peer support, not medical care. If you are unwell or in danger, "
            "contact your diabetes team or call your local emergency number. For reliable "
            "information, https://www.diabetes.org.uk is a good place to start."
        ),
        "replies": [
            {
                "author": NADIA,
                "hours_after": 30,
                "body": (
                    "Thank you, this is really reassuring. My midwife has sent me for a "
                    "glucose tolerance test next week and I wanted to read up before it, "
                    "so hello from a very nervous lurker."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 150,
                "body": (
                    "Hello all. I'm here because my granddaughter was diagnosed with type 1 "
                    "and I want to be useful rather than just worried. Glad to have found you."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 156,
                "body": (
                    "Welcome both of you! Nadia, good luck with the test, and Geoff, the "
                    "*Family & caregivers* board has lots of grandparents in it."
                ),
            },
        ],
        "reactions": [
            (0, NADIA, "thanks"),
            (0, GEOFF, "thanks"),
            (0, TOM, "thanks"),
            (0, MUM, "thanks"),
            (1, MUM, "me_too"),
            (2, MUM, "thanks"),
        ],
    },
    {
        "category": "newly-diagnosed",
        "author": ADMIN,
        "title": "Newcomers' online coffee morning — Saturday 10am (now closed)",
        "locked": True,
        "days_ago": 26.9,
        "body": (
            "We're holding a relaxed video coffee morning for anyone who has joined in the "
            "last few months. No agenda, no cameras required, just a chance to say hello "
            "to a few friendly faces.\n\n"
            "Reply here if you'd like the link and I'll send it by private message."
        ),
        "replies": [
            {
                "author": TOM,
                "hours_after": 5,
                "body": "I'll pop in to say hello to the newcomers. Bringing my own biscuits.",
            },
            {
                "author": LIZ,
                "hours_after": 9.5,
                "body": "Count me in, happy to answer any sensor questions people have.",
            },
            {
                "author": ADMIN,
                "hours_after": 60,
                "body": (
                    "Thank you to everyone who came, it was lovely. I'm locking this thread "
                    "now; we'll post the next date in a new one."
                ),
            },
        ],
        "reactions": [(0, TOM, "thanks"), (3, LIZ, "thanks"), (3, TOM, "thanks")],
    },
    {
        "category": "newly-diagnosed",
        "author": NADIA,
        "title": "Just been told I have gestational diabetes and I can't stop crying",
        "days_ago": 20.0,
        "body": (
            "The test came back positive at 27 weeks. The nurse was kind but it was all "
            "meters and diet sheets and I just nodded along. I keep thinking I caused this "
            "by eating too many biscuits in the first trimester.\n\n"
            "Is it normal to feel this *guilty*? How did you get through the first week?"
        ),
        "replies": [
            {
                "author": MODERATOR,
                "hours_after": 1.5,
                "body": (
                    "Oh Nadia, a big hug. A diagnosis like this is a shock and crying is a "
                    "completely normal reaction. Gestational diabetes is caused by pregnancy "
                    "hormones affecting how your body uses insulin; it is not a punishment "
                    "for biscuits. The NHS page explains it well: "
                    "https://www.nhs.uk/conditions/gestational-diabetes/"
                ),
            },
            {
                "author": MUM,
                "hours_after": 4,
                "body": (
                    "I had GD with my son and I felt exactly the same, I cried in the car "
                    "park. The first week is the worst because everything is new. By the "
                    "third week the finger pricks were just part of the routine. You're "
                    "doing the right things already by asking."
                ),
            },
            {
                "author": NADIA,
                "hours_after": 20,
                "body": (
                    "Thank you both. I read the NHS page and had a proper chat with my "
                    "partner last night. Feeling a bit less alone."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 27,
                "body": (
                    "Sending love. One tip that helped me with *any* new routine: write your "
                    "readings down with a note about what you ate, without judging them. "
                    "They're information, not a school report."
                ),
            },
        ],
        "reactions": [
            (1, NADIA, "thanks"),
            (2, NADIA, "thanks"),
            (2, LIZ, "me_too"),
            (4, NADIA, "thanks"),
            (0, MUM, "me_too"),
        ],
    },
    {
        "category": "newly-diagnosed",
        "author": GEOFF,
        "title": "71 and just told I have type 2 — is it too late to change anything?",
        "days_ago": 12.3,
        "body": (
            "Never thought I'd be posting here for myself. My GP has been saying "
            "\"borderline\" for years and now it's official. She has started me on "
            "metformin and booked me on a course.\n\n"
            "Part of me thinks that at my age there's no point fussing. Part of me wants "
            "to see my granddaughter graduate. Anyone diagnosed later in life?"
        ),
        "replies": [
            {
                "author": TOM,
                "hours_after": 3,
                "body": (
                    "Not too late at all, Geoff. I was 49 so a bit younger, but the "
                    "education course was the most useful thing I did. Go with a notebook; "
                    "there's no daft question there."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 6,
                "body": (
                    "Welcome to the other side of the forum, Geoff! Lots of members were "
                    "diagnosed in their sixties and seventies. Small, steady changes you can "
                    "keep up tend to matter more than big dramatic ones, and your team will "
                    "help you pick where to start."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 22,
                "body": (
                    "My uncle was diagnosed at 74 and started walking to the paper shop "
                    "every morning instead of having it delivered. He's 82 now and still "
                    "tells everyone about it."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 30,
                "body": "Right, the paper shop it is. Thank you all, that's cheered me up.",
            },
        ],
        "reactions": [
            (1, GEOFF, "thanks"),
            (2, GEOFF, "thanks"),
            (3, GEOFF, "thanks"),
            (3, TOM, "thanks"),
            (0, TOM, "me_too"),
        ],
    },
    {
        "category": "newly-diagnosed",
        "author": GEOFF,
        "title": "Confused by all the numbers — mmol/L, mmol/mol, HbA1c?",
        "days_ago": 4.1,
        "body": (
            "My letter says my HbA1c is 58 mmol/mol, my meter says 9.4 mmol/L and my "
            "neighbour talks about \"percent\". As an engineer I feel I ought to understand "
            "this. Could someone explain in plain English what the different numbers are?"
        ),
        "replies": [
            {
                "author": TOM,
                "hours_after": 2,
                "body": (
                    "Took me ages too! Roughly:\n\n"
                    "- **mmol/L** is your blood sugar *right now*, from a finger prick or "
                    "sensor.\n"
                    "- **HbA1c** is a blood test showing your *average* over about three "
                    "months. In the UK it's given in mmol/mol; the older \"percent\" scale "
                    "is the same thing in different units.\n\n"
                    "Your team will tell you what targets make sense for you."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 5,
                "body": (
                    "Tom's summary is spot on. Diabetes UK has a good explainer on HbA1c if "
                    "you like to read around: https://www.diabetes.org.uk"
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 26,
                "body": "Snapshot versus three-month average. That makes sense. Many thanks.",
            },
        ],
        "reactions": [(1, GEOFF, "thanks"), (1, NADIA, "thanks"), (2, GEOFF, "thanks")],
    },
    # ------------------------------------------------------------------ type 1
    {
        "category": "type-1",
        "author": LIZ,
        "title": "Night-time hypos after evening exercise — anyone else?",
        "days_ago": 9.5,
        "body": (
            "I've started a Tuesday evening swim and three Tuesdays running I've woken at "
            "3am low and sweaty. During the swim I'm fine; it's hours later.\n\n"
            "I've booked a chat with my DSN but I'd love to hear how others plan around "
            "evening exercise. Does it get easier once your body gets used to it?"
        ),
        "replies": [
            {
                "author": RAVI,
                "hours_after": 1,
                "body": (
                    "Yes! The delayed low after exercise caught me out for years. Muscles "
                    "keep topping up their stores overnight. My team helped me set up a "
                    "plan for evening runs; it took a few weeks of notes to get right."
                ),
            },
            {
                "author": MUM,
                "hours_after": 3,
                "body": (
                    "Max gets this after football training. We keep a hypo kit by his bed "
                    "and I've set his CGM low alert a bit higher on training nights, "
                    "which his team suggested."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 20,
                "body": (
                    "Glad it's not just me. I'll bring my CGM graphs to the DSN "
                    "appointment so we can look at the pattern together."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 22,
                "body": (
                    "Great plan, Liz. Bringing the data is the best thing you can do. "
                    "Please do let us know how you get on."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 170,
                "body": (
                    "Update: DSN appointment went well and we've made a plan for swim "
                    "nights. Two quiet nights so far. Thank you all!"
                ),
            },
        ],
        "reactions": [
            (0, RAVI, "me_too"),
            (0, MUM, "me_too"),
            (1, LIZ, "thanks"),
            (2, LIZ, "thanks"),
            (5, RAVI, "thanks"),
            (5, MODERATOR, "thanks"),
        ],
    },
    {
        "category": "type-1",
        "author": LIZ,
        "title": "Twenty years of type 1 today — a little diaversary post",
        "days_ago": 2.2,
        "body": (
            "Twenty years ago today I was a very thirsty eleven-year-old in A&E. I've "
            "gone from a urine test strip to a phone that talks to my pump.\n\n"
            "It hasn't all been easy, but I wanted to say to anyone newly diagnosed: "
            "*you will have a life with this*, and it can be a full one. Cake later."
        ),
        "replies": [
            {
                "author": RAVI,
                "hours_after": 0.5,
                "body": (
                    "Happy diaversary! Twenty years of being your "
                    "own pancreas. Enjoy the cake."
                ),
            },
            {
                "author": MUM,
                "hours_after": 1,
                "body": (
                    "This made me a bit teary. Max is eighteen months in and posts like "
                    "this give me so much hope. Happy diaversary!"
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 2,
                "body": "Congratulations Liz, and thank you for all you give to this place.",
            },
            {
                "author": TOM,
                "hours_after": 4,
                "body": "Well done, Liz! Have a slice for me.",
            },
            {
                "author": NADIA,
                "hours_after": 6,
                "body": "Happy diaversary! Your replies got me through my first week here.",
            },
            {
                "author": GEOFF,
                "hours_after": 9,
                "body": (
                    "Many happy returns. I shall show this to my granddaughter; she'll "
                    "like knowing there are people twenty years in and still cheerful."
                ),
            },
            {
                "author": ADMIN,
                "hours_after": 11,
                "body": "Happy diaversary from one long-timer to another!",
            },
            {
                "author": LIZ,
                "hours_after": 20,
                "body": (
                    "You lot! Thank you. Cake was a lemon drizzle, carb-counted with great "
                    "precision and then a second slice with none at all."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 23,
                "body": "The second slice is the most relatable thing on this forum.",
            },
        ],
        "reactions": [
            (0, RAVI, "thanks"),
            (0, MUM, "thanks"),
            (0, NADIA, "thanks"),
            (0, GEOFF, "thanks"),
            (0, TOM, "thanks"),
            (2, LIZ, "thanks"),
            (6, LIZ, "thanks"),
            (8, MUM, "me_too"),
            (9, LIZ, "thanks"),
        ],
    },
    {
        "category": "type-1",
        "author": LIZ,
        "title": "Pharmacy \"can't get\" my insulin again — how do you handle delays?",
        "days_ago": 16.4,
        "body": (
            "Third month in a row my repeat prescription has been \"on order\". I'm down "
            "to my last two pens. The pharmacy says it's a supplier issue, the surgery "
            "says it's the pharmacy.\n\n"
            "How do you all keep a buffer without feeling like you're hoarding?"
        ),
        "replies": [
            {
                "author": RAVI,
                "hours_after": 2,
                "body": (
                    "So frustrating. I order as soon as the repeat is allowed rather than "
                    "when I'm running low, which gives me a couple of weeks' margin. Some "
                    "pharmacies will ring round other branches if you ask."
                ),
            },
            {
                "author": MUM,
                "hours_after": 5,
                "body": (
                    "Same boat with Max's sensors last winter. Our DSN was brilliant at "
                    "chasing it when I told her. Don't be shy about asking the team."
                ),
            },
            {
                "author": TOM,
                "hours_after": 8,
                "body": (
                    "Not insulin, but I switched to a different pharmacy after months of "
                    "this and it's been much calmer. Might be worth asking locally?"
                ),
            },
            {
                "author": LIZ,
                "hours_after": 30,
                "body": (
                    "Update: another branch had it in stock and the pharmacist transferred "
                    "it. I'll order earlier from now on. Thank you all."
                ),
            },
        ],
        "reactions": [
            (0, RAVI, "me_too"),
            (0, MUM, "me_too"),
            (1, LIZ, "thanks"),
            (2, LIZ, "thanks"),
        ],
    },
    {
        "category": "type-1",
        "author": MUM,
        "title": "Is Max's honeymoon phase ending? His doses keep creeping up",
        "days_ago": 22.1,
        "body": (
            "Max was diagnosed eighteen months ago and for a long time needed very little "
            "insulin. Over the last month his team has been adjusting his doses up and "
            "his numbers are much more up and down.\n\n"
            "Did anyone else find the end of the honeymoon phase hard? He's fed up and "
            "so am I."
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 2.5,
                "body": (
                    "I remember it feeling like I'd suddenly got worse at diabetes, which "
                    "isn't true at all. It settled for me over a few months as the team "
                    "got to know the new normal."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 7,
                "body": (
                    "As a teenager I blamed myself for every high. Tell Max it isn't him, "
                    "it's his body changing. Growth hormones don't help either!"
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 9,
                "body": (
                    "It sounds like you're doing exactly the right thing by keeping in "
                    "close touch with his team. JDRF has some good resources for families "
                    "at this stage: https://www.jdrf.org"
                ),
            },
        ],
        "reactions": [(1, MUM, "thanks"), (2, MUM, "thanks"), (0, LIZ, "me_too")],
    },
    {
        "category": "type-1",
        "author": RAVI,
        "title": "Insulin in a heatwave — how do you keep pens cool when travelling?",
        "days_ago": 6.3,
        "body": (
            "Off to a wedding in southern Spain next month and it'll be 35°C. Last summer "
            "my pump insulin seemed to lose its oomph on a hot day.\n\n"
            "What do you use to keep insulin cool on the move? Cooling wallets, flasks, "
            "hotel minibar?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 3,
                "body": (
                    "I swear by the soak-in-water cooling wallets; no ice needed. I also "
                    "split my supply between two bags in case one goes missing."
                ),
            },
            {
                "author": MUM,
                "hours_after": 10,
                "body": (
                    "We ask hotels for a fridge in advance and mention it's for medication; "
                    "they've always been helpful. Also a letter from the clinic for airport "
                    "security saves a lot of explaining."
                ),
            },
        ],
        "reactions": [(1, RAVI, "thanks"), (2, RAVI, "thanks"), (0, LIZ, "me_too")],
    },
    # ------------------------------------------------------------------ type 2
    {
        "category": "type-2",
        "author": TOM,
        "title": "HbA1c came back at 48 — quietly chuffed",
        "days_ago": 3.4,
        "body": (
            "Three years ago I was diagnosed at 71 mmol/mol. Today's result was 48. "
            "Mostly it's been walking to the allotment, smaller portions and a lot of "
            "support from my practice nurse.\n\n"
            "Not bragging, just wanted to share a good day with people who get it."
        ),
        "replies": [
            {
                "author": GEOFF,
                "hours_after": 2,
                "body": "Well done, Tom. That's just the kind of post I needed to read this week.",
            },
            {
                "author": LIZ,
                "hours_after": 4,
                "body": (
                    "Brilliant news. Celebrate the good days; "
                    "we talk enough about the bad ones."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 6,
                "body": (
                    "Congratulations! And a good reminder for everyone that your result "
                    "is yours: targets differ from person to person, so compare with your "
                    "own past self, not with anyone else."
                ),
            },
            {
                "author": TOM,
                "hours_after": 20,
                "body": "Thanks all. Celebrated with a very large cup of tea.",
            },
        ],
        "reactions": [
            (0, GEOFF, "thanks"),
            (0, LIZ, "thanks"),
            (0, NADIA, "thanks"),
            (3, TOM, "thanks"),
            (3, GEOFF, "thanks"),
        ],
    },
    {
        "category": "type-2",
        "author": GEOFF,
        "title": "Metformin and my stomach — does it settle down?",
        "days_ago": 8.7,
        "body": (
            "Two weeks on metformin and my stomach is not happy, to put it politely. "
            "I don't want to give up on it too soon.\n\n"
            "Did it get better for others? I'm seeing the practice nurse on Friday."
        ),
        "replies": [
            {
                "author": TOM,
                "hours_after": 3,
                "body": (
                    "Mine was rough for the first few weeks and then settled. Taking it "
                    "with food helped me. Later my GP switched me to the slow-release "
                    "version, which suited me better, but that's a conversation for your "
                    "nurse on Friday."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 5,
                "body": (
                    "Good that you're seeing the nurse, Geoff. Do tell them exactly how it's "
                    "affecting you; there are usually options, and it's not a failure to "
                    "ask. Please don't stop or change it without speaking to them first."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 80,
                "body": (
                    "Saw the nurse; we've made a change and I'm already feeling better. "
                    "Glad I asked rather than soldiering on."
                ),
            },
        ],
        "reactions": [(0, TOM, "me_too"), (1, GEOFF, "thanks"), (2, GEOFF, "thanks")],
    },
    {
        "category": "type-2",
        "author": TOM,
        "title": "Does anyone else get told \"you just need to lose weight\"?",
        "days_ago": 18.2,
        "body": (
            "Had a relative say at a family do that type 2 is \"self-inflicted\" and I "
            "just need to \"stop eating cake\". I smiled and said nothing and have been "
            "stewing about it since.\n\n"
            "How do you respond to this without starting a row?"
        ),
        "replies": [
            {
                "author": GEOFF,
                "hours_after": 4,
                "body": (
                    "My brother said almost the same thing. I told him family history, "
                    "age and genes all play a big part, and that I'd thank him to leave "
                    "my cake alone."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 6,
                "body": (
                    "People say equally daft things about type 1 (\"did you eat too many "
                    "sweets as a kid?\"). It's ignorance, not your failing. I keep a "
                    "one-line answer ready and change the subject."
                ),
            },
            {
                "author": NADIA,
                "hours_after": 9,
                "body": "I'm getting the pregnancy version of this. It stings. Solidarity, Tom.",
            },
            {
                "author": MODERATOR,
                "hours_after": 12,
                "body": (
                    "Stigma is one of the hardest parts of diabetes and it can affect how "
                    "people look after themselves. You owe nobody an explanation, but "
                    "Diabetes UK has some handy myth-busting material if you'd like to "
                    "share it: https://www.diabetes.org.uk"
                ),
            },
        ],
        "reactions": [
            (0, LIZ, "me_too"),
            (0, NADIA, "me_too"),
            (0, GEOFF, "me_too"),
            (1, TOM, "thanks"),
            (2, TOM, "thanks"),
            (4, TOM, "thanks"),
        ],
    },
    {
        "category": "type-2",
        "author": GEOFF,
        "title": "First diabetic foot check next week — what happens?",
        "days_ago": 4.6,
        "body": (
            "The surgery has booked me a foot check. I'm a bit embarrassed about my feet, "
            "frankly. What do they actually do? Do I need to prepare anything?"
        ),
        "replies": [
            {
                "author": TOM,
                "hours_after": 5,
                "body": (
                    "Nothing to worry about. They looked at my feet, tickled them with a "
                    "little nylon thread to check the feeling and felt the pulses. Took ten "
                    "minutes. Nobody cares what your feet look like, honestly."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 9,
                "body": (
                    "Well done for going. It's one of the most useful yearly checks. "
                    "Jot down anything you've noticed (numbness, cuts that are slow to heal) "
                    "so you remember to mention it."
                ),
            },
        ],
        "reactions": [(1, GEOFF, "thanks"), (2, GEOFF, "thanks")],
    },
    {
        "category": "type-2",
        "author": TOM,
        "title": "Annual review tomorrow — what questions do you ask?",
        "days_ago": 0.25,
        "body": (
            "My annual diabetes review is tomorrow morning. Last year I came out and "
            "immediately remembered three things I meant to ask. What's on your list?"
        ),
        "replies": [],
        "reactions": [],
    },
    # ------------------------------------------------------------------ pregnancy
    {
        "category": "pregnancy",
        "author": NADIA,
        "title": "GD breakfasts: what do you actually eat?",
        "days_ago": 17.8,
        "body": (
            "Breakfast is my worst meal. Cereal sends me sky high, toast isn't much better "
            "and I'm sick of eggs already. The dietitian appointment isn't for another "
            "week.\n\n"
            "What worked for you? I know everyone's different, I just need ideas."
        ),
        "replies": [
            {
                "author": MUM,
                "hours_after": 2,
                "body": (
                    "Breakfast was my trickiest too. Things that suited me:\n\n"
                    "- Greek yoghurt with berries and a few nuts\n"
                    "- one slice of seeded toast with peanut butter\n"
                    "- leftover veg omelette (sorry, more eggs)\n\n"
                    "Test and see what your numbers say; everyone reacts differently."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 5,
                "body": (
                    "Not GD, but many people find mornings the hardest time of day for "
                    "blood sugar. You're not imagining it."
                ),
            },
            {
                "author": NADIA,
                "hours_after": 26,
                "body": (
                    "Tried the yoghurt and berries this morning: best reading of the "
                    "week! Will take the list to the dietitian too."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 28,
                "body": (
                    "Lovely to hear. Your dietitian will help you make a plan that keeps "
                    "you and the baby well fed, so do mention what's worked so far."
                ),
            },
        ],
        "reactions": [
            (1, NADIA, "thanks"),
            (2, NADIA, "thanks"),
            (0, MUM, "me_too"),
            (3, MUM, "thanks"),
        ],
    },
    {
        "category": "pregnancy",
        "author": NADIA,
        "title": "Fasting number stubbornly high even though I'm doing everything right",
        "days_ago": 10.2,
        "body": (
            "My after-meal readings are mostly fine now but my morning fasting number is "
            "always just over target, however careful I am the night before. I feel like "
            "I'm failing a test every morning.\n\n"
            "The clinic mentioned medication and I burst into tears. Has anyone been here?"
        ),
        "replies": [
            {
                "author": MUM,
                "hours_after": 1.5,
                "body": (
                    "Yes, exactly this. My fasting numbers were the stubborn ones and I "
                    "ended up on insulin at night from about 32 weeks. It felt like failure "
                    "at the time; looking back it was just the hormones getting stronger. "
                    "Max was born perfectly healthy."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 4,
                "body": (
                    "Nadia, you are not failing. Fasting levels are often the hardest to "
                    "shift with food alone because of how pregnancy hormones work overnight. "
                    "Medication is a tool your team uses to look after you both; it says "
                    "nothing about how hard you've tried."
                ),
            },
            {
                "author": NADIA,
                "hours_after": 22,
                "body": (
                    "Thank you. I've said yes to trying what the clinic suggested. Reading "
                    "this made it much easier."
                ),
            },
        ],
        "reactions": [
            (0, MUM, "me_too"),
            (1, NADIA, "thanks"),
            (2, NADIA, "thanks"),
            (3, MUM, "thanks"),
        ],
    },
    {
        "category": "pregnancy",
        "author": LIZ,
        "title": "Planning a pregnancy with type 1 — how was pre-conception clinic?",
        "days_ago": 24.5,
        "body": (
            "My partner and I are starting to think about a baby and my team has referred "
            "me to the pre-conception clinic. I'm excited and terrified in equal measure.\n\n"
            "What was the clinic like for those who've been? Any questions you wish you'd "
            "asked?"
        ),
        "replies": [
            {
                "author": ADMIN,
                "hours_after": 6,
                "body": (
                    "Speaking personally rather than as staff: I had two pregnancies with "
                    "type 1 and the pre-conception clinic was genuinely supportive. They "
                    "talked about folic acid, targets and how often I'd be seen. Ask them "
                    "how to contact the team between appointments; I used that a lot."
                ),
            },
            {
                "author": MUM,
                "hours_after": 12,
                "body": (
                    "Different situation (GD) but go to the appointments together if you "
                    "can. My partner understood far more after hearing it first-hand."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 40,
                "body": "Thank you both, this is so helpful. Writing my questions list tonight.",
            },
        ],
        "reactions": [(1, LIZ, "thanks"), (2, LIZ, "thanks"), (1, MUM, "thanks")],
    },
    {
        "category": "pregnancy",
        "author": NADIA,
        "title": "Induction at 38 weeks — what happens with my sugars during labour?",
        "days_ago": 0.9,
        "body": (
            "My consultant has mentioned induction at around 38 weeks because of the GD. "
            "I've read that they monitor blood sugar during labour and might use a drip.\n\n"
            "If you've been through it, what was it like? And what should I pack?"
        ),
        "replies": [],
        "reactions": [],
    },
    # ------------------------------------------------------------------ food & activity
    {
        "category": "food-activity",
        "author": TOM,
        "title": "Low-carb vs \"everything in moderation\" — can we talk about it kindly?",
        "days_ago": 14.6,
        "body": (
            "Every other diabetes group I've been in turns this into a shouting match. "
            "I've cut down on carbs a lot and it suits me, but my cousin with type 2 eats "
            "a normal amount of carbs with smaller portions and her results are as good "
            "as mine.\n\n"
            "What's worked for *you*, and what would you want a newcomer to know before "
            "trying anything big?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 1,
                "body": (
                    "I eat moderate carbs and match my insulin to them. For me, "
                    "predictability matters more than the number. The most important "
                    "thing for newcomers: if you take insulin or tablets that can cause "
                    "hypos, **talk to your diabetes team before cutting carbs**, as your "
                    "doses may need changing first."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 3,
                "body": (
                    "As a runner I need carbs to get round, so very low-carb doesn't work "
                    "for me. But I know people it's helped a lot. Different bodies, "
                    "different lives."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 5,
                "body": (
                    "Thank you for starting this so thoughtfully, Tom. Gentle reminder for "
                    "everyone: share what works for you, and please don't tell others to "
                    "stop or change medication. Your team or a dietitian can help you try "
                    "changes safely."
                ),
            },
            {
                "author": TOM,
                "hours_after": 8,
                "body": (
                    "Agreed. I should have said: I went lower-carb *with* my practice "
                    "nurse's help and they checked my meds first. Going it alone would "
                    "have been a bad idea."
                ),
            },
            {
                "author": MUM,
                "hours_after": 14,
                "body": (
                    "For a growing teenager we were told not to restrict carbs, so Max eats "
                    "normally and we count everything. It's about what fits your life."
                ),
            },
            {
                "author": NADIA,
                "hours_after": 20,
                "body": (
                    "Pregnancy perspective: I was told to spread carbs through the day "
                    "rather than cut them, because the baby needs them too. Nice to read "
                    "a calm thread about this."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 70,
                "body": (
                    "I've been diagnosed with type 2 myself since I started reading this "
                    "thread, so it's very timely. The course I'm booked on covers food, so "
                    "I'll hold fire until then."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 74,
                "body": (
                    "Sorry to hear that, Geoff, but you've found "
                    "a good corner of the internet."
                ),
            },
            {
                "author": TOM,
                "hours_after": 96,
                "body": (
                    "This is exactly the thread I hoped for. Thanks everyone for keeping "
                    "it kind."
                ),
            },
        ],
        "reactions": [
            (1, TOM, "thanks"),
            (1, GEOFF, "thanks"),
            (1, MODERATOR, "thanks"),
            (2, LIZ, "me_too"),
            (3, TOM, "thanks"),
            (4, MODERATOR, "thanks"),
            (6, MUM, "thanks"),
            (7, TOM, "thanks"),
            (8, GEOFF, "thanks"),
        ],
    },
    {
        "category": "food-activity",
        "author": RAVI,
        "title": "Long runs and lows — what do you carry?",
        "days_ago": 5.5,
        "body": (
            "Training for an autumn half marathon. On runs over an hour I tend to drop "
            "in the second half. Currently carrying jelly babies in a sandwich bag, which "
            "is not elegant.\n\n"
            "What's in your running belt, and how do you carry it all?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 2,
                "body": (
                    "Glucose tablets in a little tin, phone for "
                    "the CGM, and a card that says I have type 1 in case anything happens."
                ),
            },
            {
                "author": TOM,
                "hours_after": 6,
                "body": "Not a runner but the medical ID card is a great idea for anyone.",
            },
            {
                "author": MUM,
                "hours_after": 9,
                "body": (
                    "Max uses a little flip belt for football. He also tells one teammate "
                    "where his hypo kit is, which made me feel much better."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 30,
                "body": (
                    "Flip belt ordered and I'll tell my running club. The sandwich bag "
                    "is being retired with honours."
                ),
            },
        ],
        "reactions": [
            (0, LIZ, "me_too"),
            (1, RAVI, "thanks"),
            (3, RAVI, "thanks"),
            (4, MUM, "thanks"),
        ],
    },
    {
        "category": "food-activity",
        "author": LIZ,
        "title": "Carb counting pizza and takeaways — my eternal nemesis",
        "days_ago": 11.4,
        "body": (
            "Twenty years in and a Friday takeaway still beats me. The fat seems to make "
            "everything happen hours later and I go high at midnight.\n\n"
            "Does anyone have a way of approaching it that works for them? Or do we just "
            "accept Friday nights are chaos?"
        ),
        "replies": [
            {
                "author": RAVI,
                "hours_after": 1,
                "body": (
                    "Chaos, mostly. My pump has an extended bolus option that my team "
                    "showed me how to use for pizza; it helps a bit. Worth asking yours "
                    "if that's an option for you."
                ),
            },
            {
                "author": MUM,
                "hours_after": 4,
                "body": (
                    "We keep notes of what happened last time for our regular orders. "
                    "Same pizza from the same place is far more predictable than a new one."
                ),
            },
            {
                "author": TOM,
                "hours_after": 7,
                "body": (
                    "From the type 2 side: curry with rice does the same slow rise for me. "
                    "I'm glad it's not just carbs that matter, it makes me feel less daft."
                ),
            },
        ],
        "reactions": [
            (0, RAVI, "me_too"),
            (0, TOM, "me_too"),
            (1, LIZ, "thanks"),
            (2, LIZ, "thanks"),
        ],
    },
    {
        "category": "food-activity",
        "author": GEOFF,
        "title": "Walking after dinner — does it really make a difference?",
        "days_ago": 7.3,
        "body": (
            "The nurse suggested a short walk after my evening meal. I've done it for a "
            "week with my meter and the numbers do seem lower, but I don't know if I'm "
            "fooling myself. Anyone else tried it?"
        ),
        "replies": [
            {
                "author": TOM,
                "hours_after": 2,
                "body": (
                    "It's my favourite trick. Fifteen minutes round the block after tea "
                    "and my after-meal numbers are noticeably calmer. Plus the dog loves it."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 5,
                "body": (
                    "Muscles using glucose is real, not your imagination. If you're on "
                    "tablets that can cause lows, keep an eye out, but for most people "
                    "it's a gentle, helpful habit."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 28,
                "body": "Excellent. My wife has now joined me, so it's a social occasion as well.",
            },
        ],
        "reactions": [(1, GEOFF, "thanks"), (2, GEOFF, "thanks"), (3, TOM, "thanks")],
    },
    {
        "category": "food-activity",
        "author": RAVI,
        "title": "Cycling sportive in June — how do you fuel a 100 km ride?",
        "days_ago": 3.0,
        "body": (
            "Signed up for my first 100 km sportive. Running I've got sorted, but cycling "
            "for five hours is a different beast.\n\n"
            "Any cyclists with type 1 want to share how they plan food and checks on a "
            "long ride? I'll be running a plan past my clinic too."
        ),
        "replies": [],
        "reactions": [],
    },
    # ------------------------------------------------------------------ tech
    {
        "category": "tech",
        "author": LIZ,
        "title": "CGM sensors falling off in summer — adhesive tips?",
        "days_ago": 7.8,
        "body": (
            "Lost two sensors in a week to sweat and a swimming pool. That's a lot of "
            "wasted sensors and a lot of phone calls to the manufacturer.\n\n"
            "What keeps yours on? Overpatches, skin prep wipes, prayer?"
        ),
        "replies": [
            {
                "author": RAVI,
                "hours_after": 1.5,
                "body": (
                    "Overpatches changed my life. I also wipe the skin with an alcohol wipe "
                    "and let it dry *completely* before applying. The manufacturer replaced "
                    "the ones that fell off early when I reported them."
                ),
            },
            {
                "author": MUM,
                "hours_after": 4,
                "body": (
                    "Max plays rugby so we've tried everything. Overpatch plus a bit of "
                    "kinesiology tape during matches works for him. Check with your "
                    "team before using barrier sprays if your skin is sensitive."
                ),
            },
            {
                "author": TOM,
                "hours_after": 8,
                "body": "I had no idea they fell off so easily. Thanks for the education.",
            },
            {
                "author": LIZ,
                "hours_after": 50,
                "body": (
                    "Overpatches ordered and I've reported the two early failures. The "
                    "replacement sensors are on their way. Thanks all!"
                ),
            },
            {
                "author": NADIA,
                "hours_after": 60,
                "body": (
                    "Bookmarking this in case I end up on a sensor. Learning so much "
                    "from this board."
                ),
            },
        ],
        "reactions": [
            (0, RAVI, "me_too"),
            (0, MUM, "me_too"),
            (1, LIZ, "thanks"),
            (2, LIZ, "thanks"),
            (1, NADIA, "thanks"),
        ],
    },
    {
        "category": "tech",
        "author": RAVI,
        "title": "Skin reactions to pump infusion sets — anyone found a fix?",
        "days_ago": 19.6,
        "body": (
            "After eight years on a pump I've suddenly started getting red, itchy patches "
            "where my cannula tape sits. Nothing has changed that I know of.\n\n"
            "Has anyone developed an adhesive sensitivity later on? What helped?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 3,
                "body": (
                    "Yes, after about ten years! My clinic suggested a barrier film under "
                    "the tape and rotating sites more widely. Worth asking your pump team, "
                    "they see this a lot."
                ),
            },
            {
                "author": MUM,
                "hours_after": 10,
                "body": (
                    "Max reacted to one brand of sensor but not another. The manufacturer "
                    "sometimes changes the glue without telling you, apparently."
                ),
            },
        ],
        "reactions": [(1, RAVI, "thanks"), (2, RAVI, "thanks"), (0, LIZ, "me_too")],
    },
    {
        "category": "tech",
        "author": TOM,
        "title": "Self-funding a CGM with type 2 — worth the cost?",
        "days_ago": 15.2,
        "body": (
            "I'm not on insulin so I don't qualify for a CGM on prescription where I live. "
            "I'm tempted to pay for a couple of sensors to see how different meals affect "
            "me, but they're not cheap.\n\n"
            "Has anyone with type 2 self-funded? Was it useful or just stressful?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 2,
                "body": (
                    "Not type 2, but a friend did exactly this for a month. She found it "
                    "eye-opening for the first two weeks and then it told her little new. "
                    "Maybe try one or two and see?"
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 60,
                "body": "Watching this with interest; I'm curious too but wary of the cost.",
            },
            {
                "author": MODERATOR,
                "hours_after": 64,
                "body": (
                    "Eligibility for CGM on prescription varies and has been changing, so "
                    "it's worth asking your practice nurse whether you qualify before "
                    "buying. And if you do self-fund, take the data to your appointments; "
                    "it's much more useful with someone to help interpret it."
                ),
            },
            {
                "author": TOM,
                "hours_after": 90,
                "body": (
                    "Asked at the surgery: I don't qualify, so I've bought two sensors as "
                    "an experiment. Will report back."
                ),
            },
        ],
        "reactions": [
            (1, TOM, "thanks"),
            (3, TOM, "thanks"),
            (3, GEOFF, "thanks"),
            (0, GEOFF, "me_too"),
        ],
    },
    {
        "category": "tech",
        "author": MUM,
        "title": "Moving Max to a hybrid closed loop — what was the first month like?",
        "days_ago": 6.9,
        "body": (
            "Max starts on a hybrid closed loop system next week. The training was a lot "
            "of information and I'm a bit overwhelmed.\n\n"
            "Was the first month hard for you? Anything you wish you'd known?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 2,
                "body": (
                    "The first fortnight was a learning curve while it got to know me, and "
                    "I had to learn to *stop fiddling* and trust it. After that, my nights "
                    "were the best they'd been in years."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 6,
                "body": (
                    "Write down questions as they come up and save them for the follow-up "
                    "call rather than changing lots of settings yourself. The team expects "
                    "teething problems."
                ),
            },
            {
                "author": MUM,
                "hours_after": 30,
                "body": "Both really reassuring, thank you. Notebook at the ready!",
            },
        ],
        "reactions": [(1, MUM, "thanks"), (2, MUM, "thanks"), (2, LIZ, "me_too")],
    },
    {
        "category": "tech",
        "author": GEOFF,
        "title": "Is there a simple blood glucose meter with big numbers?",
        "days_ago": 0.4,
        "body": (
            "The meter I was given has a tiny screen and I need my reading glasses every "
            "time. Does anyone use one with a large, clear display? Nothing fancy, I don't "
            "need an app."
        ),
        "replies": [],
        "reactions": [],
    },
    # ------------------------------------------------------------------ feelings
    {
        "category": "feelings",
        "author": LIZ,
        "title": "Burnout: I've stopped looking at my numbers",
        "days_ago": 3.9,
        "body": (
            "I feel a bit of a fraud posting this after my cheerful diaversary thread, "
            "but for the last few weeks I've barely looked at my app. The alarms go off "
            "and I silence them. I'm tired of thinking about it every hour of every day.\n\n"
            "I know what I \"should\" do. I just can't make myself care right now."
        ),
        "replies": [
            {
                "author": RAVI,
                "hours_after": 1,
                "body": (
                    "Not a fraud at all. Two things can be true at once. I had a year like "
                    "this in my twenties. It helped to pick *one* small thing to keep "
                    "doing and let go of perfect."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 2,
                "body": (
                    "Thank you for being so honest, Liz. Diabetes burnout is common and real, "
                    "and it deserves support, not blame. Please consider telling your team; "
                    "many clinics have psychological support for exactly this. Diabetes UK "
                    "has a page on it too: https://www.diabetes.org.uk"
                ),
            },
            {
                "author": MUM,
                "hours_after": 5,
                "body": (
                    "Sending a big hug. Twenty years of being on call for your own body is "
                    "exhausting. You're allowed to be tired."
                ),
            },
            {
                "author": TOM,
                "hours_after": 8,
                "body": (
                    "You've held so many of us up on here. Let us return the favour. "
                    "Here whenever you want to talk."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 30,
                "body": (
                    "I've emailed my DSN and I'm keeping the low alarm on, even if I ignore "
                    "the rest for now. Thank you. I cried reading these, in a good way."
                ),
            },
            {
                "author": ADMIN,
                "hours_after": 33,
                "body": (
                    "That's a really good step. Keeping the important alarm on is looking "
                    "after yourself. Proud of you."
                ),
            },
        ],
        "reactions": [
            (0, RAVI, "me_too"),
            (0, TOM, "me_too"),
            (0, MUM, "me_too"),
            (1, LIZ, "thanks"),
            (2, LIZ, "thanks"),
            (3, LIZ, "thanks"),
            (4, LIZ, "thanks"),
            (5, MODERATOR, "thanks"),
        ],
    },
    {
        "category": "feelings",
        "author": MUM,
        "title": "Eighteen months of 3am checks and I'm running on empty",
        "days_ago": 13.8,
        "body": (
            "Nobody tells you about the nights. Even with the CGM alarms I wake up at 3am "
            "out of habit to check Max's numbers. I'm snappy at work and I cried in the "
            "supermarket yesterday over nothing.\n\n"
            "How do other parents share the load or get some proper sleep?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 1.5,
                "body": (
                    "From the other side: my mum did this for years and I never knew how "
                    "tired she was. Max is lucky to have you. Please look after you too."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 3,
                "body": (
                    "Carer exhaustion is real and you're not weak for feeling it. Could you "
                    "talk to Max's team about support for you as a parent? Some families "
                    "take turns on alarm duty by night of the week."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 40,
                "body": (
                    "My daughter says the same about my granddaughter. She and her husband "
                    "now alternate weeks on the follower app. It's helped a lot."
                ),
            },
            {
                "author": MUM,
                "hours_after": 60,
                "body": (
                    "We've agreed on alternating nights from this week. Two nights of "
                    "sleep already and I feel human again. Thank you."
                ),
            },
        ],
        "reactions": [
            (0, LIZ, "thanks"),
            (1, MUM, "thanks"),
            (2, MUM, "thanks"),
            (3, MUM, "thanks"),
            (4, GEOFF, "thanks"),
        ],
    },
    {
        "category": "feelings",
        "author": RAVI,
        "title": "Hypo anxiety at work after a bad low in a meeting",
        "days_ago": 20.7,
        "body": (
            "Last week I went low in the middle of presenting to clients. I got through it "
            "but I was shaky and muddled and everyone noticed. Now I'm running my numbers "
            "higher before meetings because I'm scared of it happening again.\n\n"
            "Anyone else deal with this fear? How did you get past it?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 2,
                "body": (
                    "Very much me. Running high \"to be safe\" became a habit for years. "
                    "Talking it through with a psychologist at my clinic helped more than "
                    "I expected. Fear of hypos is really common."
                ),
            },
            {
                "author": TOM,
                "hours_after": 5,
                "body": (
                    "Could you tell a trusted colleague? At my work, one person knows what "
                    "to do and where my stash is, and it's taken the edge off."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 7,
                "body": (
                    "What happened sounds frightening, and it makes sense that you're "
                    "protecting yourself. Do mention it to your team; they can help you feel "
                    "safe again without having to run high. You might also find the work "
                    "and diabetes pages on https://www.diabetes.org.uk useful."
                ),
            },
        ],
        "reactions": [
            (1, RAVI, "thanks"),
            (2, RAVI, "thanks"),
            (3, RAVI, "thanks"),
            (0, LIZ, "me_too"),
        ],
    },
    {
        "category": "feelings",
        "author": TOM,
        "title": "Feeling guilty every time I eat in front of people",
        "days_ago": 8.1,
        "body": (
            "Since my diagnosis I feel watched whenever I eat. A slice of birthday cake at "
            "work and I can feel the looks. I've started eating lunch in the car.\n\n"
            "Silly, maybe, but it's wearing me down."
        ),
        "replies": [
            {
                "author": NADIA,
                "hours_after": 3,
                "body": (
                    "Not silly at all. Since the GD I get \"should you be eating that?\" "
                    "from all directions. It makes food feel like a test."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 6,
                "body": (
                    "I'm new to all this but I've decided my plate is my business. Easier "
                    "said than done, I know. Come out of the car, Tom!"
                ),
            },
            {
                "author": LIZ,
                "hours_after": 10,
                "body": (
                    "Food guilt is so common with diabetes. Some diabetes teams have "
                    "psychologists who specialise in this, if it keeps weighing on you."
                ),
            },
        ],
        "reactions": [
            (0, NADIA, "me_too"),
            (0, GEOFF, "me_too"),
            (1, TOM, "thanks"),
            (2, TOM, "thanks"),
            (3, TOM, "thanks"),
        ],
    },
    # ------------------------------------------------------------------ family
    {
        "category": "family",
        "author": MUM,
        "title": "Teenager with type 1 at sleepovers — how do you let go?",
        "days_ago": 5.2,
        "body": (
            "Max has been invited to his first proper sleepover since diagnosis. He's "
            "fourteen and desperate to go; I'm desperate to say no.\n\n"
            "The other parents are lovely but know nothing about type 1. How have you "
            "handled sleepovers? What did you tell the hosts?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 1,
                "body": (
                    "I was that teenager! Sleepovers were where I felt normal. My mum gave "
                    "the host a one-page sheet: what a hypo looks like, where my kit was, "
                    "and her number. That was it, and I'm grateful she let me go."
                ),
            },
            {
                "author": RAVI,
                "hours_after": 2,
                "body": (
                    "Same here. Letting Max take charge, with a safety net, is how he'll "
                    "build confidence. Maybe agree a check-in text before bed?"
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 4,
                "body": (
                    "Such a big moment for both of you. Max's diabetes team will have "
                    "experience of this and may have a sleepover checklist. JDRF also has "
                    "family guides: https://www.jdrf.org"
                ),
            },
            {
                "author": MUM,
                "hours_after": 6,
                "body": (
                    "Thank you. We've agreed he'll follow his usual plan, text me at "
                    "bedtime and keep his CGM alerts on. I'll see his numbers on the "
                    "follower app, which I'm trying to promise not to stare at all night."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 9,
                "body": (
                    "My granddaughter went to her first one last year. Her mum didn't "
                    "sleep a wink but the girl had a marvellous time."
                ),
            },
            {
                "author": TOM,
                "hours_after": 12,
                "body": "Good luck to you both. He'll remember that you trusted him.",
            },
            {
                "author": MUM,
                "hours_after": 40,
                "body": (
                    "Update: he went! One low at midnight, which he treated himself and "
                    "texted me about. I slept about three hours, he had the best time. "
                    "Progress all round."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 42,
                "body": "That's brilliant. Well done Max, and well done you.",
            },
            {
                "author": RAVI,
                "hours_after": 45,
                "body": "Handled a midnight low on his own at fourteen. Legend.",
            },
        ],
        "reactions": [
            (0, LIZ, "me_too"),
            (0, GEOFF, "me_too"),
            (1, MUM, "thanks"),
            (2, MUM, "thanks"),
            (3, MUM, "thanks"),
            (7, LIZ, "thanks"),
            (7, RAVI, "thanks"),
            (7, TOM, "thanks"),
            (7, MODERATOR, "thanks"),
            (9, MUM, "thanks"),
        ],
    },
    {
        "category": "family",
        "author": GEOFF,
        "title": "Granddaughter has type 1 — how can I help when she stays with us?",
        "days_ago": 19.2,
        "body": (
            "Our granddaughter (9) was diagnosed in the spring and wants to come for a "
            "weekend like she used to. My wife and I are keen but worried we'll get "
            "something wrong.\n\n"
            "What do grandparents need to know? Should we ask her parents for training?"
        ),
        "replies": [
            {
                "author": MUM,
                "hours_after": 2,
                "body": (
                    "Yes, ask! Max's grandparents came to a clinic session with us and it "
                    "made all the difference. We also wrote a simple plan for them:\n\n"
                    "1. what a hypo looks like and what to do\n"
                    "2. where everything is kept\n"
                    "3. who to ring, in order\n\n"
                    "Her parents will probably be thrilled you asked."
                ),
            },
            {
                "author": LIZ,
                "hours_after": 6,
                "body": (
                    "My grandparents were my favourite place to stay after diagnosis "
                    "because they made it normal. Take her lead; she probably knows more "
                    "than you'd expect."
                ),
            },
            {
                "author": GEOFF,
                "hours_after": 52,
                "body": (
                    "We spoke to her parents and we're going to the next clinic session. "
                    "Weekend booked for next month!"
                ),
            },
        ],
        "reactions": [
            (1, GEOFF, "thanks"),
            (2, GEOFF, "thanks"),
            (3, MUM, "thanks"),
            (3, LIZ, "thanks"),
        ],
    },
    {
        "category": "family",
        "author": NADIA,
        "title": "Dad wants to fast for Ramadan with type 2 — how do families handle it?",
        "days_ago": 23.4,
        "body": (
            "My dad has type 2 and takes tablets. Fasting means a lot to him and he's "
            "determined to fast this Ramadan, but my mum and I worry about him going low, "
            "especially as he works long shifts.\n\n"
            "How have other families approached this, without it turning into an argument?"
        ),
        "replies": [
            {
                "author": MODERATOR,
                "hours_after": 2,
                "body": (
                    "Lots of members fast during Ramadan and many do it safely with planning. "
                    "The key step is a review with his diabetes team *well before* Ramadan, "
                    "as they may adjust the timing or dose of his tablets. Diabetes UK has "
                    "guidance written with imams and doctors: https://www.diabetes.org.uk"
                ),
            },
            {
                "author": TOM,
                "hours_after": 8,
                "body": (
                    "A colleague of mine with type 2 fasts every year. He tests more often, "
                    "knows when he'd break the fast for safety, and his family know the "
                    "signs of a low. Coming at it as \"how can we help you fast safely\" "
                    "might land better than \"should you\"."
                ),
            },
            {
                "author": NADIA,
                "hours_after": 30,
                "body": (
                    "That framing really helped. Dad has booked a review and we've agreed "
                    "I'll go with him. Thank you both."
                ),
            },
        ],
        "reactions": [(1, NADIA, "thanks"), (2, NADIA, "thanks"), (3, MODERATOR, "thanks")],
    },
    {
        "category": "family",
        "author": MUM,
        "title": "School care plan meeting next week — what should I ask for?",
        "days_ago": 18.9,
        "body": (
            "Max is moving up to a new school and we have the care plan meeting next week. "
            "Last time I came away feeling I'd forgotten half of it.\n\n"
            "Parents (or grown-ups who remember school with type 1), what's essential?"
        ),
        "replies": [
            {
                "author": LIZ,
                "hours_after": 3,
                "body": (
                    "From the pupil's side:\n\n"
                    "- permission to treat a hypo *in class* without asking\n"
                    "- access to water and the toilet at any time\n"
                    "- extra time in exams if he's low or high\n"
                    "- a named person who actually knows the plan\n\n"
                    "The last one matters most."
                ),
            },
            {
                "author": MODERATOR,
                "hours_after": 6,
                "body": (
                    "Great list. Ask Max's diabetes nurse whether they can join the meeting "
                    "or send a letter; schools often take it more seriously from the clinic."
                ),
            },
            {
                "author": MUM,
                "hours_after": 100,
                "body": (
                    "Meeting done, with the DSN on the phone. We used Liz's list almost "
                    "word for word and got everything. Thank you!"
                ),
            },
        ],
        "reactions": [(1, MUM, "thanks"), (2, MUM, "thanks"), (3, LIZ, "thanks")],
    },
    {
        "category": "family",
        "author": LIZ,
        "title": "How did your partner learn to spot your hypos?",
        "days_ago": 1.6,
        "body": (
            "My partner has just moved in and wants to know what to do if I go low, "
            "especially at night. I've lived alone with type 1 for years so I've never "
            "really had to explain it.\n\n"
            "How did you teach the people you live with? Any good resources?"
        ),
        "replies": [],
        "reactions": [],
    },
]


# --- moderation demo data ------------------------------------------------------------

# (email, course, completed days ago, valid for days, trainer): Priya's is current,
# Sam's lapsed ten days ago, so the admin sees him under "due for recertification".
TRAININGS = [
    (MODERATOR, "Peer Support Moderator Foundation", 90, 365, "Diabetes peer-support trainer"),
    (LAPSED_MODERATOR, "Peer Support Moderator Foundation", 375, 365,
     "Diabetes peer-support trainer"),
]

# The categories each moderator leads.
CATEGORY_LEADS = {
    MODERATOR: ["newly-diagnosed", "type-1", "type-2", "pregnancy", "food-activity", "tech",
                "feelings", "family"],
    LAPSED_MODERATOR: ["type-2", "food-activity"],
}

# Flags on existing replies: (thread title, reply index (1 = first reply), reporter,
# reason, message). They make open review items for the queue.
FLAGS = [
    ('Low-carb vs "everything in moderation" — can we talk about it kindly?', 2, LIZ,
     "medical_advice", "Could read as advice to change medication without the team."),
    ('Low-carb vs "everything in moderation" — can we talk about it kindly?', 2, RAVI,
     "medical_advice", ""),
]

# Posts that arrive through the safety net: (thread title, author, body). The first is
# a new member's post held for pre-moderation; the second trips a medical-emergency
# phrase and is held as a crisis item.
HELD_REPLIES = [
    ("Confused by all the numbers — mmol/L, mmol/mol, HbA1c?", NADIA,
     "Thank you all, this is starting to make sense. My next blood test is in March, I will "
     "write the numbers down in both units like you said."),
    ("Night-time hypos after evening exercise — anyone else?", GEOFF,
     "Sorry to hijack, it's happening to me right now: I can't get my blood sugar up, "
     "third juice box and still 3.1. Home alone tonight."),
]
