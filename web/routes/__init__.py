from fastapi import APIRouter

from web.routes import chat, conversations, health, knowledge, kpis

api = APIRouter(prefix="/api")
for module in (chat, conversations, health, knowledge, kpis):
    api.include_router(module.router)
