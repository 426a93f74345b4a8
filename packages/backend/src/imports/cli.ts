import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Queryable } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { formatNamed, formatsOf } from './formats/index.ts';
import { createProgressBar, type ProgressOutput } from './progress.ts';
import { formatImportReport } from './report.ts';
import { runImport, type ImportReport } from './run-import.ts';

export interface ImportCommandOptions {
  /** What the file comes from: shopify or social (see formats/index.ts). */
  source: string;
  file: string;
  /** A format name; detected from the file's header when absent. */
  format?: string;
  /** The local data directory (PGlite lives in it unless DATABASE_URL is set). */
  dataDir: string;
  /** The workspace, by slug or id; default: the only workspace there is, else "default". */
  workspace?: string;
  /** The shop's myshopify.com domain, recorded with each row. */
  shop?: string;
  /** When the file was exported (ISO 8601); default: its modification time. */
  exportedAt?: string;
  batchSize?: number;
  /** Where progress goes (default: stderr) and where the report goes (default: stdout). */
  progress?: ProgressOutput;
  print?: (text: string) => void;
}

/**
 * `tessera import <source> <file>`: imports an export of the merchant's
 * history into the local workspace, with a progress bar, and prints what
 * happened. Stopping it half-way loses nothing: run it again and it carries on
 * where it stopped. On PGlite the data directory belongs to one process at a
 * time: stop `tessera serve` first, or point both at DATABASE_URL.
 */
export async function importCommand(options: ImportCommandOptions): Promise<ImportReport> {
  // Checked before the database is opened, so a typo costs nothing.
  formatsOf(options.source);
  if (options.format) formatNamed(options.source, options.format);
  if (!existsSync(options.file)) throw new Error(`No file ${options.file}`);
  if (options.exportedAt && Number.isNaN(new Date(options.exportedAt).getTime())) {
    throw new Error(`--exported-at must be a time like 2026-05-01T09:00:00Z, not ${options.exportedAt}`);
  }

  const db = await openConfiguredDatabase(loadConfig(options.dataDir));
  try {
    await migrate(db);
    const workspaceId = await chooseWorkspace(db, options.workspace);
    const bar = createProgressBar(options.progress ?? process.stderr, { label: basename(options.file) });
    const report = await runImport({
      db,
      workspaceId,
      source: options.source,
      file: options.file,
      ...(options.format ? { format: options.format } : {}),
      ...(options.shop ? { shop: options.shop.toLowerCase() } : {}),
      ...(options.exportedAt ? { exportedAt: options.exportedAt } : {}),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      onProgress: (progress) => bar.update(progress),
    });
    bar.done();
    (options.print ?? console.log)(formatImportReport(report));
    return report;
  } finally {
    await db.close();
  }
}

/** The workspace named (slug or id), or the only one there is, or the local default (as `tessera serve` makes it). */
async function chooseWorkspace(db: Queryable, named: string | undefined): Promise<string> {
  const workspaces = await db.query<{ id: string; slug: string }>('select id::text, slug from public.workspaces order by slug');
  if (named) {
    const found = workspaces.find((w) => w.slug === named || w.id === named);
    if (found) return found.id;
    if (named === 'default') return ensureWorkspace(db, { slug: 'default', name: 'Default workspace' });
    throw new Error(`No workspace "${named}" here; there are: ${workspaces.map((w) => w.slug).join(', ') || 'none'}`);
  }
  if (workspaces.length === 1) return workspaces[0]!.id;
  const local = workspaces.find((w) => w.slug === 'default');
  if (local) return local.id;
  if (workspaces.length === 0) return ensureWorkspace(db, { slug: 'default', name: 'Default workspace' });
  throw new Error(`Several workspaces here (${workspaces.map((w) => w.slug).join(', ')}): name one with --workspace`);
}
