"""The shapes everything else passes around: a client config, the definitions plugins provide
(metrics, rules, profiles, formats), and the report. Models only: no I/O, no polars."""
