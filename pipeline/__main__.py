"""``python -m pipeline`` runs the agenda-watch CLI."""

from pipeline.cli import main

main()
