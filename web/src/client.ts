/**
 * The page side of the worker protocol: one request → one promise; progress messages go to a
 * callback. The worker is inlined into the page by Vite (`?worker&inline`), so the built folder
 * stays a single file.
 */
import MeasureWorker from './worker.ts?worker&inline';
import type { Request, Response } from './protocol.js';

type Progress = Extract<Response, { type: 'progress' }>;
type Pending = { resolve: (r: Response) => void; reject: (e: Error) => void; progress?: (m: Progress) => void };

/** Distributes a request type over Request without losing the union (so `form`, `which`, … stay typed). */
type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

export class WorkerClient {
  private readonly worker = new MeasureWorker();
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Set when the worker could not start or crashed; every later call fails with it. */
  private failure: string | undefined;

  constructor() {
    this.worker.onmessage = (ev: MessageEvent<Response>) => {
      const m = ev.data;
      const p = this.pending.get(m.seq);
      if (!p) return;
      if (m.type === 'progress') return p.progress?.(m);
      this.pending.delete(m.seq);
      if (m.type === 'error') p.reject(new Error(m.message));
      else p.resolve(m);
    };
    this.worker.onerror = (ev) => {
      this.failure = `the measurement worker failed${ev.message ? `: ${ev.message}` : ' to start'}`;
      for (const p of this.pending.values()) p.reject(new Error(this.failure));
      this.pending.clear();
    };
  }

  call<T extends Response['type']>(req: WithoutSeq<Request>, progress?: Pending['progress']): Promise<Extract<Response, { type: T }>> {
    const seq = ++this.seq;
    if (this.failure !== undefined) return Promise.reject(new Error(this.failure));
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve: resolve as (r: Response) => void, reject };
      if (progress) p.progress = progress;
      this.pending.set(seq, p);
      this.worker.postMessage({ ...req, seq } as Request);
    });
  }
}
