"""The knowledge base: documents, chunks, embeddings, the hybrid index and ingestion."""
