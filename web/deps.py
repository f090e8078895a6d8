"""Dependency aliases for the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.chat import ChatService
from assistant.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_chat(request: Request) -> ChatService:
    return request.app.state.chat


ServicesDep = Annotated[Services, Depends(get_services)]
ChatDep = Annotated[ChatService, Depends(get_chat)]
