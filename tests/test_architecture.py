"""The custom import-linter contract (tests/contracts.py) finds what it should.

The contracts themselves run as ``lint-imports`` in ``make lint`` and ``make test``;
these tests show the private-names check can fail.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from tests.contracts import violations_in


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package ``demo_pkg`` with two features, ``a`` and ``b``."""
    root = tmp_path / "demo_pkg"
    for part in ("", "a", "b"):
        (root / part).mkdir(exist_ok=True)
        (root / part / "__init__.py").write_text("")
    (root / "b" / "helpers.py").write_text("def _secret():\n    pass\n\ndef public():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m.startswith("demo_pkg")]:
        del sys.modules[name]


def _write(path, text):
    path.write_text(textwrap.dedent(text))


def test_a_private_name_from_another_feature_is_reported(package):
    _write(package / "a" / "views.py", """
        from demo_pkg.b.helpers import _secret, public
        from demo_pkg.b import helpers
        helpers._secret()
    """)
    found = violations_in("demo_pkg.a.views", "demo_pkg")
    assert [(v.line, v.name, v.owner) for v in found] == [
        (2, "_secret", "demo_pkg.b.helpers"), (4, "_secret", "demo_pkg.b.helpers")]


def test_relative_imports_are_resolved(package):
    _write(package / "a" / "views.py", "from ..b.helpers import _secret\n")
    assert [v.owner for v in violations_in("demo_pkg.a.views", "demo_pkg")] == [
        "demo_pkg.b.helpers"]


def test_public_names_dunders_and_own_package_are_allowed(package):
    _write(package / "b" / "views.py", """
        from demo_pkg.b.helpers import _secret
        from demo_pkg.b import __name__ as name
    """)
    _write(package / "a" / "views.py", "from demo_pkg.b.helpers import public\n")
    assert violations_in("demo_pkg.b.views", "demo_pkg") == []
    assert violations_in("demo_pkg.a.views", "demo_pkg") == []
