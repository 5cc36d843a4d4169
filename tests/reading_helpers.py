"""Comparing the figures of a file read another way with the mini data set's (the readers' tests)."""


def same_figures(res, reference, missing: bool = True) -> None:
    """``res`` has the reference's respondents, dimensions, items, segments (and, with
    ``missing``, its missing answers)."""
    assert res.n_respondents == reference.n_respondents
    assert res.dimensions == reference.dimensions
    assert res.items == reference.items
    assert res.segments == reference.segments
    if missing:
        assert res.data["missing"] == reference.data["missing"]
