from hypothesis import settings

# No per-example deadlines: this is a correctness suite, and a loaded CI machine must not
# turn a slow first example (imports, JIT-free NumPy warm-up) into a failure.
settings.register_profile("servq", deadline=None, derandomize=True)
settings.load_profile("servq")

# The longest tests (10 s to a minute each) first: the parallel workers (scripts/test.sh) then
# end on short tests, instead of one of them running a minute-long test while the others wait.
SLOW_FIRST = ("tests/test_lint.py::test_mypy", "tests/web/test_route_fuzz.py", "tests/spark/",
              "tests/text/test_builtin_model.py", "tests/analysis/test_sums.py", "tests/a11y/",
              "tests/web/test_tallies.py", "tests/web/test_cells.py", "tests/web/test_browser")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))  # stable: the rest keep their order
