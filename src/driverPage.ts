import { labDriver } from './lib/driver';

/**
 * The page the CLI and the benchmarks open (`cli/session.ts`): only `window.safetuneLab`, the
 * driver that starts the same lab worker the app's page starts, without the app itself, whose
 * bundle and 7,700-node page kept the driver waiting 2.4–3.2 s on every command (0.44 s here).
 */
window.safetuneLab = labDriver;
