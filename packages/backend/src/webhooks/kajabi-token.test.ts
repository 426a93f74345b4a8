import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kajabiTokenAccount, newKajabiWebhookToken, tokensMatch } from './kajabi-token.ts';

describe('Kajabi webhook token', () => {
  const token = 'site-412077.3q8ZJx0vN1mR7cT4yW2bK9eH6uL5pA0sD3fG8jQ1wE4';

  it('names its connection by the part before the first dot; a local token need not have one', () => {
    assert.equal(kajabiTokenAccount(token), 'site-412077');
    assert.equal(kajabiTokenAccount('3q8ZJx0vN1mR7cT4yW2bK9eH6uL5pA0sD3fG8jQ1wE4'), '');
    assert.equal(kajabiTokenAccount('.starts-with-a-dot'), '');
  });

  it('matches only the exact token', async () => {
    assert.equal(await tokensMatch(token, token), true);
    assert.equal(await tokensMatch(token.slice(0, -1), token), false, 'one character short: a different length');
    assert.equal(await tokensMatch(`${token}x`, token), false, 'one character long');
    assert.equal(await tokensMatch(`${token.slice(0, -1)}5`, token), false, 'same length, wrong last character');
    assert.equal(await tokensMatch(`X${token.slice(1)}`, token), false, 'same length, wrong first character');
    assert.equal(await tokensMatch('', token), false);
  });

  it('never matches when no secret is configured, not even an empty token', async () => {
    assert.equal(await tokensMatch('', ''), false);
  });

  it('makes long random tokens with the account in front', () => {
    const a = newKajabiWebhookToken('site-412077');
    const b = newKajabiWebhookToken('site-412077');
    assert.match(a, /^site-412077\.[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.equal(kajabiTokenAccount(a), 'site-412077');
    assert.throws(() => newKajabiWebhookToken('has.dot'), /1-64 letters, digits/);
  });
});
