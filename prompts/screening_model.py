"""Read and write the learned layer's weights (``prompts/screening/model/``).

``heads.json`` is the reviewable part: the number of hash slots, the inverse document
frequency of slots no training case had, and for each head its tier, bias, threshold
and how many weights it has, with the SHA-256 of the development cases it was trained
on. ``weights.bin`` holds little-endian arrays, each as slots (unsigned 32-bit) then
values (32-bit floats): first the idf of every slot seen in training, then each head's
weights (already multiplied by the slot's idf). Both files are written by
``scripts/train_screening_model.py``.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.domain.screening.learned import Head, LearnedModel
from bot.domain.screening.model import ScreeningRuleError, Tier

MODEL_DIR = Path(__file__).resolve().parent / "screening" / "model"
FORMAT = 2


def _pack(values: Mapping[int, float]) -> bytes:
    ordered = sorted(values)
    keys = array("I", ordered)
    floats = array("f", (values[k] for k in ordered))
    if sys.byteorder != "little":
        keys.byteswap()
        floats.byteswap()
    return keys.tobytes() + floats.tobytes()


def write_model(
    directory: Path,
    buckets: int,
    idf: Mapping[int, float],
    idf_unseen: float,
    heads: Sequence[tuple[Tier, Mapping[int, float], float, float]],
    trained_on: str,
) -> None:
    """Write the idf and the heads (tier, weights, bias, threshold) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    blob = bytearray(_pack(idf))
    meta = []
    for tier, weights, bias, threshold in heads:
        blob += _pack(weights)
        meta.append(
            {
                "tier": tier.label,
                "bias": round(bias, 6),
                "threshold": round(threshold, 6),
                "weights": len(weights),
            }
        )
    document = {
        "format": FORMAT,
        "buckets": buckets,
        "idf_slots": len(idf),
        "idf_unseen": round(idf_unseen, 6),
        "trained_on_sha256": trained_on,
        "heads": meta,
    }
    (directory / "weights.bin").write_bytes(bytes(blob))
    (directory / "heads.json").write_text(json.dumps(document, indent=2) + "\n", "utf-8")


class _Reader:
    def __init__(self, blob: bytes, buckets: int) -> None:
        self.blob, self.buckets, self.offset = blob, buckets, 0

    def dense(self, count: int, default: float = 0.0, square: bool = False) -> array[float]:
        keys, values = array("I"), array("f")
        size = 4 * count
        keys.frombytes(self.blob[self.offset : self.offset + size])
        values.frombytes(self.blob[self.offset + size : self.offset + 2 * size])
        self.offset += 2 * size
        if sys.byteorder != "little":
            keys.byteswap()
            values.byteswap()
        if len(keys) != count or len(values) != count:
            raise ValueError("weights.bin is shorter than heads.json says")
        if keys and keys[-1] >= self.buckets:
            raise ValueError(f"a slot lies beyond the {self.buckets} buckets")
        fill = default * default if square else default
        out = array("f", [fill]) * self.buckets
        for key, value in zip(keys, values, strict=True):
            out[key] = value * value if square else value
        return out


def load_model(directory: Path | None = None) -> LearnedModel | None:
    """The shipped learned layer, or ``None`` when no model files are present.

    A model that is present but unreadable is an error (raised at start-up, never while
    screening), naming the file and what is wrong.
    """
    directory = directory or MODEL_DIR
    meta_path, blob_path = directory / "heads.json", directory / "weights.bin"
    if not meta_path.exists() and not blob_path.exists():
        return None
    try:
        document = json.loads(meta_path.read_text("utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format {document.get('format')!r}, expected {FORMAT}")
        buckets = int(document["buckets"])
        reader = _Reader(blob_path.read_bytes(), buckets)
        idf_squared = reader.dense(
            int(document["idf_slots"]), float(document["idf_unseen"]), square=True
        )
        heads = tuple(
            Head(
                Tier.from_label(entry["tier"]),
                reader.dense(int(entry["weights"])),
                float(entry["bias"]),
                float(entry["threshold"]),
            )
            for entry in document["heads"]
        )
        if reader.offset != len(reader.blob):
            raise ValueError("weights.bin is longer than heads.json says")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScreeningRuleError(f"{meta_path}: the learned layer cannot be read: {exc}") from exc
    return LearnedModel(buckets, heads, idf_squared, document.get("trained_on_sha256", ""))
