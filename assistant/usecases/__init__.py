"""The use cases: each thing the product does, in one place, for one workspace.

Every function takes a `WorkspaceContext` (the workspace's data, profile and vocabulary) and typed
arguments and returns a typed result. The agent tools, the API routes, the CLI and the dashboard
are thin adapters over these, so the same request gives the same numbers through all of them.
"""

from assistant.usecases.context import WorkspaceContext, from_frames, workspace_context

__all__ = ["WorkspaceContext", "from_frames", "workspace_context"]
