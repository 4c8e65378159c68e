import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { LedgerExporter, ledgerErrorLog, logRecordKey, spanKey } from '../../src/export/ledger/ledger-exporter.js';
import { DeliveryLedger, ITEM_ID } from '../../src/export/ledger/delivery-ledger.js';
import { RunMarks } from '../../src/export/ledger/run-marks.js';
import { targetReport } from '../../src/export/target-report.js';
import { printExportReport } from '../../src/root/summary.js';
import { Logger } from '../../src/util/log.js';
import { tempDir } from '../helpers/sidecar-run.js';

const TRACE = 'a'.repeat(32);
const span = (spanId: string, traceId = TRACE): ReadableSpan => ({ spanContext: () => ({ traceId, spanId, traceFlags: 1 }) }) as unknown as ReadableSpan;
const ids = (spans: ReadableSpan[]): string[] => spans.map((s) => s.spanContext().spanId);

/** A destination whose exports settle when the test says so. */
class Destination<T = ReadableSpan> {
  readonly batches: { spans: T[]; done: (r: ExportResult) => void }[] = [];
  export(spans: T[], done: (r: ExportResult) => void): void {
    this.batches.push({ spans, done });
  }
  async shutdown(): Promise<void> {}
}

/** An exporter whose ledger writes end when the test says so. */
function heldLedgerExporter(): { dest: Destination; exporter: LedgerExporter<ReadableSpan>; writes: (() => void)[] } {
  const writes: (() => void)[] = [];
  const ledger = { dir: '/ledger', known: () => ({ has: () => false }), record: () => new Promise<void>((r) => writes.push(r)) };
  const dest = new Destination();
  return { dest, exporter: new LedgerExporter(dest, ledger as unknown as DeliveryLedger, spanKey), writes };
}

function exportNow<T>(e: { export(items: T[], done: (r: ExportResult) => void): void }, items: T[]): Promise<ExportResult> {
  return new Promise((resolve) => e.export(items, resolve));
}

describe('the span ledger of a destination', () => {
  it('passes the success upstream at once and is idle once the ids are on disk; a new sidecar skips them', async () => {
    const dir = tempDir();
    const dest = new Destination();
    const exporter = new LedgerExporter(dest, new DeliveryLedger(dir), spanKey);
    const upstream = exportNow(exporter, [span('1111111111111111'), span('2222222222222222')]);
    dest.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    expect((await upstream).code).toBe(ExportResultCode.SUCCESS);
    await exporter.idle();
    expect(readFileSync(join(dir, TRACE), 'utf8')).toBe('1111111111111111\n2222222222222222\n');
    expect(exporter.exportedWhole([TRACE])).toBe(true);

    const dest2 = new Destination();
    const restarted = new LedgerExporter(dest2, new DeliveryLedger(dir), spanKey);
    const result = exportNow(restarted, [span('1111111111111111'), span('3333333333333333')]);
    expect(ids(dest2.batches[0]!.spans)).toEqual(['3333333333333333']);
    dest2.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    expect((await result).code).toBe(ExportResultCode.SUCCESS);
    expect(restarted.skipped).toBe(1);
    await restarted.idle();
    expect(await exportNow(restarted, [span('3333333333333333')])).toEqual({ code: ExportResultCode.SUCCESS });
    expect(dest2.batches.length).toBe(1); // nothing left to send: not even an empty request
  });

  it('while the ledger writes, the ids stay on their way: a replayed copy is not sent, and the run is not idle', async () => {
    const { dest, exporter, writes } = heldLedgerExporter();
    const upstream = exportNow(exporter, [span('1111111111111111')]);
    dest.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    expect((await upstream).code).toBe(ExportResultCode.SUCCESS); // before the write ended
    let idle = false;
    void exporter.idle().then(() => (idle = true));
    exporter.export([span('1111111111111111')], () => {});
    expect(dest.batches.length).toBe(1);
    await Promise.resolve();
    expect(idle).toBe(false);
    writes[0]!();
    await exporter.idle();
    expect(idle).toBe(true);
  });

  it('holds the success back while the ledger is more than a queue behind (a stalled disk)', async () => {
    const { dest, exporter, writes } = heldLedgerExporter();
    const many = Array.from({ length: 65_537 }, (_, i) => span(i.toString(16).padStart(16, '0')));
    let answered = false;
    exporter.export(many, () => (answered = true));
    dest.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    await Promise.resolve();
    expect(answered).toBe(false);
    writes[0]!();
    await exporter.idle();
    expect(answered).toBe(true);
  });

  it('says once when the ledger cannot write, and the trace is then not out (its run stays in the spool)', async () => {
    const ledger = { dir: '/ledger', known: () => ({ has: () => false }), record: () => Promise.reject(new Error('EROFS: read-only file system')) };
    const said: string[] = [];
    const dest = new Destination();
    const exporter = new LedgerExporter(dest, ledger as unknown as DeliveryLedger, spanKey, (m) => said.push(m));
    for (const id of ['1111111111111111', '2222222222222222']) {
      const upstream = exportNow(exporter, [span(id)]);
      dest.batches.at(-1)!.done({ code: ExportResultCode.SUCCESS });
      expect((await upstream).code).toBe(ExportResultCode.SUCCESS); // the backend has them
    }
    await exporter.idle();
    expect(exporter.exportedWhole([TRACE])).toBe(false);
    expect(said).toEqual(['delivery ledger /ledger: EROFS: read-only file system', 'delivery ledger /ledger: EROFS: read-only file system']);
    let out = '';
    const log = new Logger((l) => (out += l));
    const warn = ledgerErrorLog(log, 'spans', 'http://c/v1/traces');
    for (const m of said) warn(m);
    expect(out).toBe(
      'ansible-otel: warning: delivery ledger /ledger: EROFS: read-only file system: spans delivered to http://c/v1/traces are not recorded; the run stays in the spool, and a replay may send them again (said once)\n',
    );
  });

  it('records nothing of a failed export, and says the trace is not out', async () => {
    const dir = tempDir();
    const dest = new Destination();
    const exporter = new LedgerExporter(dest, new DeliveryLedger(dir), spanKey);
    const result = exportNow(exporter, [span('1111111111111111')]);
    dest.batches[0]!.done({ code: ExportResultCode.FAILED, error: new Error('503') });
    expect((await result).code).toBe(ExportResultCode.FAILED);
    expect(exporter.exportedWhole([TRACE])).toBe(false);
    expect(exporter.exportedWhole(['b'.repeat(32)])).toBe(true);
    expect(new DeliveryLedger(dir).has(TRACE, '1111111111111111')).toBe(false);
  });

  it('sends again what a failed export had on its way, across traces of one batch', async () => {
    const dest = new Destination();
    const exporter = new LedgerExporter(dest, new DeliveryLedger(tempDir()), spanKey);
    const other = 'b'.repeat(32);
    const batch = [span('1111111111111111'), span('2222222222222222', other), span('3333333333333333')];
    const failed = exportNow(exporter, batch);
    dest.batches[0]!.done({ code: ExportResultCode.FAILED, error: new Error('503') });
    await failed;
    const retried = exportNow(exporter, batch);
    expect(dest.batches.map((b) => ids(b.spans))).toEqual([ids(batch), ids(batch)]);
    dest.batches[1]!.done({ code: ExportResultCode.SUCCESS });
    expect((await retried).code).toBe(ExportResultCode.SUCCESS);
    expect(exporter.skipped).toBe(0);
  });

  it('sends a span once when a replay re-creates it while the first copy is still on its way', async () => {
    const dest = new Destination();
    const exporter = new LedgerExporter(dest, new DeliveryLedger(tempDir()), spanKey);
    exporter.export([span('1111111111111111'), span('1111111111111111')], () => {});
    exporter.export([span('1111111111111111'), span('2222222222222222')], () => {});
    expect(dest.batches.map((b) => ids(b.spans))).toEqual([['1111111111111111'], ['2222222222222222']]);
    const idle = exporter.idle();
    let settled = false;
    void idle.then(() => (settled = true));
    dest.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    await Promise.resolve();
    expect(settled).toBe(false); // the second export is still out
    dest.batches[1]!.done({ code: ExportResultCode.SUCCESS });
    await idle;
  });

  it('ignores a line a crash cut short (it was never reported as sent)', async () => {
    const dir = tempDir();
    await new DeliveryLedger(dir).record(TRACE, ['1111111111111111']);
    appendFileSync(join(dir, TRACE), '22222222');
    const ledger = new DeliveryLedger(dir);
    expect(ledger.has(TRACE, '1111111111111111')).toBe(true);
    expect(ledger.has(TRACE, '22222222')).toBe(false);
    await ledger.record(TRACE, ['3333333333333333']); // on a line of its own, not glued to the torn one
    const reread = new DeliveryLedger(dir);
    expect(reread.has(TRACE, '1111111111111111') && reread.has(TRACE, '3333333333333333')).toBe(true);
  });
});

describe('the log record ledger of a destination', () => {
  const record = (uid: string | undefined, traceId = TRACE) =>
    ({
      attributes: uid === undefined ? {} : { 'log.record.uid': uid },
      spanContext: { traceId, spanId: '1'.repeat(16), traceFlags: 1 },
    }) as unknown as ReadableLogRecord;

  it('keys records by log.record.uid: a new sidecar skips what an earlier one delivered; a record without one always goes', async () => {
    const dir = tempDir();
    const [a, b] = ['a'.repeat(32), 'b'.repeat(32)];
    const first = new Destination<ReadableLogRecord>();
    const exporter = new LedgerExporter(first, new DeliveryLedger(dir, ITEM_ID.logRecord), logRecordKey);
    const sent = exportNow(exporter, [record(a)]);
    first.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    expect((await sent).code).toBe(ExportResultCode.SUCCESS);
    await exporter.idle();
    expect(readFileSync(join(dir, TRACE), 'utf8')).toBe(`${a}\n`);

    const second = new Destination<ReadableLogRecord>();
    const restarted = new LedgerExporter(second, new DeliveryLedger(dir, ITEM_ID.logRecord), logRecordKey);
    void exportNow(restarted, [record(a), record(b), record(undefined)]);
    expect(second.batches[0]!.spans.map((r) => r.attributes['log.record.uid'])).toEqual([b, undefined]);
    expect(restarted.skipped).toBe(1);
  });
});

describe('the summary of a destination with a ledger', () => {
  const durable = (delivered: number) => ({ dir: '/q', stats: () => ({ delivered, queuedItems: 0, queuedBatches: 0, evictedItems: 0, refusedItems: 0 }) });
  const summary = (t: ReturnType<typeof targetReport>, ended: number): string => {
    let out = '';
    printExportReport(new Logger((l) => (out += l)), { ended, exported: t.delivered, failed: 0, dropped: t.dropped, targets: [t.target], perTarget: [t] }, 5);
    return out;
  };

  it('counts what an earlier sidecar delivered as delivered, and says how many were not sent again', () => {
    const t = targetReport({ target: 'http://c/v1/traces', exported: 3, failed: 0 }, durable(3), 10, 7);
    expect([t.delivered, t.dropped, t.alreadyDelivered]).toEqual([10, 0, 7]);
    expect(summary(t, 10)).toBe('ansible-otel: 10 spans → http://c/v1/traces (7 of them an earlier sidecar delivered, per the ledger: not sent again)\n');
  });

  it('says nothing of the ledger when it skipped nothing, and names the shortfall when spans are missing', () => {
    expect(summary(targetReport({ target: 'http://c/v1/traces', exported: 10, failed: 0 }, durable(10), 10, 0), 10)).toBe(
      'ansible-otel: 10 spans → http://c/v1/traces\n',
    );
    expect(summary(targetReport({ target: 'http://c/v1/traces', exported: 3, failed: 0 }, durable(3), 10, 2), 10)).toMatch(
      /^ansible-otel: warning: 5 of 10 spans → http:\/\/c\/v1\/traces \(2 of them an earlier sidecar delivered, .*\); 5 not delivered within the 5 s flush deadline/,
    );
  });
});

describe('run marks', () => {
  it('survive a restart and say nothing of other runs', () => {
    const dir = tempDir();
    new RunMarks(dir).mark('0123abcd');
    expect(new RunMarks(dir).done('0123abcd')).toBe(true);
    expect(new RunMarks(dir).done('0123abce')).toBe(false);
    expect(new RunMarks(dir).done('../../etc/passwd')).toBe(false);
  });
});
