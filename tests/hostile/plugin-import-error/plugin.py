
raise ImportError('no module named secret_sauce')
