"""The web edge: FastAPI app, routers and the static chat page."""
