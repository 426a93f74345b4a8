// Test support shared by the churn-gauge and journey-timeline tests (a copy of
// customer-card.test.ts's made-up backend; it belongs in ../test-support/).
import { ws } from 'msw';

/** A made-up backend: msw answers its RPC calls and plays its realtime server. */
export const API = 'https://api.tessera.test';

/**
 * Enough of Supabase Realtime's Phoenix protocol (serializer 2.0.0: JSON arrays
 * of [join_ref, ref, topic, event, payload]) to join channels and push changes.
 */
export function realtimeServer() {
  const joined: { send(data: string): void; joinRef: string; topic: string }[] = [];
  const handler = ws.link(`${API.replace(/^http/, 'ws')}/realtime/v1/websocket`).addEventListener('connection', ({ client }) => {
    client.addEventListener('message', (event) => {
      const [joinRef, ref, topic, kind, payload] = JSON.parse(String(event.data));
      const reply = (response: unknown) => client.send(JSON.stringify([joinRef, ref, topic, 'phx_reply', { status: 'ok', response }]));
      if (kind !== 'phx_join') return reply({});
      // The server answers each postgres_changes binding with the id it will tag changes with.
      reply({ postgres_changes: payload.config.postgres_changes.map((change: object, index: number) => ({ ...change, id: index + 1 })) });
      joined.push({ send: (data) => client.send(data), joinRef, topic });
    });
  });
  return {
    handler,
    // The SDK numbers its topics (profile:{id}:{n}): one join per element.
    isJoined: (topic: string) => joined.some((channel) => channel.topic.startsWith(`${topic}:`)),
    /** A row of `profiles` changed, as Postgres logical replication reports it. */
    profileChanged(id: string) {
      for (const channel of joined.filter((c) => c.topic.startsWith(`realtime:profile:${id}:`))) {
        const data = { type: 'UPDATE', schema: 'public', table: 'profiles', commit_timestamp: new Date().toISOString(), record: { id }, old_record: { id }, columns: [], errors: null };
        channel.send(JSON.stringify([channel.joinRef, null, channel.topic, 'postgres_changes', { ids: [1], data }]));
      }
    },
  };
}

export async function until(condition: () => unknown, what: string, timeoutMs = 4_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const once = <K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K) =>
  new Promise<HTMLElementEventMap[K]>((resolve) => target.addEventListener(type, resolve, { once: true }));

export const part = (element: HTMLElement, name: string) => element.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
export const parts = (element: HTMLElement, name: string) => [...element.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
/** Collapses template whitespace only: Intl output keeps its no-break spaces. */
export const text = (element: Element | null | undefined) => element?.textContent?.replace(/[ \t\n\r]+/g, ' ').trim() ?? '';
