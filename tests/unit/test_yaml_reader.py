"""Content files are read with libyaml where PyYAML has it (the message catalogue alone took
a sixth of a second at every start-up with PyYAML's own reader): the same documents, the
same lines, and a broken file reported in the same words as before."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from prompts.yaml_reader import FAST_LOADER, YamlReader, compose

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
CONTENT = sorted(
    [
        *PROMPTS.glob("*.yaml"),
        *(PROMPTS / "messages").glob("*.yaml"),
        *(PROMPTS / "questionnaires").glob("*.yaml"),
    ]
)

pytestmark = pytest.mark.skipif(
    FAST_LOADER is yaml.SafeLoader, reason="PyYAML was built without libyaml here"
)


def shape(node: Node) -> object:
    """A node tree as plain values: kind, tag, value, line and column of every node, and a
    scalar's quoting (plain is ``None`` to PyYAML, ``""`` to libyaml; nothing reads it)."""
    where = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, MappingNode):
        return ("map", node.tag, where, [(shape(k), shape(v)) for k, v in node.value])
    if isinstance(node, SequenceNode):
        return ("seq", node.tag, where, [shape(item) for item in node.value])
    return ("scalar", node.tag, where, node.value, node.style or None)


@pytest.mark.parametrize("path", CONTENT, ids=lambda p: str(p.relative_to(PROMPTS)))
def test_every_content_file_reads_the_same_with_libyaml(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = yaml.compose(text, Loader=FAST_LOADER)
    own = yaml.compose(text, Loader=yaml.SafeLoader)
    assert fast is not None and own is not None
    assert shape(fast) == shape(own)


def test_the_catalogue_is_read_with_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[object] = []
    real = yaml.compose

    def spy(text: str, Loader: object = None) -> Node | None:
        used.append(Loader)
        return real(text, Loader=Loader)  # type: ignore[arg-type]

    monkeypatch.setattr(yaml, "compose", spy)
    from prompts.catalogue import load_catalogue

    load_catalogue()
    assert used and set(used) == {FAST_LOADER}


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\nb: 3\n",
        'greeting: "hello\nother: 2\n',
        "a:\n  - 1\n - 2\n",
        "a: 1\n\tb: 2\n",
        "a: b: c\n",
        "- a\nb: 1\n",
        "key: @value\n",
    ],
)
def test_a_broken_file_is_reported_in_the_words_of_pyyaml(text: str) -> None:
    fast, own = YamlReader("f.yaml"), YamlReader("f.yaml", loader=yaml.SafeLoader)
    assert fast.compose(text) is None and own.compose(text) is None
    assert [str(p) for p in fast.problems] == [str(p) for p in own.problems]
    assert fast.problems  # the problem is said, with its line


def test_an_empty_file_is_reported_as_before() -> None:
    reader = YamlReader("f.yaml")
    assert reader.compose("# nothing here\n") is None
    assert [p.reason for p in reader.problems] == ["the file is empty"]


def test_compose_reads_with_libyaml_and_raises_pyyamls_error() -> None:
    node = compose("a: 1\n")
    assert isinstance(node, MappingNode)
    with pytest.raises(yaml.MarkedYAMLError) as raised:
        compose("a: [1\n")
    with pytest.raises(yaml.MarkedYAMLError) as reference:
        yaml.compose("a: [1\n", Loader=yaml.SafeLoader)
    assert str(raised.value) == str(reference.value)
