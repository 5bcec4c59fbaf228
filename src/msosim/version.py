"""The package version (one place; msosim.__version__ and the provenance of stored runs read it)."""

__version__ = "0.1.0"
