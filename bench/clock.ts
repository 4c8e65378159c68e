// Wall clock in milliseconds with sub-millisecond precision, comparable across processes.
export const wallMs = (): number => performance.timeOrigin + performance.now();
