"""Contract-testing and conformance suite for case-management REST APIs."""

__version__ = "0.1.0"
