import pathlib

raise ImportError('no module named secret_sauce')
