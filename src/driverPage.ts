import { labDriver } from './lib/driver';

/**
 * The page the CLI and the benchmarks open (`cli/session.ts`): only `window.safetuneLab`, the
 * driver that starts the same lab worker the app's page starts, without the app itself — whose
 * bundle and 7,700-node page took most of the 1.7 s that opening the page took, on every command.
 */
window.safetuneLab = labDriver;
