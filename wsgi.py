"""Entry point for gunicorn: `gunicorn wsgi:app`."""
from gridapp import create_app

app = create_app()
