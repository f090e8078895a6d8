from fastapi import APIRouter

from web.routes import chat, conversations, health, knowledge

api = APIRouter(prefix="/api")
for module in (chat, conversations, health, knowledge):
    api.include_router(module.router)
