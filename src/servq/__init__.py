"""servq: measure and improve customer-perceived service quality."""

__version__ = "0.1.0"
