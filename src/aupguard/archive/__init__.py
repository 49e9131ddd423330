"""The archive: original bytes of every item, content-addressed."""
