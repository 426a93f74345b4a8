// Supabase Edge Function: POST /functions/v1/shopify-webhook
// The same handler `tessera serve` runs, over the project's API with the
// service key: deliveries are stored raw first (record_raw_event), answered,
// then normalised and ingested in the background (ingest_raw_event), and the
// person's churn scores are recomputed with the workspace's latest fits over a
// direct connection (SUPABASE_DB_URL), as the local processor does.
// Deploy: see docs/deploying-to-supabase.md.
import { createClient } from '@supabase/supabase-js';
import { createChurnRescorer, type ChurnRescorer } from '../../../src/churn/rescore.ts';
import { openPostgres } from '../../../src/db/postgres.ts';
import { prepareIngest } from '../../../src/ingest/processor.ts';
import { encodeBase64 } from '../../../src/webhooks/hmac.ts';
import type { RawEventLog, RecordedRawEvent } from '../../../src/webhooks/delivery.ts';
import { handleShopifyWebhook } from '../../../src/webhooks/shopify.ts';

declare const Deno: { env: { get(name: string): string | undefined }; serve(handler: (request: Request) => Promise<Response>): void };
declare const EdgeRuntime: { waitUntil(work: Promise<unknown>): void };

const supabase = createClient(Deno.env.get('SUPABASE_URL')!, Deno.env.get('SUPABASE_SERVICE_ROLE_KEY')!, {
  auth: { persistSession: false },
});

async function call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
  const { data, error } = await supabase.rpc(fn, args);
  if (error) throw new Error(`${fn}: ${error.message}`);
  return data as T;
}

const log: RawEventLog = {
  record: (entry) =>
    call<RecordedRawEvent>('record_raw_event', {
      workspace_id: entry.workspaceId,
      source: entry.source,
      topic: entry.topic,
      idempotency_key: entry.idempotencyKey,
      headers: entry.headers,
      body_base64: encodeBase64(entry.body),
      triggered_at: entry.triggeredAt,
      status: entry.status,
      error: entry.error ?? null,
    }),
  // Unrouted deliveries are answered with 401/400 and logged by the platform; the
  // hosted API has no table for them (the local server keeps them).
  recordUnrouted: async (entry) => console.warn(`unrouted ${entry.source} delivery: ${entry.reason}`),
};

// One small pool per function instance, opened on first use; the rescorer caches each workspace's fits for a minute.
let rescorer: Promise<ChurnRescorer> | undefined;
const churn = () => (rescorer ??= openPostgres(Deno.env.get('SUPABASE_DB_URL')!, { max: 1 }).then(createChurnRescorer));

async function ingest(workspaceId: string, rawEventId: number) {
  const { data: raw, error } = await supabase
    .from('raw_events')
    .select('workspace_id, id, source, topic, headers, body, triggered_at, received_at')
    .eq('workspace_id', workspaceId)
    .eq('id', rawEventId)
    .single();
  if (error || !raw) throw new Error(`raw event ${rawEventId}: ${error?.message}`);
  // bytea comes back from the API as \x-prefixed hex.
  const hex = String(raw.body).replace(/^\\x/, '');
  const body = new Uint8Array(hex.match(/../g)?.map((byte) => parseInt(byte, 16)) ?? []);
  try {
    const next = prepareIngest({ ...raw, body });
    if (next.kind === 'ignored') {
      await call('settle_raw_event', { workspace_id: workspaceId, raw_event_id: rawEventId, status: 'ignored', error: next.reason });
    } else {
      const profileId = await call<string | null>('ingest_raw_event', { workspace_id: workspaceId, raw_event_id: rawEventId, normalised: next });
      // The event is applied whatever happens here; a failed re-score waits for the nightly refit.
      if (profileId) await (await churn()).rescore(workspaceId, profileId).catch((error: Error) => console.error(`re-scoring ${profileId}: ${error.message}`));
    }
  } catch (failure) {
    await call('settle_raw_event', { workspace_id: workspaceId, raw_event_id: rawEventId, status: 'failed', error: String((failure as Error).message ?? failure) });
  }
}

Deno.serve((request) =>
  handleShopifyWebhook(request, {
    findConnection: async (source, account) => {
      const found = await call<{ workspace_id: string; secret: string } | null>('webhook_connection', { source, account });
      return found ? { workspaceId: found.workspace_id, secret: found.secret } : null;
    },
    log,
    onAccepted: (workspaceId, rawEventId) => EdgeRuntime.waitUntil(ingest(workspaceId, rawEventId)),
  }),
);
