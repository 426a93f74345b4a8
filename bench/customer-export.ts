// A Shopify customer export for the backfill bench: the current column
// layout, written as Excel's "CSV UTF-8" with a BOM and CRLF, some
// multi-line notes, fictional-range phone numbers.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createRandom } from '../packages/backend/src/seed/random.ts';

const FIRST = ['Olivia', 'Liam', 'Amara', 'Noah', 'Sofia', 'Mateo', 'Priya', 'Ethan', 'Chloe', 'Hiroshi', 'Fatima', 'Oliver', 'Aisha', 'Kwame', 'Ingrid', 'Lucía', 'Wei', 'Naledi', 'Tomás', 'Yuki'];
const LAST = ['Smith', 'García', 'Okafor', 'Nguyen', 'Johansson', 'Patel', 'Müller', 'Rossi', 'Kim', 'Dubois', 'Haddad', 'Mensah', 'Tanaka', 'Silva', 'O’Brien', 'Van der Berg'];
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'proton.me', 'fastmail.com'];
const PLACES = [
  { city: 'Portland', province: 'OR', country: 'US', zip: '97205' },
  { city: 'Austin', province: 'TX', country: 'US', zip: '78704' },
  { city: 'Toronto', province: 'ON', country: 'CA', zip: 'M5V 2T6' },
  { city: 'Vancouver', province: 'BC', country: 'CA', zip: 'V6B 1A1' },
];
const HEADER = [
  'Customer ID', 'First Name', 'Last Name', 'Email', 'Accepts Email Marketing', 'Default Address Company', 'Default Address Address1',
  'Default Address Address2', 'Default Address City', 'Default Address Province Code', 'Default Address Country Code', 'Default Address Zip',
  'Default Address Phone', 'Phone', 'Accepts SMS Marketing', 'Total Spent', 'Total Orders', 'Note', 'Tax Exempt', 'Tags',
];
const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** A customer export of `count` people, as Shopify admin writes it and Excel re-saves it. */
export async function writeCustomerExport(path: string, count: number) {
  const random = createRandom(20261124);
  const out = createWriteStream(path);
  out.write(`\uFEFF${HEADER.join(',')}\r\n`);
  for (let n = 0; n < count; n++) {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    const place = random.pick(PLACES);
    // Fictional-range numbers (NANP 555-0100 to 0199, one block per area
    // code): never real people, and one per customer, as in a real store.
    const phone = random.chance(0.4) ? `'+1${201 + (Math.floor(n / 100) % 700)}55501${String(n % 100).padStart(2, '0')}` : '';
    const note = random.chance(0.02) ? 'Wholesale enquiry.\nCall before delivering.' : random.chance(0.1) ? 'Prefers text over email' : '';
    const row = [
      `'${7241900000000 + n}`, first, last, `${first}.${last}.${n}@${random.pick(DOMAINS)}`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
      random.chance(0.6) ? 'yes' : 'no', '', `${random.int(1, 9999)} Main St`, random.chance(0.2) ? `Unit ${random.int(1, 900)}` : '',
      place.city, place.province, place.country, place.zip, phone, phone, random.chance(0.1) ? 'yes' : 'no',
      (random.int(0, 90000) / 100).toFixed(2), String(random.int(0, 12)), note, 'no', random.chance(0.3) ? 'newsletter, vip' : '',
    ];
    if (!out.write(row.map(csvCell).join(',') + '\r\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
