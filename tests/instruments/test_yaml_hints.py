"""A YAML mistake gets its line and, where PyYAML's words have a usual cause, a hint."""

import pytest

from servq.errors import InstrumentError
from servq.instruments import parse_instrument


@pytest.mark.parametrize(("text", "line", "hint"), [
    ("id: x\nname:\n  en: Test: with colon\n", 3, "a text holding ': ' needs quotes"),
    ("id: x\n\tname: y\n", 2, "YAML indents with spaces, not tabs"),
])
def test_syntax_errors_have_a_line_and_a_hint(text, line, hint):
    with pytest.raises(InstrumentError) as err:
        parse_instrument(text, "mine.yaml")
    assert err.value.problems[0].line == line and hint in err.value.hint and str(err.value).endswith(err.value.hint)


def test_yes_read_as_true_and_a_text_cut_at_a_comma_are_explained():
    with pytest.raises(InstrumentError) as err:
        parse_instrument("id: x\nname: {en: Yes}\ndescription: {en: Short, but long}\n", "mine.yaml")
    messages = {p.path: p.message for p in err.value.problems}
    assert "YAML reads an unquoted yes, no, on or off as true or false" in messages["name.en"]
    assert messages["description.but long"].startswith("unknown field: it looks like the rest of a text cut at a comma")
