// run --baseline auto|FILE: what each playbook of the run is compared with, found when it starts.
// `auto`: the last successful run with the same key in the history; FILE (or a history ref): the
// run read from it before the command starts. The earlier runs with the same key come from the
// history either way, for the noise rule and idempotence (src/analysis/compare.ts).
import type { BaselineContext, BaselineLookup } from '../analysis/baseline.js';
import type { CompareThresholds } from '../analysis/compare.js';
import type { RunDigest } from '../analysis/run-digest.js';
import { keyId, keyText, type RunKey } from '../analysis/run-key.js';
import type { HistoryStore } from './history-store.js';

/** The earlier runs with the same key, oldest first; none without a history or a key. */
function earlier(store: HistoryStore | undefined, key: RunKey | undefined): RunDigest[] {
  return store && key ? store.runs(keyId(key)) : [];
}

/** `auto`: the last successful, whole run with the same key. */
export function autoBaseline(store: HistoryStore, thresholds: CompareThresholds): BaselineLookup {
  return ({ key }) => {
    if (!key) return 'the run did not say its command line (an old shim?): no key to look its history up by';
    const history = earlier(store, key);
    const base = history.filter((d) => d.result === 'success' && !d.interrupted).at(-1);
    if (!base) return `no earlier successful run of ${keyText(key)} in ${store.dir}: this run is the first baseline`;
    return { base, history, thresholds } satisfies BaselineContext;
  };
}

/** A baseline read from a file: the playbook of the same path (else name, else the first) of that run. */
export function fileBaseline(runs: RunDigest[], what: string, store: HistoryStore | undefined, thresholds: CompareThresholds): BaselineLookup {
  return ({ playbookPath, playbook, key }) => {
    const base = runs.find((d) => d.playbookPath === playbookPath) ?? runs.find((d) => d.playbook === playbook) ?? runs[0];
    if (!base) return `${what}: no playbook run in it`;
    return { base, history: earlier(store, key), thresholds };
  };
}
