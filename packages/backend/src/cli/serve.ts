import { relative } from 'node:path';
import { signToken } from '../auth/jwt.ts';
import { migrate } from '../db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { DEMO_WORKSPACE, prepareDemo } from '../local/demo.ts';
import { ensureWorkspace } from '../local/workspace.ts';
import { DEMO_SHOP } from '../seed/shopify-store.ts';
import { startServer } from '../server/start.ts';
import { describeRefit } from '../churn/refit-report.ts';
import { runStaleNightlies } from '../jobs/nightly.ts';
import { createKajabiApi } from '../webhooks/kajabi-api.ts';
import { connectDemoZendesk } from '../local/demo-zendesk.ts';

export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
  demo: boolean;
  /** How many customers the demo store starts with. */
  customers?: number;
}

/** `tessera serve`: migrations, the local workspace (or the seeded demo), then the server. */
export async function serve(options: ServeOptions) {
  const config = loadConfig(options.dataDir, { generateWebhookSecrets: options.demo });
  const started = Date.now();
  const db = await openConfiguredDatabase(config);
  const ran = await migrate(db);
  if (ran.length) console.log(`Applied ${ran.length} migration(s): ${ran.join(', ')}`);

  const demo = options.demo ? await prepareDemo(db, { jwtSecret: config.jwtSecret, ...(options.customers ? { customers: options.customers } : {}) }) : undefined;
  if (demo?.seeded) console.log(`Seeded the demo with ${demo.seeded} deliveries (a Shopify store, Kajabi course payments, Instagram and TikTok followers).`);
  const workspaceId = demo?.workspaceId ?? (await ensureWorkspace(db, { slug: 'default', name: 'Default workspace' }));
  // The Zendesk sidebar example signs in through the real session endpoint, as hearth-and-grain.zendesk.com.
  if (demo) await connectDemoZendesk(db, config.dataDir, demo.workspaceId);
  // Churn scores (and the segment facts that carry them) a day old or missing are rebuilt before the first request; hourly checks keep them current.
  await runStaleNightlies(db, { onRefit: (report) => console.log(describeRefit(report)) });

  let url = '';
  const server = await startServer({
    db,
    jwtSecret: config.jwtSecret,
    port: options.port,
    host: options.host,
    localWorkspaceId: workspaceId,
    secrets: config.secrets,
    apps: config.apps,
    ...(config.kajabiApi ? { kajabiApi: createKajabiApi(config.kajabiApi) } : {}),
    ...(demo ? { demoSession: () => demo.session(url) } : {}),
    nightlyJobs: true,
    outboundWebhooks: true,
  });
  url = server.url;

  const dataDir = relative(process.cwd(), config.dataDir) || '.';
  const lines = [
    '',
    `Tessera is running at ${url}  (${db.kind === 'pglite' ? `PGlite in ${dataDir}/pgdata` : db.location}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    '',
    `  anon key:          ${await signToken(config.jwtSecret, { role: 'anon' })}`,
    `  service_role key:  ${await signToken(config.jwtSecret, { role: 'service_role' })}   (server-side only)`,
  ];
  if (demo) {
    const [sample] = await db.query<{ email: string; shopify_id: string }>(
      `select p.email, i.value as shopify_id from public.profiles p
         join public.identities i on i.workspace_id = p.workspace_id and i.profile_id = p.id and i.kind = 'shopify_customer'
        where p.workspace_id = $1 and p.merged_into is null and p.orders_count > 2 order by p.email limit 1`,
      [workspaceId],
    );
    lines.push(
      '',
      `  Demo workspace "${DEMO_WORKSPACE.name}":`,
      `    Examples:          ${url}/examples/`,
      `    Dashboard:         ${url}/examples/dashboard/`,
      `    Helpdesk sidebar:  ${url}/examples/helpdesk/${sample ? `?email=${encodeURIComponent(sample.email)}` : ''}`,
      `    Storefront:        ${url}/examples/shopify/  (the logged-in customer's own card, through a stand-in App Proxy)`,
    );
    if (sample) {
      lines.push(
        '',
        '  Send it a signed Shopify webhook and watch the card change:',
        `    npx tessera webhook shopify customers/update --url ${url} --data-dir ${dataDir} \\`,
        `      --id ${sample.shopify_id} --email ${sample.email} --first-name Robin --shop ${DEMO_SHOP}`,
      );
    }
  }
  if (config.secrets.shopify) {
    lines.push('', `  Shopify webhooks:  POST ${url}/webhooks/shopify  (signed with ${process.env.SHOPIFY_WEBHOOK_SECRET ? 'SHOPIFY_WEBHOOK_SECRET' : `the secret in ${dataDir}/secrets.json`})`);
  } else {
    lines.push('', '  Shopify webhooks:  set SHOPIFY_WEBHOOK_SECRET to accept them.');
  }
  if (config.secrets.kajabi) {
    lines.push(`  Kajabi webhooks:   POST ${url}/webhooks/kajabi/<token>  (token: ${process.env.KAJABI_WEBHOOK_TOKEN ? 'KAJABI_WEBHOOK_TOKEN' : `kajabiWebhookToken in ${dataDir}/secrets.json`})`);
  }
  console.log(lines.join('\n') + '\n');

  const shutdown = async () => {
    await server.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return server;
}
