/**
 * The experiment the builder holds: the draft config (valid or not), the preset it started from
 * (for the "modified" badge), whether it came from outside the lab (a share link or an imported
 * file, whose costly runs ask first), and the share link's `#config=` read at start-up.
 */
import {
  BACKENDS,
  PRESETS,
  canonicalJSON,
  clonePlain,
  configHash,
  decodeConfigFromUrl,
  URL_PATH,
  validateConfig,
} from '../core/config';
import { resolvePreset } from '../core/lab';
import type {
  Backend,
  ExperimentConfig,
  ValidationContext,
  ValidationError,
  ValidationResult,
} from '../core/config';

import { payloadFromHash } from './shareLink';
import { errorText } from '../core/errors';

export const FIRST_PRESET = 'antidote-sst2';

/** The experiment part of a config (the backend is the machine's business, not the preset's). */
export const experimentKey = (c: ExperimentConfig) =>
  canonicalJSON({ ...c, runtime: { backend: 'auto' } });

export class ConfigDraft {
  /** The builder's config as edited, valid or not. */
  value = $state<ExperimentConfig>(resolvePreset(FIRST_PRESET));
  /** The preset last applied, or null while the builder holds a shared link's own config. */
  presetName = $state<string | null>(FIRST_PRESET);
  /** The config the builder started from (the preset or the link's), for the "modified" badge. */
  startedFrom = $state.raw<ExperimentConfig>(resolvePreset(FIRST_PRESET));
  /** Why the link's config could not be used, when it could not. */
  linkErrors = $state<ValidationError[]>([]);
  /**
   * The builder's config came from outside the lab (a link or an imported file), until a preset
   * is chosen: a run of it that would cost much is shown with its estimate and waits for a yes.
   */
  fromOutside = $state(false);
  /** The config hash of `config`, once worked out (null while invalid). */
  hash = $state<string | null>(null);

  readonly validation = $derived.by(() => validateConfig($state.snapshot(this.value), this.ctx));
  /** The draft when it is valid, else null. */
  readonly config = $derived(this.validation.ok ? this.validation.config : null);
  readonly errors = $derived(this.validation.ok ? [] : this.validation.errors);
  readonly modified = $derived(
    this.config === null || experimentKey(this.config) !== experimentKey(this.startedFrom),
  );

  readonly ctx: ValidationContext;

  /** Create it while a component initializes: the hash follows the config for that lifetime. */
  constructor(ctx: ValidationContext) {
    this.ctx = ctx;
    $effect(() => {
      const current = this.config;
      if (!current) {
        this.hash = null;
        return;
      }
      let stale = false;
      void configHash(current).then((value) => {
        if (!stale) this.hash = value;
      });
      return () => {
        stale = true;
      };
    });
  }

  /** The builder's backend when it is a valid choice, else null. */
  get backend(): Backend | null {
    const backend = this.value.runtime.backend;
    return (BACKENDS as readonly string[]).includes(backend) ? backend : null;
  }

  /** Puts the preset `name` in the builder, keeping the backend chosen. */
  applyPreset(name: string): void {
    this.fromOutside = false;
    const backend = this.backend;
    const next = resolvePreset(name, { ctx: this.ctx });
    if (backend !== null) next.runtime.backend = backend;
    this.presetName = name;
    this.startedFrom = next;
    this.value = next;
  }

  /** Puts `next` in the builder; returns whether it equals a preset (backend aside), now named. */
  applyConfig(next: ExperimentConfig): boolean {
    this.value = clonePlain(next);
    const match = PRESETS.find(
      (p) => experimentKey(resolvePreset(p.name, { ctx: this.ctx })) === experimentKey(next),
    );
    if (!match) return false;
    this.presetName = match.name;
    this.startedFrom = resolvePreset(match.name, { ctx: this.ctx });
    return true;
  }

  /** A config from a file: in the builder, as from outside. */
  applyImported(next: ExperimentConfig): void {
    this.applyConfig(next);
    this.fromOutside = true;
  }

  /** A shared link's config shows as its preset, or as "shared config" when it is none. */
  openShared(next: ExperimentConfig): void {
    if (this.applyConfig(next)) return;
    this.presetName = null;
    this.startedFrom = clonePlain(next);
  }

  /**
   * Opens the page's `#config=` link, if there is one: its config in the builder (from outside),
   * or its problems in `linkErrors`. Returns the config it opened, or null.
   */
  async openLink(hash: string): Promise<ExperimentConfig | null> {
    const decoded = await this.#linkedConfig(hash);
    if (decoded?.ok) {
      this.openShared(decoded.config);
      this.fromOutside = true;
      return decoded.config;
    }
    if (decoded) this.linkErrors = decoded.errors;
    return null;
  }

  /**
   * The config of a `#config=` link, checked, if there is one. Never throws: a link is outside
   * input, and the start-up after it (saved runs, the resume offer) must go on whatever it holds
   * (a 586-character link nested 200,000 deep once stopped it half-way).
   */
  async #linkedConfig(hash: string): Promise<ValidationResult | undefined> {
    try {
      const payload = payloadFromHash(hash);
      return payload === undefined ? undefined : await decodeConfigFromUrl(payload, this.ctx);
    } catch (error) {
      const problem = `this link could not be read (${errorText(error).split('\n')[0]})`;
      return { ok: false, errors: [{ path: URL_PATH, message: problem }] };
    }
  }
}
