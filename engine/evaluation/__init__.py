"""Numbers and findings: metric tables per scope level (counts summed, ratios re-derived),
benchmarks matched to a scope, and the rules evaluated as one polars select per level."""
