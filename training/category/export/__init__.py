"""The category model's export: graph, equivalence check, and the export that puts them together."""
