import { defineElement } from '../shared/define.ts';
import { TesseraProfileSearch } from './profile-search.component.ts';

export * from './profile-search.component.ts';

declare global {
  interface HTMLElementTagNameMap {
    'profile-search': TesseraProfileSearch;
  }
}

/**
 * Registers the combobox as `<profile-search>`, or as `<{prefix}-profile-search>`
 * on pages where another script already owns that name.
 *
 * @example A helpdesk whose app already has a profile-search
 * defineProfileSearch('acme'); // <acme-profile-search limit="5">
 */
export function defineProfileSearch(prefix?: string): void {
  defineElement('profile-search', TesseraProfileSearch, prefix);
}

defineProfileSearch();
