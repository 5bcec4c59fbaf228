"""`python -m msosim.cli ...` runs the `msosim` command."""

from .root import main

if __name__ == "__main__":
    main()
