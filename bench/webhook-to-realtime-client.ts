// The far side of bench/webhook-to-realtime.ts, on a thread of its own as
// the shop sending webhooks and the shopper's browser would be: PGlite runs
// on the server's thread and blocks it while it works, and a client sharing
// that thread would be timed waiting for it. Sends each delivery it is given
// and answers with when it was sent, answered and seen arriving, in
// milliseconds since the epoch (performance.timeOrigin + now, comparable
// across threads).
import { createClient } from '@supabase/supabase-js';
import { parentPort, workerData } from 'node:worker_threads';
import ws from 'ws';

/** What to subscribe to: the profile over supabase-js, or the floor's bare websocket. */
export type Subscription =
  | { kind: 'tessera'; url: string; anonKey: string; token: string; profileId: string }
  | { kind: 'floor'; url: string };

/** One delivery: POST `body` with `headers` to `url`, then wait for the change whose key is `expect`. */
export interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
  expect: string;
}

export interface Timing {
  sentAt: number;
  answeredAt: number;
  receivedAt: number;
}

const now = () => performance.timeOrigin + performance.now();
let waiting: { expect: string; arrived: (at: number) => void } | undefined;
const arrival = (key: string) => waiting?.expect === key && waiting.arrived(now());

async function subscribe(subscription: Subscription): Promise<() => Promise<void>> {
  if (subscription.kind === 'floor') {
    const socket = new ws(subscription.url);
    await new Promise((open) => socket.once('open', open));
    socket.on('message', (data) => arrival(data.toString()));
    return async () => socket.close();
  }
  const { url, anonKey, token, profileId } = subscription;
  const supabase = createClient(url, anonKey, { accessToken: async () => token, realtime: { transport: ws as any } });
  await supabase.realtime.setAuth(token);
  await new Promise<void>((joined) =>
    supabase
      .channel('bench')
      .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: 'profiles', filter: `id=eq.${profileId}` }, (change) => arrival(change.new.first_name))
      .subscribe((status) => status === 'SUBSCRIBED' && joined()),
  );
  return async () => {
    await supabase.removeAllChannels();
    supabase.realtime.disconnect();
  };
}

const unsubscribe = await subscribe(workerData as Subscription);
parentPort!.on('message', async (message: Delivery | 'close') => {
  if (message === 'close') {
    await unsubscribe();
    return parentPort!.postMessage('closed');
  }
  const received = new Promise<number>((arrived) => (waiting = { expect: message.expect, arrived }));
  const sentAt = now();
  const response = await fetch(message.url, { method: 'POST', headers: message.headers, body: message.body });
  const answeredAt = now();
  await response.text();
  parentPort!.postMessage({ sentAt, answeredAt, receivedAt: await received } satisfies Timing);
});
parentPort!.postMessage('ready');
