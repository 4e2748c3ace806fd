#!/usr/bin/python3
"""PyTorch side of `npm run bench -- --real-size --vs-pytorch`: one LoRA step at real size.

Builds a Hugging Face causal LM from its `config.json` (llama, qwen2 and qwen3 as in
`modeling_llama.py` / `modeling_qwen2.py`; gpt2 as in `modeling_gpt2.py`) with random float32
weights N(0, 0.02), attaches LoRA adapters the way peft does (y = xWᵀ + b + (xAᵀ)Bᵀ·α/r, A
kaiming-uniform, B zero, base weights frozen) and times LoRA fine-tuning steps on the CPU: the
forward pass over random token ids, mean next-token cross-entropy over the full vocabulary, the
backward pass, gradient clipping at norm 1, an AdamW update (lr 1e-4, no weight decay) and the loss
read-back, as the lab's own benchmark times them. The math (RMSNorm, rotary, causal softmax,
activations) and the config reading are hf_reference.py's, imported from this folder.

  /usr/bin/python3 scripts/reference/bench_torch_real.py --label smollm2-135m --config "$(cat config.json)" \
      --batch 4 --seq 256 --rank 8 --alpha 16 --targets q,k,v --checkpoint 1 [--steps 2] [--warmup 1]
      [--threads N] [--seed 1]

`--checkpoint 1` recomputes each block's activations in the backward pass (non-reentrant
torch.utils.checkpoint; only each block's input is kept). It prints one JSON line: msPerStep (median
over the timed steps), tokensPerSecond, the losses of every step, weightBytes (the process's RSS once
the weights and adapters are materialised, before any step) and peakBytes (the process's peak RSS
over the steps, warm-up included). The peak is VmHWM after resetting it through
/proc/self/clear_refs ("peakMethod": "vmhwm"), or, where that reset does not work, the largest RSS a
thread samples every 5 ms ("peakMethod": "sampled"). A bad config exits with code 2, any other error
with code 1, each with one line on stderr.

scripts/bench.ts passes each real-size model's `hubConfig` (src/core/bench/realSizeModels.ts) as
--config and reads the JSON line.

RSS counts what glibc's malloc keeps after free: tensors under its mmap threshold (which raises itself
up to 32 MiB) come from the heap, which shrinks only from its top, so the peak RSS is well above the
peak of live tensors. SmolLM2-135M at 4 × 256 grew 3.3 GB over the weights without checkpointing and
2.6 GB with it; with MALLOC_MMAP_THRESHOLD_=131072 in the environment (every tensor its own mapping,
returned at free; slower) 2.0 and 0.7 GB. The default is what a PyTorch process takes from the
machine, and what this script reports.
"""

import argparse
import gc
import json
import math
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch
    import torch.nn.functional as F
    from torch.utils.checkpoint import checkpoint

    import hf_reference as hf
except ImportError as e:
    sys.exit(f"bench_torch_real.py: {e} (needs python3-torch and python3-numpy)")

torch.set_grad_enabled(True)  # hf_reference turns autograd off when imported; this script trains

MAX_CONFIG_CHARS = 1 << 20
LORA_ROLES = ("q", "k", "v", "o")


def proc_status_bytes(field):
    """A kB line of /proc/self/status (VmRSS, VmHWM) in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


class PeakRss:
    """The process's peak RSS from start() on: VmHWM reset by writing 5 to /proc/self/clear_refs
    (Linux >= 4.0), checked with a freed 64 MiB probe; else a thread sampling VmRSS every 5 ms."""

    PROBE = 64 << 20

    def start(self):
        torch.ones(self.PROBE // 4)  # touched, then unmapped at once (above glibc's mmap threshold)
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            reset = proc_status_bytes("VmHWM") < proc_status_bytes("VmRSS") + self.PROBE // 2
        except OSError:
            reset = False
        self.method, self.sampled, self._stop = ("vmhwm" if reset else "sampled"), 0, threading.Event()
        if not reset:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()

    def _sample(self):
        while not self._stop.wait(0.005):
            self.sampled = max(self.sampled, proc_status_bytes("VmRSS"))

    def stop(self):
        if self.method == "vmhwm":
            return proc_status_bytes("VmHWM")
        self._stop.set()
        self._thread.join()
        return max(self.sampled, proc_status_bytes("VmRSS"))


def frozen(*shape):
    # torch.empty does not touch its pages; init_weights fills each tensor in place, so creating the
    # model never holds a temporary copy and the RSS after it is the weights' own size.
    return torch.nn.Parameter(torch.empty(*shape), requires_grad=False)


class Adapter(torch.nn.Module):
    """peft's LoRA delta (no dropout): (x Aᵀ) Bᵀ · alpha/rank; only A and B train."""

    def __init__(self, d_in, d_out, rank, scale):
        super().__init__()
        self.lora_A = torch.nn.Parameter(torch.empty(rank, d_in))
        self.lora_B = torch.nn.Parameter(torch.empty(d_out, rank))
        self.scale = scale

    def forward(self, x):
        return F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scale


class Linear(torch.nn.Module):
    """A frozen nn.Linear (weight [out, in]) with an optional adapter added to its output."""

    def __init__(self, d_in, d_out, bias, adapter=None):
        super().__init__()
        self.weight, self.bias = frozen(d_out, d_in), frozen(d_out) if bias else None
        self.adapter = adapter(d_in, d_out) if adapter else None

    def forward(self, x):
        y = F.linear(x, self.weight, self.bias)
        return y if self.adapter is None else y + self.adapter(x)


class LlamaBlock(torch.nn.Module):
    """LlamaDecoderLayer / Qwen2DecoderLayer / Qwen3DecoderLayer, eager attention."""

    def __init__(self, s, adapter):
        super().__init__()
        self.s = s
        E, H, KV, D = s["hidden"], s["heads"], s["kv_heads"], s["head_dim"]
        self.input_layernorm, self.post_attention_layernorm = frozen(E), frozen(E)
        self.q_proj = Linear(E, H * D, s["qkv_bias"], adapter("q"))
        self.k_proj = Linear(E, KV * D, s["qkv_bias"], adapter("k"))
        self.v_proj = Linear(E, KV * D, s["qkv_bias"], adapter("v"))
        self.o_proj = Linear(H * D, E, s["o_bias"], adapter("o"))
        if s["qk_norm"]:
            self.q_norm, self.k_norm = frozen(D), frozen(D)
        I, mb = s["intermediate"], s["mlp_bias"]
        self.gate_proj, self.up_proj, self.down_proj = Linear(E, I, mb), Linear(E, I, mb), Linear(I, E, mb)

    def forward(self, h, cos, sin):
        s, (b, n, _) = self.s, h.shape
        H, KV, D, eps = s["heads"], s["kv_heads"], s["head_dim"], s["eps"]
        x = hf.rms_norm(h, self.input_layernorm, eps)
        q, k, v = (p(x).view(b, n, -1, D) for p in (self.q_proj, self.k_proj, self.v_proj))
        if s["qk_norm"]:
            q, k = hf.rms_norm(q, self.q_norm, eps), hf.rms_norm(k, self.k_norm, eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q, k = hf.apply_rotary(q, cos, sin), hf.apply_rotary(k, cos, sin)
        rep = H // KV  # repeat_kv: kv head j serves query heads j*rep .. j*rep+rep-1
        k = k[:, :, None].expand(b, KV, rep, n, D).reshape(b, H, n, D)
        v = v[:, :, None].expand(b, KV, rep, n, D).reshape(b, H, n, D)
        probs = hf.causal_softmax(torch.matmul(q, k.transpose(2, 3)) * (D**-0.5))
        h = h + self.o_proj(torch.matmul(probs, v).transpose(1, 2).reshape(b, n, H * D))
        x = hf.rms_norm(h, self.post_attention_layernorm, eps)
        return h + self.down_proj(hf.activation(s["act"], self.gate_proj(x)) * self.up_proj(x))


class Gpt2Block(torch.nn.Module):
    """GPT2Block: fused c_attn (Conv1D, stored here as [out, in]); LoRA on its q/k/v slices and c_proj."""

    def __init__(self, s, adapter, index):
        super().__init__()
        self.s, self.index, E = s, index, s["hidden"]
        self.ln_1_weight, self.ln_1_bias, self.ln_2_weight, self.ln_2_bias = (frozen(E) for _ in range(4))
        self.c_attn = Linear(E, 3 * E, True)
        self.qkv_adapters = torch.nn.ModuleDict({r: adapter(r)(E, E) for r in "qkv" if adapter(r)})
        self.attn_c_proj = Linear(E, E, True, adapter("o"))
        self.c_fc, self.mlp_c_proj = Linear(E, s["inner"], True), Linear(s["inner"], E, True)

    def forward(self, h, cos=None, sin=None):
        s, (b, n, E) = self.s, h.shape
        H, D, eps = s["heads"], s["head_dim"], s["eps"]
        x = F.layer_norm(h, (E,), self.ln_1_weight, self.ln_1_bias, eps)
        q, k, v = self.c_attn(x).split(E, dim=2)
        q, k, v = (z + self.qkv_adapters[r](x) if r in self.qkv_adapters else z for r, z in zip("qkv", (q, k, v)))
        q, k, v = (z.view(b, n, H, D).transpose(1, 2) for z in (q, k, v))
        scale = (D**-0.5 if s["scale_attn"] else 1.0) / (self.index + 1 if s["inverse_layer_scale"] else 1)
        scores = torch.matmul(q, k.transpose(2, 3)) * scale
        h = h + self.attn_c_proj(torch.matmul(hf.causal_softmax(scores), v).transpose(1, 2).reshape(b, n, E))
        x = F.layer_norm(h, (E,), self.ln_2_weight, self.ln_2_bias, eps)
        return h + self.mlp_c_proj(hf.activation(s["act"], self.c_fc(x)))


class CausalLm(torch.nn.Module):
    def __init__(self, s, rank, alpha, targets, checkpoint):
        super().__init__()
        self.s, self.checkpoint, E = s, checkpoint, s["hidden"]

        def adapter(role):
            return (lambda d_in, d_out: Adapter(d_in, d_out, rank, alpha / rank)) if role in targets else None

        self.embed = frozen(s["vocab"], E)
        self.lm_head = self.embed if s["tie"] else frozen(s["vocab"], E)
        if s["model_type"] == "gpt2":
            self.wpe = frozen(s["max_positions"], E)
            self.blocks = torch.nn.ModuleList(Gpt2Block(s, adapter, i) for i in range(s["layers"]))
            self.norm_weight, self.norm_bias = frozen(E), frozen(E)
        else:
            self.blocks = torch.nn.ModuleList(LlamaBlock(s, adapter) for _ in range(s["layers"]))
            self.norm_weight = frozen(E)

    @torch.no_grad()
    def init_weights(self):
        """In place, one tensor at a time: N(0, 0.02) matrices, zero biases, unit norm weights, and
        peft's adapter init (A kaiming-uniform with a=√5, B zero)."""
        for name, p in self.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "lora_A":
                torch.nn.init.kaiming_uniform_(p, a=math.sqrt(5))
            elif leaf == "lora_B" or leaf.endswith("bias"):
                p.zero_()
            elif p.dim() == 1:
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02)

    def forward(self, ids):
        s, n = self.s, ids.shape[1]
        h = F.embedding(ids, self.embed)
        cos = sin = None
        if s["model_type"] == "gpt2":
            h = h + self.wpe[:n]
        else:
            cos, sin = hf.rotary_cos_sin(torch.arange(n), s["rotary_dim"], s["rope_theta"])
        for block in self.blocks:
            h = checkpoint(block, h, cos, sin, use_reentrant=False) if self.checkpoint else block(h, cos, sin)
        if s["model_type"] == "gpt2":
            return F.linear(F.layer_norm(h, (s["hidden"],), self.norm_weight, self.norm_bias, s["eps"]), self.lm_head)
        return F.linear(hf.rms_norm(h, self.norm_weight, s["eps"]), self.lm_head)


def causal_lm_loss(logits, ids):
    """transformers' ForCausalLMLoss: the labels, not the logits, are shifted (padded with -100), so
    no copy of the [batch, seq, vocab] logits is made; the mean is over the batch·(seq-1) targets.
    The logits are not kept past this call, as in the Trainer, where only the loss reaches backward."""
    labels = F.pad(ids, (0, 1), value=-100)[:, 1:]
    return F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


def read_spec(text, seq):
    if len(text) > MAX_CONFIG_CHARS:
        raise hf.ConfigError(f"--config is {len(text)} characters, more than {MAX_CONFIG_CHARS}")
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as e:
        raise hf.ConfigError(f"--config is not JSON ({e})")
    if not isinstance(cfg, dict):
        raise hf.ConfigError("--config is not a JSON object")
    s = hf.parse_config(cfg)
    if s["model_type"] not in ("gpt2", "llama", "qwen2", "qwen3"):
        raise hf.ConfigError(f"model_type {s['model_type']!r} is not benchmarked here (gpt2, llama, qwen2, qwen3)")
    if s["model_type"] == "gpt2" and seq > s["max_positions"]:
        raise hf.ConfigError(f"gpt2: --seq {seq} exceeds n_positions {s['max_positions']}")
    if any(w is not None and w < seq for w in s.get("windows", [])):
        raise hf.ConfigError(f"{s['model_type']}: a sliding window shorter than --seq {seq} is not implemented")
    return s


def run(args):
    targets = set(args.targets.split(","))
    if not targets <= set(LORA_ROLES) or min(args.batch, args.seq - 1, args.rank, args.steps) < 1 or args.warmup < 0:
        raise hf.ConfigError("need --targets from q,k,v,o, --batch/--rank/--steps >= 1, --seq >= 2, --warmup >= 0")
    s = read_spec(args.config, args.seq)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = CausalLm(s, args.rank, args.alpha, targets, bool(args.checkpoint))
    needed = sum(p.numel() * p.element_size() for p in model.parameters())
    with open("/proc/meminfo") as f:
        available = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    if needed > available:  # fail with a message before the kernel's OOM killer does it silently
        raise MemoryError(f"the weights need {needed} bytes, more than MemAvailable {available}")
    model.init_weights()
    lora = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(lora, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(args.seed)
    batches = [torch.randint(s["vocab"], (args.batch, args.seq), generator=g) for _ in range(args.warmup + args.steps)]
    gc.collect()
    weight_bytes = proc_status_bytes("VmRSS")

    peak = PeakRss()
    peak.start()
    ms, losses = [], []
    for ids in batches:
        start = time.perf_counter()
        loss = causal_lm_loss(model(ids), ids)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(lora, 1.0)
        optimizer.step()
        losses.append(loss.item())
        ms.append((time.perf_counter() - start) * 1000)
        del loss
    peak_bytes = peak.stop()
    median = statistics.median(ms[args.warmup :])
    return {"backend": "pytorch", "model": args.label, "checkpoint": bool(args.checkpoint),
            "batch": args.batch, "seqLen": args.seq, "peakBytes": peak_bytes, "weightBytes": weight_bytes,
            "peakMethod": peak.method, "msPerStep": round(median, 1),
            "tokensPerSecond": round(args.batch * args.seq * 1000 / median, 1),
            "losses": [round(x, 5) for x in losses], "torch": torch.__version__, "threads": torch.get_num_threads()}


def main():
    parser = argparse.ArgumentParser(description="One LoRA fine-tuning step of a Hub model shape in PyTorch (CPU).")
    parser.add_argument("--label", required=True)
    parser.add_argument("--config", required=True, help="the Hub config.json, as a JSON string")
    for name, default in [("batch", 4), ("seq", 256), ("rank", 8), ("steps", 2), ("warmup", 1), ("threads", 0), ("seed", 1)]:
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--targets", default="q,k,v")
    parser.add_argument("--checkpoint", type=int, choices=(0, 1), default=0)
    args = parser.parse_args()
    try:
        print(json.dumps(run(args)), flush=True)
    except hf.ConfigError as e:
        print(f"bench_torch_real.py: bad config: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - any failure is reported as one line, not a traceback
        print(f"bench_torch_real.py: {type(e).__name__}: {e}".replace("\n", " "), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
