"""Model versions on disk: `models_dir/router/v<N>/` with metadata, plus an active pointer.

Each version holds the pickled model, `meta.json` (training-data hash, metrics, date,
labels, the last correction it learned from) and `training.json` (its rows, so a later
version can be retrained from them plus new corrections). `ACTIVE` names the version in
use; rolling back rewrites only that file.
"""

from __future__ import annotations

import json
import os
import pickle
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from servicedesk.desk.routing.training import RouterModel

TrainingRows = tuple[list[str], list[str]]


class NoActiveModelError(LookupError):
    """No model has been trained yet (or the active one is missing)."""


@dataclass(frozen=True)
class VersionInfo:
    """What is known about one stored version."""

    version: int
    created_at: str
    data_hash: str
    labels: tuple[str, ...]
    metrics: dict[str, Any]
    active: bool = False
    corrections_through: int = 0


class ModelStore:
    """Versions under one directory; loaded models are kept per process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[int, RouterModel] = {}
        self._lock = threading.Lock()

    def save(
        self,
        model: RouterModel,
        data_hash: str,
        activate: bool = True,
        rows: TrainingRows | None = None,
        corrections_through: int = 0,
    ) -> VersionInfo:
        """Store a new version with the next number; make it active unless told not to."""
        self.root.mkdir(parents=True, exist_ok=True)
        version = max(self._numbers(), default=0) + 1
        while True:
            try:
                (self.root / f"v{version}").mkdir()  # atomic: two trainers never share a number
                break
            except FileExistsError:
                version += 1
        folder = self.root / f"v{version}"
        with (folder / "model.pkl").open("wb") as handle:
            pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        if rows is not None:
            texts, labels = rows
            _write_atomically(
                folder / "training.json", json.dumps({"texts": texts, "labels": labels})
            )
        meta = {
            "version": version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_hash": data_hash,
            "labels": list(model.labels),
            "metrics": model.metrics,
            "corrections_through": corrections_through,
        }
        _write_atomically(folder / "meta.json", json.dumps(meta, indent=2))
        if activate:
            self.activate(version)
        return self.info(version)

    def activate(self, version: int) -> None:
        """Point `ACTIVE` at a stored version (used for roll-back too)."""
        if not (self.root / f"v{version}" / "meta.json").exists():
            raise NoActiveModelError(f"no router model version {version}")
        _write_atomically(self.root / "ACTIVE", str(version))

    def active_version(self) -> int | None:
        pointer = self.root / "ACTIVE"
        return int(pointer.read_text().strip()) if pointer.exists() else None

    def info(self, version: int) -> VersionInfo:
        meta = json.loads((self.root / f"v{version}" / "meta.json").read_text())
        return VersionInfo(
            version=version,
            created_at=meta["created_at"],
            data_hash=meta["data_hash"],
            labels=tuple(meta["labels"]),
            metrics=meta["metrics"],
            active=version == self.active_version(),
            corrections_through=int(meta.get("corrections_through", 0)),
        )

    def training_rows(self, version: int) -> TrainingRows:
        """The rows a version was trained on (texts, labels)."""
        path = self.root / f"v{version}" / "training.json"
        if not path.exists():
            raise NoActiveModelError(f"router model v{version} has no stored training data")
        data = json.loads(path.read_text(encoding="utf-8"))
        return list(data["texts"]), list(data["labels"])

    def versions(self) -> list[VersionInfo]:
        """Every complete version, oldest first."""
        return [
            self.info(n)
            for n in sorted(self._numbers())
            if (self.root / f"v{n}" / "meta.json").exists()
        ]

    def load(self, version: int | None = None) -> tuple[int, RouterModel]:
        """A version's model (default: the active one), unpickled once per process."""
        number = self.active_version() if version is None else version
        if number is None:
            raise NoActiveModelError("no router model trained yet: run `servicedesk router train`")
        with self._lock:
            if number not in self._loaded:
                path = self.root / f"v{number}" / "model.pkl"
                if not path.exists():
                    raise NoActiveModelError(f"router model version {number} is missing")
                with path.open("rb") as handle:
                    # Only files this process family wrote under the instance dir are read.
                    self._loaded[number] = pickle.load(handle)  # noqa: S301
            return number, self._loaded[number]

    def _numbers(self) -> list[int]:
        if not self.root.exists():
            return []
        names = [p.name for p in self.root.iterdir() if p.is_dir()]
        return [int(name[1:]) for name in names if name.startswith("v") and name[1:].isdigit()]


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
