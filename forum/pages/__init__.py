"""Fixed pages: "Need help now?" with crisis contacts, and the community guidelines."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the help and guidelines pages, after checking CRISIS_REGION: a region with
    no crisis contacts stops the app at start-up, so the help page can never be wrong or
    empty."""
    from forum.pages.contacts import UnknownRegion, region
    from forum.pages.views import bp

    try:
        region(app.config["CRISIS_REGION"])
    except UnknownRegion as exc:
        raise RuntimeError(str(exc)) from None
    app.register_blueprint(bp)
