"""The "Need help now?" page: the region's emergency number and crisis lines, a medical
emergency section and an emotional support section; CRISIS_REGION checked at start-up."""

from __future__ import annotations

import pytest

import config
from forum import create_app
from forum.pages.services import crisis_help
from tests.helpers import text

MEDICAL = 'id="medical-emergency"'
EMOTIONAL = 'id="emotional-support"'


def test_a_fresh_install_shows_the_uk_lines():
    assert config.Config.CRISIS_REGION == "GB"
    assert config.Config.CRISIS_CONTACTS == []  # no override unless set
    settings = {key: getattr(config.TestingConfig, key)
                for key in ("CRISIS_TEXT", "CRISIS_REGION", "CRISIS_CONTACTS")}
    help_now = crisis_help(settings)
    assert help_now.emergency == "999"
    assert ("Samaritans", "call 116 123, free, any time, day or night") in help_now.contacts


def test_help_page_has_a_medical_and_an_emotional_section(client):
    page = text(client.get("/help"))
    assert "Call <strong>999</strong> now" in page
    assert "call <strong>999</strong> now" in page  # the top callout
    assert page.count(MEDICAL) == 1 and page.count(EMOTIONAL) == 1
    assert page.index(MEDICAL) < page.index(EMOTIONAL)
    for words in ("15 to 20 g of fast-acting sugar", "after 15 minutes",
                  "Never put food or drink in the mouth",
                  "glucagon (an injection or a nasal spray)", "3&nbsp;mmol/L or more",
                  "being sick", "peer support, not medical advice"):
        assert words in page, words
    emotional = page[page.index(EMOTIONAL):]
    assert "Samaritans" in emotional and "116 123" in emotional and "85258" in emotional
    assert "in the UK" in emotional


@pytest.mark.parametrize("app_overrides", [{"CRISIS_REGION": "us"}])
def test_help_page_for_the_us(client):
    page = text(client.get("/help"))
    assert "<strong>911</strong>" in page and "999" not in page
    assert "988 Suicide &amp; Crisis Lifeline" in page and "call or text 988" in page
    assert "Samaritans" not in page


@pytest.mark.parametrize("app_overrides", [{"CRISIS_REGION": "AU"}])
def test_help_page_for_australia(client):
    page = text(client.get("/help"))
    assert "<strong>000</strong>" in page and "13 11 14" in page


@pytest.mark.parametrize("app_overrides", [{"CRISIS_CONTACTS": [("Our line", "01632 960000")]}])
def test_crisis_contacts_replace_the_regions_lines_but_not_its_emergency_number(client):
    page = text(client.get("/help"))
    assert "Our line" in page and "01632 960000" in page
    assert "Samaritans" not in page
    assert "<strong>999</strong>" in page


def test_an_unknown_region_stops_the_app_at_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="CRISIS_REGION='Narnia'.*GB"):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                               "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
                               "CRISIS_REGION": "Narnia"})
