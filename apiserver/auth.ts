/**
 * Bearer-token authentication: an admin token made at first start and kept in the data dir
 * (admin-token, mode 0600). A request without a valid `Authorization: Bearer` header gets a 401
 * Status; the health endpoints need none.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnauthorizedError } from '../api/errors.js';

/** UNAUTHENTICATED_PATHS answer without a token, as Kubernetes' health endpoints do. */
export const UNAUTHENTICATED_PATHS = new Set(['/healthz', '/readyz', '/livez']);

/** ensureAdminToken reads the admin token from the data dir, making it at first start. */
export function ensureAdminToken(dataDir: string): string {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    const t = readFileSync(file, 'utf8').trim();
    if (t) return t;
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/** Authenticator checks bearer tokens against the known ones; `user` names who a token is. */
export class Authenticator {
  private readonly tokens = new Map<string, string>();

  constructor(adminToken: string) {
    this.tokens.set(adminToken, 'admin');
  }

  /** addToken accepts another token (a node's) as the named user. */
  addToken(token: string, user: string): void {
    this.tokens.set(token, user);
  }

  /** authenticate returns the user of an Authorization header, or throws UnauthorizedError. */
  authenticate(header: string | undefined): string {
    if (!header) throw new UnauthorizedError('Unauthorized: no bearer token');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new UnauthorizedError('Unauthorized: the Authorization header must be "Bearer <token>"');
    const given = Buffer.from(m[1]!);
    for (const [token, user] of this.tokens) {
      const t = Buffer.from(token);
      if (t.length === given.length && timingSafeEqual(t, given)) return user;
    }
    throw new UnauthorizedError('Unauthorized: invalid bearer token');
  }
}
