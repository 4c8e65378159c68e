// Rewrites the schema tables of docs/protocol.md from src/protocol/schema.ts (after a build):
//   npm run docs:protocol
import { readFileSync, writeFileSync } from 'node:fs';
import { withProtocolTables } from '../dist/protocol/schema-doc.js';

const doc = new URL('../docs/protocol.md', import.meta.url);
writeFileSync(doc, withProtocolTables(readFileSync(doc, 'utf8')));
