"""One module per draft kind: each returns the blocks of its outline's subsections."""
