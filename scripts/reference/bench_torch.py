#!/usr/bin/python3
"""PyTorch side of `npm run bench -- --vs-pytorch`.

Trains the lab's synthetic benchmark model (src/core/bench/syntheticTraining.ts) in PyTorch on the
CPU: the same GPT-2 shape (learned positions, pre-LayerNorm blocks, gelu_new MLP, tied head), the
same synthetic rows (each row counts up by a row-specific stride mod vocabSize), the same loss
(mean next-token cross-entropy over every position that has a next token), AdamW (weight decay
0.01, gradient clipping at 1) at a constant learning rate. It times each step the way the lab does
(wall time of forward, backward, clipping, the update and the loss read-back) and prints one JSON
line: median ms per step over the timed steps, tokens per second and the step's FLOPs.

  /usr/bin/python3 scripts/reference/bench_torch.py --dModel 128 --nLayers 2 --steps 8 --warmup 3
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/bench_torch.py --threads 1   # one core
"""

import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


class Block(torch.nn.Module):
    def __init__(self, d, heads, ffn, eps):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d, eps=eps)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d, eps=eps)
        self.fc = torch.nn.Linear(d, ffn)
        self.out = torch.nn.Linear(ffn, d)

    def forward(self, x, mask):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, hd).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        scores = scores.masked_fill(mask, float('-inf'))
        attn = torch.softmax(scores, dim=-1) @ v
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.out(gelu_new(self.fc(self.ln2(x))))


class Gpt(torch.nn.Module):
    def __init__(self, vocab, d, layers, heads, context, mlp_ratio, eps=1e-5):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, d)
        self.wpe = torch.nn.Embedding(context, d)
        self.blocks = torch.nn.ModuleList(
            [Block(d, heads, mlp_ratio * d, eps) for _ in range(layers)]
        )
        self.ln_f = torch.nn.LayerNorm(d, eps=eps)
        for p in self.parameters():
            if p.dim() >= 2:
                torch.nn.init.normal_(p, std=0.02)
        mask = torch.triu(torch.ones(context, context, dtype=torch.bool), diagonal=1)
        self.register_buffer('mask', mask)

    def forward(self, ids):
        b, t = ids.shape
        x = self.wte(ids) + self.wpe(torch.arange(t))
        for block in self.blocks:
            x = block(x, self.mask[:t, :t])
        return self.ln_f(x) @ self.wte.weight.t()


def synthetic_rows(vocab, context, batch, seed):
    """The lab's syntheticRows, with Python's own generator (the timing does not depend on it)."""
    import random

    rng = random.Random(seed)
    rows = []
    for _ in range(batch):
        start = rng.randrange(vocab)
        stride = 1 + rng.randrange(3)
        rows.append([(start + stride * i) % vocab for i in range(context)])
    return torch.tensor(rows)


def step_flops(vocab, d, layers, heads, context, mlp_ratio, batch):
    """Multiply-adds ×2 of the forward pass's matrix products, ×3 for forward + backward."""
    tokens = batch * context
    ffn = mlp_ratio * d
    per_layer = 2 * tokens * (d * 3 * d + d * d + 2 * d * ffn) + 2 * 2 * batch * context * context * d
    head = 2 * tokens * d * vocab
    return 3 * (layers * per_layer + head)


def blas_library():
    """The BLAS this process loaded (Debian's torch links libblas.so.3, an alternatives link)."""
    torch.ones(2, 2) @ torch.ones(2, 2)
    with open('/proc/self/maps') as maps:
        paths = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
    return sorted(os.path.realpath(p) for p in paths)


def main():
    parser = argparse.ArgumentParser()
    for name, default in [
        ('vocabSize', 256),
        ('dModel', 128),
        ('nLayers', 2),
        ('nHeads', 4),
        ('contextLength', 64),
        ('mlpRatio', 4),
        ('batch', 8),
        ('steps', 8),
        ('warmup', 3),
        ('threads', 0),
    ]:
        parser.add_argument(f'--{name}', type=int, default=default)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = Gpt(
        args.vocabSize, args.dModel, args.nLayers, args.nHeads, args.contextLength, args.mlpRatio
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    ms = []
    losses = []
    for step in range(args.steps + args.warmup):
        ids = synthetic_rows(args.vocabSize, args.contextLength, args.batch, 7919 + step % 8)
        start = time.perf_counter()
        # All contextLength positions go through the model, as in the lab; the last has no target.
        logits = model(ids)[:, :-1]
        loss = F.cross_entropy(logits.reshape(-1, args.vocabSize), ids[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        ms.append((time.perf_counter() - start) * 1000)
    timed = ms[args.warmup :]
    median = statistics.median(timed)
    flops = step_flops(
        args.vocabSize,
        args.dModel,
        args.nLayers,
        args.nHeads,
        args.contextLength,
        args.mlpRatio,
        args.batch,
    )
    print(
        json.dumps(
            {
                'backend': 'pytorch-cpu',
                'torch': torch.__version__,
                'threads': torch.get_num_threads(),
                'blas': blas_library(),
                # OpenBLAS runs its own threads (one per core unless OPENBLAS_NUM_THREADS says).
                'blasThreads': int(os.environ.get('OPENBLAS_NUM_THREADS', os.cpu_count())),
                'cpus': os.cpu_count(),
                'medianMsPerStep': round(median, 3),
                'tokensPerSecond': round(args.batch * args.contextLength * 1000 / median, 1),
                'gflopsPerSecond': round(flops / median / 1e6, 3),
                'stepFlops': flops,
                'lossFirst': round(losses[0], 4),
                'lossLast': round(losses[-1], 4),
            }
        )
    )


if __name__ == '__main__':
    main()
