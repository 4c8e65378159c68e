// Which frame the run model is giving events for right now. The model is pure and synchronous:
// every event of a frame is given while the pipeline applies that frame, so the pipeline sets
// the cursor around `apply` (and around a run's end) and an output gate reads it to tell which
// frame an event comes from (src/export/ledger/output-gate.ts). A replay of the same frames
// gives the same events at the same places, which is what makes a per-output watermark work.
/** The place of what a run's end gives (the events of an interrupted run's finish): past every frame. */
export const RUN_END = Number.MAX_SAFE_INTEGER;

export class FrameCursor {
  /** Undefined between frames: an event then is no frame's (never gated). */
  runId: string | undefined = undefined;
  seq = 0;
  /** The run may have been seen by an earlier sidecar (a spool file, a resume, a replay). */
  mayRepeat = false;
  /**
   * The run as this process has it (its model): a run cut off and then replayed from its spool
   * by the same sidecar is a second one under the same id, which starts over from frame 0.
   */
  owner: object | undefined = undefined;

  /** Runs `apply` with the cursor on the frame `seq` of the run (RUN_END: its end). */
  at<T>(runId: string, seq: number, mayRepeat: boolean, owner: object, apply: () => T): T {
    this.runId = runId;
    this.seq = seq;
    this.mayRepeat = mayRepeat;
    this.owner = owner;
    try {
      return apply();
    } finally {
      this.runId = undefined;
    }
  }
}
