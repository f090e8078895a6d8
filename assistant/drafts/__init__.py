"""Plan drafts: structured documents built from tool results and retrieved passages, with every
number's provenance, a number audit, review workflow and export."""
