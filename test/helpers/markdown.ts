// Just enough of GitHub-flavoured Markdown for the docs tests: tables, code spans, headings'
// anchors and relative links, all outside fenced code blocks.

/** The text without its fenced code blocks (their lines become empty, so line numbers hold). */
export function withoutFences(md: string): string {
  let fenced = false;
  return md
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
}

/** A table row's cells: split at pipes that are not escaped (`\|` stays in the cell, as `|`). */
export function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
}

/** The body rows of every table whose header is exactly `header`. */
export function tableRows(md: string, header: string[]): string[][] {
  const lines = withoutFences(md).split('\n');
  const rows: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || cells(lines[i]!).join('\u0000') !== header.join('\u0000')) continue;
    for (let j = i + 2; j < lines.length && lines[j]!.trim().startsWith('|'); j++) rows.push(cells(lines[j]!));
  }
  return rows;
}

/** The contents of a text's code spans, in order. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** A heading's anchor as GitHub makes it (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a file's headings give, duplicates numbered as GitHub numbers them. */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Link targets outside code: `[text](target)`, without a title. */
export function links(md: string): string[] {
  const text = withoutFences(md).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** What a reader takes as one statement: each line of a code block, else a paragraph or list item. */
export function statements(md: string): string[] {
  const out: string[] = [];
  let fenced = false;
  let prose: string[] = [];
  const flush = (): void => {
    if (prose.length) out.push(prose.join(' '));
    prose = [];
  };
  for (const line of md.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      flush();
      fenced = !fenced;
    } else if (fenced) out.push(line);
    else if (!line.trim() || /^\s*([-*]|\d+\.) /.test(line)) {
      flush();
      if (line.trim()) prose.push(line);
    } else prose.push(line);
  }
  flush();
  return out;
}
