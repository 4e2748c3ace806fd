/**
 * Share links: the config travels in the URL fragment (`#config=<payload>`), so it never reaches
 * a server and survives static hosting. The payload is `encodeConfigForUrl`'s compressed text.
 */
import { encodeConfigForUrl } from '../core/config';
import type { ExperimentConfig } from '../core/config';

const KEY = 'config';

export async function shareLinkFor(config: ExperimentConfig, location: Location): Promise<string> {
  const payload = await encodeConfigForUrl(config);
  return `${location.origin}${location.pathname}#${KEY}=${payload}`;
}

/** The config payload in a URL fragment such as `#config=…`, if there is one. */
export function payloadFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get(KEY) ?? undefined;
}
