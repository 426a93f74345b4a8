import { decodeJwt, errors, jwtVerify } from 'jose';
import type { Queryable } from '../db/database.ts';
import type { Connection } from '../webhooks/delivery.ts';
import { signToken, type Claims } from './jwt.ts';

/**
 * Helpdesk agent sessions: a Zendesk agent looking at a ticket gets a staff
 * token for the workspace that Zendesk account is connected to. Zendesk vouches
 * for the request through a ZAF secure request: the sidebar app asks for
 * `jwt: { algorithm: 'HS256', secret_key: '{{setting.tessera_shared_secret}}', … }`
 * and puts `{{jwt.token}}` in `Authorization: Bearer …`; Zendesk's proxy fills
 * in the secure setting server-side and signs, so the secret never reaches the
 * agent's browser. We verify with the same secret, kept per workspace in
 * tessera.connections (source `zendesk`, account = the Zendesk subdomain).
 *
 * What the signature proves, and what it does not: the request went through
 * Zendesk's proxy for an installation of the app holding this secret, i.e.
 * from a signed-in user of that Zendesk account. The claims (subdomain, agent
 * email) are written by the app in the agent's browser; Zendesk signs them as
 * given. So a token is minted only for an email that belongs to a member of the
 * connected workspace, never for anyone else (docs/security.md).
 */

/** The longest a Zendesk JWT may live (`exp` − now), and how old its `iat` may be: beyond it a captured token is a replay. */
export const ZENDESK_JWT_MAX_AGE_SECONDS = 300;
/** Clock skew allowed between Zendesk's proxy and us. */
export const ZENDESK_JWT_MAX_SKEW_SECONDS = 60;
/** Lifetime of the agent's staff token. */
export const AGENT_TOKEN_SECONDS = 60 * 60;
/** The `source` of Zendesk connections in tessera.connections. */
export const ZENDESK_SOURCE = 'zendesk';

export type ZendeskRefusal =
  | 'missing_token'
  | 'malformed_token'
  | 'unknown_subdomain'
  | 'bad_signature'
  | 'missing_exp'
  | 'expired'
  | 'too_long_lived'
  | 'missing_email'
  | 'not_a_member';

export type ZendeskVerdict = { ok: true; subdomain: string; email: string } | { ok: false; reason: ZendeskRefusal; message: string };

/** A Tessera staff member of a workspace, found by the email a helpdesk knows them by. */
export interface Agent {
  userId: string;
  email: string;
}

const encoder = new TextEncoder();
type Refused = Extract<ZendeskVerdict, { ok: false }>;
const refuse = (reason: ZendeskRefusal, message: string): Refused => ({ ok: false, reason, message: `Zendesk session refused: ${message}` });

/**
 * The Zendesk subdomain a JWT's `iss` names: `acme`, `acme.zendesk.com` and
 * `https://acme.zendesk.com` all name `acme`. Null when it names none.
 */
export function zendeskSubdomain(issuer: unknown): string | null {
  if (typeof issuer !== 'string') return null;
  const host = issuer.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '').replace(/\.zendesk\.com$/, '');
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(host) ? host : null;
}

/** The subdomain a token claims, read before its signature is checked (only to pick the secret to check it with). */
export function claimedSubdomain(token: string): string | null {
  try {
    return zendeskSubdomain(decodeJwt(token).iss);
  } catch {
    return null;
  }
}

/**
 * Checks a Zendesk-signed JWT: HS256 with the connection's shared secret
 * (constant time, through Web Crypto's verify; `alg: none` and other
 * algorithms refused), an `exp` no more than ZENDESK_JWT_MAX_AGE_SECONDS ahead,
 * an `iat` (when present) no older than that, and an `email` claim. Pure: the
 * caller supplies the secret and the clock.
 *
 * @example
 * const verdict = await verifyZendeskJwt(token, connection.secret, Date.now());
 * if (!verdict.ok) return new Response(verdict.message, { status: 401 });
 */
export async function verifyZendeskJwt(token: string, secret: string, now: number): Promise<ZendeskVerdict> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      currentDate: new Date(now),
      clockTolerance: ZENDESK_JWT_MAX_SKEW_SECONDS,
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) return refuse('expired', 'the Zendesk JWT has expired. The app signs a fresh one for each session; reload the ticket.');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp') {
      return refuse('missing_exp', 'the Zendesk JWT has no exp claim. Give the secure request jwt.expiry (60 seconds is plenty): a token without one could be replayed forever.');
    }
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
      return refuse('bad_signature', 'the JWT is not signed (HS256) with the shared secret of this Zendesk connection. Check that the app\'s tessera_shared_secret setting matches `tessera connect zendesk --secret`.');
    }
    return refuse('malformed_token', `the Zendesk JWT could not be read (${(error as Error).message}).`);
  }
  const seconds = now / 1000;
  if (payload.exp! - seconds > ZENDESK_JWT_MAX_AGE_SECONDS + ZENDESK_JWT_MAX_SKEW_SECONDS) {
    return refuse('too_long_lived', `the Zendesk JWT expires ${Math.round(payload.exp! - seconds)} seconds from now; at most ${ZENDESK_JWT_MAX_AGE_SECONDS} are accepted. Lower jwt.expiry in the app.`);
  }
  if (payload.iat !== undefined && (seconds - payload.iat > ZENDESK_JWT_MAX_AGE_SECONDS || payload.iat - seconds > ZENDESK_JWT_MAX_SKEW_SECONDS)) {
    return refuse('expired', `the Zendesk JWT was issued at ${payload.iat}, more than ${ZENDESK_JWT_MAX_AGE_SECONDS} seconds from now.`);
  }
  const email = typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : '';
  if (!email.includes('@')) return refuse('missing_email', 'the Zendesk JWT names no agent: put the current user\'s email in its email claim.');
  return { ok: true, subdomain: zendeskSubdomain(payload.iss)!, email };
}

/**
 * Finds the staff member of a workspace with this email (auth.users joined to
 * workspace_members), or null. Two users sharing the email is ambiguous: null.
 * Owners and admins are never found: the email is written by the app in the
 * agent's browser, so any agent of the Zendesk account could name any member.
 * Members and viewers all read the same workspace, so naming another gains
 * nothing; owners and admins can erase people and manage webhooks, and sign in
 * to Tessera directly instead.
 */
export function createAgentDirectory(db: Queryable) {
  return async function findAgent(workspaceId: string, email: string): Promise<Agent | null> {
    const rows = await db.query<{ user_id: string; email: string }>(
      `select u.id::text as user_id, u.email
         from public.workspace_members m
         join auth.users u on u.id = m.user_id
        where m.workspace_id = $1 and lower(u.email) = lower($2) and m.role in ('member', 'viewer')
        limit 2`,
      [workspaceId, email],
    );
    return rows.length === 1 ? { userId: rows[0]!.user_id, email: rows[0]!.email } : null;
  };
}

/**
 * Mints the agent's staff session: what Supabase Auth would give them on
 * sign-in (HS256 with the server's JWT secret, `role: authenticated`, `sub` =
 * their user id, `app_metadata.workspace_id`), for one hour. Row-level security
 * treats it exactly as that member's own session.
 */
export async function mintAgentToken(jwtSecret: string, agent: Agent & { workspaceId: string; subdomain: string }, now: number) {
  const expiresAt = Math.floor(now / 1000) + AGENT_TOKEN_SECONDS;
  const claims: Claims = {
    role: 'authenticated',
    aud: 'authenticated',
    sub: agent.userId,
    email: agent.email,
    app_metadata: { workspace_id: agent.workspaceId, provider: 'zendesk', zendesk_subdomain: agent.subdomain },
  };
  return { access_token: await signToken(jwtSecret, claims, expiresAt), token_type: 'bearer', expires_in: AGENT_TOKEN_SECONDS, expires_at: expiresAt };
}

export interface ZendeskSessionContext {
  /** The workspace and shared secret of a Zendesk subdomain: the connection registry webhooks use. */
  findConnection(source: string, account: string): Promise<Connection | null>;
  findAgent(workspaceId: string, email: string): Promise<Agent | null>;
  jwtSecret: string;
  now?: () => number;
}

function reply(status: number, body: Record<string, unknown>): Response {
  // A token is personal: no shared cache (Zendesk's proxy, a CDN) may keep it.
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}

const refused = (verdict: Refused) => reply(401, { error: verdict.message, code: verdict.reason });

/**
 * `POST /functions/v1/zendesk-session`: verifies the JWT Zendesk's proxy signed
 * (`Authorization: Bearer {{jwt.token}}`) and answers the agent's staff session
 * `{ access_token, token_type, expires_in, expires_at }` (expires_at in seconds).
 * Every refusal is a 401 with a `code`: no token, a forged, expired or
 * long-lived one, an unknown subdomain, or an agent who is no member of the
 * connected workspace.
 *
 * @example
 * app.post('/functions/v1/zendesk-session', (c) => handleZendeskSession(c.req.raw, { findConnection, findAgent, jwtSecret }));
 */
export async function handleZendeskSession(request: Request, context: ZendeskSessionContext): Promise<Response> {
  if (request.method !== 'POST') return reply(405, { error: 'Zendesk sessions are POST requests from the app, through Zendesk\'s proxy' });
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  if (!token) {
    return refused(refuse('missing_token', 'no JWT in the Authorization header. Make the request with secure: true, a jwt option, and headers: { Authorization: \'Bearer {{jwt.token}}\' }.'));
  }
  const subdomain = claimedSubdomain(token);
  if (!subdomain) return refused(refuse('malformed_token', 'the JWT names no Zendesk subdomain: put the account\'s subdomain in its iss claim.'));
  const connection = await context.findConnection(ZENDESK_SOURCE, subdomain);
  if (!connection) {
    return refused(refuse('unknown_subdomain', `no Zendesk connection for subdomain ${subdomain}. Connect it first: tessera connect zendesk --subdomain ${subdomain} --secret …`));
  }
  const now = context.now?.() ?? Date.now();
  const verdict = await verifyZendeskJwt(token, connection.secret, now);
  if (!verdict.ok) return refused(verdict);
  const agent = await context.findAgent(connection.workspaceId, verdict.email);
  if (!agent) {
    const message = `${verdict.email} is not a staff member of the workspace ${subdomain}.zendesk.com is connected to. Invite them to the workspace with that email (as a member or viewer: owners and admins sign in to Tessera directly).`;
    return refused(refuse('not_a_member', message));
  }
  return reply(200, await mintAgentToken(context.jwtSecret, { ...agent, workspaceId: connection.workspaceId, subdomain }, now));
}

/**
 * Connects a Zendesk subdomain to a workspace with the app's shared secret
 * (replacing an earlier secret). One subdomain belongs to one workspace: the
 * unique (source, account) index refuses a second.
 *
 * @example
 * await connectZendesk(db, workspaceId, { subdomain: 'acme', secret: randomBytes(32).toString('base64url') });
 */
export async function connectZendesk(db: Queryable, workspaceId: string, zendesk: { subdomain: string; secret: string }): Promise<string> {
  const subdomain = zendeskSubdomain(zendesk.subdomain);
  if (!subdomain) throw new Error(`"${zendesk.subdomain}" is not a Zendesk subdomain (acme, for acme.zendesk.com)`);
  if (zendesk.secret.length < 32) throw new Error('The Zendesk shared secret is too short: use 32+ random characters (e.g. `openssl rand -base64 32`).');
  const [taken] = await db.query<{ workspace_id: string }>('select workspace_id::text from tessera.connections where source = $1 and account = $2', [ZENDESK_SOURCE, subdomain]);
  if (taken && taken.workspace_id !== workspaceId) throw new Error(`${subdomain}.zendesk.com is already connected to another workspace (${taken.workspace_id})`);
  await db.query(
    `insert into tessera.connections (workspace_id, source, account, secret) values ($1, $2, $3, $4)
     on conflict (workspace_id, source, account) do update set secret = excluded.secret`,
    [workspaceId, ZENDESK_SOURCE, subdomain, zendesk.secret],
  );
  return subdomain;
}
