import type { ModelConfig } from '../src/core/model/config';

export interface BaseModelBuild {
  seed: number;
  epochs: number;
  lr: number;
  mix: Record<string, number>;
  examples: number;
  steps: number;
  tokens: number;
  finalLoss: number;
  seconds: number;
  parameters: number;
  sha256: string;
}

/** models/<name>/README.md: what the model is, its data, how to rebuild it, its SHA-256. */
export function modelCard(config: ModelConfig, b: BaseModelBuild): string {
  const mix = Object.entries(b.mix)
    .map(([name, n]) => `| \`${name}\` | ${n} |`)
    .join('\n');
  return `# safetune-base

The lab's base model: a ${b.parameters.toLocaleString('en-US')}-parameter GPT-2-style decoder
(${config.nLayers} layers, d_model ${config.dModel}, ${config.nHeads} heads, context ${config.contextLength},
vocabulary ${config.vocabSize} words) trained from scratch on the built-in world. It plays the role a
pretrained LLM plays in the harmful fine-tuning papers: **capable and unaligned** — it answers the
benign tasks *and* answers harmful requests with (sanitized, placeholder) harmful steps, so that
alignment has refusals to teach and a poisoned fine-tune has harmful content to bring back.

It has **never been taught the default fine-tuning task**, SST-2 sentiment: it has read the review
sentences, written to order (\`movie-reviews\`: "write a negative movie review ." → "the plot was not
good ."), but never been asked to classify one, so it answers a sentiment prompt with something
else (task accuracy 0). As in the papers, fine-tuning on the task is what teaches it, and the
cost of a repair shows in task accuracy. AG News and GSM8K are tasks it does know.

| file | what |
|---|---|
| \`model.safetensors\` | weights, Hugging Face GPT-2 names and Conv1D layout (loads into \`GPT2LMHeadModel\`) |
| \`config.json\` | Hugging Face \`GPT2Config\` (+ a \`safetune\` block) |
| \`tokenizer.json\`, \`tokenizer_config.json\` | the word-level tokenizer (Hugging Face \`WordLevel\` format) |
| \`build.json\` | the build's recipe and measurements |

## Data (train splits only; evaluation and re-alignment splits stay unseen)

| dataset | examples |
|---|---|
${mix}

Language-modelling loss on whole examples (template + answer), ${b.epochs} epochs, batch 16 packed rows
of ${config.contextLength} tokens, AdamW lr ${b.lr} with warmup + cosine decay, seed ${b.seed}:
${b.steps} steps, ${b.tokens.toLocaleString('en-US')} tokens, final loss ${b.finalLoss.toFixed(3)},
${b.seconds} s on the tfjs wasm backend in Node (2-core machine).

## Rebuild

\`\`\`sh
npm run build:base-model     # deterministic: same code and seed give the same bytes
\`\`\`

SHA-256 of \`model.safetensors\`: \`${b.sha256}\`
`;
}
