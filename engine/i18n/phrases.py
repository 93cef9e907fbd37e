def translate(text, tr):
    return text
