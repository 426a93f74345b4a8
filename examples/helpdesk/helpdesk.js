// A helpdesk sidebar: the ticket's requester, as one live Tessera profile.
// In a real helpdesk the session comes from your staff sign-in (Supabase Auth);
// `tessera serve --demo` hands out a demo staff session at /demo/session.

const SUBJECTS = [
  'Where is my order?',
  'Starter kit arrived with a cracked jar',
  'Can I change my delivery address?',
  'Discount code did not apply',
  'Question about rye flour hydration',
  'Please cancel my last order',
];

const card = document.getElementById('card');
const list = document.getElementById('tickets');
const ticket = document.getElementById('ticket');

async function connect() {
  const params = new URLSearchParams(location.search);
  const response = await fetch('/demo/session');
  if (!response.ok) throw new Error('No demo session: start the server with `tessera serve --demo` (or `npm start`).');
  const session = await response.json();
  document.getElementById('workspace').textContent = session.workspace;
  const client = Tessera.configure({ url: session.url, key: session.key, accessToken: session.accessToken });
  return { client, email: params.get('email') };
}

function showTicket(requester, subject) {
  for (const button of list.querySelectorAll('button')) {
    button.setAttribute('aria-selected', String(button.dataset.email === requester.email));
  }
  // Text only: names and emails come from customers and never become markup.
  ticket.replaceChildren();
  const title = Object.assign(document.createElement('h1'), { textContent: subject });
  const meta = Object.assign(document.createElement('p'), { className: 'meta', textContent: `From ${requester.name} <${requester.email}>` });
  const message = document.createElement('div');
  message.className = 'message';
  message.append(
    Object.assign(document.createElement('div'), { className: 'who', textContent: requester.name }),
    Object.assign(document.createElement('div'), {
      textContent: `Hi there — ${subject.charAt(0).toLowerCase()}${subject.slice(1).replace(/[?.!]$/, '')}. Could you take a look? Thanks, ${requester.name.split(' ')[0]}`,
    }),
  );
  ticket.append(title, meta, message);
  card.setAttribute('email', requester.email);
  const url = new URL(location.href);
  url.searchParams.set('email', requester.email);
  history.replaceState(null, '', url);
}

async function main() {
  const { client, email } = await connect();
  const recent = await client.profiles.search('a', { limit: 6 });
  const requesters = recent.filter((p) => p.email).map((p) => ({ email: p.email, name: p.display_name ?? p.email }));
  if (email && !requesters.some((r) => r.email === email)) {
    // A ticket opened from a link: its requester may not be among the recent customers.
    const id = await client.profiles.resolve({ email });
    const profile = id ? await client.profiles.get(id) : null;
    requesters.unshift({ email, name: profile?.display_name ?? email });
  }
  requesters.forEach((requester, index) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('role', 'option');
    button.dataset.email = requester.email;
    button.append(
      Object.assign(document.createElement('span'), { className: 'subject', textContent: SUBJECTS[index % SUBJECTS.length] }),
      Object.assign(document.createElement('span'), { className: 'from', textContent: requester.name }),
    );
    button.addEventListener('click', () => showTicket(requester, SUBJECTS[index % SUBJECTS.length]));
    item.append(button);
    list.append(item);
  });
  const first = requesters.find((r) => r.email === email) ?? requesters[0];
  if (first) showTicket(first, SUBJECTS[requesters.indexOf(first) % SUBJECTS.length]);
}

main().catch((error) => {
  ticket.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: error.message }));
});
