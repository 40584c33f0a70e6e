"""The conformance suite: mParticle fixture batches run through a forwarder against the Heap
simulator, judged rule by rule.

    rules.py        the catalogue: ID, statement, source sentence, documented or convention
    fixtures.py     fixture files and their schema: the bundled ones (fixtures/ here, conformance/bundled/
                    once installed) and a team's own folders
    oracle.py       what the seed says a batch becomes, from the batch alone
    observed.py     what the simulator stored and journaled
    checks/         one check per rule
    forwarders.py   the forwarder under test: ours, a Python callable, or any program
    runner.py       reset, clock, faults, deliver, observe, judge
    golden.py       our forwarder's requests per fixture, for regression
    report.py       terminal table, Markdown, JUnit XML
    cli.py          `heap-conformance`
    pytest_plugin.py  the `heap_conformance` fixture for your own tests
"""
