/**
 * `tessera churn …`: the churn models for analysts and for our own checks.
 * File commands read CSVs and print JSON on stdout; workspace commands
 * (refit, backtest) open the local database as `tessera import` does.
 */
import { parseArgs } from 'node:util';
import { expectedPurchases, fitBgNbd, probabilityAlive, probabilityNoPurchase } from './bgnbd.ts';
import { fitGammaGamma, repeatSpend } from './gamma-gamma.ts';
import { dayOf, summariseTransactions, toHistories } from './histories.ts';
import { ChurnInputError, readSummaryCsv, readTransactionsCsv } from './read-inputs.ts';
import { fitSbg, survivorCohort } from './sbg.ts';
import type { Queryable } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { loadConfig, openConfiguredDatabase } from '../local/config.ts';
import { findWorkspace, type Workspace } from '../local/workspace.ts';
import { backtestWorkspace } from './backtest.ts';
import { DEFAULT_HORIZON_DAYS } from './refit.ts';
import { runNightly } from '../jobs/nightly.ts';
import { describeBacktest } from './refit-report.ts';

export const CHURN_USAGE = `tessera churn fit bgnbd --summary FILE.csv [--horizon T]
      Fit BG/NBD to a summary CSV (columns frequency, recency, T in one time unit); with --horizon, the expected purchases of all customers in the next T.
  tessera churn fit gammagamma --summary FILE.csv
      Fit Gamma-Gamma to a summary CSV (columns frequency, monetary_value; one-time buyers are skipped).
  tessera churn fit sbg --survivors 1000,869,743,…
      Fit the shifted-beta-geometric to a subscription cohort's survivors per period.
  tessera churn score --transactions FILE.csv --as-of YYYY-MM-DD --horizon DAYS
      Fit BG/NBD on the transactions (customer_id, date, amount) up to --as-of and print, per customer, one JSON line:
      risk (probability of no purchase in the next DAYS days), palive, expected purchases.
  tessera churn refit [--workspace slug|id] [--data-dir .tessera] [--horizon 90]
      Refit every model of each workspace (or the one named), re-score its people, and bring segment facts and
      memberships up to date; one JSON report per workspace. Run it nightly.
  tessera churn backtest [--cutoff YYYY-MM-DD] [--workspace slug|id] [--data-dir .tessera] [--horizon 90] [--table]
      Fit on what was known at the cutoff (default: one horizon ago) and grade each model on what happened next:
      ROC-AUC, Brier, log loss, lift in the top 10%, calibration in 10 bins. JSON, or a table with --table.
      Refit and backtest open the database directly: on PGlite, stop 'serve' first.`;

type Print = (line: string) => void;

const positiveNumber = (name: string, value: string | undefined) => {
  const number = Number(value);
  if (value === undefined || !(number > 0)) throw new ChurnInputError(`--${name} must be a number > 0, not ${value ?? 'missing'}`);
  return number;
};

/** Runs `tessera churn <args>`; resolves when everything is printed. */
export async function churnCommand(args: string[], print: Print = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      summary: { type: 'string' },
      survivors: { type: 'string' },
      transactions: { type: 'string' },
      'as-of': { type: 'string' },
      horizon: { type: 'string' },
      cutoff: { type: 'string' },
      workspace: { type: 'string' },
      'data-dir': { type: 'string', default: '.tessera' },
      table: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, model] = positionals;
  if (values.help || !command) return print(CHURN_USAGE);
  if (command === 'fit' && model === 'bgnbd') {
    if (!values.summary) throw new ChurnInputError('tessera churn fit bgnbd needs --summary FILE.csv');
    const histories = await readSummaryCsv(values.summary, ['frequency', 'recency', 'T']);
    const fit = fitBgNbd(histories);
    const out: Record<string, unknown> = { model: fit.model, params: fit.params, logLikelihood: fit.logLikelihood, n: fit.n, converged: fit.converged };
    if (values.horizon !== undefined) {
      const horizon = positiveNumber('horizon', values.horizon);
      let total = 0;
      for (let i = 0; i < fit.n; i++) total += expectedPurchases(fit.params, horizon, histories.frequency[i]!, histories.recency[i]!, histories.T[i]!);
      out.expected = { horizon, total };
    }
    return print(JSON.stringify(out));
  }
  if (command === 'fit' && model === 'gammagamma') {
    if (!values.summary) throw new ChurnInputError('tessera churn fit gammagamma needs --summary FILE.csv');
    const { frequency, monetary_value } = await readSummaryCsv(values.summary, ['frequency', 'monetary_value']);
    const fit = fitGammaGamma(repeatSpend(frequency, monetary_value));
    return print(JSON.stringify({ model: fit.model, params: fit.params, logLikelihood: fit.logLikelihood, n: fit.n, converged: fit.converged }));
  }
  if (command === 'fit' && model === 'sbg') {
    if (!values.survivors) throw new ChurnInputError('tessera churn fit sbg needs --survivors 1000,869,743,… (members active at the start of each period)');
    const survivors = values.survivors.split(',').map((cell) => Number(cell.trim()));
    const fit = fitSbg(survivorCohort(survivors));
    return print(JSON.stringify({ model: fit.model, params: fit.params, logLikelihood: fit.logLikelihood, n: fit.n, converged: fit.converged }));
  }
  if (command === 'score') {
    if (!values.transactions) throw new ChurnInputError('tessera churn score needs --transactions FILE.csv');
    const asOf = dayOf(values['as-of'] ?? '');
    if (!Number.isFinite(asOf)) throw new ChurnInputError(`--as-of must be a date (YYYY-MM-DD), not ${values['as-of'] ?? 'missing'}`);
    const horizon = positiveNumber('horizon', values.horizon);
    const customers = summariseTransactions(await readTransactionsCsv(values.transactions), asOf);
    if (customers.length === 0) throw new ChurnInputError(`No transactions on or before ${values['as-of']}`);
    const { params } = fitBgNbd(toHistories(customers));
    for (const c of customers) {
      print(JSON.stringify({
        id: c.id,
        risk: probabilityNoPurchase(params, horizon, c.frequency, c.recency, c.T),
        palive: probabilityAlive(params, c.frequency, c.recency, c.T),
        expected: expectedPurchases(params, horizon, c.frequency, c.recency, c.T),
      }));
    }
    return;
  }
  if (command === 'refit' || command === 'backtest') {
    const horizonDays = values.horizon === undefined ? DEFAULT_HORIZON_DAYS : positiveNumber('horizon', values.horizon);
    if (!Number.isInteger(horizonDays)) throw new ChurnInputError(`--horizon must be a whole number of days, not ${values.horizon}`);
    const cutoff = values.cutoff === undefined ? null : new Date(`${values.cutoff}T00:00:00Z`);
    if (cutoff && Number.isNaN(cutoff.getTime())) throw new ChurnInputError(`--cutoff must be a date (YYYY-MM-DD), not ${values.cutoff}`);
    const db = await openConfiguredDatabase(loadConfig(values['data-dir']));
    try {
      await migrate(db);
      const workspaces = await chooseWorkspaces(db, values.workspace, command === 'refit');
      for (const workspace of workspaces) {
        if (command === 'refit') {
          print(JSON.stringify({ workspace: workspace.slug, ...(await runNightly(db, workspace.id, { horizonDays })) }));
          continue;
        }
        const report = await backtestWorkspace(db, workspace.id, { cutoff: cutoff ?? new Date(Date.now() - horizonDays * 86_400_000), horizonDays });
        print(values.table ? `${workspace.name} (${workspace.slug})\n${describeBacktest(report)}` : JSON.stringify({ workspace: workspace.slug, ...report }));
      }
    } finally {
      await db.close();
    }
    return;
  }
  throw new ChurnInputError(`Unknown churn command "${positionals.join(' ')}".\n\n${CHURN_USAGE}`);
}

/** The workspace named, or (unnamed) every workspace with purchases for a refit, the only one for a backtest. */
async function chooseWorkspaces(db: Queryable, named: string | undefined, all: boolean): Promise<Workspace[]> {
  if (named) return [await findWorkspace(db, named)];
  const withPurchases = await db.query<Workspace>(
    `select w.id::text, w.slug, w.name from public.workspaces w
      where exists (select 1 from public.events e where e.workspace_id = w.id and e.revenue > 0) order by w.slug`,
  );
  if (all || withPurchases.length <= 1) return withPurchases;
  throw new ChurnInputError(`Several workspaces have purchases (${withPurchases.map((w) => w.slug).join(', ')}): name one with --workspace`);
}
