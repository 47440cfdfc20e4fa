"""One reader for user files, one writer for outputs, text safety, number formatting."""
