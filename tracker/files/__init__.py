"""Files: the own recording format, the interchange CSV, replay of both, the history database."""
