/** `scheme://user:password@host` → `scheme://host`: credentials never reach a log line. */
export function stripUrlCredentials(text: string): string {
  return text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^\s/@'"]+@/g, '$1');
}
