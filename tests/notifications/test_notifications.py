"""Following and notifications, through HTTP: who is told about what, and when."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, select

from forum.auth.passwords import hash_password
from forum.extensions import db
from forum.models import CategoryFollow, Notification, Post, Thread, ThreadFollow, User
from forum.threads import services as thread_services
from tests.factories import PASSWORD, make_post, make_thread
from tests.helpers import act, count_queries, newest_post, open_item, text


def notes(user_id: int) -> list[tuple[str, int | None]]:
    """(kind, post_id) of a member's notifications, oldest first."""
    return [(n.kind, n.post_id) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def reply(client, thread_id: int, body: str):
    response = client.post(f"/t/{thread_id}/reply", data={"body": body})
    assert response.status_code == 302, text(response)
    return response


def follow_level(user_id: int, thread_id: int) -> str | None:
    return db.session.scalar(select(ThreadFollow.level).where(
        ThreadFollow.user_id == user_id, ThreadFollow.thread_id == thread_id))


def header_link(html: str) -> str:
    """The accessible name of the header's notifications link: its aria-label if it has
    one (which must then begin with the visible text, WCAG 2.5.3), else its text."""
    match = re.search(r'<a href="/notifications" id="notifications-link"([^>]*)>(.*?)</a>',
                      html, re.S)
    assert match, "no notifications link in the header"
    visible = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(2))).strip()
    label = re.search(r'aria-label="([^"]*)"', match.group(1))
    if label is None:
        return visible
    assert label.group(1).startswith(visible.split()[0])
    return label.group(1)


# --- following ----------------------------------------------------------------------------

def test_writing_in_a_thread_follows_it_unless_turned_off(app, client, nf, login):
    login("bob")
    reply(client, nf.thread_id, "Same here, every night after football.")
    login("quiet")
    reply(client, nf.thread_id, "I keep a juice box by the bed.")
    with app.app_context():
        assert follow_level(nf.ids["ann"], nf.thread_id) == "follow"  # started it
        assert follow_level(nf.ids["bob"], nf.thread_id) == "follow"
        assert follow_level(nf.ids["quiet"], nf.thread_id) is None


def test_the_settings_turn_auto_follow_and_mentions_off(app, client, nf, login):
    login("bob")
    page = text(client.get("/settings"))
    assert 'name="auto_follow"' in page and 'name="notify_mentions"' in page
    response = client.post("/settings/notifications", data={"notify_mentions": "y"})
    assert response.status_code == 302
    with app.app_context():
        bob = db.session.get(User, nf.ids["bob"])
        assert (bob.auto_follow, bob.notify_mentions) == (False, True)
    reply(client, nf.thread_id, "No follow for me, thanks.")
    with app.app_context():
        assert follow_level(nf.ids["bob"], nf.thread_id) is None


def test_posting_never_undoes_a_mute(app, client, nf, login):
    login("bob")
    client.post(f"/t/{nf.thread_id}/follow", data={"level": "mute"})
    reply(client, nf.thread_id, "Muted but still chatting.")
    with app.app_context():
        assert follow_level(nf.ids["bob"], nf.thread_id) == "mute"


def test_follow_mute_and_stop_from_the_thread_page(app, client, nf, login):
    login("cat")
    page = text(client.get(f"/t/{nf.thread_id}"))
    assert f'action="/t/{nf.thread_id}/follow"' in page and "Follow this thread" in page
    assert client.post(f"/t/{nf.thread_id}/follow", data={"level": "follow"}).status_code == 302
    assert "You follow this thread" in text(client.get(f"/t/{nf.thread_id}"))
    login("dan")
    reply(client, nf.thread_id, "Dan's first reply.")
    login("cat")
    client.post(f"/t/{nf.thread_id}/follow", data={"level": "mute"})
    assert "You muted this thread" in text(client.get(f"/t/{nf.thread_id}"))
    login("dan")
    reply(client, nf.thread_id, "Dan's second reply.")
    login("cat")
    client.post(f"/t/{nf.thread_id}/follow", data={"level": "none"})
    with app.app_context():
        assert follow_level(nf.ids["cat"], nf.thread_id) is None
        kinds = notes(nf.ids["cat"])
        assert len(kinds) == 1 and kinds[0][0] == "reply"  # the first reply only


@pytest.mark.parametrize("data", [{"level": "loud"}, {}])
def test_a_bad_follow_level_is_a_400(client, nf, login, data):
    login("cat")
    assert client.post(f"/t/{nf.thread_id}/follow", data=data).status_code == 400


def test_visitors_are_sent_to_log_in_and_unknown_threads_are_404(client, nf, login):
    response = client.post(f"/t/{nf.thread_id}/follow", data={"level": "follow"})
    assert response.status_code == 302 and "/auth/login" in response.location
    login("cat")
    assert client.post("/t/99999/follow", data={"level": "follow"}).status_code == 404
    assert client.post("/c/nowhere/follow", data={"follow": "1"}).status_code == 404


def test_following_a_category_tells_of_new_threads_and_replies_but_not_muted_ones(
        app, client, nf, login):
    login("cat")
    page = text(client.get("/c/general"))
    assert "Follow this category" in page
    assert client.post("/c/general/follow", data={"follow": "1"}).status_code == 302
    assert "Stop following this category" in text(client.get("/c/general"))
    client.post(f"/t/{nf.thread_id}/follow", data={"level": "mute"})
    login("dan")
    response = client.post("/c/general/new", data={"title": "Pump straps", "body": "Which?"})
    assert response.status_code == 302
    reply(client, nf.thread_id, "A reply in the muted thread.")
    with app.app_context():
        new_thread = db.session.scalar(select(Thread).where(Thread.title == "Pump straps"))
        assert notes(nf.ids["cat"]) == [("reply", new_thread.posts[0].id)]
    login("cat")
    assert "Dan started a new thread: “Pump straps”" in text(client.get("/notifications"))
    client.post("/c/general/follow", data={"follow": "0"})
    with app.app_context():
        assert db.session.scalar(select(CategoryFollow)) is None


# --- the fan-out ------------------------------------------------------------------------

def test_a_reply_notifies_followers_but_never_its_author(app, client, nf, login):
    login("bob")
    reply(client, nf.thread_id, "Same here.")
    with app.app_context():
        post = newest_post()
        assert notes(nf.ids["ann"]) == [("reply", post.id)]
        assert notes(nf.ids["bob"]) == []
        [n] = db.session.scalars(select(Notification)).all()
        assert (n.actor_id, n.thread_id, n.read_at) == (nf.ids["bob"], nf.thread_id, None)
    login("ann")
    page = text(client.get("/notifications"))
    assert "Bob Builder replied in “Night-time hypos”" in page
    assert f'href="/p/{post.id}"' in page


def test_mentions_and_quotes(app, client, nf, login):
    login("bob")
    reply(client, nf.thread_id, "Ask @cat reporter, she knows. And @Ann Author too! "
                                "Not @Quiet Quinn, nor @Bob Builder (me), nor x@Dan.")
    with app.app_context():
        post = newest_post()
        # Ann follows the thread and is mentioned: one notification, the mention.
        assert notes(nf.ids["ann"]) == [("mention", post.id)]
        assert notes(nf.ids["cat"]) == [("mention", post.id)]
        assert notes(nf.ids["quiet"]) == [] and notes(nf.ids["bob"]) == []
        assert notes(nf.ids["dan"]) == []
    login("dan")
    form = text(client.get(f"/t/{nf.thread_id}/reply?quote={nf.opening_id}"))
    body = re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1)
    quoted = body.replace("&gt;", ">").replace("&#39;", "'").strip()
    assert quoted.startswith("> **Ann Author** wrote:")
    reply(client, nf.thread_id, quoted + "\n\nThis is what I do as well, @Cat Reporter.")
    with app.app_context():
        post = newest_post()
        assert notes(nf.ids["ann"])[-1] == ("quote", post.id)
        assert notes(nf.ids["cat"])[-1] == ("mention", post.id)
    login("ann")
    assert "Dan quoted you in “Night-time hypos”" in text(client.get("/notifications"))


def test_the_longest_display_name_wins(app, client, nf, login):
    with app.app_context():
        from tests.factories import make_user
        make_user(email="dan2@example.test", display_name="Dan Two")
        db.session.commit()
    login("bob")
    reply(client, nf.thread_id, "Thanks @dan two and @Dan.")
    with app.app_context():
        post = newest_post()
        dan2 = db.session.scalar(select(User.id).where(User.display_name == "Dan Two"))
        assert notes(dan2) == [("mention", post.id)]
        assert notes(nf.ids["dan"]) == [("mention", post.id)]


def test_suspended_members_get_nothing(app, client, nf, login):
    with app.app_context():
        db.session.add(ThreadFollow(user_id=nf.ids["sus"], thread_id=nf.thread_id,
                                    level="follow"))
        db.session.commit()
    login("bob")
    reply(client, nf.thread_id, "Hello @Sam Suspended.")
    with app.app_context():
        sus = db.session.get(User, nf.ids["sus"])
        own = make_post(db.session.get(Thread, nf.thread_id), author=sus, body="Before.")
        db.session.commit()
        own_id = own.id
    login("cat")
    client.post(f"/p/{own_id}/react", data={"kind": "thanks"})
    with app.app_context():
        assert notes(nf.ids["sus"]) == []


def test_a_held_post_notifies_nobody_until_a_moderator_approves_it(app, client, nf, login):
    app.config["PREMODERATION_POSTS"] = 1
    with app.app_context():
        from tests.factories import make_user
        newbie = make_user(email="newbie@example.test", display_name="New Bie")
        db.session.commit()
        newbie_id = newbie.id
    login("newbie@example.test")
    reply(client, nf.thread_id, "My first post, hello @Cat Reporter.")
    with app.app_context():
        post = newest_post()
        assert post.status == "pending"
        assert db.session.scalars(select(Notification)).all() == []
        item_id = open_item(post.id).id
    login("mod")
    assert act(client, item_id, "approve").status_code == 302
    with app.app_context():
        assert notes(nf.ids["ann"]) == [("reply", post.id)]
        assert notes(nf.ids["cat"]) == [("mention", post.id)]
        assert notes(newbie_id) == [("moderation", post.id)]  # "approved"
    login("newbie@example.test")
    assert "A moderator approved your post" in text(client.get("/notifications"))


def test_a_hidden_post_drops_out_and_comes_back_without_a_second_notification(
        app, client, nf, login):
    login("bob")
    reply(client, nf.thread_id, "Something a moderator will hide.")
    with app.app_context():
        post_id = newest_post().id
    login("ann")
    assert header_link(text(client.get("/"))) == "Notifications, 1 unread"
    for status, shown in (("hidden", False), ("removed", False), ("visible", True)):
        with app.app_context():
            thread_services.change_post_status(db.session.get(Post, post_id), status)
            db.session.commit()
        page = text(client.get("/notifications"))
        assert ("Bob Builder replied" in page) is shown, status
        assert header_link(page) == ("Notifications, 1 unread" if shown else "Notifications")
    with app.app_context():
        assert notes(nf.ids["ann"]) == [("reply", post_id)]


def test_an_unlisted_thread_notifies_only_those_who_may_see_it(app, client, nf, login):
    with app.app_context():
        ann = db.session.get(User, nf.ids["ann"])
        thread = make_thread(category=db.session.get(Thread, nf.thread_id).category, author=ann,
                             title="Quiet thread")
        for name in ("cat", "mod"):
            db.session.add(ThreadFollow(user_id=nf.ids[name], thread_id=thread.id,
                                        level="follow"))
        thread_services.change_post_status(thread.posts[0], "pending")  # held: unlisted
        post = make_post(thread, author=ann, body="A visible reply in an unlisted thread.")
        db.session.commit()
        assert notes(nf.ids["cat"]) == []
        assert notes(nf.ids["mod"]) == [("reply", post.id)]


def test_a_thread_that_becomes_hidden_drops_out_of_the_page(app, client, nf, login):
    login("cat")
    client.post(f"/t/{nf.thread_id}/follow", data={"level": "follow"})
    login("bob")
    reply(client, nf.thread_id, "A reply in a thread about to be hidden.")
    login("cat")
    assert "Bob Builder replied" in text(client.get("/notifications"))
    with app.app_context():  # its opening post is hidden: only Ann and moderators see it
        thread_services.change_post_status(db.session.get(Post, nf.opening_id), "hidden")
        db.session.commit()
    page = text(client.get("/notifications"))
    assert "Bob Builder replied" not in page and header_link(page) == "Notifications"
    login("ann")
    assert "Bob Builder replied" in text(client.get("/notifications"))  # still hers


def test_a_members_only_category_notifies_its_members(app, client, nf, login):
    login("cat")
    client.post("/c/lounge/follow", data={"follow": "1"})
    login("bob")
    assert client.post("/c/lounge/new", data={"title": "Lounge", "body": "Hi"}).status_code == 302
    with app.app_context():
        assert [kind for kind, _ in notes(nf.ids["cat"])] == ["reply"]
    login("cat")
    assert "Bob Builder started a new thread" in text(client.get("/notifications"))


# --- reactions --------------------------------------------------------------------------

def test_reactions_are_batched_in_one_line_per_post(app, client, nf, login):
    for name in ("bob", "cat", "dan"):
        login(name)
        client.post(f"/p/{nf.opening_id}/react", data={"kind": "thanks"})
    login("dan")
    client.post(f"/p/{nf.opening_id}/react", data={"kind": "me_too"})
    with app.app_context():
        [line] = db.session.scalars(select(Notification)).all()
        assert (line.user_id, line.kind, line.count) == (nf.ids["ann"], "reactions", 3)
    login("ann")
    page = text(client.get("/notifications"))
    assert "3 people said Thanks and 1 person said Me too to your post" in page

    for name in ("bob", "cat"):  # taken back: the line shrinks, nothing new appears
        login(name)
        client.post(f"/p/{nf.opening_id}/react", data={"kind": "thanks"})
    with app.app_context():
        [line] = db.session.scalars(select(Notification)).all()
        assert line.count == 1
    login("dan")
    client.post(f"/p/{nf.opening_id}/react", data={"kind": "thanks"})
    client.post(f"/p/{nf.opening_id}/react", data={"kind": "me_too"})
    with app.app_context():
        assert db.session.scalars(select(Notification)).all() == []  # all taken back

    login("bob")
    client.post(f"/p/{nf.opening_id}/react", data={"kind": "thanks"})
    login("ann")
    client.post("/notifications/read")
    login("cat")
    client.post(f"/p/{nf.opening_id}/react", data={"kind": "thanks"})
    with app.app_context():
        lines = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(n.count, n.read_at is None) for n in lines] == [(1, False), (1, True)]


# --- the page and the header ------------------------------------------------------------

def test_header_count_and_its_accessible_name(app, client, nf, login):
    assert "notifications-link" not in text(client.get("/"))  # visitors
    login("bob")
    reply(client, nf.thread_id, "One.")
    reply(client, nf.thread_id, "Two.")
    login("ann")
    assert header_link(text(client.get("/"))) == "Notifications, 2 unread"
    login("cat")
    assert header_link(text(client.get("/"))) == "Notifications"


def test_mark_one_and_all_read(app, client, nf, login):
    login("bob")
    reply(client, nf.thread_id, "One.")
    reply(client, nf.thread_id, "Two.")
    with app.app_context():
        first, second = db.session.scalars(select(Notification.id).order_by(Notification.id))
    login("cat")
    assert client.post(f"/notifications/{first}/read").status_code == 403
    assert client.post("/notifications/99999/read").status_code == 404
    login("ann")
    response = client.post(f"/notifications/{first}/read", data={"page": "1"})
    assert response.status_code == 302 and response.location == "/notifications"
    assert header_link(text(client.get("/"))) == "Notifications, 1 unread"
    client.post("/notifications/read")
    assert header_link(text(client.get("/"))) == "Notifications"
    with app.app_context():
        assert all(n.read_at is not None for n in db.session.scalars(select(Notification)))
    page = text(client.get("/notifications"))
    assert "Mark all as read" not in page and f"/notifications/{second}/read" not in page


def test_reading_the_thread_reads_its_notifications_up_to_there(app, client, nf, login):
    """The read marker the thread page posts (static/js/read-marker.js) also clears the
    notifications about the posts read, and only those."""
    login("bob")
    reply(client, nf.thread_id, "One.")
    reply(client, nf.thread_id, "Two.")
    with app.app_context():
        first, second = db.session.scalars(select(Notification.post_id)
                                           .order_by(Notification.id))
    login("ann")
    response = client.post(f"/t/{nf.thread_id}/read", data={"upto": str(first)})
    assert response.status_code == 204
    assert header_link(text(client.get("/"))) == "Notifications, 1 unread"
    client.post(f"/t/{nf.thread_id}/read")  # the "Mark as read" button: the whole thread
    assert header_link(text(client.get("/"))) == "Notifications"
    with app.app_context():
        assert db.session.scalar(select(Notification.read_at)
                                 .where(Notification.post_id == second)) is not None


def test_the_page_is_newest_first_and_paged(app, client, nf, login, frozen_clock):
    with app.app_context():
        thread = db.session.get(Thread, nf.thread_id)
        bob = db.session.get(User, nf.ids["bob"])
        for n in range(25):
            make_post(thread, author=bob, body=f"Reply number {n}.")
            frozen_clock.advance(minutes=1)
        db.session.commit()
        ids = db.session.scalars(select(Notification.post_id).order_by(Notification.id)).all()
    login("ann")
    first = text(client.get("/notifications"))
    links = [int(n) for n in re.findall(r'href="/p/(\d+)"', first)]
    assert links == ids[::-1][:20]
    second = text(client.get("/notifications?page=2"))
    assert [int(n) for n in re.findall(r'href="/p/(\d+)"', second)] == ids[::-1][20:]
    assert 'rel="next"' in first
    assert client.get("/notifications?page=3").status_code == 404
    assert client.get("/notifications?page=x").status_code == 404


def test_the_page_needs_a_login(client, nf):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_a_moderators_decision_is_a_notification_and_the_old_page_redirects(
        app, client, nf, login):
    login("bob")
    reply(client, nf.thread_id, "Something rude.")
    with app.app_context():
        post_id = newest_post().id
    login("cat")
    client.post(f"/p/{post_id}/flag", data={"reason": "harassment"})
    with app.app_context():
        item_id = open_item(post_id).id
    login("mod")
    assert act(client, item_id, "hide", reason="Please keep it kind").status_code == 302
    login("bob")
    page = text(client.get("/notifications"))
    assert "From the moderators:" in page and "Please keep it kind" in page
    assert header_link(page) == "Notifications, 1 unread"
    assert "Messages" not in page
    response = client.get("/notices")
    assert response.status_code == 302 and response.location == "/notifications"


# --- speed ------------------------------------------------------------------------------

def _followers(thread_id: int, count: int, start: int) -> None:
    password = hash_password(PASSWORD)
    db.session.execute(insert(User), [
        {"email": f"f{start + n}@example.test", "display_name": f"Follower {start + n}",
         "display_name_key": f"follower {start + n}", "password_hash": password}
        for n in range(count)])
    ids = db.session.scalars(select(User.id).where(User.email.like("f%@example.test"))
                             .order_by(User.id.desc()).limit(count)).all()
    db.session.execute(insert(ThreadFollow), [
        {"user_id": user_id, "thread_id": thread_id, "level": "follow"} for user_id in ids])


def test_the_fan_out_costs_the_same_queries_for_1000_followers_as_for_10(app, nf):
    costs = {}
    with app.app_context():
        bob = db.session.get(User, nf.ids["bob"])
        for followers in (10, 1000):
            thread = make_thread(category=db.session.get(Thread, nf.thread_id).category,
                                 author=db.session.get(User, nf.ids["ann"]),
                                 title=f"{followers} followers")
            _followers(thread.id, followers, start=followers)
            make_post(thread, author=bob, body="Warm-up, so both runs load the same rows.")
            db.session.commit()
            thread = db.session.get(Thread, thread.id)
            bob = db.session.get(User, nf.ids["bob"])
            with count_queries(app) as queries:
                post = thread_services.add_reply(thread, author=bob, body="Hello @Ann Author.")
            costs[followers] = queries[0]
            told = db.session.scalars(select(Notification.kind).where(
                Notification.post_id == post.id)).all()
            assert len(told) == followers + 1 and told.count("mention") == 1
            db.session.commit()
    assert costs[10] == costs[1000], costs


# --- @mention suggestions (progressive enhancement) --------------------------------------

def test_name_suggestions_for_members(app, client, nf, login):
    assert client.get("/notifications/names?q=an").status_code == 302  # visitors: log in
    assert 'src="/static/js/mentions.js"' not in text(client.get("/"))
    login("bob")
    assert 'src="/static/js/mentions.js"' in text(client.get(f"/t/{nf.thread_id}"))
    assert client.get("/notifications/names?q=AN").get_json() == {"names": ["Ann Author"]}
    assert client.get("/notifications/names?q=ann%20%20au").get_json()["names"] == [
        "Ann Author"]
    for query in ("a", "", "%", "_n", "an%", "\x00x", "x" * 500):
        response = client.get("/notifications/names", query_string={"q": query})
        assert response.status_code == 200 and response.get_json() == {"names": []}, query
