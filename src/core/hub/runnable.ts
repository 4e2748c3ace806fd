import type { RunnableModel } from '../generation/tryModel';
import { loadHuggingFaceTokenizer } from '../tokenizer/huggingface';
import { loadHubModelFiles, type HubLoadOptions } from './fetchFiles';
import { modelFromHubFiles } from './model';
import { formatRepoSpec, parseRepoSpec } from './repo';

/**
 * A Hub model with its tokenizer, ready to generate: files through `loadHubModelFiles` (cache,
 * progress, one-line errors), the network through `modelFromHubFiles`, the tokenizer through
 * transformers.js (lenient about pad/unk, which generation never uses).
 */
export async function loadRunnableHubModel(
  spec: string,
  options: HubLoadOptions,
): Promise<RunnableModel> {
  const ref = parseRepoSpec(spec);
  const files = await loadHubModelFiles(ref, options);
  const loaded = modelFromHubFiles(files);
  try {
    const tokenizer = loadHuggingFaceTokenizer(files.tokenizerJson, files.tokenizerConfig, {
      fallBackToEos: true,
      ...(loaded.eosIds.length > 0 ? { eosId: loaded.eosIds[0] } : {}),
    });
    const eosIds = loaded.eosIds.length > 0 ? loaded.eosIds : [tokenizer.eosId];
    return {
      spec: formatRepoSpec(ref),
      model: loaded.model,
      family: loaded.config.family,
      parameters: loaded.parameters,
      tokenizer,
      eosIds,
      ...(tokenizer.renderPrompt ? { renderChat: tokenizer.renderPrompt } : {}),
    };
  } catch (error) {
    loaded.model.dispose();
    throw error;
  }
}
