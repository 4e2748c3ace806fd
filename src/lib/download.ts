/** Saves `value` as a pretty-printed JSON file through the browser's download prompt. */
export function downloadJSON(filename: string, value: unknown): void {
  downloadText(filename, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

/** Saves `text` as a file of MIME type `type` through the browser's download prompt. */
export function downloadText(filename: string, text: string, type: string): void {
  const blob = new Blob([text], { type });
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
