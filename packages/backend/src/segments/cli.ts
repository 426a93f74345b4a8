/**
 * `tessera segment …`: preview, save, list and export segments from a
 * terminal. Opens the local database as `tessera import` does (on PGlite, stop
 * `serve` first, or point both at DATABASE_URL).
 */
import { parseSegment } from '@tessera/core/segments';
import { parseArgs } from 'node:util';
import type { Queryable } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { findWorkspace } from '../local/workspace.ts';

export const SEGMENT_USAGE = `tessera segment preview "<query>" [--workspace slug|id] [--data-dir .tessera]
      How many people match a query now, with a sample (docs/segments.md has the language).
  tessera segment save <name> "<query>" [--workspace …]      Save (or replace) a segment and compute its members.
  tessera segment list [--workspace …]                       Saved segments and their member counts.
  tessera segment export <name|id> [--workspace …] > people.csv
      A saved segment's members as CSV (spreadsheet-safe).`;

type Print = (text: string) => void;

/** One CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const COLUMNS = ['id', 'display_name', 'email', 'phone', 'lifetime_revenue', 'currency', 'churn_risk', 'churn_band', 'stage', 'entered_at'] as const;

/** Writes a saved segment's members as CSV, a page at a time, in profile id order. */
export async function exportSegment(db: Queryable, workspaceId: string, segmentId: string, print: Print): Promise<number> {
  print(COLUMNS.join(','));
  let after: string | null = null;
  let written = 0;
  for (;;) {
    const rows: Record<string, unknown>[] = await db.query(
      `select p.id, p.display_name, p.email, p.phone, p.lifetime_revenue, p.currency, p.churn_risk, p.churn_band, p.stage,
              to_char(m.entered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as entered_at
         from public.segment_members m
         join public.profiles p on p.workspace_id = m.workspace_id and p.id = m.profile_id
        where m.workspace_id = $1 and m.segment_id = $2 and ($3::uuid is null or m.profile_id > $3)
        order by m.profile_id limit 1000`,
      [workspaceId, segmentId, after],
    );
    for (const row of rows) print(COLUMNS.map((column) => csvCell(row[column])).join(','));
    written += rows.length;
    if (rows.length < 1000) return written;
    after = String(rows[rows.length - 1]!.id);
  }
}

function treeOf(query: string) {
  const parsed = parseSegment(query);
  if (!parsed.ok) {
    throw new Error(`${parsed.error.message}\n  ${query}\n  ${' '.repeat(parsed.error.column - 1)}${'^'.repeat(Math.max(1, parsed.error.length))}`);
  }
  return parsed.segment;
}

export async function segmentCommand(args: string[], print: Print = (text) => process.stdout.write(`${text}\n`)): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workspace: { type: 'string' }, 'data-dir': { type: 'string', default: '.tessera' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [command, first, second] = positionals;
  if (values.help || !command) return print(SEGMENT_USAGE);
  // Parse before opening anything: a typo is reported at once, with a caret under it.
  const tree = command === 'preview' && first ? treeOf(first) : command === 'save' && second ? treeOf(second) : null;
  const db = await openConfiguredDatabase(loadConfig(values['data-dir']));
  try {
    await migrate(db);
    const workspaces = values.workspace ? [await findWorkspace(db, values.workspace)] : await db.query<{ id: string; slug: string }>('select id::text, slug from public.workspaces order by slug');
    if (workspaces.length !== 1) throw new Error(`Name a workspace with --workspace (there are: ${workspaces.map((w) => w.slug).join(', ') || 'none'})`);
    const workspaceId = workspaces[0]!.id;
    switch (command) {
      case 'preview': {
        if (!tree) throw new Error('Usage: tessera segment preview "<query>"');
        const [row] = await db.query<{ preview: unknown }>('select public.preview_segment($1::jsonb, 10, $2) as preview', [JSON.stringify(tree), workspaceId]);
        return print(JSON.stringify(row!.preview, null, 2));
      }
      case 'save': {
        if (!first || !tree) throw new Error('Usage: tessera segment save <name> "<query>"');
        const [row] = await db.query<{ saved: unknown }>('select public.save_segment($1, $2, $3::jsonb, $4) as saved', [first, second, JSON.stringify(tree), workspaceId]);
        return print(JSON.stringify(row!.saved, null, 2));
      }
      case 'list': {
        const [row] = await db.query<{ segments: unknown }>('select public.list_segments($1) as segments', [workspaceId]);
        return print(JSON.stringify(row!.segments, null, 2));
      }
      case 'export': {
        if (!first) throw new Error('Usage: tessera segment export <name|id>');
        const [segment] = await db.query<{ id: string }>(
          `select id::text from public.segments where workspace_id = $1 and (name = $2 or id::text = $2)`,
          [workspaceId, first],
        );
        if (!segment) throw new Error(`No saved segment "${first}" in this workspace (tessera segment list shows them)`);
        await exportSegment(db, workspaceId, segment.id, print);
        return;
      }
      default:
        throw new Error(`Unknown segment command "${command}".\n\n${SEGMENT_USAGE}`);
    }
  } finally {
    await db.close();
  }
}
