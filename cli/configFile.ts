import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  configHash,
  formatErrors,
  validateConfigJSON,
  type ExperimentConfig,
} from '../src/core/config';
import { DEFAULT_VALIDATION_CONTEXT } from '../src/core/lab';
import { errorText } from '../src/core/errors';

export type LoadedConfig =
  | { ok: true; config: ExperimentConfig; hash: string }
  /** The file could not be read at all: one line saying why. */
  | { ok: false; unreadable: string }
  /** The file was read: one `path: message` line per problem (`(json): …` if not JSON). */
  | { ok: false; problems: string[] };

/**
 * Reads and validates a config file the way the app does (defaults filled in), in Node: no
 * browser. `path` is resolved against `cwd`.
 */
export async function loadConfigFile(path: string, cwd: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    return { ok: false, unreadable: `cannot read ${path}: ${readFailure(error)}` };
  }
  const result = validateConfigJSON(text, DEFAULT_VALIDATION_CONTEXT);
  if (!result.ok) return { ok: false, problems: formatErrors(result.errors).split('\n') };
  return { ok: true, config: result.config, hash: await configHash(result.config) };
}

/** Why a file could not be read, in words. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return errorText(error);
  }
}
