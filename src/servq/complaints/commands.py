"""``servq complaints``: classify, evaluate and train the complaint classifier, and analyse
complaints. Each command lives with what it does; this module only gathers them."""

from __future__ import annotations

import typer

complaints_app = typer.Typer(help="Complaints: classify texts, train and evaluate the classifier, analyse hot spots.",
                             no_args_is_help=True)

# complaint text classification (servq.text): docs/complaints-text.md
from ..text.commands import classify, evaluate, train  # noqa: E402

complaints_app.command("classify")(classify)
complaints_app.command("evaluate")(evaluate)
complaints_app.command("train")(train)
from ..web import complaint_commands  # noqa: E402,F401  registers `import` and `escalate` (docs/complaints.md)

# complaint analytics on a register file (servq.complaints): docs/complaints-analytics.md
from .analyze_command import analyze  # noqa: E402

complaints_app.command("analyze")(analyze)
