#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { signToken } from './auth/jwt.ts';
import { migrate } from './db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from './local/config.ts';
import { serve } from './cli/serve.ts';
import { eraseCommand, exportCommand, mergeCommand, unmergeCommand } from './cli/people.ts';
import { importCommand } from './imports/cli.ts';
import { sendShopifyWebhook } from './cli/webhook.ts';
import { SUGGEST_USAGE, suggestCommand } from './suggestions/cli.ts';
import { SUGGEST_WORKSPACE_USAGE, parseSuggestWorkspaceArgs, suggestWorkspaceCommand } from './suggestions/workspace-cli.ts';
import { DEMO_SHOP } from './seed/shopify-store.ts';
import { CHURN_USAGE, churnCommand } from './churn/cli.ts';
import { SEGMENT_USAGE, segmentCommand } from './segments/cli.ts';
import { CONNECT_USAGE, connectCommand } from './cli/connect.ts';
import { SEED_USAGE, seedCommand } from './cli/seed.ts';

const HELP = `tessera — the Tessera backend and its tools

Usage:
  tessera serve [--port 54321] [--host 127.0.0.1] [--data-dir .tessera] [--demo [--customers 300]]
      Start the API (PostgREST-style RPC), realtime and webhooks on one port.
      PGlite in the data directory by default; DATABASE_URL selects a PostgreSQL server.
      --demo seeds a realistic store and serves the examples with a staff session.
  tessera migrate [--data-dir .tessera]
      Apply the migrations (what 'serve' does first).
  tessera keys [--data-dir .tessera]
      Print the anon and service_role keys for this data directory's JWT secret.
  tessera webhook shopify <topic> [--url http://127.0.0.1:54321] [--data-dir .tessera] [--shop ${DEMO_SHOP}]
                  (--file payload.json | --id ID [--email E] [--first-name F] [--last-name L] [--phone P])
      Send a webhook signed as Shopify signs them.
  tessera import <shopify|kajabi|social> <file> [--format NAME] [--data-dir .tessera] [--workspace slug|id]
                 [--shop domain] [--exported-at ISO-time] [--batch-size 500]
      Import history from an export (Shopify customer/order CSV, a bulk operation's JSONL; Kajabi contacts/transactions CSV; a social audience CSV/JSONL).
      The format is read from the header; running it again adds nothing; a run cut short carries on. On PGlite, stop 'serve' first.
  tessera erase <profile id | email | phone> [--url …] [--data-dir …] [--workspace id] [--reference text]
      Erase a person's personal data (GDPR), keeping non-identifying totals; recorded in privacy_requests.
  tessera export <profile id | email | phone> [--url …] [--data-dir …] [--workspace id] [--reference text]
      Print everything held about a person as JSON (GDPR right of access).
  tessera profile merge <a> <b> [--reason text]  |  tessera profile unmerge <profile id> [--reason text]
      Merge two people by hand (overrides rules), or split a merged profile back out (exactly).
      These commands call a running server with the service key of its data directory.
  ${SUGGEST_USAGE}
  ${SUGGEST_WORKSPACE_USAGE}
  ${CHURN_USAGE}
  ${SEGMENT_USAGE}
  ${CONNECT_USAGE}
  ${SEED_USAGE}

Environment: DATABASE_URL, JWT_SECRET, SHOPIFY_WEBHOOK_SECRET, KAJABI_WEBHOOK_TOKEN (KAJABI_CLIENT_ID, KAJABI_CLIENT_SECRET),
META_APP_SECRET, META_VERIFY_TOKEN, TIKTOK_CLIENT_SECRET, X_CONSUMER_SECRET.`;

async function main(argv: string[]) {
  // `identity suggest` has options of its own (--csv may repeat); with --workspace it reads a workspace's people instead of files.
  if (argv[0] === 'identity' && argv[1] === 'suggest') {
    const args = argv.slice(2);
    if (args.includes('--help') || args.includes('-h')) return console.log(`${SUGGEST_USAGE}\n${SUGGEST_WORKSPACE_USAGE}`);
    const workspace = parseSuggestWorkspaceArgs(args);
    if (!workspace) return suggestCommand(args);
    await suggestWorkspaceCommand(workspace);
    return;
  }
  // `churn` reads files and options of its own.
  if (argv[0] === 'churn') return churnCommand(argv.slice(1));
  if (argv[0] === 'segment' || argv[0] === 'segments') return segmentCommand(argv.slice(1));
  if (argv[0] === 'connect') return connectCommand(argv.slice(1));
  if (argv[0] === 'seed') return seedCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '54321' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      demo: { type: 'boolean', default: false },
      customers: { type: 'string', default: '300' },
      url: { type: 'string', default: 'http://127.0.0.1:54321' },
      shop: { type: 'string' },
      format: { type: 'string' },
      'exported-at': { type: 'string' },
      'batch-size': { type: 'string' },
      file: { type: 'string' },
      id: { type: 'string' },
      email: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      phone: { type: 'string' },
      workspace: { type: 'string' },
      reference: { type: 'string' },
      reason: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  // The demo keeps its data apart from a real local workspace.
  const dataDir = values['data-dir'] ?? (values.demo ? '.tessera/demo' : '.tessera');

  const peopleOptions = {
    url: values.url,
    dataDir,
    ...(values.workspace ? { workspace: values.workspace } : {}),
    ...(values.reference ? { reference: values.reference } : {}),
    ...(values.reason ? { reason: values.reason } : {}),
  };

  switch (values.help ? 'help' : command) {
    case 'serve': {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port}`);
      await serve({ port, host: values.host, dataDir, demo: values.demo, customers: Number(values.customers) });
      return;
    }
    case 'migrate': {
      const db = await openConfiguredDatabase(loadConfig(dataDir));
      const ran = await migrate(db);
      console.log(ran.length ? `Applied: ${ran.join(', ')}` : 'Up to date.');
      await db.close();
      return;
    }
    case 'keys': {
      const { jwtSecret } = loadConfig(dataDir);
      console.log(`anon:          ${await signToken(jwtSecret, { role: 'anon' })}`);
      console.log(`service_role:  ${await signToken(jwtSecret, { role: 'service_role' })}`);
      return;
    }
    case 'webhook': {
      const [source, topic] = rest;
      if (source !== 'shopify' || !topic) throw new Error('Usage: tessera webhook shopify <topic> …');
      await sendShopifyWebhook({
        topic,
        url: values.url,
        dataDir,
        shop: values.shop ?? DEMO_SHOP,
        ...(values.file ? { file: values.file } : {}),
        ...(values.id ? { id: values.id } : {}),
        ...(values.email ? { email: values.email } : {}),
        ...(values['first-name'] ? { firstName: values['first-name'] } : {}),
        ...(values['last-name'] ? { lastName: values['last-name'] } : {}),
        ...(values.phone ? { phone: values.phone } : {}),
      });
      return;
    }
    case 'import': {
      const [source, file] = rest;
      if (!source || !file) throw new Error('Usage: tessera import <shopify|kajabi|social> <file> [--format NAME] …');
      const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
      if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`--batch-size must be a positive whole number, not ${values['batch-size']}`);
      await importCommand({
        source,
        file,
        dataDir,
        ...(values.format ? { format: values.format } : {}),
        ...(values.workspace ? { workspace: values.workspace } : {}),
        ...(values.shop ? { shop: values.shop } : {}),
        ...(values['exported-at'] ? { exportedAt: values['exported-at'] } : {}),
        ...(batchSize ? { batchSize } : {}),
      });
      return;
    }
    case 'erase':
    case 'export': {
      const [who] = rest;
      if (!who) throw new Error(`Usage: tessera ${command} <profile id | email | phone>`);
      await (command === 'erase' ? eraseCommand(who, peopleOptions) : exportCommand(who, peopleOptions));
      return;
    }
    case 'profile': {
      const [action, first, second] = rest;
      if (action === 'merge' && first && second) await mergeCommand(first, second, peopleOptions);
      else if (action === 'unmerge' && first) await unmergeCommand(first, peopleOptions);
      else throw new Error('Usage: tessera profile merge <a> <b> | tessera profile unmerge <profile>');
      return;
    }
    case 'help':
    case undefined:
      console.log(HELP);
      return;
    default:
      throw new Error(`Unknown command "${command}".\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`tessera: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
