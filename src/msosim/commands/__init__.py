"""Subcommands of `msosim` beyond `run`; each module has `register(app)`."""
