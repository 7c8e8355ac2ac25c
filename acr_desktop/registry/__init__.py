"""The registry protocol core: plain Python, never imports Qt."""
