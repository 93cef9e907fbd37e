"""The small expression language of formulas and rule conditions (parsed by us, compiled to
polars, never eval'd), the trend and peer functions rules may call, and the analysis of a rule:
its names, units and templates, checked once."""
