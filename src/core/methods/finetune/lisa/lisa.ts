import * as tf from '@tensorflow/tfjs';
import type { LisaParams } from './index';
import { sftOptions, type TrainContext, type TrainReport } from '../../types';
import type { TokenBatch } from '../../../model/batch';
import type { WeightMap } from '../../../model/weights';
import { createRng } from '../../../random';
import { countBatches, epochBatches } from '../../../train/batching';
import { trainSupervised, trainingSeqLen } from '../../../train/loop';
import type { StepGradients } from '../../../train/trainer';

/** Lisa's two states: a step on the alignment data or a step on the user's fine-tuning data. */
export type LisaState = 'alignment' | 'finetune';

export interface LisaPhase {
  state: LisaState;
  steps: number;
}

/**
 * The Bi-State schedule of a run of `totalSteps` optimizer steps: `rounds` rounds, each an
 * alignment phase of `round(alignmentFraction · roundLength)` steps followed by a fine-tuning
 * phase (the paper's 100 + 900). Rounds are capped at `floor(alignmentFraction · totalSteps)` so
 * a short run still gives every round at least one alignment step. Adjacent phases of the same
 * state are merged, so consecutive phases always alternate.
 */
export function lisaSchedule(
  totalSteps: number,
  alignmentFraction: number,
  rounds: number,
): LisaPhase[] {
  const phases: LisaPhase[] = [];
  const push = (state: LisaState, steps: number) => {
    if (steps <= 0) return;
    const last = phases.at(-1);
    if (last?.state === state) last.steps += steps;
    else phases.push({ state, steps });
  };
  const effectiveRounds = Math.max(1, Math.min(rounds, Math.floor(alignmentFraction * totalSteps)));
  for (let round = 0; round < effectiveRounds; round++) {
    const start = Math.round((round * totalSteps) / effectiveRounds);
    const end = Math.round(((round + 1) * totalSteps) / effectiveRounds);
    const alignment = Math.round(alignmentFraction * (end - start));
    push('alignment', alignment);
    push('finetune', end - start - alignment);
  }
  return phases;
}

/** The state of every step of a schedule, in order. */
export function lisaStates(phases: readonly LisaPhase[]): LisaState[] {
  return phases.flatMap((phase) => new Array<LisaState>(phase.steps).fill(phase.state));
}

/**
 * Adds Lisa's proximal term ρ/2·‖θ − θ_anchor‖² (the paper's Bi-State objectives) to a step: its gradient
 * ρ·(θ − θ_anchor) is added to every weight's gradient, its value to the loss. Written out
 * analytically instead of differentiated, which is exact and saves a backward pass through the
 * norm. Disposes `step`; the caller owns the result.
 */
export function withProximal(
  step: StepGradients,
  weights: WeightMap,
  anchor: ReadonlyMap<string, tf.Tensor>,
  rho: number,
): StepGradients {
  try {
    return tf.tidy(() => {
      const grads: Record<string, tf.Tensor> = {};
      const squares: tf.Scalar[] = [];
      for (const [name, weight] of weights) {
        const reference = anchor.get(name);
        if (!reference) throw new Error(`Lisa: no anchor for weight "${name}"`);
        const drift = tf.sub(weight, reference);
        const grad = step.grads[name];
        grads[name] = grad ? tf.add(grad, tf.mul(drift, rho)) : tf.mul(drift, rho);
        squares.push(tf.sum(tf.square(drift)));
      }
      const loss = tf.add(step.loss, tf.mul(tf.addN(squares), rho / 2)) as tf.Scalar;
      return { loss, grads };
    });
  } finally {
    tf.dispose([step.loss, ...Object.values(step.grads)]);
  }
}

function snapshot(weights: WeightMap): Map<string, tf.Tensor> {
  return new Map([...weights].map(([name, weight]) => [name, tf.clone(weight)]));
}

function fromValues(weights: WeightMap, values: Map<string, Float32Array>): Map<string, tf.Tensor> {
  return new Map(
    [...weights].map(([name, weight]) => {
      const data = values.get(name);
      if (!data) throw new Error(`Lisa: the parent checkpoint has no weight "${name}"`);
      return [name, tf.tensor(data, weight.shape, 'float32')];
    }),
  );
}

/**
 * Lisa (Huang et al., NeurIPS 2024), Bi-State Optimization with proximal terms, following the
 * official `ADMMTrainer`: the run has exactly as many optimizer steps as plain SFT on the user data,
 * and a step in the alignment state trains on a batch of the alignment set *instead of* the user
 * batch due at that step (that user batch is skipped, as in the official code). Each state is
 * pulled toward the weights at the end of the other state's last phase (the first anchor is the
 * parent, aligned checkpoint); the pull starts after `proximalStartFraction` of the steps.
 *
 * One AdamW state and one learning-rate schedule are shared by both states, as in the official
 * code (a single Hugging Face Trainer optimizer): the two states take turns on the same weights,
 * and separate moment estimates would make the first steps of every phase use stale statistics.
 */
export async function train(ctx: TrainContext<LisaParams>): Promise<TrainReport> {
  const params = ctx.params;
  const options = sftOptions(ctx);
  const seqLen = trainingSeqLen(ctx.model.config);
  const batching = {
    seed: options.seed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seqLen,
    padId: options.padId,
  };
  const totalSteps = countBatches(ctx.examples, batching);
  const states = lisaStates(lisaSchedule(totalSteps, params.alignmentFraction, params.rounds));

  const alignmentSet = ctx.data.alignment();
  const alignmentBatching = {
    ...batching,
    seed: createRng(ctx.seed)
      .fork('lisa-alignment')
      .int(2 ** 31),
  };
  if (states.includes('alignment') && countBatches(alignmentSet, alignmentBatching) === 0) {
    throw new Error('Lisa needs a non-empty alignment set for its alignment steps');
  }
  // Endless reshuffled epochs of the alignment set: the alignment state draws as many as it needs.
  const alignmentBatches = epochBatches(alignmentSet, { ...alignmentBatching, epochs: Infinity });

  // The first anchor is the parent checkpoint; under LoRA the proximal term acts on the adapter
  // (as in the official code), whose parent state is the fresh adapter the model starts with.
  let anchor = ctx.model.adapter
    ? snapshot(ctx.model.trainable)
    : fromValues(ctx.model.weights, ctx.parentValues);
  let previous: LisaState | undefined;
  let alignmentDrawn = 0;
  try {
    const report = await trainSupervised(ctx.model, ctx.examples, {
      ...options,
      seqLen,
      state: {
        save: async () => {
          const saved = new Map<string, Float32Array>();
          for (const [name, tensor] of anchor)
            saved.set(name, (await tensor.data()) as Float32Array);
          return { anchor: saved, previous, alignmentDrawn };
        },
        restore: (saved) => {
          const values = saved.anchor as Map<string, Float32Array>;
          const restored = fromValues(ctx.model.trainable, values);
          tf.dispose([...anchor.values()]);
          anchor = restored;
          previous = saved.previous as LisaState | undefined;
          // The endless alignment stream is deterministic: draw again what the run had drawn.
          alignmentDrawn = saved.alignmentDrawn as number;
          for (let i = 0; i < alignmentDrawn; i++) alignmentBatches.next();
        },
      },
      // Once per optimizer step, before the batch is split into micro-batches: the switch of
      // state, and in the alignment state the alignment batch that replaces the user's (which
      // is skipped; the step's micro-batches are then the alignment batch's rows, as the
      // official trainer draws an alignment batch at each of its accumulation steps).
      stepBatch: (batch, step) => {
        const state = states[step] ?? 'finetune';
        if (previous !== undefined && state !== previous) {
          // The state that just ended leaves its weights as the anchor of the one that starts.
          tf.dispose([...anchor.values()]);
          anchor = snapshot(ctx.model.trainable);
        }
        previous = state;
        if (state !== 'alignment') return batch;
        alignmentDrawn += 1;
        return alignmentBatches.next().value as TokenBatch;
      },
      // Per micro-batch: its loss and the proximal pull. The parts' weights sum to 1, so the pull
      // (the same for every part) counts once per step.
      gradients: (trainer, tensors) => {
        const plain = trainer.gradients(() => ctx.model.loss(tensors));
        const proximal =
          params.rho > 0 && trainer.steps > params.proximalStartFraction * totalSteps;
        return proximal ? withProximal(plain, ctx.model.trainable, anchor, params.rho) : plain;
      },
    });
    // The tokens trained on: the alignment batches' in the alignment steps, the user's elsewhere.
    return { steps: report.steps, tokens: report.tokens };
  } finally {
    tf.dispose([...anchor.values()]);
  }
}
