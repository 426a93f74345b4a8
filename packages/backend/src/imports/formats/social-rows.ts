import { normaliseSocialImport } from '../../normalisers/social-import.ts';
import { cell, hasColumns, type ImportFormat, type Row } from '../format.ts';

/**
 * A social audience export, from any network, one person-and-event a row:
 * `handle, display_name, email, event_type, time, network` (see
 * normalisers/social-import.ts), as CSV or as JSONL. Each row is one raw
 * event under the source `social_import`, which is where the processor finds
 * its normaliser. A row with both a handle and an email is what ties a
 * follower to a customer.
 */
const socialRows = {
  from: 'social',
  source: 'social_import',
  body: ([row]: Row[]) => row,
  naturalId: ([row]: Row[]) => {
    const network = cell(row!, 'network').toLowerCase();
    const handle = cell(row!, 'handle').replace(/^@+/, '').toLowerCase();
    return network && handle ? `${network}:${handle}` : null;
  },
  normalise: normaliseSocialImport,
} satisfies Partial<ImportFormat>;

export const socialRowsCsv: ImportFormat = {
  ...socialRows,
  name: 'social-csv',
  label: 'social audience export (CSV: handle, network, …)',
  topic: 'import/social-csv',
  container: 'csv',
  recognises: (header) => hasColumns(header, ['handle', 'network']),
};

export const socialRowsJsonl: ImportFormat = {
  ...socialRows,
  name: 'social-jsonl',
  label: 'social audience export (JSONL: handle, network, …)',
  topic: 'import/social-jsonl',
  container: 'jsonl',
  recognises: (header) => !Array.isArray(header) && 'handle' in header && 'network' in header,
};
