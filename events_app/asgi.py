"""The ASGI entry point for uvicorn or granian workers: ``uvicorn events_app.asgi:app``."""

import gc

from events_app.app import create_app

app = create_app()

# What was built to serve lives as long as the process: frozen, the collector never walks it again
# (under load one full collection over it stalled every request in flight for a third of a second).
# A request's own objects are freed by their counts as it ends, so the collector is called in
# seldom: at the default threshold it ran every ten requests, 80 µs a request of /health.
gc.collect()
gc.freeze()
gc.set_threshold(10_000)
