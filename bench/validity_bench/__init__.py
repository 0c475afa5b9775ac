"""The validity benchmark: the engine and a plain baseline scored against folders of truth."""
