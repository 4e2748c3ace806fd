#!/usr/bin/env python3
"""Independent PyTorch reference for the Hugging Face `transformers` causal-LM math.

It is the independent reference for the golden files under `tests/fixtures/hub/golden/` (those are
produced by another script; this one only computes). It re-derives, from the modeling files of
`transformers`, what `AutoModelForCausalLM` computes for five model types (gpt2, llama, qwen2,
qwen3, gpt_neox) in float32, without `transformers` or `safetensors`: both are reimplemented here
(stdlib + numpy + torch only), so a bug in the project's TypeScript port cannot be copied from the
same library it is checked against.

    python3 scripts/reference/hf_reference.py --model-dir DIR --prompt-ids 1,2,3 --max-new-tokens N [--out FILE]
    python3 scripts/reference/hf_reference.py --self-test

DIR holds `config.json`, `model.safetensors` (or `model.safetensors.index.json` and its shards) and
optionally `generation_config.json`. The run prints (or writes to FILE) one JSON object:

    {"modelType": str, "promptIds": [int], "logits": [[float] * vocab for each prompt position],
     "generatedIds": [int]}

Logits are those of one forward pass over the prompt (positions 0..len-1, one sequence, no padding),
rounded to 7 significant digits. generatedIds is greedy decoding that recomputes the whole sequence
at every step (no KV cache, on purpose: simple and independent), stops after N new tokens or right
after emitting an eos id (which is included). Weights stored as BF16/F16 are widened to float32 at
load, as `from_pretrained(..., torch_dtype=torch.float32)` does.

Any config field that changes the math and is not implemented here raises an error naming it; a
tensor in the checkpoint that nothing reads raises too, so a naming mistake cannot go unnoticed.

Needs the Debian packages: `sudo apt-get install -y python3-torch python3-numpy` (torch 1.13 is
enough). The self-test writes tiny random checkpoints with a hand-written safetensors writer and
checks this path against a second one written differently (float64, explicit loops, rotary as a
complex rotation).
"""

import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    # The Debian packages install into the system interpreter; a pyenv or venv `python3` earlier on
    # PATH does not see them. Re-run once under /usr/bin/python3 rather than fail.
    _system = "/usr/bin/python3"
    if (
        os.path.exists(_system)
        and os.path.realpath(sys.executable) != os.path.realpath(_system)
        and not os.environ.get("HF_REFERENCE_REEXEC")
    ):
        os.environ["HF_REFERENCE_REEXEC"] = "1"
        os.execv(_system, [_system, *sys.argv])
    sys.exit("hf_reference.py needs torch and numpy: sudo apt-get install -y python3-torch python3-numpy")

import argparse
import cmath
import json
import math
import mmap
import re
import struct
import tempfile
import time

torch.set_grad_enabled(False)


class ConfigError(ValueError):
    """A config or checkpoint this reference does not reproduce faithfully (named in the message)."""


# ---------------------------------------------------------------------------------------------
# safetensors, by hand
# ---------------------------------------------------------------------------------------------

_ITEMSIZE = {
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2,
    "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
    "F8_E4M3": 1, "F8_E5M2": 1,
}


class TensorEntry:
    """One tensor of a safetensors file, not yet decoded (large checkpoints stay on disk)."""

    def __init__(self, path, name, dtype, shape, buf, begin, end):
        self.path, self.name, self.dtype, self.shape = path, name, dtype, tuple(shape)
        self._buf, self._begin, self._end = buf, begin, end

    def numel(self):
        return math.prod(self.shape)

    def to_float32(self):
        """Decodes the little-endian bytes to a float32 torch tensor (a copy, not a file view)."""
        count = self.numel()
        if self.dtype == "F32":
            a = np.frombuffer(self._buf, dtype="<f4", count=count, offset=self._begin).astype(np.float32)
        elif self.dtype == "F16":
            a = np.frombuffer(self._buf, dtype="<f2", count=count, offset=self._begin).astype(np.float32)
        elif self.dtype == "BF16":
            # bfloat16 is the top half of a float32: widen the bits, no rounding involved.
            bits = np.frombuffer(self._buf, dtype="<u2", count=count, offset=self._begin).astype(np.uint32)
            a = (bits << np.uint32(16)).view(np.float32)
        elif self.dtype == "F64":
            a = np.frombuffer(self._buf, dtype="<f8", count=count, offset=self._begin).astype(np.float32)
        else:
            raise ConfigError(f"{self.path}: tensor {self.name} has dtype {self.dtype}, not a float type this reference reads")
        return torch.from_numpy(a.reshape(self.shape).copy())


def read_safetensors_header(path):
    """Returns {name: TensorEntry} and the file's __metadata__, validating offsets and sizes."""
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.path.getsize(path) > 0 else b""
    if len(buf) < 8:
        raise ConfigError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ConfigError(f"{path}: header length {n} runs past the end of the file")
    try:
        header = json.loads(bytes(buf[8 : 8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: header is not JSON ({e})")
    if not isinstance(header, dict):
        raise ConfigError(f"{path}: header is not a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    data_start, data_len = 8 + n, len(buf) - 8 - n
    entries, spans = {}, []
    for name, info in header.items():
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in _ITEMSIZE:
            raise ConfigError(f"{path}: tensor {name} has unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ConfigError(f"{path}: tensor {name} has a bad shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and 0 <= offsets[0] <= offsets[1] <= data_len):
            raise ConfigError(f"{path}: tensor {name} has bad data_offsets {offsets!r}")
        if offsets[1] - offsets[0] != math.prod(shape) * _ITEMSIZE[dtype]:
            raise ConfigError(f"{path}: tensor {name}: {offsets[1] - offsets[0]} bytes for shape {shape} of {dtype}")
        entries[name] = TensorEntry(path, name, dtype, shape, buf, data_start + offsets[0], data_start + offsets[1])
        spans.append((offsets[0], offsets[1], name))
    spans.sort()
    for (_, end_a, a), (begin_b, _, b) in zip(spans, spans[1:]):
        if begin_b < end_a:
            raise ConfigError(f"{path}: tensors {a} and {b} overlap")
    return entries, metadata


def read_checkpoint(model_dir):
    """All tensors of a model dir: model.safetensors, or the shards named by the index's weight_map."""
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f).get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise ConfigError(f"{index_path}: no weight_map")
        entries = {}
        for shard in sorted(set(weight_map.values())):
            shard_entries, _ = read_safetensors_header(os.path.join(model_dir, shard))
            for name, entry in shard_entries.items():
                if name in entries:
                    raise ConfigError(f"tensor {name} is in two shards ({entries[name].path}, {entry.path})")
                if weight_map.get(name) != shard:
                    raise ConfigError(f"tensor {name} is in {shard} but the weight_map says {weight_map.get(name)!r}")
                entries[name] = entry
        missing = sorted(set(weight_map) - set(entries))
        if missing:
            raise ConfigError(f"{index_path}: weight_map names tensors no shard holds: {missing[:5]}")
        return entries
    single = os.path.join(model_dir, "model.safetensors")
    if not os.path.exists(single):
        raise ConfigError(f"{model_dir}: neither model.safetensors nor model.safetensors.index.json")
    return read_safetensors_header(single)[0]


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """Self-test writer: {name: float tensor} -> file, every tensor stored as `dtype` (F32/F16/BF16)."""
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().to(torch.float32).contiguous()
        if dtype == "F32":
            raw = t.numpy().astype("<f4").tobytes()
        elif dtype == "F16":
            raw = t.numpy().astype("<f2").tobytes()
        elif dtype == "BF16":
            # torch's own rounding to bfloat16, so the reader's bit shift is checked against it.
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raise ValueError(dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata or {"format": "pt"}
    blob = json.dumps(header).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # the format pads the header so data starts 8-aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for raw in chunks:
            f.write(raw)


def write_raw_safetensors(path, items):
    """Self-test writer for odd dtypes: items = [(name, dtype, shape, raw bytes)]."""
    header, offset = {}, 0
    for name, dtype, shape, raw in items:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    blob = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, _, _, raw in items:
            f.write(raw)


# ---------------------------------------------------------------------------------------------
# config.json -> the hyperparameters the modeling code actually reads
# ---------------------------------------------------------------------------------------------

SUPPORTED = ("gpt2", "llama", "qwen2", "qwen3", "gpt_neox")

# transformers' config classes' own defaults: what a key missing from config.json means.
_DEFAULTS = {
    "gpt2": dict(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12,
                 activation_function="gelu_new", layer_norm_epsilon=1e-5, eos_token_id=50256,
                 tie_word_embeddings=True),
    "llama": dict(vocab_size=32000, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                  num_attention_heads=32, hidden_act="silu", rms_norm_eps=1e-6, eos_token_id=2,
                  tie_word_embeddings=False, rope_theta=10000.0),
    "qwen2": dict(vocab_size=151936, hidden_size=4096, intermediate_size=22016, num_hidden_layers=32,
                  num_attention_heads=32, hidden_act="silu", rms_norm_eps=1e-6, eos_token_id=None,
                  tie_word_embeddings=False, rope_theta=10000.0),
    "qwen3": dict(vocab_size=151936, hidden_size=4096, intermediate_size=22016, num_hidden_layers=32,
                  num_attention_heads=32, hidden_act="silu", rms_norm_eps=1e-6, eos_token_id=None,
                  tie_word_embeddings=False, rope_theta=10000.0, head_dim=128),
    "gpt_neox": dict(vocab_size=50432, hidden_size=6144, intermediate_size=24576, num_hidden_layers=44,
                     num_attention_heads=64, hidden_act="gelu", layer_norm_eps=1e-5, eos_token_id=2,
                     tie_word_embeddings=False, rope_theta=10000.0, partial_rotary_factor=0.25),
}

ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "quick_gelu", "relu", "silu", "swish")


def _get(cfg, key, default, kind=(int, float)):
    """config.json value, or the class default when absent; null where a number is needed is an error."""
    if key not in cfg:
        return default
    v = cfg[key]
    if v is None or isinstance(v, bool) or not isinstance(v, kind):
        raise ConfigError(f"config field {key}={v!r} is not a {kind}")
    return v


def _flag(cfg, key, default):
    v = cfg.get(key, default)
    if v is None:
        v = default
    if not isinstance(v, bool):
        raise ConfigError(f"config field {key}={v!r} is not a boolean")
    return v


def _one_value(family, field, candidates, default):
    """The value of a setting that different transformers versions spell differently. Versions
    disagree on which spelling wins when several are present, so disagreeing spellings are refused."""
    found = {(where, v) for where, v in candidates if v is not None}
    values = {float(v) for _, v in found}
    if len(values) > 1:
        raise ConfigError(f"{family}: {field} given differently by {sorted(w for w, _ in found)}: {sorted(values)}")
    return values.pop() if values else default


def _rope_settings(cfg, family):
    """(rope_theta, partial_rotary_factor) for default RoPE; any RoPE scaling is refused."""
    scaling = cfg.get("rope_scaling")
    if scaling is not None:
        # {"rope_type": "default"} (written by some versions) is plain RoPE; anything else rescales it.
        kind = scaling.get("rope_type", scaling.get("type")) if isinstance(scaling, dict) else None
        if kind != "default" or set(scaling) - {"rope_type", "type", "rope_theta"}:
            raise ConfigError(f"{family}: rope_scaling={scaling!r} is not implemented (only plain RoPE)")
    params = cfg.get("rope_parameters")  # transformers v5 spelling
    if params is not None:
        if not isinstance(params, dict) or any(isinstance(v, dict) for v in params.values()):
            raise ConfigError(f"{family}: rope_parameters={params!r}: per-layer-type RoPE is not implemented")
        if params.get("rope_type", "default") != "default":
            raise ConfigError(f"{family}: rope_parameters.rope_type={params.get('rope_type')!r} is not implemented")
        extra = set(params) - {"rope_type", "rope_theta", "partial_rotary_factor"}
        if extra:
            raise ConfigError(f"{family}: rope_parameters fields {sorted(extra)} are not implemented")
    params = params or {}
    scaling = scaling or {}
    theta_candidates = [("rope_theta", cfg.get("rope_theta")), ("rope_parameters.rope_theta", params.get("rope_theta")),
                        ("rope_scaling.rope_theta", scaling.get("rope_theta"))]
    factor_candidates = [("partial_rotary_factor", cfg.get("partial_rotary_factor")),
                         ("rope_parameters.partial_rotary_factor", params.get("partial_rotary_factor"))]
    if family == "gpt_neox":
        theta_candidates.append(("rotary_emb_base", cfg.get("rotary_emb_base")))
        factor_candidates.append(("rotary_pct", cfg.get("rotary_pct")))
    theta = _one_value(family, "rope theta", theta_candidates, _DEFAULTS[family]["rope_theta"])
    factor = _one_value(family, "partial rotary factor", factor_candidates,
                        _DEFAULTS[family].get("partial_rotary_factor", 1.0))
    if family == "gpt_neox":
        # GPTNeoXConfig (4.4x) assigns `self.partial_rotary_factor = rotary_pct` and
        # `self.rope_theta = rotary_emb_base` after the generic kwargs, and one v5 version assigns
        # `rope_parameters["partial_rotary_factor"] = kwargs.pop("rotary_pct", 0.25)`: without the
        # canonical spelling, the class default wins in those versions. Non-default values are only
        # unambiguous when spelled rotary_pct / rotary_emb_base.
        if "rotary_pct" not in cfg and factor != 0.25:
            raise ConfigError(f"gpt_neox: partial rotary factor {factor} without rotary_pct: several transformers "
                              "versions replace it with rotary_pct's default 0.25; spell it rotary_pct")
        if "rotary_emb_base" not in cfg and theta != 10000.0:
            raise ConfigError(f"gpt_neox: rope theta {theta} without rotary_emb_base: transformers 4.4x replaces it "
                              "with rotary_emb_base's default 10000; spell it rotary_emb_base")
    return theta, factor


def parse_config(cfg):
    """Resolves config.json into a flat spec dict. Both forward paths below read only this."""
    mt = cfg.get("model_type")
    if mt not in SUPPORTED:
        raise ConfigError(f"model_type {mt!r} is not one of {SUPPORTED}")
    if cfg.get("quantization_config") is not None:
        raise ConfigError("quantization_config is not implemented")
    d = _DEFAULTS[mt]
    s = {"model_type": mt, "tie": _flag(cfg, "tie_word_embeddings", d["tie_word_embeddings"])}

    if mt == "gpt2":
        # GPT2Config's attribute_map lets the generic names stand for the n_* ones.
        def alias(native, generic):
            a, b = cfg.get(native), cfg.get(generic)
            if a is not None and b is not None and a != b:
                raise ConfigError(f"gpt2: {native}={a} and {generic}={b} disagree")
            v = a if a is not None else b
            return d[native] if v is None else _get({native: v}, native, None)

        E, H = alias("n_embd", "hidden_size"), alias("n_head", "num_attention_heads")
        if E % H:
            raise ConfigError(f"gpt2: n_embd {E} is not divisible by n_head {H}")
        n_inner = cfg.get("n_inner")
        if _flag(cfg, "add_cross_attention", False):
            raise ConfigError("gpt2: add_cross_attention is not implemented")
        s.update(
            vocab=_get(cfg, "vocab_size", d["vocab_size"]), hidden=E, layers=alias("n_layer", "num_hidden_layers"),
            heads=H, kv_heads=H, head_dim=E // H,
            inner=4 * E if n_inner is None else _get(cfg, "n_inner", None),
            act=cfg.get("activation_function", d["activation_function"]),
            eps=float(_get(cfg, "layer_norm_epsilon", d["layer_norm_epsilon"])),
            max_positions=alias("n_positions", "max_position_embeddings"),
            scale_attn=_flag(cfg, "scale_attn_weights", True),
            # GPT2Attention divides the scores by (layer_idx + 1) when this is set.
            inverse_layer_scale=_flag(cfg, "scale_attn_by_inverse_layer_idx", False),
            # reorder_and_upcast_attn only changes the order/precision of the same product: a no-op
            # in float32 (the scale is folded into baddbmm's alpha instead of a division).
            reorder_upcast=_flag(cfg, "reorder_and_upcast_attn", False),
        )
    else:
        hidden = _get(cfg, "hidden_size", d["hidden_size"])
        heads = _get(cfg, "num_attention_heads", d["num_attention_heads"])
        kv = cfg.get("num_key_value_heads")
        kv = heads if kv is None else _get(cfg, "num_key_value_heads", None)
        s.update(vocab=_get(cfg, "vocab_size", d["vocab_size"]), hidden=hidden,
                 layers=_get(cfg, "num_hidden_layers", d["num_hidden_layers"]), heads=heads, intermediate=_get(cfg, "intermediate_size", d["intermediate_size"]),
                 act=cfg.get("hidden_act", d["hidden_act"]))
        theta, factor = _rope_settings(cfg, mt)
        s["rope_theta"] = theta
        if mt == "gpt_neox":
            if hidden % heads:
                raise ConfigError(f"gpt_neox: hidden_size {hidden} is not divisible by num_attention_heads {heads}")
            if "num_key_value_heads" in cfg and kv != heads:
                raise ConfigError("gpt_neox: num_key_value_heads != num_attention_heads is not a gpt_neox thing")
            hd = hidden // heads
            rot = int(hd * factor)  # GPTNeoXAttention.rotary_ndims = int(head_size * rotary_pct)
            if rot % 2:
                raise ConfigError(f"gpt_neox: rotary dims {rot} (head_size {hd} * {factor}) is odd")
            s.update(kv_heads=heads, head_dim=hd, rotary_dim=rot,
                     eps=float(_get(cfg, "layer_norm_eps", d["layer_norm_eps"])),
                     parallel_residual=_flag(cfg, "use_parallel_residual", True),
                     attn_bias=_flag(cfg, "attention_bias", True))
        else:
            if factor != 1.0:
                raise ConfigError(f"{mt}: partial_rotary_factor={factor} is not implemented (full-head RoPE only)")
            if heads % kv:
                raise ConfigError(f"{mt}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}")
            if mt == "qwen3":
                if "head_dim" in cfg and cfg["head_dim"] is None:
                    raise ConfigError("qwen3: head_dim is null")
                hd = _get(cfg, "head_dim", d["head_dim"])  # Qwen3Config defaults head_dim to 128, not hidden/heads
            else:
                hd = cfg.get("head_dim")
                hd = hidden // heads if hd is None else _get(cfg, "head_dim", None)
            if hd % 2:
                raise ConfigError(f"{mt}: head_dim {hd} is odd")
            s.update(kv_heads=kv, head_dim=hd, rotary_dim=hd, eps=float(_get(cfg, "rms_norm_eps", d["rms_norm_eps"])))
            if mt == "llama":
                ab = _flag(cfg, "attention_bias", False)
                # pretraining_tp > 1 only slices the same matmuls (old versions); the sum is the same.
                s.update(qkv_bias=ab, o_bias=ab, mlp_bias=_flag(cfg, "mlp_bias", False), qk_norm=False)
            elif mt == "qwen2":
                # Qwen2Attention hard-codes bias=True on q/k/v and bias=False on o_proj; Qwen2MLP has none.
                s.update(qkv_bias=True, o_bias=False, mlp_bias=False, qk_norm=False)
            else:
                ab = _flag(cfg, "attention_bias", False)
                s.update(qkv_bias=ab, o_bias=ab, mlp_bias=False, qk_norm=True)
            s["windows"] = _sliding_windows(cfg, mt, s["layers"])
    if s["act"] not in ACTIVATIONS:
        raise ConfigError(f"{mt}: activation {s['act']!r} is not implemented (one of {ACTIVATIONS})")
    return s


def _sliding_windows(cfg, mt, layers):
    """Per layer: None (full causal attention) or the sliding window size, as Qwen2/Qwen3Config derive it."""
    if mt == "llama":
        return [None] * layers
    use = _flag(cfg, "use_sliding_window", False)
    window = cfg.get("sliding_window", 4096) if use else None
    types = cfg.get("layer_types")
    if types is None:
        first = _get(cfg, "max_window_layers", 28)
        types = ["sliding_attention" if window is not None and i >= first else "full_attention" for i in range(layers)]
    if len(types) != layers or set(types) - {"full_attention", "sliding_attention"}:
        raise ConfigError(f"{mt}: layer_types={types!r} is not {layers} of full_attention/sliding_attention")
    out = []
    for i, t in enumerate(types):
        if t == "sliding_attention" and window is None:
            raise ConfigError(f"{mt}: layer {i} is sliding_attention but there is no sliding_window")
        out.append(window if t == "sliding_attention" else None)
    return out


# ---------------------------------------------------------------------------------------------
# checkpoint tensors -> the names the modeling code reads, with shapes checked
# ---------------------------------------------------------------------------------------------

# Buffers some checkpoints carry that transformers drops at load (recomputed, never learned).
_IGNORED = {
    "gpt2": re.compile(r"^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$"),
    "gpt_neox": re.compile(r"^(gpt_neox\.)?layers\.\d+\.attention\.(bias|masked_bias|rotary_emb\.inv_freq)$"),
    "llama": re.compile(r"^(model\.)?layers\.\d+\.self_attn\.rotary_emb\.inv_freq$"),
}
_IGNORED["qwen2"] = _IGNORED["qwen3"] = _IGNORED["llama"]
_BASE_PREFIX = {"gpt2": "transformer.", "gpt_neox": "gpt_neox.", "llama": "model.", "qwen2": "model.", "qwen3": "model."}
_HEAD_NAME = {"gpt2": "lm_head.weight", "gpt_neox": "embed_out.weight", "llama": "lm_head.weight",
              "qwen2": "lm_head.weight", "qwen3": "lm_head.weight"}
_EMBED_NAME = {"gpt2": "wte.weight", "gpt_neox": "embed_in.weight", "llama": "embed_tokens.weight",
               "qwen2": "embed_tokens.weight", "qwen3": "embed_tokens.weight"}


def expected_shapes(s):
    """{full HF parameter name: shape} for the spec; the lm head is listed separately by bind_weights."""
    mt, E, V, L = s["model_type"], s["hidden"], s["vocab"], s["layers"]
    shapes = {}
    if mt == "gpt2":
        p, I = "transformer.", s["inner"]
        shapes.update({p + "wte.weight": (V, E), p + "wpe.weight": (s["max_positions"], E),
                       p + "ln_f.weight": (E,), p + "ln_f.bias": (E,)})
        for i in range(L):
            h = f"{p}h.{i}."
            shapes.update({h + "ln_1.weight": (E,), h + "ln_1.bias": (E,), h + "ln_2.weight": (E,), h + "ln_2.bias": (E,),
                           h + "attn.c_attn.weight": (E, 3 * E), h + "attn.c_attn.bias": (3 * E,),
                           h + "attn.c_proj.weight": (E, E), h + "attn.c_proj.bias": (E,),
                           h + "mlp.c_fc.weight": (E, I), h + "mlp.c_fc.bias": (I,),
                           h + "mlp.c_proj.weight": (I, E), h + "mlp.c_proj.bias": (E,)})
    elif mt == "gpt_neox":
        p, I = "gpt_neox.", s["intermediate"]
        shapes.update({p + "embed_in.weight": (V, E), p + "final_layer_norm.weight": (E,), p + "final_layer_norm.bias": (E,)})
        for i in range(L):
            h = f"{p}layers.{i}."
            shapes.update({h + "input_layernorm.weight": (E,), h + "input_layernorm.bias": (E,),
                           h + "post_attention_layernorm.weight": (E,), h + "post_attention_layernorm.bias": (E,),
                           h + "attention.query_key_value.weight": (3 * E, E), h + "attention.dense.weight": (E, E),
                           h + "mlp.dense_h_to_4h.weight": (I, E), h + "mlp.dense_h_to_4h.bias": (I,),
                           h + "mlp.dense_4h_to_h.weight": (E, I), h + "mlp.dense_4h_to_h.bias": (E,)})
            if s["attn_bias"]:
                shapes.update({h + "attention.query_key_value.bias": (3 * E,), h + "attention.dense.bias": (E,)})
    else:
        p, I, D = "model.", s["intermediate"], s["head_dim"]
        Q, K = s["heads"] * D, s["kv_heads"] * D
        shapes.update({p + "embed_tokens.weight": (V, E), p + "norm.weight": (E,)})
        for i in range(L):
            h = f"{p}layers.{i}."
            shapes.update({h + "input_layernorm.weight": (E,), h + "post_attention_layernorm.weight": (E,),
                           h + "self_attn.q_proj.weight": (Q, E), h + "self_attn.k_proj.weight": (K, E),
                           h + "self_attn.v_proj.weight": (K, E), h + "self_attn.o_proj.weight": (E, Q),
                           h + "mlp.gate_proj.weight": (I, E), h + "mlp.up_proj.weight": (I, E),
                           h + "mlp.down_proj.weight": (E, I)})
            if s["qkv_bias"]:
                shapes.update({h + "self_attn.q_proj.bias": (Q,), h + "self_attn.k_proj.bias": (K,), h + "self_attn.v_proj.bias": (K,)})
            if s["o_bias"]:
                shapes[h + "self_attn.o_proj.bias"] = (E,)
            if s["mlp_bias"]:
                shapes.update({h + "mlp.gate_proj.bias": (I,), h + "mlp.up_proj.bias": (I,), h + "mlp.down_proj.bias": (E,)})
            if s["qk_norm"]:
                shapes.update({h + "self_attn.q_norm.weight": (D,), h + "self_attn.k_norm.weight": (D,)})
    return shapes


def bind_weights(s, entries, warn=print):
    """Decodes the tensors the spec needs into {full HF name: float32 tensor} plus "lm_head".

    Checkpoints saved from the bare base model (and old GPT-2 files) lack the base prefix
    ("transformer.", "model.", "gpt_neox."); transformers adds it at load, so this does too.
    """
    mt = s["model_type"]
    prefix = _BASE_PREFIX[mt]
    names = {}
    for name in entries:
        full = name
        if not name.startswith(prefix) and name != _HEAD_NAME[mt]:
            full = prefix + name
        if full in names:
            raise ConfigError(f"tensor {name} appears both with and without the {prefix!r} prefix")
        names[full] = name
    shapes = expected_shapes(s)
    W = {}
    for full, shape in shapes.items():
        if full not in names:
            raise ConfigError(f"{mt}: checkpoint lacks tensor {full}")
        e = entries[names.pop(full)]
        if e.shape != shape:
            raise ConfigError(f"{mt}: tensor {full} has shape {list(e.shape)}, config says {list(shape)}")
        W[full] = e.to_float32()
    head = _HEAD_NAME[mt]
    embed = W[prefix + _EMBED_NAME[mt]]
    if s["tie"]:
        # Tied: transformers points the head at the input embedding; a stored head copy is dropped.
        if head in names:
            stored = entries[names.pop(head)]
            if stored.shape != tuple(embed.shape) or not torch.equal(stored.to_float32(), embed):
                warn(f"warning: {head} in the checkpoint differs from the tied embedding; the embedding is used", file=sys.stderr)
        W["lm_head"] = embed
    else:
        if head not in names:
            raise ConfigError(f"{mt}: tie_word_embeddings is false but the checkpoint lacks {head}")
        e = entries[names.pop(head)]
        if e.shape != (s["vocab"], s["hidden"]):
            raise ConfigError(f"{mt}: {head} has shape {list(e.shape)}, expected {[s['vocab'], s['hidden']]}")
        W["lm_head"] = e.to_float32()
    unused = sorted(n for full, n in names.items() if not _IGNORED[mt].match(n) and not _IGNORED[mt].match(full))
    if unused:
        raise ConfigError(f"{mt}: checkpoint tensors nothing reads (a config field not implemented?): {unused[:8]}")
    return W


# ---------------------------------------------------------------------------------------------
# The reference forward pass: float32, shaped like transformers' own code
# ---------------------------------------------------------------------------------------------

def activation(name, x):
    """transformers.activations.ACT2FN, float32."""
    if name == "gelu":
        return F.gelu(x)  # GELUActivation: the exact erf GELU
    if name == "gelu_new":
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "gelu_pytorch_tanh":
        return F.gelu(x, approximate="tanh")
    if name == "gelu_fast":
        return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))
    if name == "quick_gelu":
        return x * torch.sigmoid(1.702 * x)
    if name == "relu":
        return F.relu(x)
    if name in ("silu", "swish"):
        return F.silu(x)
    raise ConfigError(f"activation {name!r} is not implemented")


def rms_norm(x, weight, eps):
    # LlamaRMSNorm / Qwen2RMSNorm / Qwen3RMSNorm: no mean subtraction, no bias, weight applied last.
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotary_cos_sin(positions, rotary_dim, theta):
    """[len, rotary_dim] cos and sin, computed as the default RoPE init + rotary forward do (float32)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, rotary_dim, 2, dtype=torch.int64).float() / rotary_dim))
    freqs = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary(x, cos, sin):
    """x: [heads, len, head_dim]; rotates the first cos.shape[-1] dims (all of them except in gpt_neox)."""
    r = cos.shape[-1]
    x_rot, x_pass = x[..., :r], x[..., r:]
    return torch.cat(((x_rot * cos) + (rotate_half(x_rot) * sin), x_pass), dim=-1)


def causal_softmax(scores, window=None):
    """scores: [heads, len, len]. The causal mask is additive with float32's min, as transformers
    builds it; exp of that underflows to exactly 0, the same as -inf but without the NaN risk."""
    n = scores.shape[-1]
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    blocked = j > i
    if window is not None:
        blocked = blocked | (j <= i - window)
    mask = torch.zeros(n, n).masked_fill(blocked, torch.finfo(torch.float32).min)
    return F.softmax(scores + mask, dim=-1, dtype=torch.float32)


def forward(s, W, ids):
    """Logits [len(ids), vocab] float32 for one unpadded sequence at positions 0..len-1."""
    mt = s["model_type"]
    ids_t = torch.tensor(ids, dtype=torch.long)
    n = len(ids)
    if mt == "gpt2":
        return _forward_gpt2(s, W, ids_t)
    pos = torch.arange(n)
    cos, sin = rotary_cos_sin(pos, s["rotary_dim"], s["rope_theta"])
    if mt == "gpt_neox":
        return _forward_gpt_neox(s, W, ids_t, cos, sin)
    for i, w in enumerate(s["windows"]):
        if w is not None and n > w:
            raise ConfigError(f"{mt}: layer {i} has sliding window {w} < sequence length {n}: not implemented")
    E, H, KV, D = s["hidden"], s["heads"], s["kv_heads"], s["head_dim"]
    h = W["model.embed_tokens.weight"][ids_t]
    for i in range(s["layers"]):
        p = f"model.layers.{i}."
        g = lambda k: W.get(p + k)  # noqa: E731 - bias lookups return None when the spec has none
        x = rms_norm(h, W[p + "input_layernorm.weight"], s["eps"])
        q = F.linear(x, g("self_attn.q_proj.weight"), g("self_attn.q_proj.bias")).view(n, H, D)
        k = F.linear(x, g("self_attn.k_proj.weight"), g("self_attn.k_proj.bias")).view(n, KV, D)
        v = F.linear(x, g("self_attn.v_proj.weight"), g("self_attn.v_proj.bias")).view(n, KV, D)
        if s["qk_norm"]:
            # Qwen3: per-head RMSNorm over head_dim, before RoPE.
            q = rms_norm(q, W[p + "self_attn.q_norm.weight"], s["eps"])
            k = rms_norm(k, W[p + "self_attn.k_norm.weight"], s["eps"])
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        rep = H // KV  # repeat_kv: kv head j serves query heads j*rep .. j*rep+rep-1
        k = k[:, None].expand(KV, rep, n, D).reshape(H, n, D)
        v = v[:, None].expand(KV, rep, n, D).reshape(H, n, D)
        probs = causal_softmax(torch.matmul(q, k.transpose(1, 2)) * (D ** -0.5), s["windows"][i])
        o = torch.matmul(probs, v).transpose(0, 1).reshape(n, H * D)
        h = h + F.linear(o, g("self_attn.o_proj.weight"), g("self_attn.o_proj.bias"))
        x = rms_norm(h, W[p + "post_attention_layernorm.weight"], s["eps"])
        gate = F.linear(x, g("mlp.gate_proj.weight"), g("mlp.gate_proj.bias"))
        up = F.linear(x, g("mlp.up_proj.weight"), g("mlp.up_proj.bias"))
        h = h + F.linear(activation(s["act"], gate) * up, g("mlp.down_proj.weight"), g("mlp.down_proj.bias"))
    h = rms_norm(h, W["model.norm.weight"], s["eps"])
    return F.linear(h, W["lm_head"])


def _conv1d(x, w, b):
    # transformers.pytorch_utils.Conv1D: weight is [in, out], y = b + x @ w.
    return torch.addmm(b, x, w)


def _forward_gpt2(s, W, ids_t):
    n, E, H, D = len(ids_t), s["hidden"], s["heads"], s["head_dim"]
    if n > s["max_positions"]:
        raise ConfigError(f"gpt2: sequence length {n} exceeds n_positions {s['max_positions']}")
    t = "transformer."
    h = W[t + "wte.weight"][ids_t] + W[t + "wpe.weight"][torch.arange(n)]
    for i in range(s["layers"]):
        p = f"{t}h.{i}."
        x = F.layer_norm(h, (E,), W[p + "ln_1.weight"], W[p + "ln_1.bias"], s["eps"])
        qkv = _conv1d(x, W[p + "attn.c_attn.weight"], W[p + "attn.c_attn.bias"])
        q, k, v = (z.view(n, H, D).transpose(0, 1) for z in qkv.split(E, dim=1))
        scores = torch.matmul(q, k.transpose(1, 2))
        if s["scale_attn"]:
            scores = scores / torch.full([], D ** 0.5, dtype=scores.dtype)
        if s["inverse_layer_scale"]:
            scores = scores / float(i + 1)
        o = torch.matmul(causal_softmax(scores), v).transpose(0, 1).reshape(n, E)
        h = h + _conv1d(o, W[p + "attn.c_proj.weight"], W[p + "attn.c_proj.bias"])
        x = F.layer_norm(h, (E,), W[p + "ln_2.weight"], W[p + "ln_2.bias"], s["eps"])
        x = activation(s["act"], _conv1d(x, W[p + "mlp.c_fc.weight"], W[p + "mlp.c_fc.bias"]))
        h = h + _conv1d(x, W[p + "mlp.c_proj.weight"], W[p + "mlp.c_proj.bias"])
    h = F.layer_norm(h, (E,), W[t + "ln_f.weight"], W[t + "ln_f.bias"], s["eps"])
    return F.linear(h, W["lm_head"])


def _forward_gpt_neox(s, W, ids_t, cos, sin):
    n, E, H, D = len(ids_t), s["hidden"], s["heads"], s["head_dim"]
    h = W["gpt_neox.embed_in.weight"][ids_t]
    for i in range(s["layers"]):
        p = f"gpt_neox.layers.{i}."
        x = F.layer_norm(h, (E,), W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], s["eps"])
        # The fused projection is laid out per head: [heads, 3 * head_size], then q | k | v inside.
        qkv = F.linear(x, W[p + "attention.query_key_value.weight"], W.get(p + "attention.query_key_value.bias")).view(n, H, 3 * D)
        q, k, v = (qkv[..., j * D : (j + 1) * D].transpose(0, 1) for j in range(3))
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        scores = torch.baddbmm(torch.zeros(H, n, n), q, k.transpose(1, 2), beta=1.0, alpha=D ** -0.5)
        o = torch.matmul(causal_softmax(scores), v).transpose(0, 1).reshape(n, E)
        attn = F.linear(o, W[p + "attention.dense.weight"], W.get(p + "attention.dense.bias"))

        def mlp(z):
            z = F.layer_norm(z, (E,), W[p + "post_attention_layernorm.weight"], W[p + "post_attention_layernorm.bias"], s["eps"])
            z = activation(s["act"], F.linear(z, W[p + "mlp.dense_h_to_4h.weight"], W[p + "mlp.dense_h_to_4h.bias"]))
            return F.linear(z, W[p + "mlp.dense_4h_to_h.weight"], W[p + "mlp.dense_4h_to_h.bias"])

        if s["parallel_residual"]:
            h = mlp(h) + attn + h  # x + attn(ln1(x)) + mlp(ln2(x))
        else:
            attn = attn + h
            h = mlp(attn) + attn
    h = F.layer_norm(h, (E,), W["gpt_neox.final_layer_norm.weight"], W["gpt_neox.final_layer_norm.bias"], s["eps"])
    return F.linear(h, W["lm_head"])


# ---------------------------------------------------------------------------------------------
# Greedy decoding, as GenerationMixin.generate(do_sample=False) does it for one sequence
# ---------------------------------------------------------------------------------------------

# generation_config.json fields whose logits processors act even in greedy mode. Only
# repetition_penalty is implemented; the others are refused rather than silently skipped.
_GENERATION_REFUSED = {
    "no_repeat_ngram_size": 0, "encoder_no_repeat_ngram_size": 0, "bad_words_ids": None, "suppress_tokens": None,
    "begin_suppress_tokens": None, "forced_bos_token_id": None, "forced_eos_token_id": None, "forced_decoder_ids": None,
    "sequence_bias": None, "min_new_tokens": None, "exponential_decay_length_penalty": None, "num_beams": 1,
    "penalty_alpha": None, "guidance_scale": None, "dola_layers": None, "stop_strings": None, "watermarking_config": None,
    "encoder_repetition_penalty": 1.0, "assistant_model": None, "prompt_lookup_num_tokens": None,
}


def generation_settings(model_dir, cfg, spec, prompt_len):
    """(eos ids, repetition_penalty). generation_config.json, when present, replaces what the model
    config implies entirely (from_pretrained loads it in place of GenerationConfig.from_model_config),
    so an eos id missing there means no eos at all, even if config.json has one."""
    path = os.path.join(model_dir, "generation_config.json")
    if os.path.exists(path):
        with open(path) as f:
            gen = json.load(f)
        eos = gen.get("eos_token_id")
        for key, neutral in _GENERATION_REFUSED.items():
            if gen.get(key, neutral) not in (neutral, [], {}):
                raise ConfigError(f"generation_config.json: {key}={gen[key]!r} is not implemented")
        if (gen.get("min_length") or 0) > prompt_len:
            raise ConfigError(f"generation_config.json: min_length={gen['min_length']} is not implemented")
        penalty = float(gen.get("repetition_penalty") or 1.0)
    else:
        eos = cfg["eos_token_id"] if "eos_token_id" in cfg else _DEFAULTS[spec["model_type"]]["eos_token_id"]
        penalty = 1.0
    if eos is None:
        eos = []
    elif isinstance(eos, int) and not isinstance(eos, bool):
        eos = [eos]
    elif not (isinstance(eos, list) and all(isinstance(e, int) and not isinstance(e, bool) for e in eos)):
        raise ConfigError(f"eos_token_id={eos!r} is neither an int nor a list of ints")
    return eos, penalty


def repetition_penalty(logits, seq, penalty):
    """RepetitionPenaltyLogitsProcessor: every id already in the sequence (prompt included)."""
    if penalty == 1.0:
        return logits
    idx = torch.tensor(seq, dtype=torch.long)
    score = torch.gather(logits, 0, idx)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return logits.scatter(0, idx, score)


def greedy(forward_fn, prompt, max_new_tokens, eos_ids, penalty=1.0):
    seq, out = list(prompt), []
    for _ in range(max_new_tokens):
        last = forward_fn(seq)[-1].to(torch.float32)
        nxt = int(torch.argmax(repetition_penalty(last, seq, penalty)))  # first maximum on ties, like torch.argmax in HF
        seq.append(nxt)
        out.append(nxt)
        if nxt in eos_ids:
            break
    return out


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    spec = parse_config(cfg)
    W = bind_weights(spec, read_checkpoint(model_dir))
    return cfg, spec, W


def round7(x):
    if not math.isfinite(x):
        raise ValueError(f"non-finite logit {x}")
    return float(f"{x:.7g}")


def run(model_dir, prompt_ids, max_new_tokens):
    cfg, spec, W = load_model(model_dir)
    if not prompt_ids:
        raise ConfigError("--prompt-ids is empty")
    bad = [t for t in prompt_ids if not 0 <= t < spec["vocab"]]
    if bad:
        raise ConfigError(f"prompt ids {bad} are outside the vocabulary (size {spec['vocab']})")
    eos, penalty = generation_settings(model_dir, cfg, spec, len(prompt_ids))
    logits = forward(spec, W, prompt_ids)
    generated = greedy(lambda seq: forward(spec, W, seq), prompt_ids, max_new_tokens, eos, penalty)
    return {
        "modelType": spec["model_type"],
        "promptIds": list(prompt_ids),
        "logits": [[round7(v) for v in row] for row in logits.tolist()],
        "generatedIds": generated,
    }


# ---------------------------------------------------------------------------------------------
# Second path, self-test only: float64, explicit loops, its own indexing into the raw tensors
# ---------------------------------------------------------------------------------------------

def _naive_act(name, x):
    if name == "gelu":
        return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x * x * x)))
    if name == "gelu_fast":
        return 0.5 * x * (1.0 + torch.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))
    if name == "quick_gelu":
        return x / (1.0 + torch.exp(-1.702 * x))
    if name == "relu":
        return torch.clamp(x, min=0.0)
    if name in ("silu", "swish"):
        return x / (1.0 + torch.exp(-x))
    raise ValueError(name)


def _naive_layer_norm(x, w, b, eps):
    mean = x.sum(-1, keepdim=True) / x.shape[-1]
    var = ((x - mean) ** 2).sum(-1, keepdim=True) / x.shape[-1]
    return (x - mean) / torch.sqrt(var + eps) * w + b


def _naive_rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) / x.shape[-1] + eps) * w


def rotary_complex(vec, pos, rotary_dim, theta):
    """Rotary as a complex rotation: pair (i, i + rotary_dim/2) is the complex number x_i + j*x_{i+d/2},
    turned by pos * theta^(-2i/d). `vec` is a list of floats; returns a new list."""
    half = rotary_dim // 2
    out = list(vec)
    for i in range(half):
        z = complex(vec[i], vec[i + half]) * cmath.exp(1j * pos * theta ** (-2.0 * i / rotary_dim))
        out[i], out[i + half] = z.real, z.imag
    return out


def _naive_attention(qs, ks, vs, scale, window=None):
    """qs: [n][heads] of float lists, ks/vs: [n][kv_heads]; returns [n][heads] float lists."""
    n, H, KV = len(qs), len(qs[0]), len(ks[0])
    out = []
    for t in range(n):
        row = []
        for hh in range(H):
            kvh = hh // (H // KV)
            keys = [s_ for s_ in range(t + 1) if window is None or t - s_ < window]
            scores = [scale * sum(a * b for a, b in zip(qs[t][hh], ks[s_][kvh])) for s_ in keys]
            m = max(scores)
            e = [math.exp(x - m) for x in scores]
            z = sum(e)
            acc = [0.0] * len(vs[0][0])
            for wgt, s_ in zip(e, keys):
                for d, val in enumerate(vs[s_][kvh]):
                    acc[d] += wgt / z * val
            row.append(acc)
        out.append(row)
    return out


def forward_naive(s, W, ids):
    """Float64 logits from the same tensors, computed another way (loops, explicit slicing)."""
    W = {k: v.double() for k, v in W.items()}
    mt, n, E, H, D = s["model_type"], len(ids), s["hidden"], s["heads"], s["head_dim"]
    KV = s["kv_heads"]
    lin = lambda x, w, b=None: torch.einsum("li,oi->lo", x, w) + (b if b is not None else 0.0)  # noqa: E731
    if mt == "gpt2":
        t = "transformer."
        h = torch.stack([W[t + "wte.weight"][tok] + W[t + "wpe.weight"][pos] for pos, tok in enumerate(ids)])
        for i in range(s["layers"]):
            p = f"{t}h.{i}."
            x = _naive_layer_norm(h, W[p + "ln_1.weight"], W[p + "ln_1.bias"], s["eps"])
            qkv = torch.einsum("li,io->lo", x, W[p + "attn.c_attn.weight"]) + W[p + "attn.c_attn.bias"]
            # columns: [0, E) queries, [E, 2E) keys, [2E, 3E) values; head hh owns hh*D .. hh*D+D in each
            split = lambda base: [[qkv[r, base + hh * D : base + hh * D + D].tolist() for hh in range(H)] for r in range(n)]  # noqa: E731
            scale = (1.0 / math.sqrt(D) if s["scale_attn"] else 1.0) / ((i + 1) if s["inverse_layer_scale"] else 1)
            att = _naive_attention(split(0), split(E), split(2 * E), scale)
            o = torch.tensor([sum(r, []) for r in att], dtype=torch.float64)
            h = h + torch.einsum("li,io->lo", o, W[p + "attn.c_proj.weight"]) + W[p + "attn.c_proj.bias"]
            x = _naive_layer_norm(h, W[p + "ln_2.weight"], W[p + "ln_2.bias"], s["eps"])
            x = _naive_act(s["act"], torch.einsum("li,io->lo", x, W[p + "mlp.c_fc.weight"]) + W[p + "mlp.c_fc.bias"])
            h = h + torch.einsum("li,io->lo", x, W[p + "mlp.c_proj.weight"]) + W[p + "mlp.c_proj.bias"]
        h = _naive_layer_norm(h, W[t + "ln_f.weight"], W[t + "ln_f.bias"], s["eps"])
        return lin(h, W["lm_head"])
    rd, theta = s["rotary_dim"], s["rope_theta"]
    if mt == "gpt_neox":
        h = torch.stack([W["gpt_neox.embed_in.weight"][tok] for tok in ids])
        for i in range(s["layers"]):
            p = f"gpt_neox.layers.{i}."
            x = _naive_layer_norm(h, W[p + "input_layernorm.weight"], W[p + "input_layernorm.bias"], s["eps"])
            Wqkv, bqkv = W[p + "attention.query_key_value.weight"], W.get(p + "attention.query_key_value.bias")

            # rows of the fused weight: head hh owns 3D rows starting at hh*3D, q then k then v.
            def part(j):
                rows = [list(range(hh * 3 * D + j * D, hh * 3 * D + j * D + D)) for hh in range(H)]
                res = []
                for r in range(n):
                    per_head = []
                    for hh in range(H):
                        vals = torch.mv(Wqkv[rows[hh]], x[r]) + (bqkv[rows[hh]] if bqkv is not None else 0.0)
                        per_head.append(vals.tolist() if j == 2 else rotary_complex(vals.tolist(), r, rd, theta))
                    res.append(per_head)
                return res

            att = _naive_attention(part(0), part(1), part(2), 1.0 / math.sqrt(D))
            o = torch.tensor([sum(r, []) for r in att], dtype=torch.float64)
            attn = lin(o, W[p + "attention.dense.weight"], W.get(p + "attention.dense.bias"))

            def mlp(z):
                z = _naive_layer_norm(z, W[p + "post_attention_layernorm.weight"], W[p + "post_attention_layernorm.bias"], s["eps"])
                z = _naive_act(s["act"], lin(z, W[p + "mlp.dense_h_to_4h.weight"], W[p + "mlp.dense_h_to_4h.bias"]))
                return lin(z, W[p + "mlp.dense_4h_to_h.weight"], W[p + "mlp.dense_4h_to_h.bias"])

            h = h + attn + mlp(h) if s["parallel_residual"] else (h + attn) + mlp(h + attn)
        h = _naive_layer_norm(h, W["gpt_neox.final_layer_norm.weight"], W["gpt_neox.final_layer_norm.bias"], s["eps"])
        return lin(h, W["lm_head"])
    h = torch.stack([W["model.embed_tokens.weight"][tok] for tok in ids])
    for i in range(s["layers"]):
        p = f"model.layers.{i}."
        g = lambda k: W.get(p + k)  # noqa: E731
        x = _naive_rms_norm(h, W[p + "input_layernorm.weight"], s["eps"])

        def heads(name, count, norm=None, rotate=True):
            y = lin(x, g(f"self_attn.{name}.weight"), g(f"self_attn.{name}.bias"))
            res = []
            for r in range(n):
                per_head = []
                for hh in range(count):
                    vec = y[r, hh * D : hh * D + D]
                    if norm is not None:
                        vec = _naive_rms_norm(vec, W[p + f"self_attn.{norm}.weight"], s["eps"])
                    per_head.append(rotary_complex(vec.tolist(), r, rd, theta) if rotate else vec.tolist())
                res.append(per_head)
            return res

        qn, kn = ("q_norm", "k_norm") if s["qk_norm"] else (None, None)
        att = _naive_attention(heads("q_proj", H, qn), heads("k_proj", KV, kn), heads("v_proj", KV, rotate=False),
                               1.0 / math.sqrt(D), s["windows"][i])
        o = torch.tensor([sum(r, []) for r in att], dtype=torch.float64)
        h = h + lin(o, g("self_attn.o_proj.weight"), g("self_attn.o_proj.bias"))
        x = _naive_rms_norm(h, W[p + "post_attention_layernorm.weight"], s["eps"])
        gate = _naive_act(s["act"], lin(x, g("mlp.gate_proj.weight"), g("mlp.gate_proj.bias")))
        gated = gate * lin(x, g("mlp.up_proj.weight"), g("mlp.up_proj.bias"))
        h = h + lin(gated, g("mlp.down_proj.weight"), g("mlp.down_proj.bias"))
    h = _naive_rms_norm(h, W["model.norm.weight"], s["eps"])
    return lin(h, W["lm_head"])


def _naive_greedy(s, W, prompt, max_new, eos_ids, penalty):
    seq, out = list(prompt), []
    for _ in range(max_new):
        last = forward_naive(s, W, seq)[-1].tolist()
        for tok in set(seq):
            last[tok] = last[tok] * penalty if last[tok] < 0 else last[tok] / penalty
        nxt = max(range(len(last)), key=lambda j: (last[j], -j))
        seq.append(nxt)
        out.append(nxt)
        if nxt in eos_ids:
            break
    return out


# ---------------------------------------------------------------------------------------------
# Self-test
# ---------------------------------------------------------------------------------------------

def _random_weights(s, gen, scale=0.2):
    """Random tensors for every name the spec expects; norms near 1 so activations stay O(1)."""
    W = {}
    for name, shape in expected_shapes(s).items():
        t = torch.randn(*shape, generator=gen) * scale
        if re.search(r"(ln_\d|ln_f|layernorm|layer_norm|norm)\.weight$", name):
            t = 1.0 + t
        W[name] = t
    if not s["tie"]:
        W[_HEAD_NAME[s["model_type"]]] = torch.randn(s["vocab"], s["hidden"], generator=gen) * scale
    return W


def _self_test_cases():
    V = 64
    return [
        ("gpt2 (no 'transformer.' prefix, old attn buffers, F32)", {
            "model_type": "gpt2", "vocab_size": V, "n_embd": 32, "n_layer": 2, "n_head": 4, "n_positions": 32,
            "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "eos_token_id": 63}, "F32", "plain"),
        ("gpt2 (scale_attn_by_inverse_layer_idx, relu, untied lm_head)", {
            "model_type": "gpt2", "vocab_size": V, "n_embd": 32, "n_layer": 2, "n_head": 4, "n_positions": 32,
            "n_inner": 48, "activation_function": "relu", "scale_attn_by_inverse_layer_idx": True,
            "tie_word_embeddings": False}, "F32", "prefixed"),
        ("llama (GQA 4q/2kv, sharded with index.json)", {
            "model_type": "llama", "vocab_size": V, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
            "tie_word_embeddings": False, "eos_token_id": [61, 62]}, "F32", "sharded"),
        ("llama (attention_bias, mlp_bias, tied, head_dim 16 != hidden/heads)", {
            "model_type": "llama", "vocab_size": V, "hidden_size": 32, "intermediate_size": 40, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "attention_bias": True, "mlp_bias": True,
            "tie_word_embeddings": True, "rope_theta": 500.0}, "F32", "plain"),
        ("qwen2 (q/k/v bias, GQA, tied, v5 rope_parameters, F16)", {
            "model_type": "qwen2", "vocab_size": V, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-6,
            "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}, "use_sliding_window": False,
            "sliding_window": 4, "tie_word_embeddings": True}, "F16", "plain"),
        ("qwen3 (q_norm/k_norm, head_dim 16, GQA, BF16)", {
            "model_type": "qwen3", "vocab_size": V, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-6,
            "rope_theta": 1000000.0, "rope_scaling": None, "tie_word_embeddings": False}, "BF16", "plain"),
        ("gpt_neox (parallel residual, rotary_pct 0.5, old buffers)", {
            "model_type": "gpt_neox", "vocab_size": V, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "rotary_pct": 0.5, "rotary_emb_base": 10000, "layer_norm_eps": 1e-5,
            "use_parallel_residual": True, "hidden_act": "gelu", "eos_token_id": 0}, "F32", "prefixed"),
        ("gpt_neox (sequential residual, partial_rotary_factor 0.25, no attention bias, tied)", {
            "model_type": "gpt_neox", "vocab_size": V, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 2, "partial_rotary_factor": 0.25, "rope_theta": 10000.0, "use_parallel_residual": False,
            "attention_bias": False, "hidden_act": "gelu_fast", "tie_word_embeddings": True}, "F32", "sharded"),
    ]


def _write_model(dirname, cfg, W, dtype, layout, extra_raw=()):
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "config.json"), "w") as f:
        json.dump(cfg, f)
    mt = cfg["model_type"]
    if layout == "plain":  # strip the base prefix, as old / base-model checkpoints do
        W = {k[len(_BASE_PREFIX[mt]):] if k.startswith(_BASE_PREFIX[mt]) else k: v for k, v in W.items()}
    if layout == "sharded":
        names = sorted(W)
        halves = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
        weight_map = {}
        for shard, part in halves.items():
            write_safetensors(os.path.join(dirname, shard), {k: W[k] for k in part}, dtype)
            weight_map.update({k: shard for k in part})
        with open(os.path.join(dirname, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)
    else:
        write_safetensors(os.path.join(dirname, "model.safetensors"), W, dtype)
    if extra_raw:
        # Old checkpoints carry buffers (a bool mask, scalars) beside the weights. write_safetensors
        # only writes float tensors, so the file is rewritten with the buffers appended raw.
        path = os.path.join(dirname, "model.safetensors")
        entries, _ = read_safetensors_header(path)
        items = []
        for name, e in entries.items():
            t = e.to_float32()
            raw = {"F32": lambda x: x.numpy().astype("<f4").tobytes(),
                   "F16": lambda x: x.numpy().astype("<f2").tobytes(),
                   "BF16": lambda x: x.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()}[e.dtype](t)
            items.append((name, e.dtype, list(e.shape), raw))
        write_raw_safetensors(path, items + list(extra_raw))


def _old_buffers(cfg, layout):
    mt, L = cfg["model_type"], cfg.get("n_layer", cfg.get("num_hidden_layers"))
    pre = "" if layout == "plain" else _BASE_PREFIX[mt]
    items = []
    for i in range(L):
        if mt == "gpt2":
            items.append((f"{pre}h.{i}.attn.bias", "F32", [1, 1, 4, 4], torch.tril(torch.ones(1, 1, 4, 4)).numpy().astype("<f4").tobytes()))
            items.append((f"{pre}h.{i}.attn.masked_bias", "F32", [], np.array(-1e4, dtype="<f4").tobytes()))
        elif mt == "gpt_neox":
            tril = np.tril(np.ones((1, 1, 4, 4), dtype=np.uint8)).tobytes()
            items.append((f"{pre}layers.{i}.attention.bias", "BOOL", [1, 1, 4, 4], tril))
            items.append((f"{pre}layers.{i}.attention.masked_bias", "F32", [], np.array(-1e9, dtype="<f4").tobytes()))
            items.append((f"{pre}layers.{i}.attention.rotary_emb.inv_freq", "F32", [2], np.array([1.0, 0.01], dtype="<f4").tobytes()))
    return items


def _expect_error(fn, needle):
    try:
        fn()
    except ConfigError as e:
        if needle not in str(e):
            raise AssertionError(f"error {e!r} does not mention {needle!r}")
        return
    raise AssertionError(f"expected an error mentioning {needle!r}")


def self_test():
    t0 = time.time()
    gen = torch.Generator().manual_seed(1234)
    passed = failed = 0

    def check(label, ok, detail=""):
        nonlocal passed, failed
        passed, failed = passed + bool(ok), failed + (not ok)
        print(f"{'ok  ' if ok else 'FAIL'} {label}{(': ' + detail) if detail else ''}")

    # 1. Rotary: cos/sin + rotate_half (transformers' form, float32) against a complex rotation.
    for rd, hd, theta in ((16, 16, 10000.0), (4, 8, 10000.0), (8, 16, 1e6)):
        x = torch.randn(3, 40, hd, generator=gen)
        cos, sin = rotary_cos_sin(torch.arange(40), rd, theta)
        got = apply_rotary(x, cos, sin)
        want = torch.tensor([[rotary_complex(x[a, pos].double().tolist(), pos, rd, theta) for pos in range(40)] for a in range(3)])
        err = (got.double() - want).abs().max().item()
        check(f"rotary rotate_half == complex rotation (rotary_dim {rd} of head {hd}, theta {theta:g}, positions 0..39)",
              err < 1e-5, f"max abs diff {err:.2e}")

    with tempfile.TemporaryDirectory() as tmp:
        # 2. safetensors round trip, including BF16/F16 against torch's own conversions.
        ref = {"a": torch.randn(3, 5, generator=gen), "b": torch.randn(7, generator=gen) * 100, "c": torch.zeros(0, 4)}
        for dtype, conv in (("F32", lambda t: t), ("F16", lambda t: t.half().float()), ("BF16", lambda t: t.bfloat16().float())):
            path = os.path.join(tmp, f"rt_{dtype}.safetensors")
            write_safetensors(path, ref, dtype, {"note": "x"})
            entries, meta = read_safetensors_header(path)
            ok = meta == {"note": "x"} and all(
                torch.equal(entries[k].to_float32(), conv(v)) and entries[k].dtype == dtype for k, v in ref.items())
            check(f"safetensors write/read round trip, {dtype} bit-exact", ok)

        # 3. Each family: reference path (float32) vs the naive float64 path, logits and greedy ids.
        for idx, (label, cfg, dtype, layout) in enumerate(_self_test_cases()):
            d = os.path.join(tmp, f"m{idx}")
            spec = parse_config(cfg)
            W0 = _random_weights(spec, gen)
            extra = _old_buffers(cfg, layout) if layout != "sharded" else ()
            _write_model(d, cfg, W0, dtype, layout, extra)
            cfg2, spec2, W = load_model(d)
            # the tensors read back are what was written, after the storage dtype's rounding
            conv = {"F32": lambda t: t, "F16": lambda t: t.half().float(), "BF16": lambda t: t.bfloat16().float()}[dtype]
            head = _HEAD_NAME[spec["model_type"]]
            same = all(torch.equal(W[k if k != head else "lm_head"], conv(v)) for k, v in W0.items())
            prompt = [int(v) for v in torch.randint(0, spec["vocab"], (7,), generator=gen)]
            got = forward(spec2, W, prompt)
            want = forward_naive(spec2, W, prompt)
            err = ((got.double() - want).abs() / want.abs().clamp(min=1.0)).max().item()
            check(f"{label}: weights read back exactly", same)
            check(f"{label}: logits float32 reference == float64 loops", err < 1e-5,
                  f"max diff {err:.2e}, |logit| up to {want.abs().max().item():.2f}")
            eos, pen = generation_settings(d, cfg2, spec2, len(prompt))
            g1 = greedy(lambda seq: forward(spec2, W, seq), prompt, 6, eos, pen)
            g2 = _naive_greedy(spec2, W, prompt, 6, eos, pen)
            check(f"{label}: greedy ids agree", g1 == g2, f"{g1}")

            if idx == 2:
                # eos handling: make the 3rd greedy token an eos through generation_config.json, which
                # must win over config.json's eos list; decoding must stop right after emitting it.
                free = greedy(lambda seq: forward(spec2, W, seq), prompt, 5, [], 1.0)
                with open(os.path.join(d, "generation_config.json"), "w") as f:
                    json.dump({"eos_token_id": free[2], "do_sample": True, "temperature": 0.7}, f)
                eos, pen = generation_settings(d, cfg2, spec2, len(prompt))
                stopped = run(d, prompt, 5)["generatedIds"]
                want_ids = free[: free.index(free[2]) + 1]
                check("generation_config.json eos overrides config.json; stop includes the eos id",
                      stopped == want_ids and eos == [free[2]],
                      f"{stopped} (free run {free})")
                with open(os.path.join(d, "generation_config.json"), "w") as f:
                    json.dump({"repetition_penalty": 1.7}, f)
                eos, pen = generation_settings(d, cfg2, spec2, len(prompt))
                g1 = greedy(lambda seq: forward(spec2, W, seq), prompt, 6, eos, pen)
                g2 = _naive_greedy(spec2, W, prompt, 6, eos, pen)
                check("repetition_penalty from generation_config.json, both paths; no eos there means none",
                      g1 == g2 and eos == [] and len(g1) == 6, f"{g1}")
                with open(os.path.join(d, "generation_config.json"), "w") as f:
                    json.dump({"no_repeat_ngram_size": 3}, f)
                _expect_error(lambda: run(d, prompt, 2), "no_repeat_ngram_size")
                check("generation_config.json no_repeat_ngram_size refused", True)
                os.remove(os.path.join(d, "generation_config.json"))

        # 4. CLI output shape on one model (the gpt2 one), through a subprocess like a caller would.
        out = os.path.join(tmp, "out.json")
        import subprocess
        rc = subprocess.run([sys.executable, os.path.abspath(__file__), "--model-dir", os.path.join(tmp, "m0"),
                             "--prompt-ids", "1,2,3", "--max-new-tokens", "3", "--out", out]).returncode
        with open(out) as f:
            res = json.load(f)
        ok = (rc == 0 and set(res) == {"modelType", "promptIds", "logits", "generatedIds"} and res["modelType"] == "gpt2"
              and res["promptIds"] == [1, 2, 3] and len(res["logits"]) == 3 and all(len(r) == 64 for r in res["logits"])
              and 0 < len(res["generatedIds"]) <= 3)
        check("CLI writes the JSON contract", ok, f"generatedIds {res.get('generatedIds')}")

        # 5. What must be refused, not approximated.
        base = dict(_self_test_cases()[2][1])
        _expect_error(lambda: parse_config({**base, "rope_scaling": {"type": "linear", "factor": 2.0}}), "rope_scaling")
        _expect_error(lambda: parse_config({**base, "rope_parameters": {"rope_type": "yarn", "factor": 4.0}}), "rope_type")
        _expect_error(lambda: parse_config({**base, "partial_rotary_factor": 0.5}), "partial_rotary_factor")
        _expect_error(lambda: parse_config({**base, "hidden_act": "mish"}), "mish")
        _expect_error(lambda: parse_config({**base, "rope_theta": 1.0, "rope_parameters": {"rope_theta": 2.0}}), "rope theta")
        _expect_error(lambda: parse_config({"model_type": "gpt_neox", "rotary_pct": 0.25, "partial_rotary_factor": 0.5}), "partial rotary")
        _expect_error(lambda: parse_config({"model_type": "gpt_neox", "partial_rotary_factor": 0.5}), "spell it rotary_pct")
        _expect_error(lambda: parse_config({"model_type": "gpt_neox", "rope_theta": 5e5}), "spell it rotary_emb_base")
        _expect_error(lambda: parse_config({**base, "model_type": "mistral"}), "model_type")
        sw = parse_config({**_self_test_cases()[4][1], "use_sliding_window": True, "max_window_layers": 1})
        check("qwen2 use_sliding_window: layers >= max_window_layers get the window", sw["windows"] == [None, 4])
        d = os.path.join(tmp, "m4")
        cfg_sw = {**_self_test_cases()[4][1], "use_sliding_window": True, "max_window_layers": 1}
        _, _, Wsw = load_model(d)
        short = forward(parse_config(cfg_sw), Wsw, [1, 2, 3, 4])
        full = forward(parse_config(_self_test_cases()[4][1]), Wsw, [1, 2, 3, 4])
        check("sliding window no wider than the sequence changes nothing", torch.equal(short, full))
        _expect_error(lambda: forward(parse_config(cfg_sw), Wsw, [1, 2, 3, 4, 5]), "sliding window")
        d = os.path.join(tmp, "m2")
        entries = read_checkpoint(d)
        extra_path = os.path.join(tmp, "extra.safetensors")
        write_safetensors(extra_path, {"model.layers.0.self_attn.extra.weight": torch.ones(2)})
        entries_extra = {**entries, **read_safetensors_header(extra_path)[0]}
        _expect_error(lambda: bind_weights(parse_config(base), entries_extra), "nothing reads")
        entries_missing = {k: v for k, v in entries.items() if k != "model.layers.1.mlp.up_proj.weight"}
        _expect_error(lambda: bind_weights(parse_config(base), entries_missing), "lacks tensor model.layers.1.mlp.up_proj.weight")
        _expect_error(lambda: bind_weights(parse_config({**base, "intermediate_size": 50}), entries), "shape")
        check("refused: rope_scaling, non-default rope_type, partial rotary on llama, unknown activation, conflicting spellings, "
              "gpt_neox non-default rotary without rotary_pct/rotary_emb_base, unknown model_type, sliding window narrower than the "
              "sequence, unread/missing/misshapen tensors", True)

    print(f"{passed} passed, {failed} failed ({time.time() - t0:.1f} s)")
    return failed == 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Independent PyTorch reference of transformers' causal-LM math (see the module docstring).")
    ap.add_argument("--model-dir")
    ap.add_argument("--prompt-ids", help="comma-separated token ids, e.g. 1,2,3")
    ap.add_argument("--max-new-tokens", type=int)
    ap.add_argument("--out", help="write the JSON here instead of stdout")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args(argv)
    if a.self_test:
        return 0 if self_test() else 1
    if not a.model_dir or a.prompt_ids is None or a.max_new_tokens is None:
        ap.error("--model-dir, --prompt-ids and --max-new-tokens are required (or --self-test)")
    if a.max_new_tokens < 0:
        ap.error("--max-new-tokens must be >= 0")
    try:
        prompt = [int(t) for t in a.prompt_ids.replace(" ", "").split(",") if t != ""]
    except ValueError:
        ap.error(f"--prompt-ids: not a comma-separated list of integers: {a.prompt_ids!r}")
    try:
        result = run(a.model_dir, prompt, a.max_new_tokens)
    except ConfigError as e:
        print(f"hf_reference: {e}", file=sys.stderr)
        return 2
    text = json.dumps(result, separators=(",", ":")) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
