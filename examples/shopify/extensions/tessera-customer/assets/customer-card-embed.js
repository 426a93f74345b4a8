// The Tessera app embed's behaviour, for every block the theme rendered
// (blocks/customer-card.liquid): configure Tessera from the block's
// data-tessera-config, and show the win-back offer while the customer's churn
// band is one the shop chose. Everything the shop or the customer typed
// arrives as data in that attribute; nothing here is rendered by Liquid.

/**
 * Starts every embed under `root` that has not started yet.
 * @param {ParentNode} root
 */
export async function startEmbeds(root = document) {
  for (const embed of root.querySelectorAll('[data-tessera-config]:not([data-tessera-ready])')) {
    embed.setAttribute('data-tessera-ready', '');
    try {
      await startEmbed(embed, JSON.parse(embed.getAttribute('data-tessera-config')));
    } catch (error) {
      console.error('Tessera app embed:', error);
    }
  }
}

/**
 * @param {HTMLElement} embed
 * @param {{ url: string, key: string, prefix: string, tag: string, sessionUrl: string, offerBands: string[], script: string }} config
 */
async function startEmbed(embed, config) {
  // The theme loads tessera.min.js with a module script; importing the same URL waits for it (or loads it when missing).
  if (!globalThis.Tessera) await import(config.script);
  const { Tessera } = globalThis;
  Tessera.configure({ url: config.url, key: config.key, storefront: { sessionUrl: config.sessionUrl } });
  // A prefix must start with a letter to make a valid tag name (`acme`, not `1acme`): define throws otherwise.
  if (config.prefix) Tessera.define(config.prefix);

  const offer = embed.querySelector('[data-tessera-offer]');
  if (!offer) return;
  const follow = (event) => {
    if (event.target.localName !== config.tag) return;
    const band = event.detail.profile?.churn?.band;
    offer.hidden = !(band && config.offerBands.includes(band));
  };
  // A live change (a new order lowers the risk) hides the offer again, without a reload.
  embed.addEventListener('tessera-profile-load', follow);
  embed.addEventListener('tessera-profile-change', follow);
}

startEmbeds();
