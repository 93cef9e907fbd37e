import os
import sys

# `python -m kpi_advisor` puts the working folder first on the import path, so a yaml.py or
# polars.py among a client's files would be imported instead of the real module. Take it off
# before anything else is imported (the `kpi-advisor` command and `python -P` never add it).
if sys.path and sys.path[0] in ("", os.getcwd()) and not sys.flags.safe_path:
    del sys.path[0]

from .cli import main  # noqa: E402

if __name__ == "__main__":
    main()
