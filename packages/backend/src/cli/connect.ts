/**
 * `tessera connect zendesk`: connects a Zendesk account (its subdomain) to a
 * workspace with the shared secret the sidebar app's `tessera_shared_secret`
 * setting holds. Opens the local database as `tessera import` does (on PGlite,
 * stop `serve` first, or point both at DATABASE_URL).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connectZendesk } from '../auth/zendesk-session.ts';
import { migrate } from '../db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { findWorkspace } from '../local/workspace.ts';

export const CONNECT_USAGE = `tessera connect zendesk --subdomain acme [--secret S] [--workspace slug|id] [--data-dir .tessera]
      Let agents of acme.zendesk.com open their Tessera session from the ticket sidebar app (examples/zendesk).
      Without --secret one is generated and printed: paste it into the app's tessera_shared_secret setting.`;

/**
 * Runs `tessera connect <platform> …` and prints what to paste into the app.
 *
 * @example
 * await connectCommand(['zendesk', '--subdomain', 'acme', '--workspace', 'hearth-and-grain']);
 */
export async function connectCommand(argv: string[], print: (text: string) => void = console.log): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { subdomain: { type: 'string' }, secret: { type: 'string' }, workspace: { type: 'string' }, 'data-dir': { type: 'string', default: '.tessera' } },
  });
  if (positionals[0] !== 'zendesk' || !values.subdomain) throw new Error(`Usage: ${CONNECT_USAGE}`);
  const secret = values.secret ?? randomBytes(32).toString('base64url');
  const db = await openConfiguredDatabase(loadConfig(values['data-dir']));
  try {
    await migrate(db);
    const workspace = await findWorkspace(db, values.workspace ?? (await onlyWorkspace(db)));
    const subdomain = await connectZendesk(db, workspace.id, { subdomain: values.subdomain, secret });
    print(`Connected ${subdomain}.zendesk.com to the workspace "${workspace.name}".`);
    print(values.secret ? 'Use the same secret as the app\'s tessera_shared_secret setting.' : `tessera_shared_secret (paste it into the app's settings; it is not shown again):\n  ${secret}`);
  } finally {
    await db.close();
  }
}

async function onlyWorkspace(db: Awaited<ReturnType<typeof openConfiguredDatabase>>): Promise<string> {
  const rows = await db.query<{ slug: string }>('select slug from public.workspaces order by slug limit 2');
  if (rows.length !== 1) throw new Error(`Name the workspace with --workspace (there are: ${rows.map((r) => r.slug).join(', ') || 'none'})`);
  return rows[0]!.slug;
}
