"""A folder of model versions: ``model-0001.npz``, ``model-0002.npz`` … each with its
evaluation report beside it (``model-0001.json``: the model's info — what it learned from,
its cross-validation and its held-out comparison), and ``CURRENT``, a text file naming the
version in use. ``servq complaints train --out FOLDER`` adds a version and makes it current
only when it passes its held-out check; :func:`servq.text.load_model` of the folder loads the
current version, so the web app and the CLI pick up a new model by pointing at the folder
once.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..errors import UsageError

CURRENT = "CURRENT"
_NAME = re.compile(r"^model-(\d{4,})\.npz$")


def versions(folder: str | Path) -> list[int]:
    """The version numbers in ``folder``, ascending."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _NAME.match(p.name)))


def version_path(folder: str | Path, version: int) -> Path:
    return Path(folder) / f"model-{version:04d}.npz"


def current(folder: str | Path) -> int | None:
    """The version in use (CURRENT), or None when none is."""
    marker = Path(folder) / CURRENT
    if not marker.is_file():
        return None
    text = marker.read_text(encoding="utf-8").strip()
    m = _NAME.match(text) or re.match(r"^(\d+)$", text)
    if m is None or int(m.group(1)) not in versions(folder):
        raise UsageError(f"{marker}: names no model version of this folder (it reads {text!r})")
    return int(m.group(1))


def current_path(folder: str | Path) -> Path:
    """The file of the version in use; a UsageError when the folder has none."""
    version = current(folder)
    if version is None:
        raise UsageError(f"{folder}: a folder of model versions with no current version "
                         f"({len(versions(folder))} version(s); `servq complaints models {folder} --use N` chooses one)")
    return version_path(folder, version)


def add(folder: str | Path, model, make_current: bool) -> tuple[int, Path]:
    """Save ``model`` as the next version of ``folder`` with its report; with
    ``make_current`` it becomes the version in use. Returns (version, path)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    version = (versions(folder) or [0])[-1] + 1
    model.info["version"] = version
    path = model.save(version_path(folder, version))
    report = path.with_suffix(".json")
    report.write_text(json.dumps(model.info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if make_current:
        use(folder, version)
    return version, path


def use(folder: str | Path, version: int) -> None:
    """Make ``version`` the one in use (written atomically: a reader never sees half a name)."""
    folder = Path(folder)
    if version not in versions(folder):
        raise UsageError(f"{folder}: no model version {version} (versions: {', '.join(map(str, versions(folder))) or 'none'})")
    tmp = folder / f".{CURRENT}.tmp"
    tmp.write_text(version_path(folder, version).name + "\n", encoding="utf-8")
    os.replace(tmp, folder / CURRENT)


def report(folder: str | Path, version: int) -> dict:
    """The evaluation report of a version ({} when its .json is missing)."""
    path = version_path(folder, version).with_suffix(".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
