"""The start-up cache of the screener: keyed by every file and the code, never stale, a
damaged or foreign file ignored and rebuilt, a read-only directory harmless, the same
verdicts either way, and nothing a screened text left behind ever written to disk."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import re
import shutil
from pathlib import Path

import pytest

from bot.domain.screening import Screener, Tier, Verdict
from bot.domain.screening.facts import LazyPattern
from prompts import screening_cache
from prompts.screening_cache import (
    SCREENING_DIR,
    cache_dir,
    cache_path,
    keep_for_next_start,
    load,
    screener_key,
    shipped_screener,
    store,
)
from prompts.screening_loader import build_screener

CASES = Path(__file__).resolve().parents[2] / "screening_data" / "dev.jsonl"
NEW_RULE = """
  - id: en.test.glorp
    tier: crisis
    categories: [suicidality]
    patterns:
      - glorptastic quibbleflax
"""
NEW_TEXT = "tonight is glorptastic quibbleflax"


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding the analysed pattern facts (a build from scratch analyses
    every pattern, seconds; each test copies them so that its builds take a fraction)."""
    folder = tmp_path_factory.mktemp("facts")
    build_screener(warm=False, cache=folder)
    return folder / "screening-facts.json"


@pytest.fixture
def cache(tmp_path: Path, facts: Path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir()
    shutil.copy(facts, folder / facts.name)
    return folder


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the shipped screening files, to change."""
    return Path(shutil.copytree(SCREENING_DIR, tmp_path / "screening"))


def screeners(cache: Path) -> list[Path]:
    return sorted(cache.glob("screener-*.pickle"))


def everything(verdict: Verdict) -> tuple[object, ...]:
    """Every field of a verdict, the ones equality leaves out included."""
    return (
        verdict.tier,
        verdict.categories,
        verdict.evidence,
        verdict.findings,
        verdict.constructs,
        verdict.combination,
        verdict.learned,
        verdict.discounted,
    )


# -- the key ------------------------------------------------------------------------------


def test_the_key_is_stable_and_any_changed_file_changes_it(rules: Path) -> None:
    key = screener_key(rules)
    assert key == screener_key(rules) and len(key) == 64
    for name in ("en.yaml", "combinations.yaml", "signals/de.yaml", "model/heads.json"):
        path = rules / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n# reviewed\n")
        assert screener_key(rules) != key, name
        path.write_bytes(original)
        assert screener_key(rules) == key, name
    blob = rules / "model" / "weights.bin"
    weights = bytearray(blob.read_bytes())
    weights[1000] ^= 1  # one bit of one weight
    blob.write_bytes(bytes(weights))
    assert screener_key(rules) != key
    (rules / "model" / "weights.bin").unlink()
    assert screener_key(rules) != key  # a file gone
    (rules / "xx.yaml").write_text("language: xx\n", encoding="utf-8")
    assert screener_key(rules) != screener_key(SCREENING_DIR)  # a file added


def test_the_key_covers_the_code_that_builds_and_runs_the_screener(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    labels = [label for label, _ in screening_cache._inputs(SCREENING_DIR)]
    assert "code/screening/screener.py" in labels
    assert "code/screening/signals.py" in labels
    assert "code/prompts/screening_loader.py" in labels
    assert "code/prompts/screening_cache.py" in labels
    assert any(label.startswith("lib/ahocorasick") for label in labels)
    assert "python" in labels
    key = screener_key()
    monkeypatch.setattr(screening_cache.sys, "version", "3.99.0 (elsewhere)")
    assert screener_key() != key  # another Python builds its own


def test_the_cache_directory_is_configurable() -> None:
    assert cache_dir("/srv/ember-cache") == Path("/srv/ember-cache")
    assert cache_dir(Path("/srv/ember-cache")) == Path("/srv/ember-cache")


def test_the_cache_directory_defaults_to_the_environment_then_the_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EMBER_CACHE_DIR", str(tmp_path / "a"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("EMBER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "ember"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "ember"


# -- never stale ----------------------------------------------------------------------------


def test_a_changed_rule_file_is_never_served_from_the_cache(rules: Path, cache: Path) -> None:
    first = shipped_screener(cache, directory=rules)
    assert not first.cached and len(screeners(cache)) == 1
    again = shipped_screener(cache, directory=rules)
    assert again.cached
    assert again.screener.screen(NEW_TEXT, "en").tier is Tier.NONE

    with (rules / "en.yaml").open("a", encoding="utf-8") as handle:
        handle.write(NEW_RULE)  # a clinician adds a rule
    changed = shipped_screener(cache, directory=rules)
    assert not changed.cached  # built from the files, not the old screener
    assert changed.screener.screen(NEW_TEXT, "en").tier is Tier.CRISIS
    later = shipped_screener(cache, directory=rules)
    assert later.cached  # kept under the new key
    assert later.screener.screen(NEW_TEXT, "en").tier is Tier.CRISIS
    assert len(screeners(cache)) == 2


def test_only_the_newest_few_cache_files_are_kept(small: Screener, cache: Path) -> None:
    keys = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(screening_cache.KEEP + 3)]
    for key in keys:
        assert store(small, key, cache)
    assert screeners(cache) == sorted(cache_path(cache, k) for k in keys[-screening_cache.KEEP :])


# -- damaged, foreign or unreadable ----------------------------------------------------------


@pytest.fixture(scope="module")
def small(facts: Path) -> Screener:
    """The shipped screener with its gates not built yet: quicker to store and load."""
    return build_screener(warm=False, cache=facts.parent)


@pytest.fixture
def stored(small: Screener, cache: Path) -> Path:
    """A cache file of the shipped files' key, stored whole."""
    assert store(small, screener_key(), cache)
    assert load(screener_key(), cache) is not None
    return cache_path(cache, screener_key())


def _flip(blob: bytes) -> bytes:
    damaged = bytearray(blob)
    damaged[len(blob) * 2 // 3] ^= 0x20  # one bit, deep inside the pickle
    return bytes(damaged)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="cut short"),
        pytest.param(_flip, id="one bit flipped"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: os.urandom(4096), id="noise"),
        pytest.param(lambda b: b.replace(b"cache 1\n", b"cache 0\n", 1), id="another format"),
    ],
)
def test_a_damaged_cache_file_is_ignored(cache: Path, stored: Path, damage: object) -> None:
    stored.write_bytes(damage(stored.read_bytes()))  # type: ignore[operator]
    assert load(screener_key(), cache) is None


def test_a_damaged_cache_file_is_rebuilt_and_replaced(cache: Path, stored: Path) -> None:
    stored.write_bytes(_flip(stored.read_bytes()))
    ready = shipped_screener(cache)
    assert not ready.cached
    assert ready.screener.screen("I'm going to kill myself tonight", "en").tier is Tier.CRISIS
    assert load(screener_key(), cache) is not None  # whole again
    assert shipped_screener(cache).cached


def test_a_well_formed_file_that_holds_no_screener_is_ignored(cache: Path, stored: Path) -> None:
    key = screener_key()
    assert store({"not": "a screener"}, key, cache)  # type: ignore[arg-type]
    assert load(key, cache) is None


def test_a_cache_file_others_may_write_is_not_loaded(cache: Path, stored: Path) -> None:
    stored.chmod(0o666)  # anyone could have put anything there: never unpickled
    assert load(screener_key(), cache) is None
    stored.chmod(0o620)
    assert load(screener_key(), cache) is None
    stored.chmod(0o600)
    assert load(screener_key(), cache) is not None


def test_a_link_in_place_of_the_cache_file_is_not_followed(cache: Path, stored: Path) -> None:
    target = cache / "elsewhere.pickle"
    stored.rename(target)
    stored.symlink_to(target)
    assert load(screener_key(), cache) is None


def test_the_cache_file_is_private_and_written_whole(cache: Path, stored: Path) -> None:
    assert stored.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in cache.iterdir() if p.name.endswith(".tmp")] == []


# -- a directory that cannot be written ------------------------------------------------------


def test_a_cache_directory_that_cannot_be_made_only_means_building(
    rules: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    ready = shipped_screener(blocked / "cache", directory=rules)
    assert not ready.cached
    assert ready.screener.screen("I'm going to kill myself tonight", "en").tier is Tier.CRISIS
    assert not keep_for_next_start(blocked / "cache", directory=rules)


def test_a_read_only_cache_directory_only_means_building(
    rules: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(screening_cache.tempfile, "mkstemp", read_only)
    ready = shipped_screener(cache, directory=rules)
    assert not ready.cached
    assert ready.screener.screen("I'm going to kill myself tonight", "en").tier is Tier.CRISIS
    assert screeners(cache) == []
    assert not shipped_screener(cache, directory=rules).cached  # built again, quietly


def test_a_cache_in_a_read_only_directory_is_still_read(cache: Path, stored: Path) -> None:
    cache.chmod(0o555)
    try:
        assert shipped_screener(cache).cached
    finally:
        cache.chmod(0o755)


def test_no_cache_directory_at_all_only_means_building(rules: Path) -> None:
    assert not shipped_screener(None, directory=rules).cached
    assert not keep_for_next_start(None, directory=rules)


# -- the same screener --------------------------------------------------------------------


def test_verdicts_are_identical_with_and_without_the_cache(cache: Path) -> None:
    """Every field of every verdict, for a spread of the development cases, each screened
    in its language and in every language: a screener built from the files, its patterns
    compiled by ``re``, against one read from the cache, its patterns kept compiled."""
    built = build_screener(cache=cache)
    kept = build_screener(cache=cache)
    kept.precompile()
    assert store(kept, screener_key(), cache)
    cached = load(screener_key(), cache)
    assert cached is not None and cached is not kept
    lines = CASES.read_text(encoding="utf-8").splitlines()[::16]  # ~510 cases
    compared = tiers = 0
    for line in lines:
        case = json.loads(line)
        for lang in (case.get("lang"), None):
            a, b = built.screen(case["text"], lang), cached.screen(case["text"], lang)
            assert everything(b) == everything(a), case["id"]
            assert b.as_json(case["id"]) == a.as_json(case["id"])
            compared += 1
            tiers += a.tier > Tier.NONE
    assert compared >= 1000
    assert tiers >= compared // 3  # the spread reaches the rules, not only benign texts


def test_a_screener_filled_for_the_next_start_gives_the_same_verdicts(cache: Path) -> None:
    assert keep_for_next_start(cache)
    cached = load(screener_key(), cache)
    assert cached is not None
    built = build_screener(cache=cache)
    for text, lang in [
        ("I've saved up my pills and I'm going to take them all tonight", "en"),
        ("ich habe die Tabletten gesammelt, heute Nacht ist es soweit", "de"),
        ("dead tired after a killer workout", "en"),
        ("ya no quiero seguir viviendo", None),
    ]:
        assert everything(cached.screen(text, lang)) == everything(built.screen(text, lang))


def test_a_loaded_screener_reads_each_gate_back_when_first_needed(cache: Path) -> None:
    """A start-up needs one or two of the gates; the others are read back by warm()."""
    assert store(build_screener(cache=cache), screener_key(), cache)
    loaded = load(screener_key(), cache)
    assert loaded is not None
    gates = loaded._gates
    assert gates and all(g.gate._finder is None for g in gates.values())
    verdict = loaded.screen("I've saved up my pills and I'm going to take them all tonight", "en")
    assert verdict.tier is Tier.CRISIS
    read = {codes for codes, g in gates.items() if g.gate._finder is not None}
    assert read == {loaded.languages_for("en")}
    loaded.warm()
    assert all(g.gate._finder is not None and g.gate._packed is None for g in gates.values())


def test_every_pattern_is_kept_compiled_exactly_as_re_compiles_it() -> None:
    """The cache keeps each pattern's compiled form: the same flags, code and groups as
    ``re.compile`` gives (CPython compares patterns by their code), and the same matches."""
    screener = build_screener(warm=False)
    screener.precompile()
    patterns = [
        p
        for lang in screener._languages.values()
        for p in (
            lang.idioms,
            *(f.cues for f in lang.frames.values()),
            *(f.ignore for f in lang.frames.values()),
        )
        if p is not None
    ] + [regex for rule in screener._rules for regex in rule.regexes]
    assert len(patterns) > 300
    texts = [
        json.loads(line)["text"].lower()
        for line in CASES.read_text(encoding="utf-8").splitlines()[::200]
    ]
    for pattern in patterns:
        assert pattern._code is not None, pattern.pattern[:80]
        reference = re.compile(pattern.pattern)
        kept = pickle.loads(pickle.dumps(pattern)).compiled
        assert kept == reference and kept.groupindex == reference.groupindex
        for text in texts:
            assert [m.span() for m in kept.finditer(text)] == [
                m.span() for m in reference.finditer(text)
            ]


def test_a_compiled_form_this_python_cannot_take_is_compiled_by_re() -> None:
    broken = LazyPattern(r"\bpills?\b", code=(32, [1, 2, 3], 1, {}))
    assert broken.search("my pills") is not None
    assert broken.compiled == re.compile(r"\bpills?\b")


# -- nothing a text left behind --------------------------------------------------------------


def test_nothing_a_screened_text_left_behind_is_pickled(cache: Path) -> None:
    """The screener remembers words, characters and the last text it read (for speed); none
    of it may reach the cache file: journal text is sealed, and stays so."""
    screener = build_screener(cache=cache)
    # The packed weights are arbitrary bytes and may hold a short UTF-8 sequence by chance:
    # what counts is that screening adds no occurrence to what was there before.
    before = pickle.dumps(screener, protocol=screening_cache.PROTOCOL)
    secret = "Zorblaxian quintessorine: I've saved my pills, tonight at the Vrelmark bridge ℨ"
    for lang in ("en", None, "fr"):
        screener.screen(secret, lang)
    blob = pickle.dumps(screener, protocol=screening_cache.PROTOCOL)
    for word in ("zorblaxian", "quintessorine", "vrelmark", "ℨ"):
        lower, upper = word.encode("utf-8"), word.upper().encode("utf-8")
        assert blob.lower().count(lower) == before.lower().count(lower), word
        assert blob.count(upper) == before.count(upper), word
    fresh = pickle.loads(blob)
    assert isinstance(fresh, Screener)
    assert everything(fresh.screen(secret, "en")) == everything(screener.screen(secret, "en"))


def test_the_default_screener_is_kept_in_the_default_cache_directory(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ember screen` and the services' default read it from, and keep it in, the cache."""
    from prompts import screening_loader

    monkeypatch.setenv("EMBER_CACHE_DIR", str(cache))
    screening_loader.default_screener.cache_clear()
    try:
        built = screening_loader.default_screener()
        assert screeners(cache) == [cache_path(cache, screener_key())]
        screening_loader.default_screener.cache_clear()
        loaded = screening_loader.default_screener()
        assert loaded is not built
        text = "I've saved up my pills and I'm going to take them all tonight"
        assert everything(loaded.screen(text, "en")) == everything(built.screen(text, "en"))
    finally:
        screening_loader.default_screener.cache_clear()


def test_a_screener_made_by_other_code_is_set_aside_and_built_again(
    small: Screener, cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A process running older code may have stored what it built under this key (an
    upgrade under a running instance). Read back by this code, such a screener would fail
    every text, a crisis message with it: it is tried first, and built from the files."""
    key = screener_key()
    older = pickle.loads(pickle.dumps(small))
    del older.__dict__["_readers"]  # a part this code needs, missing
    assert store(older, key, cache)
    ready = shipped_screener(cache)
    assert not ready.cached
    assert "does not work with this code" in caplog.text
    assert ready.screener.screen("I'm going to kill myself tonight", "en").tier is Tier.CRISIS
    assert shipped_screener(cache).cached  # the one built replaced it


def test_the_code_in_the_key_is_the_code_this_process_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code changed on disk after it was imported (an upgrade under a running instance)
    does not change the key this process makes: it never stores its screener under the
    key of code it does not run."""
    key = screener_key()
    newer = tmp_path / "code"
    shutil.copytree(screening_cache._CODE_DIR, newer)
    (newer / "screener.py").write_text("# a newer version\n", encoding="utf-8")
    monkeypatch.setattr(screening_cache, "_CODE_DIR", newer)
    assert screener_key() == key
