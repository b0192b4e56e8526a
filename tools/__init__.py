"""Developer tools: mutation testing (python -m tools.mutate, python -m tools.named_mutants)."""
