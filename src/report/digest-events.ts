// A run digest (from the history, or a frames recording) back into the events a report is built
// from: tasks and their host results, without the messages and timings only a trace keeps.
import type { RunDigest } from '../analysis/run-digest.js';
import type { RunObserver, RunRef } from '../model/run-observer.js';

export function digestEvents(d: RunDigest, observer: RunObserver): void {
  const ref: RunRef = {
    runId: d.runId,
    pipelineRunId: d.runId,
    playbook: d.playbook,
    playbookPath: d.playbookPath,
    traceId: d.traceId,
    rootSpanId: d.rootSpanId,
  };
  observer.playbookStart?.({ ...ref, startNs: d.startNs, spanId: d.rootSpanId });
  let play: string | undefined;
  for (const t of d.tasks) {
    if (t.play !== play) {
      play = t.play;
      observer.playStart?.({ ...ref, play, playUuid: play, startNs: t.startNs, batch: 1, spanId: '' });
    }
    const role = [...t.scopes]
      .reverse()
      .find((s) => s.startsWith('role '))
      ?.slice(5);
    observer.taskStart?.({
      ...ref,
      play,
      task: t.name,
      taskUuid: t.spanId,
      action: t.action,
      role,
      handler: t.handler === true,
      startNs: t.startNs,
      spanId: t.spanId,
    });
    for (const [host, r] of Object.entries(t.hosts)) {
      observer.hostResult?.({
        ...ref,
        play,
        task: t.name,
        taskUuid: t.spanId,
        taskRunId: t.spanId,
        role,
        handler: t.handler === true,
        host,
        status: r.s,
        startNs: t.startNs,
        endNs: t.startNs + r.d,
        items: 0,
        retries: 0,
        spanId: '',
        changed: r.c === 1,
        taskSpanId: t.spanId,
      });
    }
  }
  observer.playbookEnd?.({
    ...ref,
    startNs: d.startNs,
    endNs: d.startNs + d.durationNs,
    result: d.result,
    interrupted: d.interrupted === true,
    stats: {},
    failedHosts: [],
    unreachableHosts: [],
    spanId: d.rootSpanId,
    digest: d,
  });
}
