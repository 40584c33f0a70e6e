"""Hypothesis strategies shared by the suite's generated tests."""
