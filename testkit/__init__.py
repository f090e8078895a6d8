"""Fakes and helpers shared by the tests and the benchmarks (neither imports the other): a fake
OpenAI-compatible LLM over respx, free loopback ports, API tokens for scripted clients."""
