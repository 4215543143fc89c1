"""Run the service on uvicorn: one process, logs to stderr, graceful Ctrl-C/SIGTERM.

uvicorn owns the signals: on SIGINT or SIGTERM it stops accepting connections, lets
requests in flight finish, then runs the app's shutdown (the extraction queue stops, the
database engine closes).
"""

from __future__ import annotations

import logging
import sys

import uvicorn

from stancetrack.service.app import create_app
from stancetrack.settings import Settings


def configure_logging() -> None:
    """One line per request (ServiceMiddleware) and notices on stderr, nothing on stdout."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    service = logging.getLogger("stancetrack.service")
    service.handlers[:] = [handler]
    service.setLevel(logging.INFO)
    service.propagate = False


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    configure_logging()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,  # our middleware logs one line per request, without headers
        log_level="info",
        timeout_graceful_shutdown=10,
        server_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run()
