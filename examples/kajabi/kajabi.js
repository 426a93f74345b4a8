// Stands in for Kajabi: renders custom-code-block.html for a signed-in member
// ({{ member.email }} becomes a demo customer who takes a course) and for the
// team's sign-in, which here is the demo staff session from /demo/session.

async function main() {
  const response = await fetch('/demo/session');
  if (!response.ok) throw new Error('No demo session: start the server with `tessera serve --demo` (or `npm start`).');
  const session = await response.json();
  const client = Tessera.configure({ url: session.url, key: session.key, accessToken: session.accessToken });

  // A member: someone the demo seeded with a Kajabi identity (course payments), else anyone.
  const wanted = new URLSearchParams(location.search).get('email');
  let member = wanted;
  if (!member) {
    for (const hit of await client.profiles.search('a', { limit: 20 })) {
      const profile = await client.profiles.get(hit.id);
      if (profile?.email && profile.identities.some((identity) => identity.kind === 'kajabi_member')) {
        member = profile.email;
        break;
      }
    }
  }
  if (!member) throw new Error('The demo has no Kajabi member yet.');
  document.getElementById('member-line').textContent = `Signed in as ${member}`;
  document.getElementById('card').setAttribute('email', member);
}

main().catch((error) => {
  const line = document.getElementById('member-line');
  line.className = 'error';
  line.textContent = error.message;
});
