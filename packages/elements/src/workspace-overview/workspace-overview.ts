import { defineElement } from '../shared/define.ts';
import { TesseraWorkspaceOverview } from './workspace-overview.component.ts';

export * from './workspace-overview.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'workspace-overview': TesseraWorkspaceOverview;
  }
}

/**
 * Registers the overview as `<workspace-overview>`, or as
 * `<{prefix}-workspace-overview>` on pages where another script already owns that name.
 *
 * @example An admin page that already has a workspace-overview
 * defineWorkspaceOverview('acme'); // <acme-workspace-overview since="2026-01-01T00:00:00Z">
 */
export function defineWorkspaceOverview(prefix?: string): void {
  defineElement('workspace-overview', TesseraWorkspaceOverview, prefix);
}

defineWorkspaceOverview();
