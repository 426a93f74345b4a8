import type { Backend } from './backend.ts';
import { TesseraError } from './errors.ts';
import type { RequestOptions } from './profiles.ts';
import { callRpc } from './rpc.ts';
import type { WorkspaceOverview } from './schemas/analytics.ts';
import { timeArgument } from './time-argument.ts';

/** The time window of an overview. Both ends are optional: leave one out and the window is open on that side. */
export interface OverviewQuery extends RequestOptions {
  /** Count revenue, orders and new customers from this time on (inclusive). */
  since?: Date | string;
  /** …up to this time (exclusive); customers first seen after it are not counted at all. */
  until?: Date | string;
  /** The workspace to report on; needed only when the session reaches several. */
  workspaceId?: string;
}

/** The RPC's named arguments; what the caller left out is left out, so the function's defaults apply. */
function overviewArgs(query: OverviewQuery): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (query.since !== undefined) args.since = timeArgument(query.since, 'since', 'analytics');
  if (query.until !== undefined) args.until = timeArgument(query.until, 'until', 'analytics');
  if (args.since && args.until && new Date(args.since as string) > new Date(args.until as string)) {
    throw new TesseraError('invalid_argument', `analytics: since (${args.since}) is after until (${args.until}); since is inclusive and until exclusive`);
  }
  if (query.workspaceId !== undefined) args.workspace_id = query.workspaceId;
  return args;
}

/**
 * `tessera.analytics`: a workspace's figures at a glance, for dashboards.
 */
export function createAnalyticsClient(backend: Backend) {
  /**
   * The workspace's headline figures: customers (by first and by every source),
   * revenue per currency and orders in the window, customers by churn band, the
   * lifecycle funnel and new customers per week. Staff see only their own
   * workspaces: for any other the figures are zero.
   *
   * @example
   * const overview = await tessera.analytics.overview({ since: '2026-01-01T00:00:00Z' });
   * console.log(overview.customers.total, overview.revenue.map((r) => `${r.amount} ${r.currency}`).join(' + '));
   * const atRisk = overview.churn.high;
   */
  async function overview(query: OverviewQuery = {}): Promise<WorkspaceOverview> {
    // The schema loads with the first call: storefront pages never ask for workspace figures.
    const args = overviewArgs(query);
    const { WorkspaceOverview } = await import('./schemas/analytics.ts');
    return callRpc(backend, 'workspace_overview', args, WorkspaceOverview, query.signal);
  }

  return { overview };
}

export type AnalyticsClient = ReturnType<typeof createAnalyticsClient>;
