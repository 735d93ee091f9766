"""A stacked model's manifest sections: its members, the stacker and the languages it abstains on.

Manifest format version 2 (`manifest.STACKED_FORMAT_VERSION`) adds, to what version 1 holds:

```json
"members": {"transformer": {"kind": "transformer"},
            "linear": {"kind": "linear", "file": "linear.npz", "features": {...}}},
"stacker": {"method": "logistic", "bias": -0.4,
            "weights": {"transformer": 0.8, "linear": 1.3},
            "languages": {"python": 0.2, "java": -0.5}},
"abstain": {"php": "why the model does not judge PHP"}
```

The stacked logit is `bias + Σ weights[m] * logit_m + languages[language]` (the language as a
one-hot input: a language not listed adds 0); `calibration` and `thresholds` then apply to it as
they do to a single model's logit. The transformer member is the folder's ONNX graph (`onnx`,
`tokenizer`, `max_length` as in version 1), the linear member its `.npz` (`model.linear`).
`abstain` may appear in either version: spans of those languages get the verdict `not_judged`.
Parsing raises ValueError; `manifest.load_manifest` turns it into a `ModelError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MEMBER_KINDS = ("transformer", "linear")
#: Editors' language ids that the stacker reads as another language's one-hot input.
LANGUAGE_ALIASES = {"typescriptreact": "typescript", "javascriptreact": "javascript"}


@dataclass(frozen=True)
class Stacker:
    """Logistic regression over the members' logits and the language."""

    bias: float
    weights: dict[str, float]
    languages: dict[str, float] = field(default_factory=dict)

    def language_term(self, language: str | None) -> float:
        if language is None:
            return 0.0
        if language in self.languages:
            return self.languages[language]
        return self.languages.get(LANGUAGE_ALIASES.get(language, language), 0.0)

    def logit(self, members: Mapping[str, float], language: str | None) -> float:
        """The stacked logit from each member's logit."""
        return (
            self.bias
            + sum(w * float(members[m]) for m, w in self.weights.items())
            + self.language_term(language)
        )


@dataclass(frozen=True)
class StackedSpec:
    """What a version-2 manifest says of its members and stacker."""

    stacker: Stacker
    linear: dict[str, Any]  # the `members.linear` section (file, features)

    @property
    def files(self) -> list[str]:
        return [str(self.linear["file"])]


def parse_stacked(raw: Mapping[str, Any]) -> StackedSpec:
    """The members and stacker of a version-2 manifest. Raises ValueError when malformed."""
    members = raw.get("members")
    stacker = raw.get("stacker")
    if not isinstance(members, Mapping) or not isinstance(stacker, Mapping):
        raise ValueError("a stacked manifest needs 'members' and 'stacker' sections")
    kinds = {str(name): str(dict(spec).get("kind", name)) for name, spec in members.items()}
    if sorted(kinds) != sorted(MEMBER_KINDS) or any(kinds[k] != k for k in kinds):
        raise ValueError(f"members must be {list(MEMBER_KINDS)}, not {sorted(kinds)}")
    if stacker.get("method", "logistic") != "logistic":
        raise ValueError(f"unknown stacker method {stacker.get('method')!r}")
    weights = {str(k): float(v) for k, v in dict(stacker["weights"]).items()}
    if sorted(weights) != sorted(MEMBER_KINDS):
        raise ValueError(f"stacker.weights must name {list(MEMBER_KINDS)}, not {sorted(weights)}")
    languages = {str(k): float(v) for k, v in dict(stacker.get("languages") or {}).items()}
    linear = dict(members["linear"])
    if "file" not in linear or "features" not in linear:
        raise ValueError("members.linear needs 'file' and 'features'")
    return StackedSpec(Stacker(float(stacker["bias"]), weights, languages), linear)


def parse_abstain(raw: Any) -> dict[str, str]:
    """`abstain`: {language: reason}; a list of languages gets a generic reason."""
    if raw is None:
        return {}
    if isinstance(raw, (list, tuple)):
        return {str(lang): "" for lang in raw}
    if not isinstance(raw, Mapping):
        raise ValueError("'abstain' must map languages to reasons")
    return {str(lang): str(reason or "") for lang, reason in raw.items()}
