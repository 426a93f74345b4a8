import { parseArgs } from 'node:util';
import { migrate } from '../db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { seedAtScale } from '../seed/scale.ts';

export const SEED_USAGE = `tessera seed --profiles N [--workspace slug] [--seed S] [--data-dir .tessera]
      Write N people with two years of Shopify, Kajabi and social history straight into the tables (COPY), for load tests and benches.
      The same seed gives the same people. The workspace (default: scale) is created if missing and should be empty. On PGlite, stop 'serve' first.`;

type Print = (line: string) => void;

/**
 * `tessera seed --profiles N`: seeds a workspace with N realistic people and prints the rows written per second.
 *
 * @example
 * await seedCommand(['--profiles', '100000', '--workspace', 'loadtest', '--seed', '7']);
 * // Seeded 100,000 people in workspace loadtest: 1,741,203 rows in 31.2 s (55,807 rows/s) …
 */
export async function seedCommand(args: string[], print: Print = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      profiles: { type: 'string' },
      workspace: { type: 'string', default: 'scale' },
      seed: { type: 'string', default: '1' },
      'data-dir': { type: 'string', default: '.tessera' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return print(SEED_USAGE);
  const profiles = Number(values.profiles?.replace(/[_,]/g, ''));
  if (!Number.isInteger(profiles) || profiles <= 0) throw new Error(`tessera seed needs --profiles N (a whole number of people), not ${values.profiles ?? 'nothing'}\n${SEED_USAGE}`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, not ${values.seed}`);
  const db = await openConfiguredDatabase(loadConfig(values['data-dir']));
  try {
    await migrate(db);
    const workspaceId = await ensureWorkspace(db, { slug: values.workspace, name: values.workspace });
    const [existing] = await db.query<{ n: number }>('select count(*)::int as n from public.profiles where workspace_id = $1', [workspaceId]);
    // The generator's ids and identities are a function of workspace and seed: a second run would collide.
    if (existing!.n > 0) throw new Error(`Workspace ${values.workspace} already has ${existing!.n.toLocaleString('en')} people; seed an empty one (--workspace another-slug).`);
    let last = performance.now();
    const result = await seedAtScale(db, workspaceId, {
      profiles,
      seed,
      onProgress: (written) => {
        if (performance.now() - last < 5_000) return;
        last = performance.now();
        print(`  ${written.profiles.toLocaleString('en')} / ${profiles.toLocaleString('en')} people…`);
      },
    });
    const f = (n: number) => n.toLocaleString('en');
    print(`Seeded ${f(result.profiles)} people in workspace ${values.workspace} (${db.location}): ${f(result.rows)} rows in ${result.seconds.toFixed(1)} s ` +
      `(${f(Math.round(result.rows / result.seconds))} rows/s, ${f(Math.round(result.profiles / result.seconds))} people/s)`);
    print(`  profiles ${f(result.profiles)}, identities ${f(result.identities)}, events ${f(result.events)}, traits ${f(result.traits)}, profile_facts ${f(result.profile_facts)}` +
      (result.bulk ? '' : ' (triggers and foreign-key checks stayed on: this role may not set session_replication_role)'));
  } finally {
    await db.close();
  }
}
