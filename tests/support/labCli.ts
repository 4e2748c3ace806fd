/**
 * `npm run lab` as a child process, for e2e tests: asynchronously, so a Hub server in the test's
 * own process keeps answering while the CLI runs. The CLI serves dist/ on `SAFETUNE_LAB_PORT` (its
 * own port, the origin of its stage cache) and launches its own Chromium.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface LabResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runLab(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<LabResult> {
  return new Promise((done) => {
    const child = spawn('npm', ['run', '-s', 'lab', '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, SAFETUNE_LAB_PORT: '41739', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
