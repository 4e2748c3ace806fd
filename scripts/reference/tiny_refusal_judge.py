#!/usr/bin/env python3
"""A tiny random refusal judge in the layout of protectai/distilroberta-base-rejection-v1, and its
PyTorch golden outputs.

The lab's `refusal-classifier` judge runs a RoBERTa-family sequence classifier (by default
ProtectAI's DistilRoBERTa rejection detector, labels NORMAL / REJECTION) with transformers.js on a
model's answer. Nothing can be downloaded in tests, so this script builds a stand-in of the same
family: a one-layer RoBERTa (hidden size 32, random weights, fixed seed) with the real model's
config fields and labels, exported to ONNX with the inputs Optimum's RoBERTa export has
(`input_ids`, `attention_mask`), a byte-level BPE tokenizer in RoBERTa's layout, and the numbers
PyTorch computes for a dozen answers. `tests/unit/judges/refusalClassifier.test.ts` checks the
judge (label mapping, threshold, graded score) against them.

    npm run fixtures:refusal-judge
    /usr/bin/python3 scripts/reference/tiny_refusal_judge.py [--check]

It writes (deterministically)

    tests/fixtures/hub/tiny/rejection/config.json            RobertaForSequenceClassification, NORMAL/REJECTION
    tests/fixtures/hub/tiny/rejection/tokenizer.json         ByteLevel BPE + RobertaProcessing
    tests/fixtures/hub/tiny/rejection/tokenizer_config.json  RobertaTokenizer, model_max_length 128
    tests/fixtures/hub/tiny/rejection/onnx/model.onnx        what transformers.js loads for dtype 'fp32'
    tests/fixtures/hub-golden/rejection.json                 per answer: ids, logits, P(REJECTION), label

`--check` rebuilds everything in memory and fails if any file on disk differs.

The tokenizer is RoBERTa's byte-level BPE with an empty merge list: every UTF-8 byte is one token
(its byte-level character, `Ġ` for a space), so the reference encoding is `<s>`, one id per byte
(4 + the byte's value), `</s>`, whatever the pre-tokenizer's regex splits, and then truncated to
the first min(max_length, model_max_length) ids as transformers.js truncates (the closing `</s>`
is lost). The network is RoBERTa's math: positions counted from `padding_idx + 1` over the
non-padding tokens, post-LayerNorm encoder (the same blocks as `tiny_judge.py`'s BERT), and
RoBERTa's classification head (dense, tanh, out_proj over `<s>`; no pooler).

Needs the Debian packages (`/usr/bin/python3`): torch, numpy, onnx.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_judge as shared  # noqa: E402  (re-executes under /usr/bin/python3 when torch is missing)

import argparse  # noqa: E402
import io  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

torch.set_grad_enabled(False)

ROOT = shared.ROOT
REPO_ID = "tiny/rejection"
MODEL_DIR = os.path.join(ROOT, "tests", "fixtures", "hub", "tiny", "rejection")
GOLDEN_PATH = os.path.join(ROOT, "tests", "fixtures", "hub-golden", "rejection.json")

SEED = 20251207
MAX_LENGTH = 128
ID2LABEL = {0: "NORMAL", 1: "REJECTION"}
MIN_MARGIN = 1e-2
PAD_ID = 1

SPECIAL = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
BYTE_OFFSET = len(SPECIAL)
MASK_ID = BYTE_OFFSET + 256


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map, as RoBERTa's byte-level BPE uses it."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


BYTE_CHARS = bytes_to_unicode()
VOCAB = {**SPECIAL, **{BYTE_CHARS[b]: BYTE_OFFSET + b for b in range(256)}, "<mask>": MASK_ID}

CONFIG = {
    "architectures": ["RobertaForSequenceClassification"],
    "model_type": "roberta",
    "vocab_size": len(VOCAB),
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "max_position_embeddings": MAX_LENGTH + PAD_ID + 1,
    "type_vocab_size": 1,
    "layer_norm_eps": 1e-05,
    "position_embedding_type": "absolute",
    "bos_token_id": 0,
    "eos_token_id": 2,
    "pad_token_id": PAD_ID,
    "classifier_dropout": None,
    "problem_type": "single_label_classification",
    "id2label": {str(i): label for i, label in ID2LABEL.items()},
    "label2id": {label: i for i, label in ID2LABEL.items()},
    "torch_dtype": "float32",
}

TOKENIZER_CONFIG = {
    "tokenizer_class": "RobertaTokenizer",
    "model_max_length": MAX_LENGTH,
    "add_prefix_space": False,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
    "errors": "replace",
    "padding_side": "right",
    "clean_up_tokenization_spaces": True,
}

_LONG = " ".join(["I cannot help with that request, and I will not provide any steps."] * 3)

# (answer, why it is here); the judge reads the answer alone (input 'output', the default).
ANSWERS = [
    ("I'm sorry, but I can't help with that.", "refusal"),
    ("Sure! Step 1: get the parts. Step 2: put them together.", "compliance"),
    ("I won't help with making explosives.", "refusal outside the keyword list"),
    ("The sea is blue, and the sky is too.", "benign"),
    ("", "empty answer: <s></s>"),
    ("   ", "white space only"),
    ("As an AI language model, I cannot do that.", "model-style refusal"),
    ("Here's how: first, gather the supplies.", "compliance"),
    ("I can’t assist with that — it’s dangerous.", "curly apostrophes: multi-byte UTF-8"),
    ("Café, naïve, résumé: voilà!", "non-ASCII letters: two bytes each"),
    ("Absolutely not.\nPlease ask something else.", "newline"),
    (_LONG, "longer than 128 bytes: truncated, no closing </s>"),
]


def tokenizer_json():
    added = [
        {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True}
        for t, i in SPECIAL.items()
    ]
    added.append(
        {"id": MASK_ID, "content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False, "normalized": False, "special": True}
    )
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {
            "type": "RobertaProcessing",
            "sep": ["</s>", SPECIAL["</s>"]],
            "cls": ["<s>", SPECIAL["<s>"]],
            "trim_offsets": True,
            "add_prefix_space": False,
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": VOCAB,
            "merges": [],
        },
    }


def encode(text, max_length):
    """transformers.js' encoding of one text with this tokenizer (see the module docstring)."""
    ids = [SPECIAL["<s>"], *(BYTE_OFFSET + b for b in text.encode("utf-8")), SPECIAL["</s>"]]
    return ids[: min(max_length, TOKENIZER_CONFIG["model_max_length"])]


class Embeddings(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = torch.nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = torch.nn.Embedding(c["max_position_embeddings"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.token_type_embeddings = torch.nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = torch.nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, input_ids):
        # RoBERTa's create_position_ids_from_input_ids: padding keeps padding_idx, the rest count on from it.
        mask = input_ids.ne(PAD_ID).to(torch.long)
        positions = torch.cumsum(mask, dim=1) * mask + PAD_ID
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings(torch.zeros_like(input_ids))
        return self.LayerNorm(x)


class ClassificationHead(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = torch.nn.Linear(c["hidden_size"], c["hidden_size"])
        self.out_proj = torch.nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, x):
        return self.out_proj(torch.tanh(self.dense(x[:, 0])))


class TinyRobertaForSequenceClassification(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.layers = torch.nn.ModuleList(shared.EncoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.classifier = ClassificationHead(c)

    def forward(self, input_ids, attention_mask):
        additive_mask = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        x = self.embeddings(input_ids)
        for layer in self.layers:
            x = layer(x, additive_mask)
        return self.classifier(x)


def build_model(seed):
    torch.manual_seed(seed)
    model = TinyRobertaForSequenceClassification(CONFIG).eval()
    for name, p in model.named_parameters():
        if "LayerNorm" in name:
            torch.nn.init.normal_(p, mean=1.0 if name.endswith("weight") else 0.0, std=0.1)
        elif name.endswith("bias"):
            torch.nn.init.normal_(p, std=0.1)
        else:
            torch.nn.init.normal_(p, std=0.3 if "embeddings" not in name else 1.0)
    return model


def run(model, ids):
    input_ids = torch.tensor([ids], dtype=torch.long)
    return model(input_ids, torch.ones_like(input_ids))[0]


def centre_classifier(model, encodings):
    """Shifts the REJECTION bias so the answers split about evenly, each at least MIN_MARGIN from 0."""
    margins = sorted(float(x[1] - x[0]) for x in (run(model, ids) for ids in encodings))
    n = len(margins)
    candidates = sorted(
        ((margins[i] + margins[i + 1]) / 2 for i in range(n - 1) if margins[i + 1] - margins[i] > 2 * MIN_MARGIN),
        key=lambda cut: abs(sum(m > cut for m in margins) - n / 2),
    )
    if not candidates:
        raise RuntimeError("no bias gives every golden answer a margin of MIN_MARGIN; change SEED")
    model.classifier.out_proj.bias[1] -= candidates[0]


def export_onnx(model):
    example = torch.tensor([[0, 10, 11, 2]], dtype=torch.long)
    buffer = io.BytesIO()
    torch.onnx.export(
        model,
        (example, torch.ones_like(example)),
        buffer,
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size"},
        },
        opset_version=shared.OPSET,
        do_constant_folding=True,
    )
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return buffer.getvalue()


def softmax(logits):
    shifted = np.exp(np.array(logits, dtype=np.float64) - max(logits))
    return shifted / shifted.sum()


def build():
    encodings = [encode(answer, MAX_LENGTH) for answer, _ in ANSWERS]
    model = build_model(SEED)
    centre_classifier(model, encodings)
    golden_answers = []
    for (answer, why), ids in zip(ANSWERS, encodings):
        logits = run(model, ids).tolist()
        probabilities = softmax(logits)
        golden_answers.append(
            {
                "why": why,
                "output": answer,
                "inputIds": ids,
                "logits": [shared.round7(x) for x in logits],
                "probabilities": {ID2LABEL[i]: shared.round7(float(p)) for i, p in enumerate(probabilities)},
                "label": ID2LABEL[int(np.argmax(logits))],
            }
        )
    golden = {
        "repo": REPO_ID,
        "generatedBy": "scripts/reference/tiny_refusal_judge.py (PyTorch, one answer per forward pass, no padding)",
        "call": "tokenizer(output, { truncation: true, max_length: 128 })",
        "maxLength": MAX_LENGTH,
        "answers": golden_answers,
    }
    return {
        os.path.join(MODEL_DIR, "config.json"): shared.dumps(CONFIG).encode(),
        os.path.join(MODEL_DIR, "tokenizer.json"): shared.dumps(tokenizer_json()).encode(),
        os.path.join(MODEL_DIR, "tokenizer_config.json"): shared.dumps(TOKENIZER_CONFIG).encode(),
        os.path.join(MODEL_DIR, "onnx", "model.onnx"): export_onnx(model),
        GOLDEN_PATH: shared.dumps(golden).encode(),
    }


def self_test():
    assert BYTE_CHARS[ord(" ")] == "Ġ" and BYTE_CHARS[ord("A")] == "A" and len(set(BYTE_CHARS.values())) == 256
    assert encode("Hi", MAX_LENGTH) == [0, 4 + ord("H"), 4 + ord("i"), 2]
    assert encode("", MAX_LENGTH) == [0, 2]
    assert encode("é", MAX_LENGTH) == [0, 4 + 0xC3, 4 + 0xA9, 2]
    assert len(encode(_LONG, MAX_LENGTH)) == MAX_LENGTH and encode(_LONG, MAX_LENGTH)[-1] != 2
    assert len(VOCAB) == 261 and sorted(VOCAB.values()) == list(range(261))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Build the tiny refusal judge fixture (see the module docstring).")
    ap.add_argument("--check", action="store_true", help="fail if the files on disk differ from a rebuild")
    args = ap.parse_args(argv)
    self_test()
    files = build()
    if args.check:
        stale = [p for p, data in files.items() if not os.path.exists(p) or open(p, "rb").read() != data]
        for p in stale:
            print(f"differs: {os.path.relpath(p, ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for path, data in files.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        print(f"{os.path.relpath(path, ROOT)}  {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
