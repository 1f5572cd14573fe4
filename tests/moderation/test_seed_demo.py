"""The demo data has a moderator with current training, a lapsed one and open review items."""

from __future__ import annotations

from sqlalchemy import select

from forum import permissions
from forum.extensions import db
from forum.models import ReviewItem, User
from forum.seed import demo_content, seed_demo
from tests.helpers import count, counter_mismatches, logout

DEMO = demo_content()
DEMO_PASSWORD, MODERATOR, LAPSED_MODERATOR = DEMO.password, DEMO.moderator, DEMO.lapsed_moderator


def _user(email):
    return db.session.scalar(select(User).filter_by(email=email))


def test_demo_seed_has_current_and_lapsed_moderators_and_open_items(app, mailbox):
    with app.app_context():
        seed_demo()
        db.session.commit()

        current, lapsed = _user(MODERATOR), _user(LAPSED_MODERATOR)
        assert current.role == lapsed.role == "moderator"
        assert permissions.has_current_training(current)
        assert permissions.is_active_moderator(current)
        assert permissions.moderated_category_ids(current)
        assert not permissions.has_current_training(lapsed)
        assert not permissions.is_active_moderator(lapsed)
        assert permissions.moderated_category_ids(lapsed) == set()

        items = db.session.scalars(select(ReviewItem).where(ReviewItem.status == "open")).all()
        assert len(items) >= 3
        assert {i.source for i in items} >= {"flags", "pre_moderation", "watched_phrase"}
        assert any(i.is_crisis and i.post.status == "pending" for i in items)
        assert all(permissions.can_moderate(current, i.category_id) for i in items)
        assert counter_mismatches() == []

        seed_demo()  # idempotent: nothing new to review
        db.session.commit()
        assert count(ReviewItem) == len(items)

    # The crisis reply alerted the on-duty demo moderator.
    assert [m["Subject"] for m in mailbox.to(MODERATOR)] == ["A post needs a peer moderator now"]


def test_demo_moderators_log_in_to_the_queue(app, client, login, mailbox):
    with app.app_context():
        seed_demo()
        db.session.commit()
    login(MODERATOR, DEMO_PASSWORD)
    page = client.get("/mod/").get_data(as_text=True)
    assert "Crisis" in page and "Harmful medical advice" in page
    logout(client)
    login(LAPSED_MODERATOR, DEMO_PASSWORD)
    assert client.get("/mod/").status_code == 403
