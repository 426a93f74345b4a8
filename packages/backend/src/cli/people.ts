import { signToken } from '../auth/jwt.ts';
import { loadConfig } from '../local/config.ts';

/**
 * `tessera erase|export <profile id | email | phone>` and
 * `tessera profile merge|unmerge`: the privacy and identity RPC functions,
 * called on a running server with the service key of its data directory (a
 * PGlite database belongs to the one server process that opened it).
 * Output is JSON on stdout.
 */
export interface PeopleCommandOptions {
  url: string;
  dataDir: string;
  /** The workspace id an email is looked up in, when the server has several. */
  workspace?: string;
  reference?: string;
  reason?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function rpc<T>(options: PeopleCommandOptions, fn: string, args: Record<string, unknown>): Promise<T> {
  const key = await signToken(loadConfig(options.dataDir).jwtSecret, { role: 'service_role' }, '5m');
  let response: Response;
  try {
    response = await fetch(`${options.url.replace(/\/$/, '')}/rest/v1/rpc/${fn}`, {
      method: 'POST',
      headers: { apikey: key, authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
  } catch (error) {
    throw new Error(`Could not reach ${options.url}: is \`tessera serve\` running? (${(error as Error).message})`);
  }
  const body = await response.text();
  if (!response.ok) {
    const error = body ? JSON.parse(body) : {};
    throw new Error(`${fn} failed (${response.status}): ${error.message ?? body}${error.hint ? ` ${error.hint}` : ''}`);
  }
  return (body ? JSON.parse(body) : null) as T;
}

/** A profile id, given directly or as an email or E.164 phone of the person. */
async function findProfile(options: PeopleCommandOptions, who: string): Promise<string> {
  if (UUID.test(who)) return who;
  const kind = who.includes('@') ? 'email' : 'phone';
  const id = await rpc<string | null>(options, 'resolve_profile', { kind, value: who, ...(options.workspace ? { workspace_id: options.workspace } : {}) });
  if (!id) throw new Error(`No profile has the ${kind} ${who}.`);
  return id;
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

export async function eraseCommand(who: string, options: PeopleCommandOptions) {
  const id = await findProfile(options, who);
  print({ profile_id: id, ...(await rpc<object>(options, 'erase_profile', { profile_id: id, reference: options.reference ?? null })) });
}

export async function exportCommand(who: string, options: PeopleCommandOptions) {
  print(await rpc(options, 'export_profile', { profile_id: await findProfile(options, who), reference: options.reference ?? null }));
}

export async function mergeCommand(first: string, second: string, options: PeopleCommandOptions) {
  const [a, b] = [await findProfile(options, first), await findProfile(options, second)];
  const survivor = await rpc<string>(options, 'merge_profiles', { profile_id: a, other_profile_id: b, reason: options.reason ?? 'merged with tessera profile merge' });
  print({ merged: [a, b], survivor });
}

export async function unmergeCommand(profileId: string, options: PeopleCommandOptions) {
  // An email leads to the whole person; an unmerge names the profile that was merged away.
  if (!UUID.test(profileId)) throw new Error('tessera profile unmerge takes the id of the merged-away profile (see the merges in `tessera export`).');
  print({ unmerged: await rpc<string>(options, 'unmerge_profile', { profile_id: profileId, reason: options.reason ?? 'unmerged with tessera profile unmerge' }) });
}
