/** Saves `value` as a pretty-printed JSON file through the browser's download prompt. */
export function downloadJSON(filename: string, value: unknown): void {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the object URL by now; revoke it on the next turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file-system-safe base name from a config name. */
export function fileBase(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'experiment';
}
