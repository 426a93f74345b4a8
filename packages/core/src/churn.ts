import * as z from 'zod/mini';
import type { Backend } from './backend.ts';
import type { ResponseCache } from './cache.ts';
import type { ProfilesClient, RequestOptions, Subscription } from './profiles.ts';
import { callRpc } from './rpc.ts';
import { ChurnScore, type ChurnReason } from './schemas/churn.ts';
import { watchRead, type Snapshot } from './snapshot.ts';

const OptionalChurnScore = z.nullable(ChurnScore);

/** Why a person's churn risk is what it is: the headline model's reasons and every model's view. */
export interface ChurnExplanation {
  profile_id: string;
  /** The headline model and its verdict. */
  model: string;
  risk: number;
  band: ChurnScore['band'];
  /** Reasons in words a person can say out loud, most telling first. */
  reasons: ChurnReason[];
  /** Each model's risk for the person, the headline first (a second opinion when they disagree). */
  models: NonNullable<ChurnScore['models']>;
}

/**
 * `tessera.churn`: how likely a person is to stop buying, and why.
 */
export function createChurnClient(backend: Backend, cache: ResponseCache, profiles: ProfilesClient) {
  /**
   * A person's churn score, or `null` before they have been scored (no purchase yet, or no model fitted).
   *
   * @example
   * const churn = await tessera.churn.get(profileId);
   * if (churn?.band === 'high') console.log(churn.factors.map((f) => f.text).join(' '));
   */
  async function get(profileId: string, options: RequestOptions = {}): Promise<ChurnScore | null> {
    return callRpc(backend, 'get_churn', { profile_id: profileId }, OptionalChurnScore, options.signal);
  }

  /**
   * Why the person's risk is what it is, or `null` before they have been scored.
   *
   * @example
   * const why = await tessera.churn.explain(profileId);
   * why?.reasons.forEach((reason) => console.log(reason.text)); // "No purchase in 94 days; this customer usually buys every 31."
   */
  async function explain(profileId: string, options: RequestOptions = {}): Promise<ChurnExplanation | null> {
    const score = await get(profileId, options);
    if (!score) return null;
    return {
      profile_id: score.profile_id,
      model: score.model,
      risk: score.risk,
      band: score.band,
      reasons: score.factors,
      models: score.models ?? [
        { model: score.model, model_version: score.model_version, risk: score.risk, band: score.band, horizon_days: score.horizon_days, scored_at: score.scored_at },
      ],
    };
  }

  /**
   * The person's churn score as it changes: the cached copy at once, then the
   * fresh one, then a re-read whenever the person's profile changes (a new
   * order re-scores them). Offline, the cached score with when it was fetched.
   *
   * @example
   * const sub = tessera.churn.watch(profileId, ({ value, offline }) => render(value, offline));
   */
  function watch(profileId: string, listener: (snapshot: Snapshot<ChurnScore | null>) => void): Subscription {
    return watchRead(
      {
        cache,
        key: `churn:${profileId}`,
        read: (signal) => get(profileId, { signal }),
        follow: (changed) => profiles.onChanged(profileId, changed),
      },
      listener,
    );
  }

  return { get, explain, watch };
}

export type ChurnClient = ReturnType<typeof createChurnClient>;
