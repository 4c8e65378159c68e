/**
 * The lines the sidecar writes back to a shim (docs/protocol.md, "Ack"): `ready` when the
 * connection opens (this sidecar acks: the shim keeps its spool file until the ack), and `ack`
 * once every span of the run is safely exported (the shim may delete the spool file).
 */
export const READY_LINE = `${JSON.stringify({ t: 'ready', ack: true })}\n`;

export function ackLine(run: string, seq: number): string {
  return `${JSON.stringify({ t: 'ack', run, seq })}\n`;
}
