/**
 * The generator thread of the scale seed (see scale-thread.ts): it generates
 * the batches of scaleBatches and posts each one, at most AHEAD ahead of what
 * the main thread has taken.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { scaleBatches, type ScaleOptions } from './scale.ts';
import { AHEAD, type FromWorker, type Job } from './scale-thread.ts';

async function generate(job: Job, port: NonNullable<typeof parentPort>) {
  let credit = AHEAD;
  let more: (() => void) | undefined;
  port.on('message', () => {
    credit++;
    more?.();
  });
  const options = { ...job.options, now: job.options.now ? new Date(job.options.now) : undefined };
  for (const batch of scaleBatches(job.workspaceId, options as ScaleOptions)) {
    while (credit === 0) await new Promise<void>((resolve) => (more = resolve));
    credit--;
    port.postMessage({ batch } satisfies FromWorker);
  }
  port.postMessage({ done: true } satisfies FromWorker);
  port.close();
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.kind === 'tessera-scale-batches') {
  const port = parentPort;
  generate(workerData as Job, port).catch((error: Error) => port.postMessage({ error: error.message } satisfies FromWorker));
}
