"""Model runtimes: load an artifact directory once, then predict. They know nothing of HTTP."""
