// The Customer Intelligence dashboard: built only from Tessera's elements.
// Routes live in the hash (#/overview, #/segments, #/customers/{id}), so a
// reload or a shared link opens the same view. In a real app the session
// comes from your staff sign-in (Supabase Auth); `tessera serve --demo` hands
// out a demo staff session at /demo/session.

const TESSERA_TAGS = [
  'workspace-overview', 'segment-list', 'segment-builder', 'segment-members',
  'profile-search', 'customer-card', 'churn-gauge', 'journey-timeline',
];
const PROFILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = 86_400_000;

const $ = (id) => document.getElementById(id);
const views = { overview: $('view-overview'), segments: $('view-segments'), customers: $('view-customers') };

// Routing -------------------------------------------------------------------

/** The route a hash names; anything unknown is the overview. */
function parseRoute(hash) {
  const [, name, id] = /^#\/([a-z]+)(?:\/([^/]+))?\/?$/.exec(hash) ?? [];
  if (name === 'segments') return { name };
  if (name === 'customers') return { name, profileId: id && PROFILE_ID.test(decodeURIComponent(id)) ? decodeURIComponent(id) : null };
  return { name: 'overview' };
}

function show(route, { focus }) {
  for (const [name, view] of Object.entries(views)) view.hidden = name !== route.name;
  for (const link of document.querySelectorAll('.nav a')) {
    if (link.dataset.route === route.name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (route.name === 'customers') showCustomer(route.profileId);
  const title = views[route.name].querySelector('h1');
  document.title = `${title.textContent} · Customer Intelligence`;
  // A new view is announced by moving focus to its heading, as a page load would.
  if (focus) title.focus();
}

function showCustomer(profileId) {
  $('customer').hidden = !profileId;
  $('customer-hint').hidden = Boolean(profileId);
  if (!profileId) return;
  // Attributes, not markup: the id was checked to be a UUID, and is never parsed as HTML anyway.
  for (const id of ['customer-card', 'churn-gauge', 'journey-timeline']) $(id).setAttribute('profile-id', profileId);
}

const openCustomer = (profileId) => {
  if (profileId) location.hash = `#/customers/${encodeURIComponent(profileId)}`;
};

// Elements' events ----------------------------------------------------------

/** `tessera-profile-select` carries {profileId} from segment members and {profile} from the search. */
const selectedProfileId = (detail) => detail?.profileId ?? detail?.profile?.id ?? null;

function wire() {
  $('segment-list').addEventListener('tessera-segment-select', (event) => {
    const segment = event.detail?.segment;
    if (!segment?.id) return;
    $('segment-members').setAttribute('segment-id', segment.id);
    // The builder opens the chosen segment for editing, where it supports that.
    if ('segment' in $('segment-builder')) $('segment-builder').segment = segment;
  });
  for (const id of ['segment-members', 'profile-search']) {
    $(id).addEventListener('tessera-profile-select', (event) => openCustomer(selectedProfileId(event.detail)));
  }
  $('period').addEventListener('change', () => setPeriod($('period').value));
  $('theme-toggle').addEventListener('click', () => setTheme(currentTheme() === 'dark' ? 'light' : 'dark'));
  window.addEventListener('hashchange', () => show(parseRoute(location.hash), { focus: true }));
}

function setPeriod(value) {
  const overview = $('overview');
  if (value === 'all') overview.removeAttribute('since');
  else overview.setAttribute('since', new Date(Date.now() - Number(value) * DAY).toISOString());
}

// Theme ---------------------------------------------------------------------

const currentTheme = () =>
  document.documentElement.dataset.theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

function setTheme(theme, { remember = true } = {}) {
  document.documentElement.dataset.theme = theme;
  for (const element of document.querySelectorAll(TESSERA_TAGS.join(','))) element.setAttribute('theme', theme);
  const toggle = $('theme-toggle');
  toggle.setAttribute('aria-pressed', String(theme === 'dark'));
  if (remember) localStorage.setItem('tessera-dashboard-theme', theme);
}

// Start ---------------------------------------------------------------------

async function connect() {
  const response = await fetch('/demo/session');
  if (!response.ok) throw new Error('No demo session: start the server with `tessera serve --demo` (or `npm start`).');
  const session = await response.json();
  $('workspace').textContent = session.workspace;
  if (!window.Tessera?.configure) throw new Error('The Tessera script did not load: build it with `npm run build`, then reload.');
  window.Tessera.configure({ url: session.url, key: session.key, accessToken: session.accessToken });
}

async function main() {
  const saved = localStorage.getItem('tessera-dashboard-theme');
  if (saved === 'light' || saved === 'dark') setTheme(saved, { remember: false });
  setPeriod($('period').value);
  wire();
  if (!location.hash) history.replaceState(null, '', '#/overview');
  show(parseRoute(location.hash), { focus: false });
  await connect();
}

main().catch((error) => {
  const alert = $('alert');
  alert.textContent = error.message;
  alert.hidden = false;
});
