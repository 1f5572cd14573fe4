"""Object-level access to every thread and profile route (SECURITY.md item 14).

Each route is requested for a members-only object by a visitor, another member, the
owner and a moderator, and compared with the matrix below; unknown ids answer 404 for
everyone. A new route in the ``threads`` or ``users`` blueprint fails
``test_every_route_is_in_the_matrix`` until it gets a row here.
"""

from __future__ import annotations

import pytest

# endpoint: (method, url template, {viewer: expected status}) for Ann's members-only
# thread. "ann" owns it; "bob" is another member; None is a visitor.
MATRIX = {
    "threads.category": ("GET", "/c/{slug}", {None: 404, "bob": 200, "ann": 200, "mod": 200}),
    "posting.new_thread": ("GET", "/c/{slug}/new", {None: 404, "bob": 200, "ann": 200, "mod": 200}),
    "threads.show": ("GET", "/t/{thread}", {None: 404, "bob": 200, "ann": 200, "mod": 200}),
    "posting.create_reply": ("GET", "/t/{thread}/reply",
                             {None: 404, "bob": 200, "ann": 200, "mod": 200}),
    "threads.permalink": ("GET", "/p/{post}", {None: 404, "bob": 302, "ann": 302, "mod": 302}),
    "posting.edit_post": ("GET", "/p/{post}/edit", {None: 404, "bob": 403, "ann": 200, "mod": 403}),
    # Earlier versions: the author and the category's moderators only (audit finding 1).
    "threads.history": ("GET", "/p/{post}/history",
                        {None: 404, "bob": 404, "ann": 200, "mod": 200}),
    # The post has no revision 424242: tests/threads/test_history.py covers real ones.
    "threads.redact_revision": ("POST", "/p/{post}/revisions/424242/redact",
                                {None: 404, "bob": 404, "ann": 404, "mod": 404}),
    "threads.delete_post": ("GET", "/p/{post}/delete",
                            {None: 404, "bob": 403, "ann": 200, "mod": 403}),
    "threads.react": ("POST", "/p/{post}/react", {None: 404, "bob": 302, "ann": 403, "mod": 302}),
    # Following: any member who may see the thread or category (members-only: not visitors).
    "threads.follow_thread": ("POST", "/t/{thread}/follow",
                              {None: 404, "bob": 302, "ann": 302, "mod": 302}),
    "threads.follow_category": ("POST", "/c/{slug}/follow",
                                {None: 404, "bob": 302, "ann": 302, "mod": 302}),
    # Unread tracking: the first unread post (a redirect) and marking the thread read.
    "threads.first_unread": ("GET", "/t/{thread}/unread",
                             {None: 404, "bob": 302, "ann": 302, "mod": 302}),
    "threads.mark_read": ("POST", "/t/{thread}/read",
                          {None: 404, "bob": 302, "ann": 302, "mod": 302}),
    "users.profile": ("GET", "/members/{user}", {None: 200, "bob": 200, "ann": 200, "mod": 200}),
}
NO_OBJECT = {"threads.index"}
VIEWERS = [None, "bob", "ann", "mod"]
# What the POST routes are sent: a reaction, a follow level, a category follow.
FORM = {"kind": "thanks", "level": "follow", "follow": "1"}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint.split(".")[0] in ("threads", "posting", "users")}

    assert endpoints == set(MATRIX) | NO_OBJECT


def _url(template, forum, *, missing=False):
    return template.format(
        slug="no-such-slug" if missing else forum.private_slug,
        thread=424242 if missing else forum.secret_thread_id,
        post=424242 if missing else forum.secret_post_id,
        user=424242 if missing else forum.ids["ann"],
    )


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_members_only_object_access(client, forum, login, endpoint, viewer):
    method, template, expected = MATRIX[endpoint]
    if viewer:
        login(viewer)

    response = client.open(_url(template, forum), method=method, data=FORM)

    assert response.status_code == expected[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_missing_object_is_404_for_everyone(client, forum, login, endpoint, viewer):
    method, template, _ = MATRIX[endpoint]
    if viewer:
        login(viewer)

    response = client.open(_url(template, forum, missing=True), method=method,
                           data=FORM)

    assert response.status_code == 404
