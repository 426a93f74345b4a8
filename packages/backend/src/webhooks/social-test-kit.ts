import { readFileSync } from 'node:fs';
import type { Database } from '../db/database.ts';
import { createConnectionRegistry } from '../ingest/connections.ts';
import { createRawEventLog } from '../ingest/raw-event-log.ts';
import { NormalisedRecord, type Normaliser } from '../normalisers/record.ts';
import type { PlatformApps, SocialWebhookContext } from './platform-apps.ts';

/**
 * What the social webhook tests share: a real context over a real database,
 * and processing of what a handler accepted through its normaliser and
 * `tessera.apply_record` (the processor finds normalisers in
 * normalisers/index.ts, where these sources are registered separately).
 */

export const fixtureText = (name: string) => readFileSync(new URL(`../normalisers/fixtures/${name}`, import.meta.url), 'utf8');
export const fixture = (name: string) => JSON.parse(fixtureText(`${name}.json`));

export interface SocialTestContext extends SocialWebhookContext {
  /** Raw events accepted (stored pending) and not yet processed. */
  accepted: { workspaceId: string; rawEventId: number }[];
}

export function socialContext(db: Database, local: { workspaceId: string; secrets: Partial<Record<string, string>> }, apps: PlatformApps = {}): SocialTestContext {
  const accepted: SocialTestContext['accepted'] = [];
  return {
    findConnection: createConnectionRegistry(db, local),
    log: createRawEventLog(db),
    onAccepted: (workspaceId, rawEventId) => accepted.push({ workspaceId, rawEventId }),
    apps,
    accepted,
  };
}

/** A handler's answer, read: its status and JSON body. */
export const deliverer =
  <C>(handle: (request: Request, context: C) => Promise<Response>, context: () => C) =>
  async (request: Request) => {
    const response = await handle(request, context());
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

/** Applies what the handler accepted, as the processor will: parse, normalise, `tessera.apply_record`. Returns the profile ids. */
export async function processAccepted(db: Database, context: SocialTestContext, normalise: Normaliser): Promise<string[]> {
  const profiles: string[] = [];
  for (const { workspaceId, rawEventId } of context.accepted.splice(0)) {
    const [raw] = await db.query<{ source: string; topic: string; headers: Record<string, string>; body: Uint8Array; received_at: string; triggered_at: string | null }>(
      `select source, topic, headers, body,
              to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as received_at,
              to_char(triggered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as triggered_at
         from public.raw_events where workspace_id = $1 and id = $2`,
      [workspaceId, rawEventId],
    );
    const text = new TextDecoder().decode(raw!.body);
    const result = normalise({
      source: raw!.source,
      topic: raw!.topic,
      headers: raw!.headers,
      body: raw!.source === 'youtube' ? text : JSON.parse(text),
      triggeredAt: raw!.triggered_at,
      receivedAt: raw!.received_at,
    });
    if (result.kind !== 'record') continue;
    profiles.push(await applyRecord(db, workspaceId, raw!.source, NormalisedRecord.parse(result.record), rawEventId));
  }
  return profiles;
}

export async function applyRecord(db: Database, workspaceId: string, source: string, record: NormalisedRecord, rawEventId: number | null = null): Promise<string> {
  const [row] = await db.query<{ id: string }>('select tessera.apply_record($1, $2, $3::jsonb, $4) as id', [workspaceId, source, JSON.stringify(record), rawEventId]);
  return row!.id;
}

/** The profile a person's identity belongs to now, following merges to the surviving profile. */
export async function profileOf(db: Database, workspaceId: string, kind: string, value: string): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>(
    `select coalesce(p.merged_into, p.id) as id from public.identities i join public.profiles p on p.workspace_id = i.workspace_id and p.id = i.profile_id
      where i.workspace_id = $1 and i.kind = $2 and i.value = $3`,
    [workspaceId, kind, value],
  );
  return row?.id;
}

export const rawEvents = (db: Database, source: string, where = 'true', params: unknown[] = []) =>
  db.query<Record<string, any>>(`select * from public.raw_events where source = $1 and (${where}) order by id`, [source, ...params]);

export const unrouted = (db: Database, source: string) =>
  db.query<Record<string, any>>('select * from tessera.unrouted_deliveries where source = $1 order by id', [source]);

export const connect = (db: Database, workspaceId: string, source: string, account: string, secret: string) =>
  db.query('insert into tessera.connections (workspace_id, source, account, secret) values ($1, $2, $3, $4)', [workspaceId, source, account, secret]);
