"""Word lists from registry subscriptions, as category files beside the node's data.

Each subscription whose lists are on (`shadow` or `enforce`) has a
manifest, `<registry dir>/<seq>.json`, naming its categories and their
list files under `<registry dir>/<seq>/<version>-<digest>/`. The screening
loader adds the manifests' categories to the config's (`r<seq>-<name>`,
so they never clash with the admin's own), in the manifest's mode:
`shadow` counts hits without acting, `enforce` acts as the publisher says.

A new version's files are written under a new folder first, the whole
policy is checked with them (node/registry_sync.py), and only then is the
manifest replaced (`os.replace`, atomic on one file system); a reader sees
the old manifest and its files or the new ones, never a mix. Folders of
older versions are removed once a newer manifest is in place.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy.registry_document import PublishedList
from policy.screening import CategoryConfig, PolicyError, parse_categories

MANIFEST_FORMAT = "permitted-node-registry-lists/1"


@dataclass(frozen=True, slots=True)
class ListsManifest:
    subscription_id: int
    seq: int
    url: str
    version: int
    digest: str
    mode: str  # shadow | enforce
    categories: tuple[dict[str, Any], ...]  # as [[screening.categories]] tables, lists relative

    def to_json(self) -> dict[str, Any]:
        return {"format": MANIFEST_FORMAT, "subscription": self.subscription_id, "seq": self.seq,
                "url": self.url, "version": self.version, "digest": self.digest, "mode": self.mode,
                "categories": list(self.categories)}

    def with_mode(self, mode: str) -> ListsManifest:
        tables = tuple({**c, "mode": mode} for c in self.categories)
        return ListsManifest(self.subscription_id, self.seq, self.url, self.version, self.digest, mode, tables)


def category_name(seq: int, name: str) -> str:
    return f"r{seq}-{name}"


def manifest_path(registry_dir: Path, seq: int) -> Path:
    return registry_dir / f"{seq}.json"


def version_folder(version: int, digest: str) -> str:
    return f"{version}-{digest[:12]}"


def write_lists(registry_dir: Path, *, subscription_id: int, seq: int, url: str, version: int, digest: str,
                mode: str, lists: Sequence[PublishedList]) -> ListsManifest:
    """Write a version's list files (not yet in force) and return the manifest that would name them."""
    folder = Path(str(seq), version_folder(version, digest))
    (registry_dir / folder).mkdir(parents=True, exist_ok=True)
    tables = []
    for item in lists:
        relative = folder / f"{item.name}.txt"
        header = f"# {item.name}: from {url}, version {version}; replaced on every sync, do not edit\n"
        write_atomic(registry_dir / relative, (header + "".join(f"{t}\n" for t in item.terms)).encode("utf-8"))
        tables.append({"name": category_name(seq, item.name), "action": item.action, "mode": mode,
                       "description": item.description, "exemptions": list(item.exemptions),
                       "lists": [relative.as_posix()]})
    return ListsManifest(subscription_id, seq, url, version, digest, mode, tuple(tables))


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write beside `path`, then rename over it: readers see the old file or the new, whole."""
    trial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    trial.write_bytes(data)
    if mode is not None:
        os.chmod(trial, mode)
    os.replace(trial, path)


def categories_of(registry_dir: Path, manifest: ListsManifest) -> tuple[CategoryConfig, ...]:
    return parse_categories(list(manifest.categories), registry_dir,
                            source=manifest_path(registry_dir, manifest.seq))


def replace_manifest(registry_dir: Path, manifest: ListsManifest) -> None:
    """Put the manifest in force, then remove the folders of other versions."""
    registry_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n"
    write_atomic(manifest_path(registry_dir, manifest.seq), text.encode("utf-8"))
    keep = version_folder(manifest.version, manifest.digest)
    for old in (registry_dir / str(manifest.seq)).iterdir():
        if old.is_dir() and old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def remove_lists(registry_dir: Path, seq: int) -> bool:
    """Take a subscription's lists out of force (manifest first) and delete them; whether any were."""
    path = manifest_path(registry_dir, seq)
    existed = path.exists()
    path.unlink(missing_ok=True)
    shutil.rmtree(registry_dir / str(seq), ignore_errors=True)
    return existed


def read_manifest(registry_dir: Path, seq: int) -> ListsManifest | None:
    path = manifest_path(registry_dir, seq)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise PolicyError(f"cannot read registry lists: {exc}", file=path) from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise PolicyError(f"not a {MANIFEST_FORMAT} manifest", file=path)
    try:
        return ListsManifest(int(data["subscription"]), int(data["seq"]), str(data["url"]), int(data["version"]),
                             str(data["digest"]), str(data["mode"]), tuple(data["categories"]))
    except (KeyError, TypeError, ValueError):
        raise PolicyError("a registry lists manifest lacks a field", file=path) from None


def registry_categories(registry_dir: Path) -> tuple[CategoryConfig, ...]:
    """The categories every manifest in force names, by subscription number."""
    if not registry_dir.is_dir():
        return ()
    seqs = sorted(int(p.stem) for p in registry_dir.glob("*.json") if p.stem.isdigit())
    found: list[CategoryConfig] = []
    for seq in seqs:
        manifest = read_manifest(registry_dir, seq)
        if manifest is not None:
            found.extend(categories_of(registry_dir, manifest))
    return tuple(found)
