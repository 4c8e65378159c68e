/**
 * The lines the sidecar writes back to a shim (docs/protocol.md, "Ack" and "Reconnect and resume"): `ready`
 * when the connection opens (this sidecar acks: the shim keeps its spool file until the ack; and
 * it takes `resume`), `ready` again naming a resumed run and the last `seq` of it applied, and
 * `ack` once every span of the run is safely exported (the shim may delete the spool file).
 */
export const READY_LINE = `${JSON.stringify({ t: 'ready', ack: true, resume: true })}\n`;

/** The answer to `resume`: frames of `run` up to `applied` are applied (-1: none); the shim sends the rest. */
export function resumedLine(run: string, applied: number): string {
  return `${JSON.stringify({ t: 'ready', ack: true, resume: true, run, applied })}\n`;
}

export function ackLine(run: string, seq: number): string {
  return `${JSON.stringify({ t: 'ack', run, seq })}\n`;
}
