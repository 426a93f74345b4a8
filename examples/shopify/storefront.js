// The demo storefront's "server side": what Shopify does before the page
// reaches the shopper. It picks a demo customer to be signed in as (or takes
// ?customer={shopify customer id}) and renders the app embed block's markup as
// blocks/customer-card.liquid would for them. The card then gets its token the
// way it does on a real store: from the session URL, here the demo stand-in
// for Shopify's App Proxy, /demo/app-proxy/session?customer={id}.
//
// Picking a customer needs a staff session (/demo/session); the card itself
// never uses it.

const BUNDLE = '/packages/elements/dist/tessera.min.js';
const HIGH_RISK = { kind: 'compare', attribute: 'churn_band', op: '=', value: { type: 'text', value: 'high' } };
const LOW_RISK = { kind: 'compare', attribute: 'churn_band', op: '=', value: { type: 'text', value: 'low' } };

async function staffRpc(session, fn, args) {
  const response = await fetch(`${session.url}/rest/v1/rpc/${fn}`, {
    method: 'POST',
    headers: { apikey: session.key, authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  if (!response.ok) throw new Error(`${fn} failed (${response.status}): ${await response.text()}`);
  return response.json();
}

/** A demo customer as Shopify's Liquid `customer` would have them: their Shopify id and names. */
async function shopifyCustomer(session, profileId) {
  const profile = await staffRpc(session, 'get_profile', { profile_id: profileId });
  const id = profile?.identities.find((identity) => identity.kind === 'shopify_customer')?.value;
  return id ? { id, first_name: profile.first_name, email: profile.email, band: profile.churn?.band ?? null } : null;
}

/** The first customer of a segment who shops on Shopify. */
async function firstShopper(session, segment) {
  const { sample } = await staffRpc(session, 'preview_segment', { segment, limit: 10 });
  for (const hit of sample) {
    const customer = await shopifyCustomer(session, hit.id);
    if (customer) return customer;
  }
  return null;
}

async function findCustomer(session, wanted) {
  if (wanted) {
    const profileId = await staffRpc(session, 'resolve_profile', { kind: 'shopify_customer', value: wanted });
    if (!profileId) throw new Error(`No demo customer has the Shopify id ${wanted}.`);
    return shopifyCustomer(session, profileId);
  }
  return firstShopper(session, HIGH_RISK);
}

/** The markup blocks/customer-card.liquid renders for a signed-in customer (built with the DOM: names are text, never markup). */
function renderEmbed(customer, session) {
  const config = {
    url: session.url,
    key: session.key,
    prefix: '',
    tag: 'customer-card',
    sessionUrl: `/demo/app-proxy/session?customer=${encodeURIComponent(customer.id)}`,
    offerBands: ['high'],
    script: BUNDLE,
  };
  const embed = document.createElement('details');
  embed.className = 'tessera-embed';
  embed.open = true;
  embed.dataset.tesseraConfig = JSON.stringify(config);
  const summary = document.createElement('summary');
  summary.className = 'tessera-embed__toggle';
  summary.append('My account', Object.assign(document.createElement('span'), { className: 'tessera-embed__name', textContent: customer.first_name ?? '' }));
  const body = Object.assign(document.createElement('div'), { className: 'tessera-embed__body' });
  const card = document.createElement('customer-card');
  card.setAttribute('profile-id', 'me');
  const offer = Object.assign(document.createElement('aside'), { className: 'tessera-offer', hidden: true });
  offer.dataset.tesseraOffer = '';
  const code = Object.assign(document.createElement('p'), { className: 'tessera-offer__code' });
  code.append('Use code ', Object.assign(document.createElement('code'), { textContent: 'COMEBACK15' }));
  offer.append(Object.assign(document.createElement('p'), { className: 'tessera-offer__text', textContent: 'We miss you! Here is 15% off your next order.' }), code);
  body.append(card, offer);
  embed.append(summary, body);
  document.body.append(embed);
}

async function main() {
  const response = await fetch('/demo/session');
  if (!response.ok) throw new Error('No demo session: start the server with `tessera serve --demo` (or `npm start`).');
  const session = await response.json();
  const customer = await findCustomer(session, new URLSearchParams(location.search).get('customer'));
  if (!customer) throw new Error('The demo store has no Shopify customer to sign in as.');

  document.getElementById('greeting').textContent = `Welcome back, ${customer.first_name ?? customer.email}.`;
  document.getElementById('details').textContent = `${customer.email} · Shopify customer ${customer.id}`;
  renderEmbed(customer, session);
  // The extension's own script, as the theme loads it.
  await import('./extensions/tessera-customer/assets/customer-card-embed.js');

  // Other customers to try: one at low risk (no offer) and the at-risk one.
  const low = await firstShopper(session, LOW_RISK).catch(() => null);
  const links = document.getElementById('demo-customers');
  for (const [label, other] of [['Sign in as a loyal customer', low], ['an at-risk customer', await firstShopper(session, HIGH_RISK)]]) {
    if (!other || other.id === customer.id) continue;
    const link = Object.assign(document.createElement('a'), { textContent: label, href: `?customer=${encodeURIComponent(other.id)}` });
    links.append(link);
  }
}

main().catch((error) => {
  const greeting = document.getElementById('greeting');
  greeting.className = 'greeting error';
  greeting.textContent = error.message;
});
