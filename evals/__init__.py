"""Evaluation suites: a product feature, run by `planner eval` and in CI."""
