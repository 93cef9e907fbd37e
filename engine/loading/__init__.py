"""From files and plugins to checked definitions: safe YAML, pydantic errors as one-line
problems, rule packs, business-model profiles, the catalogue of what the plugins provide, and a
client config prepared for a run (every name it uses checked, its rules analysed once)."""
