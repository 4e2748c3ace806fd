/**
 * The Hub endpoint as the page edits it: the text in the field, whether it is a usable address,
 * and the endpoint every worker call uses (null while the text is invalid). A valid value is
 * saved in localStorage as it is typed, so the next visit starts from it.
 */
import { browserStorage } from './browserStorage';
import { parseHubEndpoint, readHubEndpoint, writeHubEndpoint } from './hubEndpoint';

export class HubSetting {
  text = $state('');
  readonly parsed = $derived(parseHubEndpoint(this.text));
  /** The endpoint to use, or null while the text is not a valid address. */
  readonly endpoint = $derived(this.parsed.ok ? this.parsed.endpoint : null);
  readonly problem = $derived(this.parsed.ok ? null : this.parsed.problem);

  constructor(private readonly storage: Storage | undefined = browserStorage()) {
    this.text = readHubEndpoint(storage);
  }

  set(text: string): void {
    this.text = text;
    const parsed = parseHubEndpoint(text);
    if (parsed.ok) writeHubEndpoint(this.storage, parsed.endpoint);
  }
}
