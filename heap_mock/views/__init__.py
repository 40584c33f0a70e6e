"""Thin Flask views: parse, call the pure rules, record, answer."""
