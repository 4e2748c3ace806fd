/**
 * The batch engines' files (deploy/) and the one entry script they all call: the Kubernetes
 * manifest and the Slurm script are read for the fields the entry script relies on, and the entry
 * script is run with each engine's environment and a stand-in for the lab.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = join(ROOT, 'scripts/shard-entry.sh');
const text = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The entry script with `env` (and nothing of this process's shard variables), the lab stubbed. */
function entry(args: string[], env: Record<string, string>, status = 0) {
  const dir = mkdtempSync(join(tmpdir(), 'shard-entry-'));
  const stub = join(dir, 'lab.sh');
  writeFileSync(
    stub,
    `#!/bin/sh\necho "$*"\necho "port=$SAFETUNE_LAB_PORT profile=$SAFETUNE_PROFILE_DIR"\nexit ${status}\n`,
  );
  chmodSync(stub, 0o755);
  const result = spawnSync('bash', [ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? '', TMPDIR: '/tmp', SAFETUNE_LAB_CMD: stub, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Container {
  command: string[];
  args: string[];
  env: { name: string; value?: string }[];
  volumeMounts: { name: string; mountPath: string }[];
}

describe('the Kubernetes Indexed Job', () => {
  const docs = parseAllDocuments(text('deploy/k8s/indexed-job.yaml')).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a manifest is untyped YAML
  });
  const job = docs.find((d) => d.kind === 'Job') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
  const pod = job.spec.template.spec;
  const container = pod.containers[0] as Container;
  const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));

  it('is Indexed, with completions = parallelism = SHARD_COUNT, and never restarts a pod in place', () => {
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(Number(env.SHARD_COUNT)).toBeGreaterThan(0);
    expect(job.spec.completions).toBe(Number(env.SHARD_COUNT));
    expect(job.spec.parallelism).toBe(Number(env.SHARD_COUNT));
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers).toHaveLength(1);
  });

  it('sets the variables the entry script reads and lets Kubernetes set the index', () => {
    // JOB_COMPLETION_INDEX comes from Kubernetes; an explicit shard would override it for every pod.
    expect(Object.keys(env).sort()).toEqual(['RESULTS_DIR', 'SHARD_COUNT']);
    for (const name of ['SHARD_COUNT', 'RESULTS_DIR', 'JOB_COMPLETION_INDEX']) {
      expect(text('scripts/shard-entry.sh')).toContain(name);
    }
  });

  it('writes RESULTS_DIR inside a mounted ReadWriteMany volume, and runs the entry script of the image', () => {
    const mount = container.volumeMounts.find((m) =>
      String(env.RESULTS_DIR).startsWith(`${m.mountPath}/`),
    );
    expect(mount).toBeDefined();
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount?.name);
    const claim = docs.find(
      (d) =>
        d.kind === 'PersistentVolumeClaim' &&
        d.metadata.name === volume.persistentVolumeClaim.claimName,
    );
    expect(claim?.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(container.volumeMounts.map((m) => m.mountPath)).toContain('/dev/shm');
    // The command is the image's entry point: /lab is the Dockerfile's WORKDIR.
    const dockerfile = text('deploy/Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20[-\w.]*$/m);
    expect(dockerfile).toMatch(/apt-get install [^\n]*\bchromium\b/);
    expect(dockerfile).toMatch(/^ENV CHROMIUM_PATH=\/usr\/bin\/chromium$/m);
    expect(dockerfile).toMatch(/^WORKDIR \/lab$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1] ?? 'null');
    expect(container.command).toEqual(entrypoint);
    expect(container.command.at(-1)).toBe('/lab/scripts/shard-entry.sh');
    expect(existsSync(ENTRY)).toBe(true);
    expect(['sweep', 'attack']).toContain(container.args[0]);
  });

  it('the entry script runs pod k as shard k+1 of SHARD_COUNT into RESULTS_DIR/shard-(k+1)', () => {
    for (let k = 0; k < Number(env.SHARD_COUNT); k++) {
      const run = entry(container.args, { ...env, JOB_COMPLETION_INDEX: String(k) });
      expect(run.status).toBe(0);
      expect(run.stdout.split('\n')[0]).toBe(
        `${container.args.join(' ')} --shard ${k + 1}/${env.SHARD_COUNT} --out ${env.RESULTS_DIR}/shard-${k + 1}`,
      );
      expect(run.stderr).toBe(
        `shard-entry: sweep shard ${k + 1}/${env.SHARD_COUNT} (JOB_COMPLETION_INDEX=${k}, 0-based) into ${env.RESULTS_DIR}/shard-${k + 1}\n`,
      );
    }
  });
});

describe('the Slurm array script and the entry script', () => {
  it('asks for an array and hands its arguments to the entry script', () => {
    const script = text('deploy/slurm/array.sh');
    expect(script).toMatch(/^#SBATCH --array=1-\d+$/m);
    expect(script).toMatch(/^exec scripts\/shard-entry\.sh "\$@"$/m);
  });

  it('takes the shard from the array range, 0- or 1-based, or from SHARD_INDEX; each its own profile and port', () => {
    const base = { RESULTS_DIR: '/shared/r' };
    const slurm = (id: number, min: number, max: number, extra: Record<string, string> = {}) =>
      entry(['attack', '--preset', 'p'], {
        ...base,
        SLURM_ARRAY_TASK_ID: String(id),
        SLURM_ARRAY_TASK_MIN: String(min),
        SLURM_ARRAY_TASK_MAX: String(max),
        ...extra,
      });
    expect(slurm(0, 0, 2).stdout).toBe(
      'attack --preset p --shard 1/3 --out /shared/r/shard-1\nport=41731 profile=/tmp/safetune-profile-shard-1\n',
    );
    expect(slurm(3, 1, 3).stdout.split('\n')[0]).toBe(
      'attack --preset p --shard 3/3 --out /shared/r/shard-3',
    );
    expect(
      slurm(4, 0, 4, { SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '3' }).stdout.split(
        '\n',
      )[0],
    ).toBe('attack --preset p --shard 3/3 --out /shared/r/shard-3');
    const byHand = entry(['sweep', 's.json'], {
      ...base,
      SHARD_INDEX: '2',
      SHARD_COUNT: '2',
      SAFETUNE_LAB_PORT: '5000',
    });
    expect(byHand.stdout).toBe(
      'sweep s.json --shard 2/2 --out /shared/r/shard-2\nport=5000 profile=/tmp/safetune-profile-shard-2\n',
    );
  });

  it('exits with the lab status; a bad environment is one line and exit 2', () => {
    const env = { RESULTS_DIR: '/r', JOB_COMPLETION_INDEX: '1', SHARD_COUNT: '2' };
    expect(entry(['sweep', 's.json'], env, 1).status).toBe(1);
    expect(entry(['sweep', 's.json'], env, 0).status).toBe(0);
    const bad = (args: string[], e: Record<string, string>, line: string) => {
      const run = entry(args, e);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`shard-entry: ${line}\n`);
    };
    bad(['run', 'c.json'], env, 'the first argument must be sweep or attack (got "run")');
    bad(
      ['sweep', 's.json'],
      { JOB_COMPLETION_INDEX: '0', SHARD_COUNT: '2' },
      'RESULTS_DIR must name the shared results folder',
    );
    bad(
      ['sweep', 's.json'],
      { RESULTS_DIR: '/r' },
      'no shard in the environment: set JOB_COMPLETION_INDEX (0-based) or SHARD_INDEX (1-based) with SHARD_COUNT, or run as a Slurm array',
    );
    bad(
      ['sweep', 's.json'],
      { ...env, JOB_COMPLETION_INDEX: '2' },
      'shard 3/2 is outside 1 ≤ i ≤ n ≤ 1000 (JOB_COMPLETION_INDEX=2, 0-based)',
    );
    bad(
      ['sweep', 's.json'],
      { RESULTS_DIR: '/r', JOB_COMPLETION_INDEX: '0' },
      "JOB_COMPLETION_INDEX needs SHARD_COUNT (the Job's completions)",
    );
    bad(
      ['sweep', 's.json'],
      { RESULTS_DIR: '/r', JOB_COMPLETION_INDEX: 'x', SHARD_COUNT: '2' },
      'JOB_COMPLETION_INDEX must be a whole number (got "x")',
    );
    bad(
      ['sweep', 's.json'],
      {
        RESULTS_DIR: '/r',
        SLURM_ARRAY_TASK_ID: '2',
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_MAX: '2',
        SHARD_COUNT: '4',
      },
      'SHARD_COUNT=4 but the array has 3 tasks',
    );
  });
});
