"""Qt adapters: the window, dialogs, models and the worker. Only this package imports Qt."""
