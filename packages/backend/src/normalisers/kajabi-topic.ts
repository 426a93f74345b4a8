/**
 * What a Kajabi delivery is about, read from the delivery itself. Kajabi sends
 * no topic header, so the webhook handler asks this module and stores the
 * answer as the raw event's topic; the normaliser dispatches on it.
 *
 * Two formats reach `POST /webhooks/kajabi/<token>`:
 * - the public API's hooks (`POST /v1/hooks`, events `purchase`,
 *   `payment_succeeded`, `order_created`, `form_submission`, `tag_added`,
 *   `tag_removed`), posted as `{ "id", "event", "payload": [JSON:API resources] }`
 *   (developers.kajabi.com/api-reference/webhooks, "Actual Payloads");
 * - the outbound webhooks set up in the Kajabi admin (Purchase Created,
 *   Payment Succeeded, Cart Purchase, Form Submission), flat JSON objects
 *   (help.kajabi.com "Outbound webhook data reference"). Older versions of that
 *   page name the event in an `event` field (`purchase.created`); the current
 *   one lists no such field, so the shape decides when it is missing.
 *
 * Order of evidence: Kajabi's own `event` field, then the `event` query
 * parameter the creator may add to the URL they paste into Kajabi, then the
 * shape of the body.
 */

export const KAJABI_TOPICS = ['purchase', 'payment_succeeded', 'order_created', 'form_submission', 'tag_added', 'tag_removed'] as const;
export type KajabiTopic = (typeof KAJABI_TOPICS)[number];

// Event names as either format spells them, lower-cased with `.`, `-` and
// spaces folded to `_`. The admin names for carts and forms are not in the
// documentation we could read, so the plausible spellings are accepted.
const ALIASES: Record<string, KajabiTopic> = {
  purchase: 'purchase',
  purchase_created: 'purchase',
  payment_succeeded: 'payment_succeeded',
  order_created: 'order_created',
  cart_purchase: 'order_created',
  cart_purchase_created: 'order_created',
  form_submission: 'form_submission',
  form_submission_created: 'form_submission',
  form_submitted: 'form_submission',
  tag_added: 'tag_added',
  tag_removed: 'tag_removed',
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const isKajabiTopic = (topic: string): topic is KajabiTopic => (KAJABI_TOPICS as readonly string[]).includes(topic);

/** A named event in its canonical spelling, or the name as given (trimmed) when Tessera does not know it. */
function canonical(name: string): string {
  const folded = name.trim().toLowerCase().replace(/[.\s-]+/g, '_');
  // Own keys only: an event named "__proto__" or "constructor" must not find Object.prototype's.
  return (Object.hasOwn(ALIASES, folded) ? ALIASES[folded] : undefined) ?? name.trim().slice(0, 100);
}

/** The JSON:API resource types of an API hook's payload, if the body is one. */
function resourceTypes(body: unknown): Set<string> | null {
  const resources = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.payload) ? body.payload : null;
  if (!resources) return null;
  return new Set(resources.filter(isObject).map((resource) => String(resource.type)));
}

/** The topic the shape of the body implies, or null when it could be several. */
function topicFromShape(body: unknown): KajabiTopic | null {
  const types = resourceTypes(body);
  if (types) {
    if (types.has('orders')) return 'order_created';
    if (types.has('purchases')) return 'purchase';
    if (types.has('transactions')) return 'payment_succeeded';
    if (types.has('form_submissions')) return 'form_submission';
    return null; // contacts + contact_tags is tag_added or tag_removed: the shape cannot say which
  }
  if (!isObject(body)) return null;
  const fields = isObject(body.payload) ? { ...body.payload, ...body } : body;
  if (isObject(fields.payment_transaction)) return 'payment_succeeded';
  if (isObject(fields.order) || isObject(fields.cart)) return 'order_created';
  if (isObject(fields.form) || 'form_id' in fields) return 'form_submission';
  if ((isObject(fields.offer) || 'offer_id' in fields) && (isObject(fields.member) || 'member_email' in fields)) return 'purchase';
  return null;
}

/**
 * The topic of a Kajabi delivery: a member of KAJABI_TOPICS when recognised,
 * otherwise the event name as sent (the normaliser ignores it, the raw event
 * keeps it), or `(unknown)` when nothing names or implies one.
 */
export function kajabiTopic(body: unknown, urlEvent?: string | null): string {
  if (isObject(body) && typeof body.event === 'string' && body.event.trim()) return canonical(body.event);
  if (urlEvent?.trim()) return canonical(urlEvent);
  return topicFromShape(body) ?? '(unknown)';
}
