import pathlib

pathlib.Path('CANARY').write_text('imported')
