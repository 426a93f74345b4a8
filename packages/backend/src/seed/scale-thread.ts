/**
 * The scale generator on a thread of its own (the thread runs scale-worker.ts). Generating a batch is a
 * synchronous loop: on the thread that also feeds COPY it blocked the sockets
 * (and PGlite, which runs on that thread) for as long as it ran, so a
 * server's sessions sat idle while the next batch was built. Measured at
 * 200,000 people on PostgreSQL 15: 58 s in all, of which ~17 s with the
 * event loop blocked by generation; COPY of the events alone took 39 s.
 *
 */
import { Worker } from 'node:worker_threads';
import type { ScaleBatch, ScaleOptions } from './scale.ts';

export type GeneratorOptions = Pick<ScaleOptions, 'profiles' | 'seed' | 'now' | 'batchSize'>;
export interface Job {
  kind: 'tessera-scale-batches';
  workspaceId: string;
  options: Omit<GeneratorOptions, 'now'> & { now?: string };
}
export type FromWorker = { batch: ScaleBatch } | { done: true } | { error: string };

// Batches generated ahead of the writer: one being written, one ready. Each is ~18 MB of text at 5,000 people.
export const AHEAD = 2;

/**
 * The batches of {@link scaleBatches}, generated on a worker thread at most {@link AHEAD} ahead of the caller.
 *
 * @example
 * for await (const batch of batchesOffThread(workspaceId, { profiles: 1_000_000, seed: 7, batchSize: 5_000 })) await write(batch);
 */
export async function* batchesOffThread(workspaceId: string, options: GeneratorOptions): AsyncGenerator<ScaleBatch> {
  const job: Job = {
    kind: 'tessera-scale-batches',
    workspaceId,
    options: { profiles: options.profiles, seed: options.seed, batchSize: options.batchSize, now: options.now?.toISOString() },
  };
  const worker = startWorker(job);
  const waiting: FromWorker[] = [];
  let wake: (() => void) | undefined;
  const arrive = (message: FromWorker) => {
    waiting.push(message);
    wake?.();
  };
  worker.on('message', arrive);
  worker.on('error', (error) => arrive({ error: error.message }));
  worker.on('exit', (code) => arrive(code === 0 ? { done: true } : { error: `the generator thread exited with code ${code}` }));
  try {
    while (true) {
      if (!waiting.length) await new Promise<void>((resolve) => (wake = resolve));
      const message = waiting.shift()!;
      if ('error' in message) throw new Error(`seed: ${message.error}`);
      if ('done' in message) return;
      worker.postMessage('next');
      yield message.batch;
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * The bundle (dist/cli.js and its chunks) starts dist/scale-worker.js beside it. Source run through tsx
 * (tests, the bench) starts scale-worker.ts with tsx registered first: a worker thread doesn't get the
 * main thread's loader hooks.
 */
function startWorker(job: Job): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./scale-worker.js', import.meta.url), { workerData: job });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./scale-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry)}))`;
  return new Worker(bootstrap, { eval: true, workerData: job });
}
