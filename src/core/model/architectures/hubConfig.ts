import type { Family } from '../config';

/**
 * Typed reads of a Hugging Face `config.json`, with one-line errors that name the field. Every
 * family file reads its settings through this, so an unimplemented setting is refused the same
 * way everywhere ("config.json: rope_scaling {type: linear} is not supported …").
 */
export class HubConfigReader {
  constructor(
    readonly json: Record<string, unknown>,
    readonly family: Family,
  ) {}

  private fail(message: string): never {
    throw new Error(`config.json (${this.family}): ${message}`);
  }

  has(key: string): boolean {
    return this.json[key] !== undefined && this.json[key] !== null;
  }

  number(key: string, fallback?: number): number {
    const value = this.json[key];
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      this.fail(`"${key}" is missing`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(`"${key}" must be a number (got ${JSON.stringify(value)})`);
    }
    return value;
  }

  integer(key: string, fallback?: number): number {
    const value = this.number(key, fallback);
    if (!Number.isInteger(value) || value <= 0) {
      this.fail(`"${key}" must be a positive integer (got ${value})`);
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.json[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(`"${key}" must be true or false`);
    return value;
  }

  string(key: string, fallback: string): string {
    const value = this.json[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') this.fail(`"${key}" must be a string`);
    return value;
  }

  /** Refuses a setting whose value changes the model's math in a way the lab does not implement. */
  refuseUnless(key: string, ok: (value: unknown) => boolean, what: string): void {
    const value = this.json[key];
    if (value === undefined || value === null || ok(value)) return;
    this.fail(`${key} ${JSON.stringify(value)} is not supported (${what})`);
  }

  /** One of `allowed`, or an error listing them. */
  choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(key, fallback);
    if (!(allowed as readonly string[]).includes(value)) {
      this.fail(`${key} "${value}" is not supported (the lab implements ${allowed.join(', ')})`);
    }
    return value as T;
  }

  /**
   * Rotary settings: `rope_theta` (or transformers v5's `rope_parameters.rope_theta`), refusing any
   * `rope_scaling` / `rope_parameters.rope_type` other than the default (linear, dynamic, YaRN,
   * llama3 scaling change the frequencies and are not implemented).
   */
  rope(thetaKey: string, fallbackTheta: number): { theta: number; partialFactor?: number } {
    const scaling = this.json.rope_scaling;
    if (scaling !== undefined && scaling !== null) {
      const type =
        typeof scaling === 'object'
          ? ((scaling as Record<string, unknown>).rope_type ??
            (scaling as Record<string, unknown>).type)
          : scaling;
      if (type !== 'default') {
        this.fail(
          `rope_scaling ${JSON.stringify(scaling)} is not supported (the lab implements plain rotary embeddings only)`,
        );
      }
    }
    const parameters = this.json.rope_parameters;
    if (parameters !== undefined && parameters !== null) {
      if (typeof parameters !== 'object') this.fail('"rope_parameters" must be an object');
      const p = parameters as Record<string, unknown>;
      const type = p.rope_type ?? 'default';
      if (type !== 'default') {
        this.fail(
          `rope_parameters.rope_type "${String(type)}" is not supported (the lab implements plain rotary embeddings only)`,
        );
      }
      if (typeof p.rope_theta === 'number') {
        return {
          theta: p.rope_theta,
          ...(typeof p.partial_rotary_factor === 'number'
            ? { partialFactor: p.partial_rotary_factor }
            : {}),
        };
      }
    }
    return { theta: this.number(thetaKey, fallbackTheta) };
  }
}
