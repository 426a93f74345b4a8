import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kajabiPeopleCsv } from './kajabi-people-csv.ts';

describe('Kajabi contacts export rows', () => {
  it('never keep card data a creator collected in custom fields, and say what was dropped', () => {
    const row = {
      Name: 'Amara Okafor',
      Email: 'amara.okafor@example.com',
      'Credit Card Number (custom_3)': '4242 4242 4242 4242',
      'CW (custom_5)': '123',
      'Expiration (custom_4)': '04/29',
      'Favourite Bread (custom_6)': 'rye',
    };
    const body = kajabiPeopleCsv.body([row]) as Record<string, string>;
    assert.equal(body['Credit Card Number (custom_3)'], '[dropped: card data]');
    assert.equal(body['CW (custom_5)'], '[dropped: card data]');
    assert.equal(body['Expiration (custom_4)'], '[dropped: card data]');
    assert.equal(body['Favourite Bread (custom_6)'], 'rye');
    assert.ok(!JSON.stringify(body).includes('4242'));
  });
});
