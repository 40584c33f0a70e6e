"""http_layer: the HTTP plumbing both of heap-sim's servers stand on.

The simulator (`heap_mock`) and the mParticle front (`forwarder.front`) are two sites on one layer,
as Flask's apps all stand on Werkzeug. The layer owns what every HTTP server of ours must do the
same way, so that a defect fixed here is fixed for both:

- `request`, `answers`: a request as plain data (read before any view runs) and an answer as plain data;
- `routing`: one route table per site, matched before the body is read (404, 405, OPTIONS);
- `bodies`, `json_body`, `params`: the one body reader (size limits, cut-short and stalled bodies),
  the one JSON parser, strict query parameters;
- `errors`: the errors the layer raises, each with a status and a rule ID; each site renders them
  in its own API's shape, while both control planes answer in one shape (`errors.control_body`);
- `origin_policy`: who may use a site's own pages (DNS rebinding, cross-site writes, JSON-only writes)
  and the headers every page carries;
- `delays`, `access_log`, `one_line`: delayed requests, the one-line-per-request log;
- `site`: the contract between a site and the servers that run it;
- `wsgi`, `rsgi`: the two adapters (waitress speaks WSGI; granian's native RSGI lets a request wait
  for its body without holding a thread);
- `servers`: running a site on granian or waitress, in a background thread or in the foreground
  until a signal, with the port checks and the ready line both commands share.

It imports nothing of heap-sim's but `heap_facts`; nothing here knows Heap or mParticle.
"""
