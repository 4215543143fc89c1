"""Run the service on uvicorn: one process or N workers, logs to stderr, graceful
Ctrl-C/SIGTERM.

uvicorn owns the signals: on SIGINT or SIGTERM it stops accepting connections, lets
requests in flight finish, then runs the app's shutdown (the extraction queue stops, the
database engine closes).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI

from stancetrack.service.app import create_app
from stancetrack.settings import Settings, env_name, load_settings


def configure_logging() -> None:
    """One line per request (ServiceMiddleware) and notices on stderr, nothing on stdout."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    service = logging.getLogger("stancetrack.service")
    service.handlers[:] = [handler]
    service.setLevel(logging.INFO)
    service.propagate = False


def app_from_env() -> FastAPI:
    """The app of one worker process of `serve --workers N` (uvicorn imports this factory
    in each worker; `serve` put the command line's database and target in the environment)."""
    configure_logging()
    return create_app(load_settings())


def serve(
    settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1
) -> None:
    """Serve in this process, or in `workers` processes sharing the port (uvicorn's
    supervisor): requests are CPU-bound Python, one process uses one core at most. Each
    worker has its own extraction queue; caches are keyed by the database (ARCHITECTURE.md)."""
    configure_logging()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,  # our middleware logs one line per request, without headers
        "log_level": "info",
        "timeout_graceful_shutdown": 10,
        "server_header": False,
        "proxy_headers": False,
    }
    if workers > 1:
        os.environ[env_name("database_url")] = settings.database_url
        os.environ[env_name("target")] = settings.target
        uvicorn.run(
            "stancetrack.service.server:app_from_env", factory=True, workers=workers, **options
        )
        return
    uvicorn.Server(uvicorn.Config(create_app(settings), **options)).run()
