function ids(value: unknown): number[] | null {
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    return value as number[];
  }
  return null;
}

/** The end-of-sequence ids, as `transformers`' `generate` reads them. */
export function eosIdsOf(
  configJson: Record<string, unknown>,
  generationConfig: Record<string, unknown> | null,
): number[] {
  return ids(generationConfig?.eos_token_id) ?? ids(configJson.eos_token_id) ?? [];
}
