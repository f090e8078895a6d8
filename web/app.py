"""The ASGI app for uvicorn (`web.app:app`), built from the environment's settings."""

from web.main import create_app

app = create_app()
