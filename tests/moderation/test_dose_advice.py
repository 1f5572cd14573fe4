"""The dose-advice detector (forum.posting.advice): instructions to someone else about
their insulin dose are found; experience, questions, reports of what a clinician said,
carb counts and pointers to the care team are not."""

from __future__ import annotations

import pytest

from forum.posting.advice import MAX_SHOWN, dose_advice

ADVICE = [
    # second person + dose verb + units
    "you should up your basal to 20 units",
    "You need to take 2 more units of novorapid",
    "You could try 2iu less with breakfast",
    "u should take 4u",
    "You’ll want to take 3 more units",
    "YOU SHOULD UP YOUR BASAL TO 20 UNITS",
    "You need 4 more units",
    "What you need to do is take 4 more units",
    "Make sure you take 4 units before you eat",
    # imperatives
    "just take 4 more units",
    "Take 4 more units.",
    "take four more units",
    "take 0.5 units",
    "take an extra unit before the gym",
    "Give yourself a couple of units",
    "Inject 10 units now",
    "Try reducing your Lantus by 2 units",
    "Increase your Toujeo to 30 units!",
    "Cut your bolus by 2 units",
    "Add 2 units to your fiasp",
    "Raise your apidra to 8 units for breakfast",
    "Go up 2 units on your lantus",
    "Never inject more than 10 units at once",
    "lol just take 4 more units and eat a biscuit 😂",
    "Definitely take an extra 2 units with pizza - it's the fat",
    # brands and bare numbers with an insulin word
    "Up your levemir to 12",
    "Drop your tresiba by 2",
    "Put your basal up to 18",
    "Knock your levemir down by 2",
    "Honestly just bolus 3 for that pizza",
    "Lower your basal by 10%",
    # ratios, correction factors, basal rates
    "change your ratio to 1:8",
    "set your basal rate to 0.8",
    "Use a correction factor of 2.5",
    "set your ISF to 3",
    "Switch to a 1:12 ratio",
    "Your basal should be 20 units",
    "your ratio needs to be 1:10",
    # after an opening, with or without a comma
    "if you're high take 2 units",
    "If you're high, take 2 units",
    "Before bed take 2u of humalog",
    "Tip: take an extra unit before the gym",
    "With pizza, take an extra 2 units",
    # suggestions dressed as questions, advice in the first person
    "why not try 2 units less?",
    "Why don't you up it by 2 units?",
    "I'd up your basal by 2 units",
    "If I were you I'd take 4 more units",
    "I'd say take 4 more units",
    # full-width letters and digits fold to plain ones
    "Ｙｏｕ ｓｈｏｕｌｄ ｔａｋｅ ２０ ｕｎｉｔｓ",
]

NOT_ADVICE = [
    # first-person experience
    "I take 20 units",
    "I upped my basal by 2 units and it helped",
    "What worked for me was taking 4 more units",
    "What I do is take 4 more units",
    "I find it helps to take 2 units less",
    "I'll take 4 units tonight",
    "When I go high I take 2 units",
    "When I go high, I take 2 units",
    "I'd take 4 units but that's me",
    "We upped his basal by 2 units last night",
    "I'm on 20 units of levemir and 1:10 for meals",
    "I take 1 unit for every 10g",
    "Going from 20 to 18 units helped me a lot",
    "Just need 2 units for a coffee usually",
    "Type 1 for 20 years, I use about 40 units a day",
    # other people
    "My son takes 20 units of lantus",
    "Some people take 20 units",
    # questions
    "should I take 4 more units?",
    "Should I take 4 more units",
    "How many units should I take",
    "Do you take 20 units?",
    "Have you tried upping your basal by 2 units?",
    # what a doctor, nurse or DSN said; pointers to the team
    "My DSN told me to take 4 more units",
    "My nurse said to up my basal to 20 units",
    "My consultant wants me on 20 units of lantus",
    "My endo put my basal up to 20 units",
    "My DSN said: take 4 more units",
    "I was told to take 2 units per 10g",
    "Don't let anyone tell you to take 20 units",
    "talk to your team about your basal",
    "Ask your DSN before you up your basal by 2 units",
    "It might be worth asking your diabetes team about increasing your basal by 2 units",
    "Check with your team before changing anything",
    # hypotheses about the reader
    "If you take 4 units too many you'll go low",
    # carbs and hypo treatment, times, durations, other numbers
    "eat 15g of carbs",
    "Take 15g of fast acting carbs and retest in 15 minutes",
    "take 4 glucose tabs",
    "Take 2 paracetamol and rest",
    "Take your lantus at 10pm",
    "Take your lantus at 10",
    "Take your novorapid 15 mins before eating",
    "Take your basal in 2 doses",
    "Give it 2 hours",
    "Try the libre for 2 weeks",
    "Cut your carbs to 30g a meal",
    "Reduce your carbs by 20%",
    "Take care of yourself",
    "You have 2 units on board",
    "Lantus 100 units/ml, 3ml pens, 5 a box",
    "basal 0.85 u/h from 22:00 to 06:00",
    "Readings 5.6 7.8 9.1 6.2 4.4 on 2024-03-12",
    "I've stopped taking my lantus on purpose",
    "go to bed",
    # quoted: someone else's words
    "> just take 4 more units",
]


@pytest.mark.parametrize("text", ADVICE)
def test_dose_instructions_to_someone_else_are_found(text):
    assert dose_advice(text), text


@pytest.mark.parametrize("text", NOT_ADVICE)
def test_experience_questions_reports_and_carbs_are_not(text):
    assert dose_advice(text) == [], text


def test_the_suggested_rephrasings_do_not_trigger_the_prompt_again():
    assert dose_advice("What worked for me was upping my basal by 2 units. It might be "
                       "worth asking your diabetes team about your basal.") == []


def test_it_returns_the_authors_own_sentence_with_whitespace_squashed():
    text = "Hi Sam, sorry you're struggling.  You should   up your basal to 20 units! Hugs"
    assert dose_advice(text) == ["You should up your basal to 20 units!"]


def test_a_line_break_goes_on_but_a_blank_line_or_a_list_item_ends_a_sentence():
    wrapped = "Sorry you're struggling. You should up your\r\nbasal to 20 units and see. x"
    assert dose_advice(wrapped) == ["You should up your basal to 20 units and see."]
    assert dose_advice("You should up your\n\nbasal to 20 units") == []
    assert dose_advice("My tips:\n- take 4 more units\n- eat something") == [
        "take 4 more units"]
    assert dose_advice("Should I take 4 more units\n\nJust take 4 more units") == [
        "Just take 4 more units"]


def test_decimals_and_ratios_do_not_end_a_sentence():
    assert dose_advice("Set your basal rate to 0.8. Then see") == [
        "Set your basal rate to 0.8."]
    assert dose_advice("Try 1:8 for breakfast.") == ["Try 1:8 for breakfast."]


def test_only_the_instructions_in_a_long_post_and_at_most_a_few():
    post = ("Ugh, pizza is the worst. I usually take 6 units. Take 4 more units. "
            "Drop your basal by 2. Give yourself 3 units. Inject 10 units now. Good luck!")
    assert dose_advice(post) == ["Take 4 more units.", "Drop your basal by 2.",
                                 "Give yourself 3 units."]
    assert len(dose_advice(post)) == MAX_SHOWN


def test_a_quoted_post_is_not_the_authors_instruction():
    reply = ("> **Bob** wrote:\n>\n> just take 4 more units\n\n"
             "Thanks Bob, I tried that and it worked!")
    assert dose_advice(reply) == []
    assert dose_advice(reply + "\nYou should take 2 more units too.") == [
        "You should take 2 more units too."]


def test_long_sentences_are_cut_for_the_prompt():
    sentence = "You should take 4 more units " + "and then see how it goes " * 10
    [shown] = dose_advice(sentence)
    assert len(shown) <= 160 and shown.endswith("\u2026")
    assert shown.startswith("You should take 4 more units")


@pytest.mark.parametrize("text", ["", "   ", "?", "...", "4", "units", "\u200b"])
def test_empty_and_odd_text(text):
    assert dose_advice(text) == []
