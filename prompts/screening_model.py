"""Read and write the learned layer's weights (``prompts/screening/model/``).

``heads.json`` is the reviewable part: the number of hash slots and, for each head, its
tier, bias and threshold, with the SHA-256 of the development cases the model was trained
on. ``weights.bin`` holds little-endian 32-bit floats, one per slot: first each slot's
inverse document frequency squared (for a text's length), then each head's weights
(already multiplied by the slot's idf). Stored whole rather than sparse, so that loading
is one read per array. Both files are written by ``scripts/train_screening_model.py``.
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
FORMAT = 3


def _dense(values: Mapping[int, float], buckets: int, default: float = 0.0) -> bytes:
    out = array("f", [default]) * buckets
    for key, value in values.items():
        out[key] = value
    if sys.byteorder != "little":
        out.byteswap()
    return out.tobytes()


def write_model(
    directory: Path,
    buckets: int,
    idf: Mapping[int, float],
    idf_unseen: float,
    heads: Sequence[tuple[Tier, Mapping[int, float], float, float, float | None]],
    trained_on: str,
) -> None:
    """Write the idf and the heads (tier, weights, bias, threshold, threshold when the
    layer speaks alone or ``None``) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    squared = {k: v * v for k, v in idf.items()}
    blob = bytearray(_dense(squared, buckets, idf_unseen * idf_unseen))
    meta = []
    for tier, weights, bias, threshold, alone in heads:
        blob += _dense(weights, buckets)
        entry: dict[str, object] = {
            "tier": tier.label,
            "bias": round(bias, 6),
            "threshold": round(threshold, 6),
        }
        if alone is not None:
            entry["threshold_alone"] = round(alone, 6)
        meta.append(entry)
    document = {
        "format": FORMAT,
        "buckets": buckets,
        "idf_unseen": round(idf_unseen, 6),
        "trained_on_sha256": trained_on,
        "heads": meta,
    }
    (directory / "weights.bin").write_bytes(bytes(blob))
    (directory / "heads.json").write_text(json.dumps(document, indent=2) + "\n", "utf-8")


def _array(blob: bytes, index: int, buckets: int) -> array[float]:
    out = array("f")
    out.frombytes(blob[4 * buckets * index : 4 * buckets * (index + 1)])
    if sys.byteorder != "little":
        out.byteswap()
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
        entries = document["heads"]
        blob = blob_path.read_bytes()
        if len(blob) != 4 * buckets * (1 + len(entries)):
            raise ValueError("weights.bin does not hold the arrays heads.json describes")
        heads = tuple(
            Head(
                Tier.from_label(entry["tier"]),
                _array(blob, 1 + k, buckets),
                float(entry["bias"]),
                float(entry["threshold"]),
                float(entry["threshold_alone"]) if "threshold_alone" in entry else None,
            )
            for k, entry in enumerate(entries)
        )
        idf_squared = _array(blob, 0, buckets)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScreeningRuleError(f"{meta_path}: the learned layer cannot be read: {exc}") from exc
    return LearnedModel(buckets, heads, idf_squared, document.get("trained_on_sha256", ""))
