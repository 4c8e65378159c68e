// Just enough protobuf to read an OTLP ExportTraceServiceRequest without decoding it all:
// count spans by skipping over them, or pick a few string attributes of each span.
//
// ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
// ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
// ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
// Span { … fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; … }
// KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; … }

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.buf[this.pos++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  }

  /** Calls `field` for each field of the message; a length-delimited field comes as a sub-reader. */
  fields(field: (no: number, wire: number, sub: Reader | undefined) => void): void {
    while (this.pos < this.end) {
      const tag = this.varint();
      const wire = tag & 7;
      const no = tag >>> 3;
      if (wire === LENGTH) {
        const len = this.varint();
        const sub = new Reader(this.buf, this.pos, this.pos + len);
        this.pos += len;
        field(no, wire, sub);
      } else {
        const at = this.pos;
        this.skip(wire);
        field(no, wire, new Reader(this.buf, at, this.pos));
      }
    }
  }

  private skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === FIXED32) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }

  string(): string {
    return this.buf.toString('utf8', this.pos, this.end);
  }

  /** A fixed64 as a (possibly rounded) number. */
  fixed64(): number {
    return this.buf.readUInt32LE(this.pos) + this.buf.readUInt32LE(this.pos + 4) * 2 ** 32;
  }
}

function eachSpan(body: Buffer, visit: (span: Reader) => void): void {
  new Reader(body, 0, body.length).fields((no, wire, resourceSpans) => {
    if (no !== 1 || wire !== LENGTH) return;
    resourceSpans!.fields((no2, wire2, scopeSpans) => {
      if (no2 !== 2 || wire2 !== LENGTH) return;
      scopeSpans!.fields((no3, wire3, span) => {
        if (no3 === 2 && wire3 === LENGTH) visit(span!);
      });
    });
  });
}

/** The number of spans in an encoded ExportTraceServiceRequest (span bodies are skipped). */
export function countSpans(body: Buffer): number {
  let n = 0;
  eachSpan(body, () => {
    n += 1;
  });
  return n;
}

export interface SpanPick {
  /** The span's string attributes among the wanted keys. */
  attributes: Record<string, string>;
  endNs: number;
}

/** The wanted string attributes (and end time) of every span in the request. */
export function pickSpans(body: Buffer, keys: ReadonlySet<string>): SpanPick[] {
  const out: SpanPick[] = [];
  eachSpan(body, (span) => {
    const pick: SpanPick = { attributes: {}, endNs: 0 };
    span.fields((no, wire, field) => {
      if (no === 8 && wire === FIXED64) pick.endNs = field!.fixed64();
      if (no !== 9 || wire !== LENGTH) return;
      let key: string | undefined;
      let value: string | undefined;
      field!.fields((kvNo, kvWire, kv) => {
        if (kvNo === 1 && kvWire === LENGTH) key = kv!.string();
        else if (kvNo === 2 && kvWire === LENGTH && key !== undefined && keys.has(key))
          kv!.fields((avNo, avWire, av) => {
            if (avNo === 1 && avWire === LENGTH) value = av!.string();
          });
      });
      if (key !== undefined && value !== undefined) pick.attributes[key] = value;
    });
    out.push(pick);
  });
  return out;
}

export interface EncodedSpan {
  /** The span's bytes in the request: the Span message with its field tag and length prefix. */
  framedBytes: number;
  /** The Span message alone (no framing), a view into the request body. */
  message: Buffer;
  /** Its attribute keys. */
  keys: Set<string>;
}

/** Every span of the request as encoded, with its attribute keys (for sizes by kind of span). */
export function encodedSpans(body: Buffer): EncodedSpan[] {
  const out: EncodedSpan[] = [];
  eachSpan(body, (span) => {
    const start = span.pos; // fields() below moves it to the end
    const keys = new Set<string>();
    span.fields((no, wire, kv) => {
      if (no !== 9 || wire !== LENGTH) return;
      kv!.fields((kvNo, kvWire, key) => {
        if (kvNo === 1 && kvWire === LENGTH) keys.add(key!.string());
      });
    });
    const length = span.end - start;
    out.push({ framedBytes: 1 + varintLength(length) + length, message: span.buf.subarray(start, span.end), keys });
  });
  return out;
}

const varintLength = (n: number): number => (n < 0x80 ? 1 : 1 + varintLength(Math.floor(n / 128)));
