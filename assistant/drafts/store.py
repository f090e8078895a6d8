"""Drafts in the database: versions, the review workflow, comments and the audit trail.

States: draft → in_review → approved, or → changes_requested → (new version) → draft → … An approved
draft never changes. Every save names the version it was based on; a save based on an older version
is refused (optimistic concurrency), so the second of two editors never silently overwrites the
first.
"""

from __future__ import annotations

import builtins
import difflib
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.accounts import Accounts, Forbidden, Principal
from assistant.db import Draft, DraftComment, DraftVersion
from assistant.drafts.builder import audit
from assistant.drafts.document import Block, DraftDoc
from assistant.errors import Conflict, NotFound, PlannerError

TRANSITIONS = {
    "submit": ({"draft", "changes_requested"}, "in_review"),
    "approve": ({"in_review"}, "approved"),
    "request_changes": ({"in_review"}, "changes_requested"),
    "withdraw": ({"in_review"}, "draft"),
}


class InvalidTransition(PlannerError):
    status_code = 409


def _compare_and_set(s: Session, d: Draft, *, version: int, state: str) -> None:
    """Move the draft to `state` and `version` only if nobody changed it since it was read: two
    reviewers approving at once, or approve against request changes, leave exactly one winner."""
    done = s.execute(
        update(Draft)
        .where(Draft.id == d.id, Draft.state == d.state, Draft.version == d.version)
        .values(state=state, version=version)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the draft changed while you were working on it (another review or edit): reload it")


class DraftStore:
    def __init__(self, sessions: sessionmaker, accounts: Accounts) -> None:
        self.sessions = sessions
        self.accounts = accounts

    def create(self, doc: DraftDoc, *, workspace: str, author: Principal | None) -> dict[str, Any]:
        with self.sessions.begin() as s:
            d = Draft(
                workspace=workspace,
                kind=doc.kind,
                title=doc.title,
                author_id=author.id if author else None,
                version=1,
            )
            s.add(d)
            s.flush()
            s.add(
                DraftVersion(
                    draft_id=d.id,
                    version=1,
                    document=doc.model_dump_json(),
                    author_id=d.author_id,
                    note="created",
                )
            )
            draft_id = d.id
        self.accounts.audit(
            "draft_created",
            principal=author,
            workspace=workspace,
            target=draft_id,
            detail={"kind": doc.kind, "engine": doc.engine},
        )
        return self.get(draft_id, workspace=workspace)

    def _draft(self, s: Any, draft_id: str, workspace: str) -> Draft:
        d = s.get(Draft, draft_id)
        if d is None or d.workspace != workspace:
            raise NotFound(f"draft {draft_id} not found")
        return d

    def get(self, draft_id: str, *, workspace: str, version: int | None = None) -> dict[str, Any]:
        doc, shown = self._version(draft_id, workspace, version)
        with self.sessions() as s:
            d = self._draft(s, draft_id, workspace)
            comments = [
                {
                    "id": c.id,
                    "version": c.version,
                    "section_id": c.section_id,
                    "author": c.author,
                    "text": c.text,
                    "created_at": c.created_at,
                }
                for c in s.scalars(
                    select(DraftComment).where(DraftComment.draft_id == d.id).order_by(DraftComment.id)
                )
            ]
            return {
                "id": d.id,
                "kind": d.kind,
                "title": d.title,
                "state": d.state,
                "version": shown,
                "current_version": d.version,
                "author_id": d.author_id,
                "markdown": doc.markdown(),
                "sections": [sec.model_dump() for sec in doc.sections],
                "citations": [c.model_dump() for c in doc.citations],
                "numbers": [n.model_dump() for n in doc.numbers],
                "audit": doc.audit.model_dump() if doc.audit else None,
                "engine": doc.engine,
                "model": doc.model,
                "lang": doc.lang,
                "scope": doc.scope,
                "period": doc.period,
                "comments": comments,
                "updated_at": d.updated_at,
            }

    def document(self, draft_id: str, *, workspace: str, version: int | None = None) -> DraftDoc:
        return self._version(draft_id, workspace, version)[0]

    def _version(self, draft_id: str, workspace: str, version: int | None) -> tuple[DraftDoc, int]:
        with self.sessions() as s:
            d = self._draft(s, draft_id, workspace)
            v = s.scalar(
                select(DraftVersion).where(
                    DraftVersion.draft_id == d.id, DraftVersion.version == (version or d.version)
                )
            )
            if v is None:
                raise NotFound(f"draft {draft_id} has no version {version}")
            doc = DraftDoc.model_validate_json(v.document)
            # a draft stored before it kept its workspace is its row's
            return (doc if doc.workspace else doc.model_copy(update={"workspace": d.workspace})), v.version

    def list(self, *, workspace: str) -> list[dict[str, Any]]:
        with self.sessions() as s:
            rows = s.scalars(
                select(Draft).where(Draft.workspace == workspace).order_by(Draft.updated_at.desc())
            )
            return [
                {
                    "id": d.id,
                    "kind": d.kind,
                    "title": d.title,
                    "state": d.state,
                    "version": d.version,
                    "updated_at": d.updated_at,
                }
                for d in rows
            ]

    def save_version(
        self,
        draft_id: str,
        doc: DraftDoc,
        *,
        workspace: str,
        base_version: int,
        by: Principal | None,
        note: str,
    ) -> dict[str, Any]:
        """Store an edited or revised document as a new version, if `base_version` is current."""
        doc = audit(doc)
        with self.sessions.begin() as s:
            d = self._draft(s, draft_id, workspace)
            if d.state == "approved":
                raise InvalidTransition("an approved draft cannot change")
            if d.state == "in_review":
                raise InvalidTransition(
                    "the draft is in review: withdraw it or wait for the review before editing"
                )
            if base_version != d.version:
                raise Conflict(
                    f"draft changed since version {base_version} (now version {d.version}): reload and apply your edit again"
                )
            new_state = "draft" if d.state == "changes_requested" else d.state
            _compare_and_set(s, d, version=base_version + 1, state=new_state)
            s.add(
                DraftVersion(
                    draft_id=d.id,
                    version=base_version + 1,
                    document=doc.model_dump_json(),
                    author_id=by.id if by else None,
                    note=note[:200],
                )
            )
            new_version = base_version + 1
        self.accounts.audit(
            "draft_edited",
            principal=by,
            workspace=workspace,
            target=draft_id,
            detail={"version": new_version, "note": note[:200]},
        )
        return self.get(draft_id, workspace=workspace)

    def edit_section(
        self,
        draft_id: str,
        section_id: str,
        markdown: str,
        *,
        workspace: str,
        base_version: int,
        by: Principal | None,
    ) -> dict[str, Any]:
        doc = self.document(draft_id, workspace=workspace)
        sections = []
        found = False
        for sec in doc.sections:
            if sec.id == section_id:
                found = True
                sec = sec.model_copy(update={"blocks": [Block(type="paragraph", text=markdown)]})
            sections.append(sec)
        if not found:
            raise NotFound(f"section {section_id!r} not in draft {draft_id}")
        # numbers keep their provenance; a figure typed by hand without one shows up in the audit
        return self.save_version(
            draft_id,
            doc.model_copy(update={"sections": sections}),
            workspace=workspace,
            base_version=base_version,
            by=by,
            note=f"edited {section_id}",
        )

    def transition(
        self,
        draft_id: str,
        action: str,
        *,
        workspace: str,
        by: Principal,
        base_version: int | None = None,
        comment: str = "",
    ) -> dict[str, Any]:
        if action not in TRANSITIONS:
            raise PlannerError(f"unknown action {action!r}: use {', '.join(TRANSITIONS)}")
        allowed_from, target = TRANSITIONS[action]
        with self.sessions.begin() as s:
            d = self._draft(s, draft_id, workspace)
            if d.state not in allowed_from:
                raise InvalidTransition(
                    f"cannot {action.replace('_', ' ')} a draft that is {d.state.replace('_', ' ')}"
                )
            if base_version is not None and base_version != d.version:
                raise Conflict(
                    f"draft changed since version {base_version} (now version {d.version}): reload first"
                )
            if action in ("approve", "request_changes"):
                if not by.can("reviewer"):
                    raise Forbidden("only a reviewer can approve or request changes")
                if d.author_id == by.id:
                    raise Forbidden("a reviewer cannot review their own draft")
            if action in ("submit", "withdraw") and not by.can("planner") and d.author_id != by.id:
                raise Forbidden("only the author or a planner can submit or withdraw")
            before = d.state
            _compare_and_set(s, d, version=d.version, state=target)
            if comment:
                s.add(
                    DraftComment(
                        draft_id=d.id,
                        version=d.version,
                        section_id="",
                        author_id=by.id,
                        author=by.username,
                        text=comment,
                    )
                )
            version = d.version
        self.accounts.audit(
            "draft_transition",
            principal=by,
            workspace=workspace,
            target=draft_id,
            detail={"action": action, "from": before, "to": target, "version": version},
        )
        return self.get(draft_id, workspace=workspace)

    def comment(
        self, draft_id: str, section_id: str, text: str, *, workspace: str, by: Principal
    ) -> dict[str, Any]:
        with self.sessions.begin() as s:
            d = self._draft(s, draft_id, workspace)
            s.add(
                DraftComment(
                    draft_id=d.id,
                    version=d.version,
                    section_id=section_id,
                    author_id=by.id,
                    author=by.username,
                    text=text,
                )
            )
        self.accounts.audit(
            "draft_comment",
            principal=by,
            workspace=workspace,
            target=draft_id,
            detail={"section": section_id},
        )
        return self.get(draft_id, workspace=workspace)

    # builtins.list: in this class `list` names the method above
    def versions(self, draft_id: str, *, workspace: str) -> builtins.list[dict[str, Any]]:
        with self.sessions() as s:
            d = self._draft(s, draft_id, workspace)
            return [
                {"version": v.version, "note": v.note, "author_id": v.author_id, "created_at": v.created_at}
                for v in s.scalars(
                    select(DraftVersion).where(DraftVersion.draft_id == d.id).order_by(DraftVersion.version)
                )
            ]

    def diff(self, draft_id: str, a: int, b: int, *, workspace: str) -> str:
        left = self.document(draft_id, workspace=workspace, version=a).markdown().splitlines()
        right = self.document(draft_id, workspace=workspace, version=b).markdown().splitlines()
        return "\n".join(difflib.unified_diff(left, right, f"v{a}", f"v{b}", lineterm=""))
