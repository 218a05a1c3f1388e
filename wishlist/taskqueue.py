"""The background job queue: Huey, bound to the app in the factory like the other extensions.

WISHLIST_TASK_QUEUE picks where queued tasks wait for the worker (`flask jobs worker`):

- empty (the default): a SQLite file in the instance folder, `task-queue.sqlite`. No server to
  run; the web workers and the job worker of one machine share the file.
- `sqlite:///PATH`: that SQLite file instead.
- `redis://host:6379/0` (or `rediss://`): a Redis server, for web and job workers on several
  machines. Needs the Redis client, `pip install redis`, which Wishlist does not install.
- `immediate`: no queue; a task runs in the process that queues it, before the request answers
  (the tests, or a one-process trial without a worker).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

IMMEDIATE = "immediate"
DEFAULT_FILE = "task-queue.sqlite"


class TaskQueue(Huey):
    """Huey whose storage comes from the app's configuration, set by `init_app`."""

    def __init__(self, name: str) -> None:
        """Create the queue unbound: tasks are kept in memory until the factory binds it."""
        # Results live on Job rows, so Huey keeps none (they would pile up in its storage).
        super().__init__(name, results=False, storage_class=MemoryStorage)
        self.app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        """Choose the storage named by TASK_QUEUE (see the module docstring)."""
        self.app = app
        setting = (app.config.get("TASK_QUEUE") or "").strip()
        if setting == IMMEDIATE:
            self.immediate = True
            return
        self.immediate = False
        if setting.startswith(("redis://", "rediss://", "unix://")):
            self.storage_class, self.storage_kwargs = RedisStorage, {"url": setting}
        else:
            self.storage_class = SqliteStorage
            self.storage_kwargs = {"filename": sqlite_path(setting, app.instance_path)}
        self.storage = self.create_storage()

    def app_context(self) -> AbstractContextManager[object]:
        """A fresh app context for one task: its own database session, as in a worker thread."""
        if has_app_context():
            # Immediate mode: run beside the request, but never inside its session.
            return current_app._get_current_object().app_context()  # type: ignore[attr-defined]
        if self.app is None:
            raise RuntimeError("The task queue is not bound to an app (create_app binds it).")
        return self.app.app_context()


def sqlite_path(setting: str, instance_path: str) -> str:
    """The SQLite file of a TASK_QUEUE setting: `sqlite:///PATH`, or the instance folder's."""
    if setting.startswith("sqlite:///"):
        return setting.removeprefix("sqlite:///")
    if setting:
        raise ValueError(
            f"WISHLIST_TASK_QUEUE={setting!r} is not understood; use sqlite:///PATH, "
            "redis://HOST:PORT/DB or immediate (empty: a SQLite file in the instance folder)."
        )
    return str(Path(instance_path) / DEFAULT_FILE)
