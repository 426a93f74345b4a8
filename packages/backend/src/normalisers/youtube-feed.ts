import { NormaliseError } from './record.ts';

/**
 * The Atom notification YouTube's WebSub hub pushes, parsed without an XML
 * dependency. The shape is fixed and small (developers.google.com/youtube/v3/guides/push_notifications):
 *
 *   <feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
 *     <link rel="self" href="https://www.youtube.com/xml/feeds/videos.xml?channel_id=CHANNEL_ID"/>
 *     <entry><yt:videoId/><yt:channelId/><title/><link rel="alternate"/><author><name/><uri/></author>
 *            <published/><updated/></entry>
 *   </feed>
 *
 * and, for a removed video, `<at:deleted-entry ref="yt:video:VIDEO_ID" when="…"><at:by><uri>…/channel/ID</uri></at:by>`
 * (Atom tombstones, RFC 6721). So this is a strict, small parser for well-formed
 * XML with namespaces: it refuses DTDs and entity declarations outright (no
 * entity expansion, no external fetches), decodes only the predefined and
 * numeric character references, and bounds depth and size.
 */

const ATOM = 'http://www.w3.org/2005/Atom';
const YT = 'http://www.youtube.com/xml/schemas/2015';
const TOMBSTONES = 'http://purl.org/atompub/tombstones/1.0';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

interface XmlElement {
  ns: string | null;
  local: string;
  /** Attributes without a prefix, by name (the only ones this feed uses). */
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const MAX_DEPTH = 32;
const MAX_ELEMENTS = 20_000;
const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;

function decodeText(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]+);|&/g, (whole, ref: string | undefined) => {
    if (!ref) throw new NormaliseError('XML: a bare "&" in text (it must be written &amp;)');
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code > 0x10ffff || code === 0 || (code >= 0xd800 && code <= 0xdfff)) throw new NormaliseError(`XML: ${whole} is not a character`);
      return String.fromCodePoint(code);
    }
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (!(ref in named)) throw new NormaliseError(`XML: unknown entity ${whole} (only the predefined ones are accepted)`);
    return named[ref]!;
  });
}

/** Parses well-formed XML into elements with resolved namespaces. Throws NormaliseError on anything else. */
export function parseXml(xml: string): XmlElement {
  let at = 0;
  let root: XmlElement | null = null;
  let count = 0;
  const stack: { element: XmlElement; qname: string; scope: Map<string, string> }[] = [];
  const fail = (what: string): never => {
    throw new NormaliseError(`XML: ${what} (at character ${at})`);
  };
  if (xml.charCodeAt(0) === 0xfeff) at = 1;

  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const chunk = xml.slice(at, lt === -1 ? xml.length : lt);
    if (chunk) {
      const top = stack.at(-1);
      if (top) top.element.text += decodeText(chunk);
      else if (chunk.trim()) fail('text outside the root element');
    }
    if (lt === -1) break;
    at = lt;
    if (xml.startsWith('<!--', at)) {
      const end = xml.indexOf('-->', at + 4);
      if (end === -1) fail('unterminated comment');
      at = end + 3;
    } else if (xml.startsWith('<![CDATA[', at)) {
      const end = xml.indexOf(']]>', at + 9);
      if (end === -1 || !stack.length) fail('CDATA outside an element or unterminated');
      stack.at(-1)!.element.text += xml.slice(at + 9, end);
      at = end + 3;
    } else if (xml.startsWith('<?', at)) {
      const end = xml.indexOf('?>', at + 2);
      if (end === -1) fail('unterminated processing instruction');
      at = end + 2;
    } else if (xml.startsWith('<!', at)) {
      fail('DTDs and entity declarations are refused');
    } else if (xml.startsWith('</', at)) {
      const end = xml.indexOf('>', at);
      const qname = end === -1 ? '' : xml.slice(at + 2, end).trim();
      const open = stack.pop();
      if (!open || open.qname !== qname) fail(`</${qname}> does not close <${open?.qname ?? 'nothing'}>`);
      at = end + 1;
    } else {
      const tag = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(xml.slice(at, at + 64 * 1024));
      if (!tag || !NAME.test(tag[1]!)) fail('malformed start tag');
      const [whole, qname, attrText, selfClosing] = tag as unknown as [string, string, string, string];
      if (root && !stack.length) fail('a second root element');
      if (stack.length >= MAX_DEPTH || ++count > MAX_ELEMENTS) fail('document too deep or too large');
      const scope = new Map(stack.at(-1)?.scope ?? [['xml', XML_NS]]);
      const raw: [string, string][] = [];
      for (const attr of attrText.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        const [name, value] = [attr[1]!, decodeText(attr[2] ?? attr[3] ?? '')];
        if (!NAME.test(name)) fail(`malformed attribute name ${name}`);
        if (raw.some(([seen]) => seen === name)) fail(`attribute ${name} given twice`);
        raw.push([name, value]);
        if (name === 'xmlns') scope.set('', value);
        else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
      }
      const [prefix, local] = qname.includes(':') ? (qname.split(':') as [string, string]) : ['', qname];
      if (prefix && !scope.has(prefix)) fail(`undeclared namespace prefix ${prefix}`);
      const element: XmlElement = {
        ns: scope.get(prefix) || null,
        local,
        attrs: Object.fromEntries(raw.filter(([name]) => !name.includes(':') && name !== 'xmlns')),
        children: [],
        text: '',
      };
      const parent = stack.at(-1);
      if (parent) parent.element.children.push(element);
      else root = element;
      if (!selfClosing) stack.push({ element, qname, scope });
      at += whole.length;
    }
  }
  if (stack.length) fail(`<${stack.at(-1)!.qname}> is never closed`);
  if (!root) fail('no root element');
  return root!;
}

/** One video the hub announced: uploaded, or its title or description changed. */
export interface FeedVideo {
  videoId: string;
  channelId: string;
  title: string | null;
  url: string | null;
  channelTitle: string | null;
  published: string | null;
  updated: string | null;
}

/** A video removed from the channel (an Atom tombstone). */
export interface FeedDeletion {
  videoId: string;
  channelId: string | null;
  deletedAt: string | null;
}

export interface YouTubeFeed {
  /** The topic (`rel="self"` link): the channel feed this notification is for. */
  topic: string | null;
  videos: FeedVideo[];
  deletions: FeedDeletion[];
  /** Elements of the feed or its entries this parser does not know. */
  unrecognised: string[];
}

const child = (element: XmlElement, ns: string, local: string) => element.children.find((c) => c.ns === ns && c.local === local);
const childText = (element: XmlElement, ns: string, local: string) => child(element, ns, local)?.text.trim() || null;

/** Atom dates may carry nanoseconds ("…24.552394234+00:00"): read to the millisecond. */
function atomTime(value: string | null | undefined): string | null {
  const trimmed = value?.trim().replace(/(\.\d{3})\d+/, '$1');
  const time = trimmed ? new Date(trimmed) : null;
  return time && !Number.isNaN(time.getTime()) ? time.toISOString() : null;
}

/** A channel id from a channel URL or a feed topic (`…/channel/UC…`, `…?channel_id=UC…`). */
export function channelIdFrom(url: string | null | undefined): string | null {
  const match = url ? /(?:[?&]channel_id=|\/channel\/)(UC[\w-]{22})(?:[&#/]|$)/.exec(url) : null;
  return match ? match[1]! : null;
}

const FEED_CHILDREN = new Set(['link', 'title', 'updated', 'entry', 'deleted-entry', 'id', 'author', 'published']);
const ENTRY_CHILDREN = new Set(['id', 'videoId', 'channelId', 'title', 'link', 'author', 'published', 'updated']);

/** Reads a YouTube push notification. Throws NormaliseError when it is not one. */
export function parseYouTubeFeed(xml: string): YouTubeFeed {
  const feed = parseXml(xml);
  if (feed.ns !== ATOM || feed.local !== 'feed') throw new NormaliseError('YouTube notification must be an Atom <feed>');
  const self = feed.children.find((c) => c.ns === ATOM && c.local === 'link' && c.attrs.rel === 'self');
  const unrecognised = feed.children.filter((c) => !FEED_CHILDREN.has(c.local)).map((c) => c.local);
  const videos: FeedVideo[] = [];
  const deletions: FeedDeletion[] = [];
  for (const entry of feed.children) {
    if (entry.ns === ATOM && entry.local === 'entry') {
      const videoId = childText(entry, YT, 'videoId');
      const channelId = childText(entry, YT, 'channelId');
      if (!videoId || !channelId) throw new NormaliseError('YouTube feed entry without <yt:videoId> and <yt:channelId>');
      const author = child(entry, ATOM, 'author');
      const alternate = entry.children.find((c) => c.ns === ATOM && c.local === 'link' && (c.attrs.rel ?? 'alternate') === 'alternate');
      videos.push({
        videoId,
        channelId,
        title: childText(entry, ATOM, 'title'),
        url: alternate?.attrs.href ?? null,
        channelTitle: author ? childText(author, ATOM, 'name') : null,
        published: atomTime(childText(entry, ATOM, 'published')),
        updated: atomTime(childText(entry, ATOM, 'updated')),
      });
      unrecognised.push(...entry.children.filter((c) => !ENTRY_CHILDREN.has(c.local)).map((c) => `entry.${c.local}`));
    } else if (entry.ns === TOMBSTONES && entry.local === 'deleted-entry') {
      const videoId = /^yt:video:([\w-]{6,20})$/.exec(entry.attrs.ref ?? '')?.[1];
      if (!videoId) throw new NormaliseError('YouTube deleted-entry without ref="yt:video:VIDEO_ID"');
      const by = child(entry, TOMBSTONES, 'by');
      deletions.push({ videoId, channelId: channelIdFrom(by ? childText(by, ATOM, 'uri') : null), deletedAt: atomTime(entry.attrs.when) });
    }
  }
  return { topic: self?.attrs.href ?? null, videos, deletions, unrecognised };
}
