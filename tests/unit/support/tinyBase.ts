/** A small random base model with the built-in world's tokenizer: enough to run the whole pipeline. */
import { worldCorpus } from '../../../src/core/data';
import { LanguageModel } from '../../../src/core/model/languageModel';
import type { BaseModel } from '../../../src/core/pipeline/run';
import { buildWordLevelTokenizer } from '../../../src/core/tokenizer/wordLevel';

export async function tinyWorldBase(sha256 = 'tiny-test-base', nLayers = 1): Promise<BaseModel> {
  const tokenizer = buildWordLevelTokenizer(worldCorpus(0));
  const model = LanguageModel.init(
    {
      vocabSize: tokenizer.vocabSize,
      dModel: 16,
      nLayers,
      nHeads: 2,
      contextLength: 64,
      mlpRatio: 2,
    },
    1,
  );
  const values = await model.readValues();
  const config = model.config;
  model.dispose();
  return { name: 'safetune-base', config, values, tokenizerJson: tokenizer.toJSON(), sha256 };
}
