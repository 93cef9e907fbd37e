"""Languages and number formats: message catalogs (locales/*.po) and locale-aware values."""
