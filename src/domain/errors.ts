// The text of a thrown value, for logs and error messages: anything can be thrown, not only an Error.

/** An Error's message; anything else thrown, as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
