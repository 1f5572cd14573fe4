"""Reactions ("Thanks", "Me too") through HTTP and at the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Post, Reaction
from tests.helpers import text


def _reactions(post_id):
    return db.session.execute(
        select(Reaction.user_id, Reaction.kind).where(Reaction.post_id == post_id)
        .order_by(Reaction.id)
    ).all()


def test_react_adds_then_takes_back(app, client, forum, login):
    login("bob")
    url = f"/p/{forum.first_post_id}/react"

    added = client.post(url, data={"kind": "thanks"})
    with app.app_context():
        after_add = _reactions(forum.first_post_id)
    removed = client.post(url, data={"kind": "thanks"})

    assert added.status_code == removed.status_code == 302
    assert added.location == f"/t/{forum.thread_id}?page=1#post-{forum.first_post_id}"
    assert after_add == [(forum.ids["bob"], "thanks")]
    with app.app_context():
        assert _reactions(forum.first_post_id) == []


def test_reaction_kinds_are_independent_and_counted_on_the_thread_page(app, client, forum, login):
    for who in ("bob", "mod"):
        login(who)
        client.post(f"/p/{forum.first_post_id}/react", data={"kind": "thanks"})
        client.post("/auth/logout")
    login("bob")
    client.post(f"/p/{forum.first_post_id}/react", data={"kind": "me_too"})

    html = text(client.get(f"/t/{forum.thread_id}"))

    with app.app_context():
        assert sorted(_reactions(forum.first_post_id)) == sorted([
            (forum.ids["bob"], "thanks"), (forum.ids["mod"], "thanks"),
            (forum.ids["bob"], "me_too")])
    assert 'aria-pressed="true">Thanks <span class="count">2</span>' in html
    assert 'aria-pressed="true">Me too <span class="count">1</span>' in html


def test_reaction_counts_are_visible_to_visitors_without_buttons(client, forum, login):
    login("bob")
    client.post(f"/p/{forum.first_post_id}/react", data={"kind": "thanks"})
    client.post("/auth/logout")

    html = text(client.get(f"/t/{forum.thread_id}"))

    static = '<span class="reaction reaction-static">Thanks <span class="count">1</span></span>'
    assert static in html
    assert "/react" not in html


def test_reactions_work_without_javascript(client, forum, login):
    login("bob")

    html = text(client.get(f"/t/{forum.thread_id}"))

    action = f'action="/p/{forum.first_post_id}/react"'
    assert f'<form class="inline-form" method="post" {action}>' in html
    form = html.split(action, 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="kind" value="thanks">' in form
    assert '<button type="submit"' in form


def test_react_to_own_post_is_403(app, client, forum, login):
    login("ann")

    response = client.post(f"/p/{forum.first_post_id}/react", data={"kind": "thanks"})

    assert response.status_code == 403
    with app.app_context():
        assert _reactions(forum.first_post_id) == []
    assert "/react" not in text(client.get(f"/t/{forum.thread_id}"))


@pytest.mark.parametrize("kind", ["love", "", "THANKS", "thanks ", None])
def test_react_with_invalid_kind_is_400(app, client, forum, login, kind):
    login("bob")

    data = {} if kind is None else {"kind": kind}

    response = client.post(f"/p/{forum.first_post_id}/react", data=data)

    assert response.status_code == 400
    with app.app_context():
        assert _reactions(forum.first_post_id) == []


def test_react_as_visitor_redirects_to_login(app, client, forum):
    response = client.post(f"/p/{forum.first_post_id}/react", data={"kind": "thanks"})

    assert response.status_code == 302
    assert response.location == f"/auth/login?next=%2Fp%2F{forum.first_post_id}%2Freact"
    with app.app_context():
        assert _reactions(forum.first_post_id) == []


@pytest.mark.parametrize("who", ["unconfirmed", "suspended"])
def test_react_by_member_who_cannot_post_is_403(app, client, forum, login, who):
    login(who)

    response = client.post(f"/p/{forum.first_post_id}/react", data={"kind": "thanks"})

    assert response.status_code == 403


@pytest.mark.parametrize("status", ["pending", "hidden", "removed", "deleted_by_author"])
def test_react_to_post_that_is_not_visible_is_403(app, client, forum, login, status):
    with app.app_context():
        db.session.get(Post, forum.first_post_id).status = status
        db.session.commit()
    login("bob")

    response = client.post(f"/p/{forum.first_post_id}/react", data={"kind": "thanks"})

    assert response.status_code == 403
    with app.app_context():
        assert _reactions(forum.first_post_id) == []


def test_react_unknown_post_is_404(client, forum, login):
    login("bob")

    assert client.post("/p/999999/react", data={"kind": "thanks"}).status_code == 404


def test_react_only_accepts_post(client, forum, login):
    login("bob")

    assert client.get(f"/p/{forum.first_post_id}/react").status_code == 405


def test_reaction_is_unique_per_post_user_and_kind(app_ctx, forum):
    db.session.add(Reaction(post_id=forum.first_post_id, user_id=forum.ids["bob"], kind="thanks"))
    db.session.commit()

    db.session.add(Reaction(post_id=forum.first_post_id, user_id=forum.ids["bob"], kind="thanks"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

    db.session.add(Reaction(post_id=forum.first_post_id, user_id=forum.ids["bob"], kind="me_too"))
    db.session.commit()
    assert len(_reactions(forum.first_post_id)) == 2


def test_reaction_kind_is_checked_by_the_database(app_ctx, forum):
    db.session.add(Reaction(post_id=forum.first_post_id, user_id=forum.ids["bob"], kind="angry"))

    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
