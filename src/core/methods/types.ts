import type { ParamSpec, PostConfig, Stage } from '../config/schema';
import type { TokenBatch } from '../model/batch';
import type { GPT } from '../model/gpt';
import type { PruneLayerReport } from '../pipeline/types';
import type { CancelToken } from '../runtime/cancel';

/** What the registry, the validator and the UI know about a method. */
export interface MethodInfo {
  /** The config's `<stage>.method` value, e.g. `'antidote'`. */
  name: string;
  stage: Stage;
  /** One paragraph: what the method does and why, for the UI and docs. */
  description: string;
  citation?: string;
  /** The method's own knobs, checked against `<stage>.params` by the config validator. */
  params: Record<string, ParamSpec>;
}

export interface PostContext {
  /** The fine-tuned model; the method modifies its weights in place. */
  model: GPT;
  post: PostConfig;
  /** Harmful prompt + harmful answer batches, disjoint from the poison (Antidote's calibration set). */
  realignmentBatches: TokenBatch[];
  /** Benign instruction batches (the Wanda-on-benign-data ablation). */
  benignBatches: TokenBatch[];
  /** The run's seed (random masks derive from it). */
  seed: number;
  cancel?: CancelToken;
  onProgress?: (done: number, total: number) => void;
}

/** A post-fine-tuning method: repairs the fine-tuned model in place, reports per matrix. */
export interface PostMethod extends MethodInfo {
  stage: 'post';
  apply(ctx: PostContext): Promise<PruneLayerReport[]>;
}
