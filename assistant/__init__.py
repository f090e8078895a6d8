"""The planning assistant: agent wiring, engines, retrieval and persistence."""
