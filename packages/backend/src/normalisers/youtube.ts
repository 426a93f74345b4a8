import { NormaliseError, type EventClaim, type Normaliser, type TraitClaim } from './record.ts';
import { parseYouTubeFeed } from './youtube-feed.ts';

/**
 * YouTube push notifications (WebSub) → what a channel published. Pure.
 *
 * A notification says a channel uploaded a video or changed a video's title
 * or description (or removed one): it is about the channel, never about a
 * viewer. Nobody who watched, liked, commented or subscribed is named. So
 * the record's person is the channel itself (`youtube_channel_id`): useful
 * for the creator's own channel and for collaborators, and it links to a
 * customer only through another source that names the same channel id.
 *
 * The stored body is the Atom XML as text (see youtube-feed.ts).
 */
export const normaliseYouTube: Normaliser = (delivery) => {
  if (typeof delivery.body !== 'string') {
    throw new NormaliseError('A YouTube notification body is Atom XML text; it must reach the normaliser undecoded, not parsed as JSON');
  }
  const feed = parseYouTubeFeed(delivery.body);
  const channels = new Set([...feed.videos.map((v) => v.channelId), ...feed.deletions.map((d) => d.channelId).filter((id): id is string => id !== null)]);
  if (channels.size === 0) return { kind: 'ignored', reason: 'YouTube notification without a video entry: nothing happened on the channel' };
  if (channels.size > 1) throw new NormaliseError(`One YouTube notification names several channels (${[...channels].join(', ')}); a topic is one channel`);
  const channelId = [...channels][0]!;

  const events: EventClaim[] = [
    ...feed.videos.map((video) => ({
      // An edit of the title re-sends the entry: the video is published once.
      external_id: `youtube:video:${video.videoId}:published`,
      type: 'video_published',
      occurred_at: video.published ?? video.updated ?? delivery.receivedAt,
      properties: { network: 'youtube', video_id: video.videoId, title: video.title, url: video.url, updated_at: video.updated },
    })),
    ...feed.deletions.map((deletion) => ({
      external_id: `youtube:video:${deletion.videoId}:deleted`,
      type: 'video_deleted',
      occurred_at: deletion.deletedAt ?? delivery.receivedAt,
      properties: { network: 'youtube', video_id: deletion.videoId },
    })),
  ];
  const observedAt = [...feed.videos.map((v) => v.updated), ...feed.deletions.map((d) => d.deletedAt)]
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1) ?? delivery.receivedAt;
  const title = feed.videos.find((v) => v.channelTitle)?.channelTitle;
  const traits: TraitClaim[] = title ? [{ name: 'youtube_channel_title', value: title }] : [];
  return {
    kind: 'record',
    record: { observed_at: observedAt, identities: [{ kind: 'youtube_channel_id', value: channelId }], traits, events, unrecognised: feed.unrecognised },
  };
};
