"""Running the ``servq`` command in a test (imported by the CLI tests)."""

from __future__ import annotations

import pytest

from servq.cli import main


def run(capsys, *args):
    """(exit status, stdout, stderr) of ``servq ARGS``."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return info.value.code or 0, out.out, out.err
