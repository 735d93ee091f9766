"""codeorigin: how likely each function was written by an LLM, and why. Offline, on the CPU."""

__version__ = "0.1.0"
