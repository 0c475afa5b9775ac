"""The engine: the one pipeline and its signal processing, pure and headless, no I/O."""
