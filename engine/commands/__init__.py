"""What the command line does besides running a config: list and explain, init, validate,
test-rules, schema, the progress display, atomic output writing, and the maintainer's
`python -m kpi_advisor.commands.regenerate`."""
