// CSI sequences (colours, cursor) and OSC sequences (hyperlinks, titles): what ansible and the
// console sinks put in text that is also read as plain text (widths, runner event stdout).
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what it matches
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
