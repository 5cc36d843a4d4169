"""What is asked: the instrument schema and the built-in catalog."""

from .catalog import catalog_ids, instrument_yaml, list_instruments, load_instrument, parse_instrument
from .schema import (
    LANGUAGES,
    Dimension,
    Importance,
    Instrument,
    Item,
    Outcome,
    Part,
    Scale,
    Text,
)

__all__ = [
    "LANGUAGES",
    "Dimension",
    "Importance",
    "Instrument",
    "Item",
    "Outcome",
    "Part",
    "Scale",
    "Text",
    "catalog_ids",
    "list_instruments",
    "instrument_yaml",
    "load_instrument",
    "parse_instrument",
]
