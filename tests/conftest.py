from hypothesis import settings

# No per-example deadlines: this is a correctness suite, and a loaded CI machine must not
# turn a slow first example (imports, JIT-free NumPy warm-up) into a failure.
settings.register_profile("servq", deadline=None, derandomize=True)
settings.load_profile("servq")
