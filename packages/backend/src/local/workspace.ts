import type { Queryable } from '../db/database.ts';

/** The workspace with this slug, created if missing; its id. */
export async function ensureWorkspace(db: Queryable, workspace: { slug: string; name: string }): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `insert into public.workspaces (slug, name) values ($1, $2)
     on conflict (slug) do update set name = excluded.name
     returning id`,
    [workspace.slug, workspace.name],
  );
  return row!.id;
}

/** A staff user (in the local auth.users stand-in) who belongs to the workspace. */
export async function ensureStaff(db: Queryable, workspaceId: string, staff: { id: string; email: string; role: string }): Promise<void> {
  await db.query(`insert into auth.users (id, email) values ($1, $2) on conflict (id) do update set email = excluded.email`, [staff.id, staff.email]);
  await db.query(
    `insert into public.workspace_members (workspace_id, user_id, role) values ($1, $2, $3)
     on conflict (workspace_id, user_id) do update set role = excluded.role`,
    [workspaceId, staff.id, staff.role],
  );
}

export interface Workspace {
  id: string;
  slug: string;
  name: string;
}

/** The workspace named by slug or id; never creates one (a command about a workspace needs one with data). */
export async function findWorkspace(db: Queryable, named: string): Promise<Workspace> {
  const workspaces = await db.query<Workspace>('select id::text, slug, name from public.workspaces order by slug');
  const found = workspaces.find((w) => w.slug === named || w.id === named);
  if (!found) throw new Error(`No workspace "${named}" here; there are: ${workspaces.map((w) => w.slug).join(', ') || 'none'}`);
  return found;
}
