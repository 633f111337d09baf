"""``shelfaudit eval …``: measure models and checks on labelled data.

Each evaluation lives in ``shelfaudit/evaluation/`` and registers its command here.
"""

from __future__ import annotations

import typer

eval_app = typer.Typer(no_args_is_help=True, help="Evaluate models and checks on labelled data.")
