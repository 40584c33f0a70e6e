"""`heap-forward serve`: an mParticle-compatible front for the forwarder.

mParticle's own SDKs (server SDKs through the Events API, the web SDK through its batch and
identity calls) point at this front instead of mParticle; what they send is mapped and delivered
to Heap (or the simulator) by the same `Forwarder` the CLI uses, and every event's fate is kept
as lineage.

Modules, pure ones first:
- `errors`: the front's errors, one class per answer, rendered in one place.
- `payloads`: parsing and checking what SDKs send (credentials, batch bodies), no I/O.
- `admission`: what an upload would cost (reading it, the Heap events it becomes), judged before
  the work is done; pure but for the read budget's lock.
- `identity`: the MPIDs the identity endpoints hand out, stable per identity set, no I/O.
- `lineage`: a bounded store of received batches and what became of each event (and their bodies, for a while).
- `pipeline_view`: the pipeline view's data: each event's input beside what it became, field by field (pure).
- `recorder`: received batches saved as conformance fixture files.
- `delivery`: the bounded queue, the Forwarder's observer, and the thread that runs its lanes.
- `malloc`: the allocator setting `heap-forward serve` makes at start, so memory stays bounded.
- `site`: the front as a site of the HTTP layer (routes, CORS for the web SDK paths, its own pages).
- `serve`: the `heap-forward serve` command and its start lines; `pipeline`: `make run`.
"""
