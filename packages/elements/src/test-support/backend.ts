// The made-up backend the elements' tests read from: msw answers its RPC calls
// and plays its realtime server.
import { createTessera, type Tessera } from '@tessera/core';
import { ws, type WebSocketHandler } from 'msw';
import type { SetupWorker } from 'msw/browser';

export const API = 'https://api.tessera.test';
export const KEY = 'test-anon-key';

const REALTIME = `${API.replace(/^http/, 'ws')}/realtime/v1/websocket`;

/** Starts msw: a request to the backend that no handler answers fails the test loudly; anything else passes through. */
export const startWorker = (worker: SetupWorker) =>
  worker.start({ quiet: true, onUnhandledRequest: (request, print) => request.url.startsWith(API) && print.error() });

/**
 * Adds `<tag>` to the page with `attributes`, in `en-US` unless an attribute
 * sets the locale, reading through a fresh client without an offline cache.
 */
export async function mountElement<E extends HTMLElement & { locale: string | undefined; client: Tessera | undefined; updateComplete: Promise<boolean> }>(
  tag: string,
  attributes: Record<string, string>,
): Promise<E> {
  const element = document.createElement(tag) as E;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.locale ??= 'en-US';
  element.client = createTessera({ url: API, key: KEY, cache: false });
  document.body.append(element);
  await element.updateComplete;
  return element;
}

/**
 * Enough of Supabase Realtime's Phoenix protocol (serializer 2.0.0: JSON arrays
 * of [join_ref, ref, topic, event, payload]) to join channels and push changes.
 */
export function realtimeServer() {
  const joined: { send(data: string): void; joinRef: string; topic: string }[] = [];
  const handler = ws.link(REALTIME).addEventListener('connection', ({ client }) => {
    client.addEventListener('message', (event) => {
      const [joinRef, ref, topic, kind, payload] = JSON.parse(String(event.data));
      const reply = (response: unknown) => client.send(JSON.stringify([joinRef, ref, topic, 'phx_reply', { status: 'ok', response }]));
      if (kind !== 'phx_join') return reply({});
      // The server answers each postgres_changes binding with the id it will tag changes with.
      reply({ postgres_changes: payload.config.postgres_changes.map((change: object, index: number) => ({ ...change, id: index + 1 })) });
      joined.push({ send: (data) => client.send(data), joinRef, topic });
    });
  });
  /** Sends a logical replication change to every channel joined on `topic` (the SDK numbers its topics: `{topic}:{n}`, one join per element). */
  const push = (topic: string, data: object) => {
    for (const channel of joined.filter((c) => c.topic.startsWith(`realtime:${topic}:`))) {
      channel.send(JSON.stringify([channel.joinRef, null, channel.topic, 'postgres_changes', { ids: [1], data }]));
    }
  };
  let nextChangeId = 1;
  return {
    handler,
    isJoined: (topic: string) => joined.some((channel) => channel.topic.startsWith(`${topic}:`)),
    /** A row of `profiles` changed, as Postgres logical replication reports it. */
    profileChanged(id: string) {
      push(`profile:${id}`, { type: 'UPDATE', schema: 'public', table: 'profiles', commit_timestamp: new Date().toISOString(), record: { id }, old_record: { id }, columns: [], errors: null });
    },
    /** A row of `segment_membership_changes` was inserted: someone entered or left the segment. */
    segmentChanged(segmentId: string, profileId: string, change: 'entered' | 'exited') {
      const record = { id: nextChangeId++, segment_id: segmentId, profile_id: profileId, change, changed_at: new Date().toISOString() };
      push(`segment:${segmentId}`, { type: 'INSERT', schema: 'public', table: 'segment_membership_changes', commit_timestamp: record.changed_at, record, columns: [], errors: null });
    },
  };
}

/** A realtime endpoint that is down: every connection is dropped at once. */
export const realtimeDown: WebSocketHandler = ws.link(REALTIME).addEventListener('connection', ({ client }) => client.close());
