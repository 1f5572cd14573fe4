"""Production entry point: ``gunicorn wsgi:app`` (needs SECRET_KEY, SERVER_NAME and
DATABASE_URL). Behind nginx, set TRUSTED_PROXIES=1 so the client's address and scheme
come from X-Forwarded-For/-Proto (see docs/deployment.md)."""

from forum import create_app

app = create_app("production")
