"""Heap's and the seed's facts, in one place: the simulator, the forwarder and the conformance suite
all import them from here, so the judge and the judged can never hold different copies.

    limits.py     the documented rate limits, their units and scopes
    lengths.py    maximum lengths and sizes (1024, 255, 2^53 - 1, 1000 per bulk request), the `||`
                  array separator, and the readings of "truncated to 1024 characters"
    platforms.py  the seed's supported platforms and how batch spellings are normalised
    names.py      mParticle event types and the batch fields the mapping reads by name, the MPID and
                  Customer ID and the External ID choices, the Heap event and property names the
                  seed gives, reserved property names
    times.py      the one ISO 8601 rendering and parsing of instants; the instant every test and
                  conformance run starts at
    paths.py      Heap's endpoint paths
    wire.py       heap-sim's own header between the front and the simulator (lineage)
    entry.py      the command-line guard every `heap-*` command runs under (the package's only I/O),
                  and the lazy names of the packages' `__init__`
    fields.py     the typed checks every setting and control-plane body is read with, and their one
                  error, FieldError (no fact: it lives here because every layer may import it)

Pure data and tiny pure helpers (entry.py aside). This package imports nothing of heap_mock,
forwarder or conformance; they import it. Source keys (seed, D-track, S1, ...) are listed in SOURCES.md.
None of those packages writes out one of these values itself: tests/facts/test_facts.py fails on any
literal equal to one (the values too generic to count are listed there, with the reason).
"""
