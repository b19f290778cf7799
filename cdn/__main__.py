"""``python -m cdn`` runs the command line."""

from cdn.cli import main

main()
