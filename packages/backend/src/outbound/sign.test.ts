// The signature scheme, checked against node:crypto's HMAC computed here from
// the scheme's description, not from the code under test.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { outboundHeaders, signTesseraPayload, verifyTesseraSignature } from './sign.ts';

const secret = 'whsec_4f1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100';
const body = '{"id":"evt_0a1b","type":"segment.entered","created_at":"2026-11-01T12:00:00.000Z","data":{"segment":{"id":"s1","name":"Café regulars"},"profile":{"id":"p1","email":"zoë@example.com","display_name":"Zoë Brûlé"}}}';
const sentAt = new Date('2026-11-01T12:00:00.000Z');
const t = 1793534400; // 2026-11-01T12:00:00Z in Unix seconds
const expectedMac = (key: string, timestamp: number, text: string) => createHmac('sha256', key).update(`${timestamp}.${text}`, 'utf8').digest('hex');
const seconds = (n: number) => new Date(sentAt.getTime() + n * 1000);

describe('Tessera-Signature', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" keyed with the whole secret>', async () => {
    assert.equal(Math.floor(sentAt.getTime() / 1000), t);
    assert.equal(await signTesseraPayload(body, secret, sentAt), `t=${t},v1=${expectedMac(secret, t, body)}`);
  });

  it('comes with the event id and type and a JSON content type', async () => {
    const headers = await outboundHeaders({ eventId: 'evt_0a1b', eventType: 'segment.entered', body }, secret, sentAt);
    assert.equal(headers['Content-Type'], 'application/json');
    assert.equal(headers['Tessera-Event-Id'], 'evt_0a1b');
    assert.equal(headers['Tessera-Event-Type'], 'segment.entered');
    assert.equal(headers['Tessera-Signature'], `t=${t},v1=${expectedMac(secret, t, body)}`);
  });

  it('verifies a signature made by any HMAC-SHA256 implementation, from the body as a string or as bytes', async () => {
    const header = `t=${t},v1=${expectedMac(secret, t, body)}`;
    assert.equal(await verifyTesseraSignature(header, body, secret, 300, sentAt), true);
    assert.equal(await verifyTesseraSignature(header, new TextEncoder().encode(body), secret, 300, sentAt), true);
    // Upper-case hex and spaces after the comma are the same signature.
    assert.equal(await verifyTesseraSignature(`t=${t}, v1=${expectedMac(secret, t, body).toUpperCase()}`, body, secret, 300, sentAt), true);
  });

  it('refuses a tampered body, a wrong secret, or a signature moved to another timestamp', async () => {
    const header = await signTesseraPayload(body, secret, sentAt);
    assert.equal(await verifyTesseraSignature(header, body.replace('zoë@example.com', 'mallory@example.com'), secret, 300, sentAt), false);
    assert.equal(await verifyTesseraSignature(header, `${body} `, secret, 300, sentAt), false);
    assert.equal(await verifyTesseraSignature(header, body, `${secret.slice(0, -1)}1`, 300, sentAt), false);
    assert.equal(await verifyTesseraSignature(header.replace(`t=${t}`, `t=${t + 1}`), body, secret, 300, seconds(1)), false);
  });

  it('refuses a timestamp more than the tolerance away, either way', async () => {
    const header = await signTesseraPayload(body, secret, sentAt);
    assert.equal(await verifyTesseraSignature(header, body, secret, 300, seconds(300)), true);
    assert.equal(await verifyTesseraSignature(header, body, secret, 300, seconds(301)), false);
    assert.equal(await verifyTesseraSignature(header, body, secret, 300, seconds(-301)), false);
    assert.equal(await verifyTesseraSignature(header, body, secret, 3600, seconds(3600)), true);
    // The default tolerance is five minutes against the real clock: a signature from 2026 is stale now or later.
    if (Date.now() > sentAt.getTime() + 301_000) assert.equal(await verifyTesseraSignature(header, body, secret), false);
  });

  it('accepts any matching v1 among several (a secret rotation) and nothing malformed', async () => {
    const good = expectedMac(secret, t, body);
    const other = expectedMac('whsec_old', t, body);
    assert.equal(await verifyTesseraSignature(`t=${t},v1=${other},v1=${good}`, body, secret, 300, sentAt), true);
    for (const header of [
      null,
      '',
      `v1=${good}`,
      `t=${t}`,
      `t=${t},v0=${good}`,
      `t=${t},v1=${good.slice(0, 62)}`,
      `t=${t},v1=${good}zz`,
      `t=soon,v1=${good}`,
      `t=-${t},v1=${good}`,
      `t=${t}.0,v1=${good}`,
    ]) {
      assert.equal(await verifyTesseraSignature(header, body, secret, 300, sentAt), false, `accepted ${header}`);
    }
  });
});
