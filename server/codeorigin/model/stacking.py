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

Format version 3 adds a `route` (`Route`): a second way to score one kind of code, read where
the stacker alone cannot speak safely:

```json
"route": {"name": "project code",
          "domain": {"file": "domain.npz", "features": {...}}, "gate": 0.0,
          "stacker": {"bias": -3.1, "weights": {"transformer": 0.0, "linear": 0.9},
                      "languages": {"python": 0.4}},
          "languages": ["python"]}
```

`domain` is a logistic regression over the linear member's own features that tells the kind of
code (repository code against contest and exercise code), never who wrote it; a text whose domain
logit is at least `gate`, in one of `languages`, is of the route's kind. Its logit is then the
larger of the stacker's and the route stacker's, which is on the same scale: the route's
thresholds were mapped onto the language's own, so the calibration and thresholds apply to either
and a span is flagged when either would flag it.

Format version 4 gives the route a linear member of its own, which its stacker reads in place of
`members.linear` (same features, other weights: in training, a stack of the shared linear member
and one fitted on repository code alone, folded into one weight vector):

```json
"route": {..., "member": {"file": "route.npz", "features": {...}}}
```

Format version 5 adds `stacks`: other members, stacker and route for some languages, each of which
replaces the model's own for the languages it lists (its `stacker` on the same calibrated scale, so
`calibration` and the language's `thresholds` apply to it as they do to the model's own). The
transformer stays the model's one graph. A model trained on every language can so take over the
languages one that judges fewer of them abstains on, and leave that one's scores as they are:

```json
"stacks": [{"name": "web", "languages": ["typescript", "javascript"],
            "members": {"linear": {"file": "web-linear.npz", "features": {...}}},
            "stacker": {...}, "route": {..., "member": {...}}}]
```

Parsing raises ValueError; `manifest.load_manifest` turns it into a `ModelError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from codeorigin.core.fields import number, numbers, section

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
class Route:
    """A version-3 manifest's `route` (module docstring)."""

    name: str
    domain: dict[str, Any]  # the domain model's file and features, as `members.linear`
    gate: float  # a domain logit at or above it: the route's kind of code
    stacker: Stacker
    languages: tuple[str, ...]
    #: Format version 4: the route's own linear member (file, features), which its stacker reads
    #: as "linear"; None: the stacker reads `members.linear`.
    member: dict[str, Any] | None = None

    def reads(self, language: str | None) -> bool:
        """Whether the route scores code of `language` (an editor's alias included)."""
        return _reads(self.languages, language)

    def takes(self, language: str | None, domain_logit: float) -> bool:
        """Whether a text of `language` with this domain logit is the route's to score too."""
        return self.reads(language) and domain_logit >= self.gate


def _reads(languages: tuple[str, ...], language: str | None) -> bool:
    """Whether `language` (an editor's alias included) is one of `languages`."""
    if language is None:
        return False
    return language in languages or LANGUAGE_ALIASES.get(language) in languages


@dataclass(frozen=True)
class StackedSpec:
    """What a version-2 to -5 manifest says of its members, stacker, route and stacks."""

    stacker: Stacker
    linear: dict[str, Any]  # the `members.linear` section (file, features)
    route: Route | None = None
    #: Format version 5: the stacks that replace this one for their languages (`Stack`).
    stacks: tuple[Stack, ...] = ()

    def for_language(self, language: str | None) -> StackedSpec:
        """The spec that scores `language`: the stack that lists it, else this one."""
        for stack in self.stacks:
            if _reads(stack.languages, language):
                return stack.spec
        return self

    @property
    def specs(self) -> list[tuple[str, StackedSpec]]:
        """(name, spec) of the model's own ("") and of each stack."""
        return [("", self), *((stack.name, stack.spec) for stack in self.stacks)]

    @property
    def files(self) -> list[str]:
        extra = []
        if self.route is not None:
            extra.append(str(self.route.domain["file"]))
            if self.route.member is not None:
                extra.append(str(self.route.member["file"]))
        for stack in self.stacks:
            extra.extend(stack.spec.files)
        return [str(self.linear["file"]), *extra]


@dataclass(frozen=True)
class Stack:
    """A version-5 manifest's stack (module docstring): a spec of its own for `languages`."""

    name: str
    languages: tuple[str, ...]
    spec: StackedSpec


def parse_stacker(raw: Mapping[str, Any], where: str = "stacker") -> Stacker:
    """A stacker section: logistic, weights for both members, optional language terms."""
    if raw.get("method", "logistic") != "logistic":
        raise ValueError(f"unknown {where} method {raw.get('method')!r}")
    weights = numbers(raw, "weights", f"{where}.")  # absent: named by the check below
    if sorted(weights) != sorted(MEMBER_KINDS):
        raise ValueError(f"{where}.weights must name {list(MEMBER_KINDS)}, not {sorted(weights)}")
    languages = numbers(raw, "languages", f"{where}.")
    return Stacker(number(raw, "bias", where=f"{where}."), weights, languages)


def _route_file(raw: Any, where: str, linear: Mapping[str, Any], taken: set[str]) -> dict[str, Any]:
    """A route's weights file section (`domain`, `member`): a file of its own that reads the
    linear member's features."""
    if not isinstance(raw, Mapping) or "file" not in raw or "features" not in raw:
        raise ValueError(f"{where} needs 'file' and 'features'")
    if raw["features"] != linear["features"]:
        raise ValueError(f"{where} must read the features of members.linear")
    if str(raw["file"]) in taken:
        raise ValueError(f"{where} needs a file of its own")
    taken.add(str(raw["file"]))
    return dict(raw)


def parse_route(raw: Any, linear: Mapping[str, Any], member: bool = False) -> Route:
    """A version-3 manifest's `route` (with `member`, version 4's: with a linear member of its
    own); its domain model and member read the linear member's features."""
    if not isinstance(raw, Mapping):
        raise ValueError("'route' must be an object")
    if member != ("member" in raw):
        raise ValueError("a route's own 'member' is what format version 4 adds: version 4 needs "
                         "one, version 3 has none")  # fmt: skip
    taken = {str(linear["file"])}
    domain = _route_file(raw["domain"], "route.domain", linear, taken)
    own = _route_file(raw["member"], "route.member", linear, taken) if member else None
    languages = raw["languages"]
    if not isinstance(languages, list) or not languages:
        raise ValueError("route.languages must be a non-empty list of languages")
    return Route(str(raw.get("name") or "route"), domain, number(raw, "gate", where="route."),
                 parse_stacker(section(raw, "stacker", where="route."), "route.stacker"),
                 tuple(str(x) for x in languages), own)  # fmt: skip


def _linear_section(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or "file" not in raw or "features" not in raw:
        raise ValueError(f"{where} needs 'file' and 'features'")
    return dict(raw)


def parse_stacked(
    raw: Mapping[str, Any], routed: bool = False, route_member: bool = False, stacks: bool = False
) -> StackedSpec:
    """The members and stacker of a version-2 manifest, and with `routed` (version 3) its
    route, with `route_member` (version 4) the route's own member, with `stacks` (version 5)
    its stacks. Raises ValueError when malformed."""
    members = raw.get("members")
    stacker = raw.get("stacker")
    if not isinstance(members, Mapping) or not isinstance(stacker, Mapping):
        raise ValueError("a stacked manifest needs 'members' and 'stacker' sections")
    kinds = {str(k): str(section(members, k, where="members.").get("kind", k)) for k in members}
    if sorted(kinds) != sorted(MEMBER_KINDS) or any(kinds[k] != k for k in kinds):
        raise ValueError(f"members must be {list(MEMBER_KINDS)}, not {sorted(kinds)}")
    linear = _linear_section(members["linear"], "members.linear")
    if routed != ("route" in raw):
        raise ValueError("a 'route' is what format version 3 adds: versions 3 to 5 need one, "
                         "version 2 has none")  # fmt: skip
    if stacks != ("stacks" in raw):
        raise ValueError("'stacks' are what format version 5 adds: version 5 needs them, "
                         "versions 2 to 4 have none")  # fmt: skip
    route = parse_route(raw["route"], linear, route_member) if routed else None
    spec = StackedSpec(parse_stacker(stacker), linear, route)
    return replace(spec, stacks=parse_stacks(raw["stacks"], spec)) if stacks else spec


def parse_stacks(raw: Any, own: StackedSpec) -> tuple[Stack, ...]:
    """A version-5 manifest's `stacks`: each with a name, languages no other stack lists, a
    linear member, a stacker and an optional route (with or without a member of its own), in
    files of their own."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("'stacks' must be a non-empty list")
    out: list[Stack] = []
    taken = set(own.files)
    for i, item in enumerate(raw):
        where = f"stacks[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} must be an object")
        name = str(item.get("name") or "")
        if not name or name in {s.name for s in out}:
            raise ValueError(f"{where}.name must be a name no other stack has")
        languages = item.get("languages")
        if not isinstance(languages, list) or not languages:
            raise ValueError(f"{where}.languages must be a non-empty list of languages")
        langs = tuple(str(x) for x in languages)
        twice = [x for x in langs if any(x in s.languages for s in out)]
        if twice:
            raise ValueError(f"{where} lists {twice[0]}, which another stack scores")
        members = section(item, "members", where=f"{where}.")
        linear = _linear_section(members.get("linear"), f"{where}.members.linear")
        route_raw = item.get("route")
        route = None
        if route_raw is not None:
            has_member = isinstance(route_raw, Mapping) and "member" in route_raw
            route = parse_route(route_raw, linear, has_member)
        stacker = parse_stacker(section(item, "stacker", where=f"{where}."), f"{where}.stacker")
        spec = StackedSpec(stacker, linear, route)
        if taken & set(spec.files):
            raise ValueError(
                f"{where} needs files of its own, not {sorted(taken & set(spec.files))}"
            )
        taken |= set(spec.files)
        out.append(Stack(name, langs, spec))
    return tuple(out)


def parse_abstain(raw: Any) -> dict[str, str]:
    """`abstain`: {language: reason}; a list of languages gets a generic reason."""
    if raw is None:
        return {}
    if isinstance(raw, (list, tuple)):
        return {str(lang): "" for lang in raw}
    if not isinstance(raw, Mapping):
        raise ValueError("'abstain' must map languages to reasons")
    return {str(lang): str(reason or "") for lang, reason in raw.items()}


def grafted_reason(raw: Mapping[str, Any], language: str) -> str | None:
    """Why a language the folder was not trained on is still not judged when a grafted stack's
    donor read it (`codeorigin-train graft` records `grafted.NAME.donor_abstain` and
    `donor_judges_not_grafted`): the donor's own reason, or that its judgement was measured and
    left out. None when no donor says anything of `language`."""
    grafted = raw.get("grafted")
    for stack in grafted.values() if isinstance(grafted, Mapping) else ():
        if not isinstance(stack, Mapping):
            continue
        abstain = stack.get("donor_abstain")
        if isinstance(abstain, Mapping) and abstain.get(language):
            return str(abstain[language])
        left = stack.get("donor_judges_not_grafted")
        if isinstance(left, list) and language in left:
            return ("a model trained on it was measured on held-out repositories and not shipped "
                    "for it (the model card says why)")  # fmt: skip
    return None


def reads_transformer(spec: StackedSpec, language: str | None) -> bool:
    """Whether a stacker that may score `language` (its stack's, or the route's where the route
    reads it) gives the transformer a weight; if none does, the transformer's logit weighs
    nothing in the score and need not be computed (`codeorigin-train language-stack`'s C#)."""
    side = spec.for_language(language)
    route = side.route
    return side.stacker.weights.get("transformer", 0.0) != 0.0 or (
        route is not None
        and route.reads(language)
        and route.stacker.weights.get("transformer", 0.0) != 0.0
    )


def routed_logit(
    spec: StackedSpec,
    members: Mapping[str, float],
    language: str | None,
    domain_logit: float | None,
    route_linear: float | None = None,
) -> tuple[float, Stacker, str]:
    """The stacked logit of one text, the stacker that gave it and its route's name ("" for the
    stacker's): the route's logit where the route takes the text and it is the larger.
    `route_linear`: the route's own member's logit (version 4), which its stacker reads as
    "linear"."""
    spec = spec.for_language(language)
    z = spec.stacker.logit(members, language)
    route = spec.route
    if route is not None and domain_logit is not None and route.takes(language, domain_logit):
        if route.member is not None:
            if route_linear is None:
                raise ValueError("the route has a member of its own: give its logit")
            members = {**members, "linear": route_linear}
        z_route = route.stacker.logit(members, language)
        if z_route > z:
            return z_route, route.stacker, route.name
    return z, spec.stacker, ""
