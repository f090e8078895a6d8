"""What planners call a workspace's regions and channels: the words the assistant derives from the
names (the start of a Chinese name, the English of its parts, the trade's glossary) and the
workspace's own aliases, kept in its settings and editable there."""

from __future__ import annotations

from datetime import date
from typing import Any

from assistant.services import Services
from assistant.usecases.context import WorkspaceContext
from tools.errors import InvalidArgument


def names(ctx: WorkspaceContext, today: date) -> dict[str, Any]:
    """Every region and channel with the words that name it in a request, and the workspace's own
    aliases among them."""
    from assistant.factory import name_words

    regions, channels = name_words(ctx, today)
    return {"regions": regions, "channels": channels, "aliases": ctx.policy.aliases}


def set_aliases(
    services: Services, ctx: WorkspaceContext, aliases: dict[str, list[str]], *, principal: Any = None
) -> dict[str, list[str]]:
    """Replace the workspace's own aliases (a name with an empty list drops its aliases); each name
    must be one of its regions or channels. Audited."""
    unknown = sorted(set(aliases) - set(ctx.regions) - set(ctx.channels))
    if unknown:
        known = "、".join([*ctx.regions, *ctx.channels]) or "none yet"
        raise InvalidArgument(
            f"aliases name no region or channel of the workspace: {unknown}; its names: {known}"
        )
    kept = {k: list(dict.fromkeys(w.strip() for w in v if w.strip())) for k, v in aliases.items() if v}
    policy = ctx.policy.model_copy(update={"aliases": kept})
    profile = services.profiles.update(ctx.name, {"policy": type(policy).model_validate(policy.model_dump())})
    services.accounts.audit(
        "aliases_set",
        principal=principal,
        workspace=ctx.name,
        target=", ".join(sorted(kept)) or "(none)",
        detail={"old": ctx.policy.aliases, "new": kept},
    )
    return profile.policy.aliases
