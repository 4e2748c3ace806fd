/**
 * Share links: the config travels in the URL fragment (`#config=<payload>`), so it never reaches
 * a server and survives static hosting. The payload is `encodeConfigForUrl`'s compressed text.
 * A workshop link carries a sweep and its shard count the same way (`#workshop=<payload>`), and
 * may name the shard to suggest (`&shard=3`: one link per seat).
 */
import { encodeConfigForUrl } from '../core/config';
import type { ExperimentConfig } from '../core/config';

const KEY = 'config';
const WORKSHOP_KEY = 'workshop';
const SHARD_KEY = 'shard';

export async function shareLinkFor(config: ExperimentConfig, location: Location): Promise<string> {
  const payload = await encodeConfigForUrl(config);
  return `${location.origin}${location.pathname}#${KEY}=${payload}`;
}

/** The config payload in a URL fragment such as `#config=…`, if there is one. */
export function payloadFromHash(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get(KEY) ?? undefined;
}

/** The link of a workshop's payload (`encodeWorkshop`), naming `shard` to suggest if given. */
export function workshopLinkFor(
  payload: string,
  location: Pick<Location, 'origin' | 'pathname'>,
  shard?: number,
): string {
  const seat = shard === undefined ? '' : `&${SHARD_KEY}=${shard}`;
  return `${location.origin}${location.pathname}#${WORKSHOP_KEY}=${payload}${seat}`;
}

/**
 * The workshop payload in a URL fragment such as `#workshop=…&shard=2`, if there is one, and the
 * shard it names (undefined unless it is a whole number; whether it is in range is the
 * workshop's business).
 */
export function workshopFromHash(
  hash: string,
): { payload: string; shard: number | undefined } | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const payload = params.get(WORKSHOP_KEY);
  if (payload === null) return undefined;
  const shard = params.get(SHARD_KEY);
  return { payload, shard: shard !== null && /^\d{1,4}$/.test(shard) ? Number(shard) : undefined };
}
