"""One pure module per Heap endpoint family. Each validator turns a parsed body into typed records
or raises `PayloadRejected` with every violation it found; none of them does I/O or keeps state."""
