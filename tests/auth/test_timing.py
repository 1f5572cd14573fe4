"""Response times do not tell whether an address has an account (outside audit,
finding 3: a reset for a known address took a median 51 ms, an unknown one 4 ms).

Account mail is written to the outbox with the request's commit and sent after the
response, and an unknown address gets the same work (a token and a rendered message)
without a message. Each case times 20 alternating pairs of requests through the real
views with a real SMTP server, and compares medians; between requests the background
sender and the SMTP server (threads of this process) are allowed to finish, so each
timing is the request's own.
"""

from __future__ import annotations

import statistics
import time

import pytest

from forum.email import wait_for_background
from forum.extensions import db
from tests.factories import PASSWORD, make_user

PAIRS = 20
TOLERANCE_MS = 5.0


@pytest.fixture
def members(app):
    with app.app_context():
        people = [make_user(email=f"member{n}@example.test") for n in range(PAIRS)]
        make_user(email="changer@example.test", display_name="Changer")
        db.session.commit()
        return [p.email for p in people]


def _timed(client, path, data) -> float:
    start = time.perf_counter()
    response = client.post(path, data=data)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 302), response.status_code
    assert wait_for_background(timeout=30)
    time.sleep(0.03)  # and let the test's SMTP server (a thread of this process) settle
    return elapsed


def _medians(client, path, known, unknown) -> tuple[float, float]:
    _timed(client, path, known(0))  # warm caches (templates, the worker thread)
    _timed(client, path, unknown(0))
    known_times, unknown_times = [], []
    for n in range(PAIRS):
        known_times.append(_timed(client, path, known(n)))
        unknown_times.append(_timed(client, path, unknown(n)))
    return statistics.median(known_times), statistics.median(unknown_times)


def test_a_reset_takes_as_long_for_an_unknown_address(client, members, mailbox):
    known, unknown = _medians(client, "/auth/reset",
                              lambda n: {"email": members[n]},
                              lambda n: {"email": f"stranger{n}@example.test"})
    assert abs(known - unknown) <= TOLERANCE_MS, (known, unknown)
    assert len(mailbox.messages) == PAIRS + 1  # the known addresses did get their link


def test_a_digest_sign_up_takes_as_long_for_a_member(client, members, mailbox):
    known, unknown = _medians(client, "/digest",
                              lambda n: {"email": members[n]},
                              lambda n: {"email": f"reader{n}@example.test"})
    assert abs(known - unknown) <= TOLERANCE_MS, (known, unknown)


def test_an_email_change_takes_as_long_for_a_taken_address(client, auth, members, mailbox):
    auth.login("changer@example.test")
    known, unknown = _medians(client, "/settings/email",
                              lambda n: {"email": members[n], "password": PASSWORD},
                              lambda n: {"email": f"fresh{n}@example.test",
                                         "password": PASSWORD})
    assert abs(known - unknown) <= TOLERANCE_MS, (known, unknown)
