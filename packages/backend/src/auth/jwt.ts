import { SignJWT, errors, jwtVerify } from 'jose';

/** The claims Supabase puts in its JWTs (API keys and user sessions); `role` picks the Postgres role. */
export interface Claims {
  role: string;
  sub?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  email?: string;
  app_metadata?: Record<string, unknown>;
  [claim: string]: unknown;
}

/** The API roles a token may name; anything else is refused before it reaches Postgres. */
export const API_ROLES = ['anon', 'authenticated', 'service_role'] as const;

/** A refused token, with PostgREST's own error code (PGRST301: invalid, PGRST302: missing, PGRST303: expired). */
export class TokenError extends Error {
  constructor(
    readonly code: 'PGRST301' | 'PGRST302' | 'PGRST303',
    message: string,
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();

/** Verifies HS256 tokens signed with the project's JWT secret, as PostgREST and Realtime do. */
export function createTokenVerifier(secret: string): (token: string | null | undefined) => Promise<Claims> {
  const key = encoder.encode(secret);
  return async (token) => {
    if (!token) throw new TokenError('PGRST302', 'No API key found in request: send it as the apikey header or Authorization: Bearer.');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'] }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new TokenError('PGRST303', 'JWT expired');
      throw new TokenError('PGRST301', `JWT could not be verified: ${(error as Error).message}. Check that it was signed with this server's JWT_SECRET.`);
    }
    const role = typeof payload.role === 'string' ? payload.role : '';
    if (!(API_ROLES as readonly string[]).includes(role)) {
      throw new TokenError('PGRST301', `JWT role claim must be one of ${API_ROLES.join(', ')}; got ${JSON.stringify(payload.role ?? null)}`);
    }
    return payload as Claims;
  };
}

/** Signs a token the way Supabase issues them (HS256, `iss: supabase`). */
export async function signToken(secret: string, claims: Claims, expiresIn: string | number = '10y'): Promise<string> {
  return new SignJWT({ iss: 'supabase', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(encoder.encode(secret));
}
