"""The planning domain as pure, typed functions: KPIs, diagnosis, forecasts and budgets.

Nothing in this package knows about LangChain, HTTP or database sessions; the agent, the API and
the CLI all call these same functions.
"""
