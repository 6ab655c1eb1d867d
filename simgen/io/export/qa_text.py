"""QA items -> question text, options and ground truth in the form trainers and VSI-Bench expect.

Answer modes (`--answer-mode`):
- `mc_direct` (default, VSI-Bench's own mix): items that carry options stay multiple choice with a
  letter as ground truth; numeric items are answered directly ("3", "2.4").
- `mc`: every item is multiple choice; numeric items get three distractors (counts: the answer +-1..3;
  other numbers: 0.5x..2x) and the correct letter's position comes from a stable hash of the QA id.
- `open`: every item is open-ended; options are dropped and the ground truth is the answer text.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from simgen.core.errors import ConfigError

ANSWER_MODES = ("mc_direct", "mc", "open")
PRE_PROMPT = "These are frames of a video."
NA_POST_PROMPT = "Please answer the question using a single word or phrase."
MC_POST_PROMPT = "Answer with the option's letter from the given choices directly."
_LETTERED = re.compile(r"^([A-Z])\.\s*(.*)$", re.S)


def check_answer_mode(mode: str) -> str:
    if mode not in ANSWER_MODES:
        raise ConfigError(f"unknown --answer-mode {mode!r}; allowed: {', '.join(ANSWER_MODES)}")
    return mode


def _split_options(options: list) -> list[str]:
    """Option texts without their "A. " labels."""
    out = []
    for o in options:
        m = _LETTERED.match(str(o))
        out.append(m.group(2) if m else str(o))
    return out


def _lettered(texts: list[str]) -> list[str]:
    return [f"{chr(65 + i)}. {t}" for i, t in enumerate(texts)]


def _item_rng(item: dict) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(str(item["id"]).encode("utf-8")))


def numeric_distractors(item: dict) -> list[str]:
    """Three wrong answers for a numeric item, as strings formatted like the answer."""
    rng = _item_rng(item)
    answer = str(item["answer"])
    value = item.get("answer_value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"QA item {item['id']}: --answer-mode mc needs a numeric answer_value or options")
    if isinstance(value, int) or (float(value).is_integer() and "." not in answer):
        cands = [int(value) + d for d in (-3, -2, -1, 1, 2, 3) if int(value) + d > 0]
        picks = rng.choice(len(cands), size=3, replace=False)
        return [str(cands[i]) for i in sorted(picks)]
    decimals = len(answer.split(".")[1]) if "." in answer else 0
    out: list[str] = []
    for f in rng.permutation([0.5, 0.7, 1.4, 2.0]):
        s = f"{float(value) * f:.{decimals}f}"
        if s != answer and s not in out:
            out.append(s)
        if len(out) == 3:
            break
    return out


def render_item(item: dict, mode: str) -> dict:
    """One QA item in an answer mode -> {"question", "options" (["A. ..", ..] | None), "ground_truth",
    "answer_type" ("mc" | "numeric" | "text")}."""
    options = item.get("options")
    answer = str(item["answer"])
    if options:
        texts = _split_options(options)
        if re.fullmatch(r"[A-Z]", answer) and ord(answer) - 65 < len(texts):
            idx = ord(answer) - 65
        elif answer in texts:
            idx = texts.index(answer)
        else:
            raise ConfigError(f"QA item {item['id']}: answer {answer!r} is neither a letter nor one of its options")
        if mode == "open":
            return {"question": item["question"], "options": None, "ground_truth": texts[idx], "answer_type": "text"}
        return {"question": item["question"], "options": _lettered(texts), "ground_truth": chr(65 + idx),
                "answer_type": "mc"}
    numeric = isinstance(item.get("answer_value"), (int, float)) and not isinstance(item.get("answer_value"), bool)
    if mode == "mc":
        wrong = numeric_distractors(item)
        pos = int(_item_rng(item).integers(4))
        texts = wrong[:pos] + [answer] + wrong[pos:]
        return {"question": item["question"], "options": _lettered(texts), "ground_truth": chr(65 + pos),
                "answer_type": "mc"}
    return {"question": item["question"], "options": None, "ground_truth": answer,
            "answer_type": "numeric" if numeric else "text"}


def prompt_text(rendered: dict, media_token: str | None) -> str:
    """The user turn: [media token] + VSI-Bench pre-prompt + question + options + post-prompt."""
    parts = [media_token] if media_token else []
    parts += [PRE_PROMPT, rendered["question"]]
    if rendered["options"]:
        parts += ["Options:", *rendered["options"], MC_POST_PROMPT]
    else:
        parts.append(NA_POST_PROMPT)
    return "\n".join(parts)
