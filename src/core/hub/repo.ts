/**
 * Hugging Face Hub file URLs (the repo id syntax is the config's, `config/repoSpec.ts`). A model in a config is either a built-in name (no
 * slash) or `owner/name[@revision]`; its files live at `{endpoint}/{repo}/resolve/{revision}/{file}`,
 * the layout the Hub, its mirrors (`HF_ENDPOINT`) and the tests' local server share.
 */

import type { RepoRef } from '../config/repoSpec';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export {
  DEFAULT_REVISION,
  formatRepoSpec,
  isRepoSpec,
  parseRepoSpec,
  type RepoRef,
} from '../config/repoSpec';

/** The endpoint without trailing slashes, so URLs never contain `//`. */
export function normalizeEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, '');
}

/**
 * The download URL of `file` in a repo. The revision is one URL path segment, so a branch such as
 * `refs/pr/1` is sent as `refs%2Fpr%2F1`, as the Hub's own clients do; a file in a subfolder
 * keeps its slashes.
 */
export function fileUrl(endpoint: string, ref: RepoRef, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${normalizeEndpoint(endpoint)}/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
}
