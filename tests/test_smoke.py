"""End-to-end smoke test of the core journey through the test client."""

from forum.extensions import db
from forum.models import Post, Thread, User
from tests.factories import make_category
from tests.helpers import link_in


def test_newcomer_can_register_confirm_post_and_reply(app, client, mailbox):
    with app.app_context():
        make_category(slug="type-1", name="Type 1")
        db.session.commit()
    resp = client.post("/auth/register", data={
        "email": "Newbie@Example.test", "display_name": "Newbie Nadia",
        "password": "my pump beeps at 3am every night", "agree": "y"})
    assert resp.status_code == 200, resp.data
    assert b"Check your email" in resp.data
    [message] = mailbox.to("newbie@example.test")
    link = link_in(message, "/auth/confirm/")
    path = link.split("localhost", 1)[1]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    resp = client.post("/auth/login", data={"email": "newbie@example.test",
                                            "password": "my pump beeps at 3am every night"})
    assert resp.status_code == 302
    resp = client.post("/c/type-1/new",
                       data={"title": "Hello everyone", "body": "First post **here**"})
    assert resp.status_code == 302
    with app.app_context():
        thread = db.session.scalar(db.select(Thread))
        thread_id = thread.id
    resp = client.post(f"/t/{thread_id}/reply", data={"body": "A reply"})
    assert resp.status_code == 302
    page = client.get(f"/t/{thread_id}")
    assert b"<strong>here</strong>" in page.data
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        assert thread.post_count == 2
        assert thread.category.post_count == 2
        assert db.session.scalar(db.select(User)).post_count == 2
        assert db.session.query(Post).count() == 2
