"""The shipped screener kept ready on disk between runs: the start-up cache.

Building the screener from its files (rules, lexicons, the combination table, the learned
layer's weights) and then its gates costs about half a second of a busy machine's time at
every start; reading the built form back costs a fraction of that. So the built, warmed
screener is kept in a cache file (pickled), under a key: the SHA-256 of every file in
``prompts/screening/``, of the code that builds and runs the screener, and of the Python
and library versions that built it.

- A changed rule, lexicon or model file is a different key: a stale screener is never
  served, the screener is built from the files and kept under the new key.
- A file that is damaged or cut short (its own SHA-256 is checked before it is read), was
  written by another version, or is not this user's own (owned by someone else, or
  writable by others, so that someone else could have put it there) is ignored, and the
  screener is built from the files.
- The code's part of the key is read when this module is imported, with the screening code
  itself, so a process still running the code of before an upgrade never stores its
  screener under the key of the code now on disk (which the new code would then read back);
  and a screener read back screens a short text before it is used: one that fails is set
  aside and the screener built from its files.
- A cache directory that cannot be written (read-only, or no home) only means the screener
  is built at every start, as before; nothing fails.
- Only what the rule files make is kept: pickling leaves out everything a screened text
  left behind (see :meth:`bot.domain.screening.Screener.__getstate__`), and what is stored
  is a screener built for the purpose, which has screened nothing.
- Its patterns are kept compiled (the regular-expression engine's code, checked identical to
  what ``re.compile`` makes: ``bot/domain/screening/facts.py``), so the first text that needs
  a large rule does not wait for it to compile.

The directory is ``EMBER_CACHE_DIR``, else ``$XDG_CACHE_HOME/ember``, else
``~/.cache/ember``; the analysed pattern facts that make a build faster are kept there too.
The newest few cache files are kept (one per version of the rules in use), the rest removed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.domain.screening import Screener

log = logging.getLogger(__name__)

FORMAT = 1
"""Bumped when the file's layout changes (the code's own changes are in the key)."""

PROTOCOL = pickle.HIGHEST_PROTOCOL
KEEP = 3  # cache files kept: a few versions of the rules may be in use side by side

_MAGIC = f"ember screener cache {FORMAT}\n".encode()
_PROMPTS = Path(__file__).resolve().parent
SCREENING_DIR = _PROMPTS / "screening"
_CODE_DIR = Path(sys.modules[Screener.__module__].__file__ or "").resolve().parent
_LOADERS = (
    "screening_cache.py",
    "screening_loader.py",
    "screening_model.py",
    "signals_loader.py",
    "yaml_reader.py",
)


def _code() -> tuple[tuple[str, bytes], ...]:
    """The screening code and its loaders, as this process imported them (read now, at
    import, not when a key is made: the files on disk may be a newer version by then)."""
    return (
        *((f"code/screening/{p.name}", p.read_bytes()) for p in sorted(_CODE_DIR.glob("*.py"))),
        *((f"code/prompts/{name}", (_PROMPTS / name).read_bytes()) for name in _LOADERS),
    )


_CODE = _code()


@dataclass(frozen=True)
class Ready:
    """The shipped screener, and whether it came from the cache (else built from files)."""

    screener: Screener
    cached: bool


def cache_dir(configured: str | Path | None = None) -> Path | None:
    """The cache directory: ``configured`` (``EMBER_CACHE_DIR`` from the settings) when
    given, else ``EMBER_CACHE_DIR`` from the environment, ``$XDG_CACHE_HOME/ember`` or
    ``~/.cache/ember``; ``None`` when no home is known."""
    base = str(configured) if configured else os.environ.get("EMBER_CACHE_DIR")
    if base:
        return Path(base).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "ember"
    try:
        return Path.home() / ".cache" / "ember"
    except RuntimeError:
        return None


def _inputs(directory: Path) -> Iterator[tuple[str, bytes]]:
    """Everything the built screener depends on, each with a label."""
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        yield f"data/{path.relative_to(directory).as_posix()}", path.read_bytes()
    yield from _CODE
    import ahocorasick
    import Stemmer
    import yaml

    for module in (ahocorasick, Stemmer):  # C extensions: their build, by file and size
        where = Path(module.__file__ or module.__name__)
        with contextlib.suppress(OSError):
            info = where.stat()
            yield f"lib/{where.name}", f"{info.st_size} {info.st_mtime_ns}".encode()
    yield "lib/yaml", f"{yaml.__version__} {yaml.__with_libyaml__}".encode()
    yield "python", f"{sys.version} {sys.implementation.cache_tag} {PROTOCOL}".encode()


def screener_key(directory: Path | None = None) -> str:
    """The key of the screener built from ``directory`` (default: the shipped files) by
    this code: any change to a file there, to the code, or to Python changes it."""
    digest = hashlib.sha256(_MAGIC)
    for label, content in _inputs(directory if directory is not None else SCREENING_DIR):
        digest.update(f"{label}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def cache_path(cache: Path, key: str) -> Path:
    return cache / f"screener-{key[:24]}.pickle"


def _ours(info: os.stat_result) -> bool:
    """A regular file of this user's, which no one else may write."""
    uid = os.geteuid() if hasattr(os, "geteuid") else info.st_uid
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_uid == uid
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _read(path: Path) -> bytes | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)  # a link is never followed
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("the screener cache %s cannot be read (%s); building it", path, exc.strerror)
        return None
    with os.fdopen(fd, "rb") as handle:
        if not _ours(os.fstat(handle.fileno())):
            log.warning(
                "the screener cache %s is not this user's own, or others may write it: "
                "ignored; building the screener from its files",
                path,
            )
            return None
        try:
            return handle.read()
        except OSError as exc:
            log.warning("the screener cache %s cannot be read (%s)", path, exc.strerror)
            return None


def load(key: str, cache: Path | None) -> Screener | None:
    """The screener stored under ``key`` in ``cache``, or ``None`` when there is none that
    is whole, ours and of this key."""
    if cache is None:
        return None
    path = cache_path(cache, key)
    blob = _read(path)
    if blob is None:
        return None
    head, _, payload = blob.partition(b"\n\n")
    lines = head.split(b"\n")
    if (
        len(lines) != 3
        or lines[0] + b"\n" != _MAGIC
        or lines[1] != key.encode()
        or lines[2] != hashlib.sha256(payload).hexdigest().encode()
    ):
        log.warning("the screener cache %s is damaged or of another version: rebuilding", path)
        return None
    collecting = gc.isenabled()
    gc.disable()  # a great many objects, none of them garbage: the collector would only scan
    try:
        screener = pickle.loads(payload)
    except Exception as exc:  # whatever a damaged file raises, the files are there to build
        log.warning("the screener cache %s cannot be loaded (%s): rebuilding", path, exc)
        return None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(screener, Screener):
        log.warning("the screener cache %s holds no screener: rebuilding", path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept when older ones are pruned
    return screener


def store(screener: Screener, key: str, cache: Path | None) -> bool:
    """Keep ``screener`` under ``key`` in ``cache`` (written whole or not at all). False
    when it cannot be kept there (read-only, no home); nothing is raised."""
    if cache is None:
        return False
    try:
        payload = pickle.dumps(screener, protocol=PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RuntimeError) as exc:
        log.warning("the screener cannot be cached (%s); it is built at each start", exc)
        return False
    head = _MAGIC + key.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode()
    path = cache_path(cache, key)
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache, prefix=".screener-", suffix=".tmp")  # 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(head + b"\n\n")
                handle.write(payload)
            # readers see the old file or the whole new one; one the disk lost part of
            # (a crash before it was flushed) fails its SHA-256 and is built again
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        log.info(
            "the screener cannot be cached in %s (%s); it is built from its files at each start",
            cache,
            exc.strerror or exc,
        )
        return False
    _prune(cache, path)
    return True


def writable(cache: Path | None) -> bool:
    """Whether the cache directory can be made and written (before the work of filling it)."""
    if cache is None:
        return False
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(cache, os.W_OK)


def _prune(cache: Path, kept: Path) -> None:
    """Remove all but the newest :data:`KEEP` cache files (best effort)."""
    try:
        files = sorted(
            (p for p in cache.glob("screener-*.pickle") if p != kept),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in files[KEEP - 1 :]:
            old.unlink()
    except OSError:
        pass


# A screener read back screens this before it is used: rules, negation and a figure of speech
# (a few milliseconds: one language's gate).
PROBE = "I don't want to die, this exam is killing me"


def _works(screener: Screener, cache: Path | None) -> bool:
    """Whether a screener read back from the cache screens with this code. One that does
    not (stored by a process running other code than its key says: an upgrade under a
    running instance) would fail every text, and a participant's crisis message with it:
    it is set aside, and the screener built from its files replaces it."""
    try:
        screener.screen(PROBE, "en")
    except Exception as exc:
        log.warning(
            "the screener cache in %s does not work with this code (%s): rebuilding",
            cache,
            type(exc).__name__,
        )
        return False
    return True


def shipped_screener(
    cache: Path | None = None,
    *,
    directory: Path | None = None,
    warm: bool = True,
    keep: bool = True,
) -> Ready:
    """The screener of the files in ``directory`` (default: the shipped ones), from
    ``cache`` when it holds this key's, else built from the files.

    A screener loaded from the cache is warm (every gate built). One built here is warmed
    when ``warm``, and then kept in the cache (``keep``) before anything screens with it;
    ``warm=False`` builds each gate when a text first needs it, the fastest way to a first
    verdict, and keeps nothing (:func:`keep_for_next_start` does that afterwards).
    """
    key = screener_key(directory)
    loaded = load(key, cache)
    if loaded is not None and _works(loaded, cache):
        return Ready(loaded, cached=True)
    from prompts.screening_loader import build_screener

    screener = build_screener(warm=warm, directory=directory, cache=cache)
    if warm and keep and writable(cache):
        screener.precompile()
        store(screener, key, cache)
    return Ready(screener, cached=False)


def keep_for_next_start(cache: Path | None, directory: Path | None = None) -> bool:
    """Build the screener afresh, warmed, and keep it in ``cache`` for the next start (after
    a start that found none: the one in use has screened texts, and is never stored)."""
    if not writable(cache):
        return False
    from prompts.screening_loader import build_screener

    key = screener_key(directory)
    screener = build_screener(directory=directory, cache=cache)
    screener.precompile()
    return store(screener, key, cache)
