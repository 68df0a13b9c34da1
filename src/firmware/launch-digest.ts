/**
 * The SNP firmware model: folds launch pages into GCTX.LD, the SHA-384 chain
 *   LD := SHA-384(PAGE_INFO(LD, contents, type, gpa))
 * starting from 48 zero bytes (or a seed), and records a measurement log entry per step.
 * specs/launch-digest.md §2.
 */
import { hashProvider, type HashProvider } from '../core/hash.js';
import { inputError } from '../core/errors.js';
import { STREAM_CHUNK, type ByteSource } from '../core/source.js';
import { hasContents, PAGE_SIZE, PageType, PAGE_TYPE_NAMES } from './page-types.js';
import { PAGE_INFO, writePageInfo } from './page-info.js';
import type { LogSink, MeasurementLogEntry } from './log.js';

export const DIGEST_SIZE = 48;
const ZERO48 = new Uint8Array(DIGEST_SIZE);
/** Below this many bytes, hashing pages inline beats handing them to a parallel provider. */
const BATCH_MIN = 1 << 20;
/** Chunks read/hashed ahead of the chain in measureSource (and buffers it reuses). */
const AHEAD = 3;
/**
 * Chunk size for synchronous sources (the CLI's files) of at most SMALL_SOURCE bytes. Fresh memory
 * costs a page fault per 4 KiB on first touch (~11 µs each on the 2-vCPU VM of
 * docs/benchmarks.md: 3 MiB of new read buffers were ~8 ms of a 4 MiB OVMF `measure`), and a
 * synchronous read has no latency for big chunks to hide. Other sources keep 1 MiB chunks: a
 * browser Blob read costs per call, and batches of 1 MiB feed providers' sha384Pages.
 */
const SMALL_CHUNK = 64 << 10;
const SMALL_SOURCE = 8 << 20;

export interface FirmwareOptions {
  /** Initial digest (48 bytes); default 48 zero bytes. */
  seed?: Uint8Array;
  /** true: keep the log in `log`; a function: stream entries to it; absent: no log (constant memory). */
  log?: boolean | LogSink;
  hash?: HashProvider;
}

export class SnpFirmware {
  private ld: Uint8Array;
  private readonly info = new Uint8Array(PAGE_INFO.SIZE);
  private readonly hash: HashProvider;
  private readonly sink: LogSink | undefined;
  /** Kept entries when created with `log: true`. */
  readonly log: MeasurementLogEntry[] | undefined;
  /** Number of PAGE_INFO steps so far. */
  steps = 0;

  constructor(opts: FirmwareOptions = {}) {
    this.hash = opts.hash ?? hashProvider();
    if (opts.seed !== undefined && opts.seed.length !== DIGEST_SIZE) {
      throw inputError('BAD_SEED', `initial digest must be ${DIGEST_SIZE} bytes, got ${opts.seed.length}`);
    }
    this.ld = opts.seed ? opts.seed.slice() : ZERO48.slice();
    if (opts.log === true) {
      const kept: MeasurementLogEntry[] = [];
      this.log = kept;
      this.sink = (e) => kept.push(e);
    } else {
      this.log = undefined;
      this.sink = typeof opts.log === 'function' ? opts.log : undefined;
    }
  }

  /** The current launch digest (a copy). */
  get digest(): Uint8Array {
    return this.ld.slice();
  }

  /**
   * One firmware step with an already computed CONTENTS value (null → 48 zero bytes).
   * Used directly by callers that hash pages elsewhere (workers, streams).
   */
  step(type: PageType, gpa: number, contents: Uint8Array | null, origin: string): void {
    checkStep(type, gpa);
    const c = hasContents(type) ? contents : null;
    if (hasContents(type) && (c === null || c.length !== DIGEST_SIZE)) {
      throw inputError('BAD_CONTENTS', `${PAGE_TYPE_NAMES[type]} page at 0x${gpa.toString(16)} needs a 48-byte contents digest`);
    }
    writePageInfo(this.info, this.ld, c, type, gpa);
    this.ld = this.hash.sha384(this.info);
    if (this.sink) {
      this.sink({ index: this.steps, gpa, pageType: type, contents: c ? c.slice() : ZERO48, digest: this.ld.slice(), origin });
    }
    this.steps++;
  }

  /**
   * The current digest without a copy, for hot loops that compare or copy it themselves; it is
   * replaced (not mutated) by the next step, so it stays valid.
   */
  get current(): Readonly<Uint8Array> {
    return this.ld;
  }

  /**
   * `count` identical steps (same type, GPA and contents), e.g. the AP VMSAs KVM measures one per
   * vCPU at one GPA: the PAGE_INFO is filled once and only its digest field changes per step.
   */
  repeatStep(type: PageType, gpa: number, contents: Uint8Array | null, count: number, origin: string): void {
    if (count <= 0) return;
    this.step(type, gpa, contents, origin);
    if (this.sink) {
      for (let i = 1; i < count; i++) this.step(type, gpa, contents, origin);
      return;
    }
    const info = this.info;
    for (let i = 1; i < count; i++) {
      info.set(this.ld, PAGE_INFO.DIGEST_CUR);
      this.ld = this.hash.sha384(info);
    }
    this.steps += count - 1;
  }

  /** Measures one page; `page` must be 4096 bytes for NORMAL/VMSA and is ignored otherwise. */
  measurePage(type: PageType, gpa: number, page: Uint8Array | null, origin: string): void {
    if (hasContents(type)) {
      if (!page || page.length !== PAGE_SIZE) {
        throw inputError('BAD_PAGE', `${PAGE_TYPE_NAMES[type]} page at 0x${gpa.toString(16)} must be ${PAGE_SIZE} bytes`);
      }
      this.step(type, gpa, this.hash.sha384(page), origin);
    } else {
      this.step(type, gpa, null, origin);
    }
  }

  /**
   * Measures a run of pages of one type, 4 KiB per step upward from `gpa`. For NORMAL/VMSA pass the
   * bytes (length a multiple of 4096); for the other types pass the length.
   */
  async measureRange(type: PageType, gpa: number, data: Uint8Array | number, origin: string): Promise<void> {
    const length = typeof data === 'number' ? data : data.length;
    if (length % PAGE_SIZE !== 0) {
      throw inputError('UNALIGNED_RANGE', `range at 0x${gpa.toString(16)} has length ${length}, not a multiple of 4096`);
    }
    const pages = length / PAGE_SIZE;
    if (!hasContents(type)) {
      for (let i = 0; i < pages; i++) this.step(type, gpa + i * PAGE_SIZE, null, origin);
      return;
    }
    if (typeof data === 'number') {
      throw inputError('BAD_PAGE', `${PAGE_TYPE_NAMES[type]} range at 0x${gpa.toString(16)} needs page data`);
    }
    const digests = await this.pageDigests(data);
    this.chainDigests(type, gpa, digests, origin);
  }

  /**
   * Streams `length` bytes of `src` from `offset` as pages (NORMAL/VMSA) starting at `gpa`, with
   * constant memory. Hashing of the next chunk overlaps chaining of the current one when the hash
   * provider is parallel.
   */
  async measureSource(type: PageType, gpa: number, src: ByteSource, offset: number, length: number, origin: string): Promise<void> {
    if (length % PAGE_SIZE !== 0) {
      throw inputError('UNALIGNED_RANGE', `${length} bytes at offset ${offset} are not a multiple of 4096`, { file: src.name, offset });
    }
    // Pipeline: chunk k is read and page-hashed (on workers, with a parallel provider) while the
    // chunks before it are chained here, with up to AHEAD chunks in flight. With `readInto` they
    // live in AHEAD reused buffers (bounded RSS): chunk k's buffer is reused by chunk k + AHEAD
    // only after k's page hashes resolved (sha384Pages has copied or hashed the data by then).
    const chunk = src.sync && length <= SMALL_SOURCE ? SMALL_CHUNK : STREAM_CHUNK;
    const count = Math.ceil(length / chunk);
    const bufs: Uint8Array[] = [];
    const start = (k: number): Promise<Uint8Array> => {
      const o = k * chunk;
      const n = Math.min(chunk, length - o);
      const ready = src.pageDigests?.(offset + o, n);
      if (ready) return Promise.resolve(ready);
      let data: Promise<Uint8Array>;
      if (src.readInto) {
        const buf = (bufs[k % AHEAD] ??= new Uint8Array(chunk));
        data = src.readInto(offset + o, n === chunk ? buf : buf.subarray(0, n));
      } else {
        data = src.read(offset + o, n);
      }
      const p = data.then((b) => this.pageDigests(b));
      p.catch(() => undefined); // rejections are seen by the loop; a chain error must not leave them unhandled
      if (src.keepPageDigests) void p.then((d) => src.keepPageDigests!(offset + o, n, d), () => undefined);
      return p;
    };
    const pending: Promise<Uint8Array>[] = [];
    for (let k = 0; k < Math.min(AHEAD, count); k++) pending.push(start(k));
    for (let k = 0; k < count; k++) {
      const digests = await pending.shift()!;
      if (k + AHEAD < count) pending.push(start(k + AHEAD));
      this.chainDigests(type, gpa + k * chunk, digests, origin);
    }
  }

  private async pageDigests(data: Uint8Array): Promise<Uint8Array> {
    if (this.hash.sha384Pages && data.length >= BATCH_MIN) return this.hash.sha384Pages(data);
    const out = new Uint8Array((data.length / PAGE_SIZE) * DIGEST_SIZE);
    const h = this.hash;
    for (let o = 0, d = 0; o < data.length; o += PAGE_SIZE, d += DIGEST_SIZE) {
      const page = data.subarray(o, o + PAGE_SIZE);
      if (h.sha384Into) h.sha384Into(page, out, d);
      else out.set(h.sha384(page), d);
    }
    return out;
  }

  private chainDigests(type: PageType, gpa: number, digests: Uint8Array, origin: string): void {
    for (let d = 0, g = gpa; d < digests.length; d += DIGEST_SIZE, g += PAGE_SIZE) {
      this.step(type, g, digests.subarray(d, d + DIGEST_SIZE), origin);
    }
  }
}

/** PAGE_INFO.GPA is a u64. Every page-aligned u64 (at most 52 significant bits) is exact as a double. */
const U64_END = 2 ** 64;

function checkStep(type: PageType, gpa: number): void {
  if (type === PageType.INVALID || !(type in PAGE_TYPE_NAMES)) {
    throw inputError('BAD_PAGE_TYPE', `page type ${type} cannot be measured`);
  }
  if (!Number.isInteger(gpa) || gpa < 0 || gpa >= U64_END || gpa % PAGE_SIZE !== 0) {
    throw inputError('UNALIGNED_GPA', `GPA 0x${gpa.toString(16)} is not a page-aligned guest address`);
  }
}
