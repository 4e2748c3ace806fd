/**
 * How a config names things on the Hugging Face Hub: a model repo `owner/name[@revision]` and a
 * dataset's config and split names. The syntax belongs to the config (validation checks it without
 * loading any Hub code); `hub/` and `data/hub/` use the same rules when they build URLs.
 */

/**
 * A config or split name of a Hub dataset: one URL path segment on the parquet conversion branch
 * (no slash, no `..`, no spaces).
 */
export const HUB_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export const DEFAULT_REVISION = 'main';

export interface RepoRef {
  /** `owner/name`. */
  repo: string;
  /** A branch (`main`, `refs/pr/1`), a tag or a 40-hex commit. */
  revision: string;
}

// The Hub's rule for each side of a repo id (huggingface_hub's validate_repo_id is a little looser
// about the first character; the Hub itself refuses ids that do not start with a letter or digit).
const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REPO_PART_MAX = 96;

// Git ref names are very permissive; this allows what branches, tags and commits on the Hub use
// and refuses what would change the meaning of the URL (spaces, `?`, `#`, `%`, `\`, `..`).
const REVISION = /^[A-Za-z0-9._\-/+]+$/;

/** True when `text` names a Hub repo rather than a built-in model (built-in names have no slash). */
export function isRepoSpec(text: string): boolean {
  return text.includes('/');
}

/** Parse `owner/name[@revision]`; throws an Error naming the part that is wrong. */
export function parseRepoSpec(text: string): RepoRef {
  const quoted = JSON.stringify(text);
  if (text.length === 0) throw new Error('model repo id is empty: expected owner/name[@revision]');
  const at = text.indexOf('@');
  const repo = at === -1 ? text : text.slice(0, at);
  const revision = at === -1 ? DEFAULT_REVISION : text.slice(at + 1);

  const parts = repo.split('/');
  if (parts.length === 1) {
    throw new Error(`model repo id ${quoted} has no owner: expected owner/name[@revision]`);
  }
  if (parts.length > 2) {
    throw new Error(
      `model repo id ${quoted} has ${parts.length - 1} slashes: expected exactly one (owner/name[@revision])`,
    );
  }
  const [owner, name] = parts;
  for (const [label, part] of [
    ['owner', owner],
    ['name', name],
  ] as const) {
    if (part.length === 0) throw new Error(`model repo id ${quoted}: the ${label} is empty`);
    if (!REPO_PART.test(part)) {
      throw new Error(
        `model repo id ${quoted}: the ${label} ${JSON.stringify(part)} may only contain letters, ` +
          'digits, ".", "_" and "-", and must start with a letter or digit',
      );
    }
    if (part.includes('--') || part.includes('..')) {
      throw new Error(
        `model repo id ${quoted}: the ${label} ${JSON.stringify(part)} may not contain "--" or ".."`,
      );
    }
    if (part.length > REPO_PART_MAX) {
      throw new Error(
        `model repo id ${quoted}: the ${label} is ${part.length} characters long (at most ${REPO_PART_MAX})`,
      );
    }
  }

  if (revision.length === 0)
    throw new Error(`model repo id ${quoted}: the revision after "@" is empty`);
  if (!REVISION.test(revision)) {
    throw new Error(
      `model repo id ${quoted}: the revision ${JSON.stringify(revision)} may only contain letters, ` +
        'digits, ".", "_", "-", "+" and "/"',
    );
  }
  if (
    revision.startsWith('/') ||
    revision.endsWith('/') ||
    revision.includes('//') ||
    revision.split('/').some((segment) => segment === '.' || segment === '..')
  ) {
    throw new Error(
      `model repo id ${quoted}: the revision ${JSON.stringify(revision)} is not a valid branch, tag or commit`,
    );
  }
  return { repo, revision };
}

/** `owner/name@revision`, the form used in messages and cache keys. */
export function formatRepoSpec(ref: RepoRef): string {
  return `${ref.repo}@${ref.revision}`;
}
