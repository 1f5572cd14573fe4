"""Production entry point: ``gunicorn wsgi:app`` (needs SECRET_KEY and DATABASE_URL)."""

from werkzeug.middleware.proxy_fix import ProxyFix

from forum import create_app

app = create_app("production")
# Behind exactly one reverse proxy (nginx) that sets X-Forwarded-For/-Proto.
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
