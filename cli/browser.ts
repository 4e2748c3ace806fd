import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HUB_ENDPOINT } from '../src/core/hub/repo';

/**
 * How the lab's Node tools (CLI, bench, e2e tests) launch Chromium: `$CHROMIUM_PATH`, else
 * Debian's /usr/bin/chromium, else Playwright's own download (`undefined`).
 */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

/**
 * Flags: WebGPU (SwiftShader when there is no GPU) also inside workers, WebGL through SwiftShader,
 * and no background traffic (the machines this runs on may have no network at all).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--ignore-gpu-blocklist',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A fresh --user-data-dir per launch (Playwright's persistent context is not used). */
export function freshProfileDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'safetune-chromium-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where `npm run lab -- run` keeps its Chromium profile (and so its stage cache) by default. */
export function defaultProfileDir(): string {
  return (
    process.env.SAFETUNE_PROFILE_DIR ??
    join(homedir(), '.cache', 'safetune-lab', 'chromium-profile')
  );
}

export function keptProfileDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The Hub endpoint: `$HF_ENDPOINT` (the variable the Hugging Face tools read for mirrors), else huggingface.co. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.HF_ENDPOINT?.trim();
  return value ? value : DEFAULT_HUB_ENDPOINT;
}
