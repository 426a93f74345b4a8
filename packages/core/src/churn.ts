import * as z from 'zod/mini';
import type { Backend } from './backend.ts';
import type { RequestOptions } from './profiles.ts';
import { callRpc } from './rpc.ts';
import { ChurnScore } from './schemas/churn.ts';

const OptionalChurnScore = z.nullable(ChurnScore);

/**
 * `tessera.churn`: how likely a person is to stop buying, and why.
 */
export function createChurnClient(backend: Backend) {
  /**
   * A person's churn score, or `null` before they have been scored (no purchase yet, or no model fitted).
   *
   * @example
   * const churn = await tessera.churn.get(profileId);
   * if (churn?.band === 'high') console.log(churn.factors.map((f) => f.text).join(' '));
   */
  async function get(profileId: string, options: RequestOptions = {}) {
    return callRpc(backend, 'get_churn', { profile_id: profileId }, OptionalChurnScore, options.signal);
  }

  return { get };
}

export type ChurnClient = ReturnType<typeof createChurnClient>;
