// Types of semconv-doc.mjs for the tests that import it.
import type { Table } from '../test/conformance/check.js';

export function requirementTables(table: Table): Record<string, string>;
export function withRequirementTables(doc: string, table: Table): string;
