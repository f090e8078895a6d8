from fastapi import APIRouter

from web.routes import admin, auth, chat, conversations, health, knowledge, kpis

api = APIRouter(prefix="/api")
for module in (auth, admin, chat, conversations, health, knowledge, kpis):
    api.include_router(module.router)
