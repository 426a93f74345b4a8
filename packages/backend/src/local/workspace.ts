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
