"""Chat engines. The offline engine is ours; the LLM engine is LangChain's ChatOpenAI."""
