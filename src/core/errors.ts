/** What an error says, in one place: an `Error`'s message, or anything else thrown, as text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
