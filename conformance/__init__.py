"""The conformance suite: mParticle fixture batches run through a forwarder against the Heap
simulator, judged rule by rule.

    rules.py        the catalogue: ID, statement, source sentence, documented or convention, what it reads
    fixtures.py     fixture files and their schema: the bundled ones (fixtures/ here, conformance/bundled/
                    once installed) and a team's own folders
    inputs.py       fixture batches checked as mParticle input: the Events API schema (reference/),
                    declared unusual inputs with their provenance, event types, timestamps
    oracle.py       what the seed says a batch becomes, from the batch alone
    heap.py     what the simulator stored and journaled
    checks/         one check per rule
    forwarders.py   the forwarder under test: ours, a Python callable, or any program
    runner.py       reset, clock, faults, deliver, observe, judge
    causes.py       one input that produced no Heap event (or a refused request), reported once
    golden.py       our forwarder's requests per fixture, for regression
    artifacts.py    --keep-artifacts: per fixture, the batches, the forwarder's output, the journal
    explain.py      how a rule, a finding and a cause are told, in lines and as JSON
    report.py       terminal table, Markdown, JUnit XML, JSON
    cli.py          `heap-conformance`
    pytest_plugin.py  the `heap_conformance` fixture for your own tests
"""
