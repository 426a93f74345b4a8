/**
 * `tessera identity suggest --workspace <slug|id> [--data-dir .tessera] [--threshold 0.9]`
 *
 * Finds possible duplicates among a workspace's people and stores them for
 * review, then prints what it found. People decide each pair through the API
 * (`list_duplicate_suggestions`, `confirm_duplicate_suggestion`,
 * `dismiss_duplicate_suggestion`); this command merges no one. Run it again
 * whenever you like: open pairs are refreshed, decided ones stay decided.
 *
 * It opens the database directly, as `tessera import` does. On PGlite the data
 * directory belongs to one process at a time: stop `tessera serve` first, or
 * point both at DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import type { Queryable } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { findWorkspace, type Workspace } from '../local/workspace.ts';
import { DEFAULT_THRESHOLD } from './suggest.ts';
import { suggestWorkspaceDuplicates, type WorkspaceSuggestionReport } from './workspace-job.ts';

export const SUGGEST_WORKSPACE_USAGE = `tessera identity suggest --workspace <slug|id> [--data-dir .tessera] [--threshold ${DEFAULT_THRESHOLD}]
      Possible duplicates among a workspace's people, stored for people to confirm or dismiss (nothing is merged).
      On PGlite, stop 'serve' first.`;

export interface SuggestWorkspaceOptions {
  /** The local data directory (PGlite lives in it unless DATABASE_URL is set). */
  dataDir: string;
  /** The workspace, by slug or id. */
  workspace: string;
  /** Store pairs scoring at least this; default DEFAULT_THRESHOLD. */
  threshold?: number;
  /** Where the summary goes (default: stdout). */
  print?: (text: string) => void;
}

/**
 * The options of `identity suggest` when it is about a workspace, or undefined
 * when `--workspace` is absent (then the arguments are `--csv` files, for
 * `suggestCommand`). Naming both is refused: one run reads one kind of input.
 * `--help` is answered before this, with both usages.
 */
export function parseSuggestWorkspaceArgs(args: string[]): SuggestWorkspaceOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      workspace: { type: 'string' },
      'data-dir': { type: 'string', default: '.tessera' },
      threshold: { type: 'string' },
      csv: { type: 'string', multiple: true },
    },
  });
  if (values.workspace === undefined) return undefined;
  if (values.csv) throw new Error(`Give either --csv FILE or --workspace, not both.\n\n${SUGGEST_WORKSPACE_USAGE}`);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new Error(`--threshold must be a probability between 0 and 1, not ${values.threshold}`);
  }
  return { dataDir: values['data-dir'], workspace: values.workspace, ...(threshold === undefined ? {} : { threshold }) };
}

/** Runs the suggestion job on one workspace of the local database and prints what it found. */
export async function suggestWorkspaceCommand(options: SuggestWorkspaceOptions): Promise<WorkspaceSuggestionReport> {
  const db = await openConfiguredDatabase(loadConfig(options.dataDir));
  try {
    await migrate(db);
    const workspace = await findWorkspace(db, options.workspace);
    const report = await suggestWorkspaceDuplicates(db, workspace.id, options.threshold === undefined ? {} : { threshold: options.threshold });
    (options.print ?? console.log)(formatReport(workspace, report, options.threshold ?? DEFAULT_THRESHOLD));
    return report;
  } finally {
    await db.close();
  }
}

function formatReport(workspace: Workspace, report: WorkspaceSuggestionReport, threshold: number): string {
  const n = (value: number) => value.toLocaleString('en');
  const rows: [string, number, string][] = [
    ['possible duplicates', report.suggested, `scoring ${threshold} or more`],
    ['new', report.new, 'opened for review'],
    ['still open', report.refreshed, 'score and evidence updated'],
    ['skipped', report.skipped, 'already decided by a person, or one person by now'],
    ['withdrawn', report.withdrawn, 'open before, no longer found'],
  ];
  const width = Math.max(...rows.map(([, value]) => n(value).length));
  return [
    `${workspace.name} (${workspace.slug}): ${n(report.people)} people, ${n(report.candidates)} pairs compared`,
    ...rows.map(([label, value, note]) => `  ${label.padEnd(22)}${n(value).padStart(width)}  ${note}`),
    'Review them with list_duplicate_suggestions, then confirm_duplicate_suggestion (merges) or dismiss_duplicate_suggestion.',
  ].join('\n');
}
