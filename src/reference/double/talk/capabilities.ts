import { PREDEFINED_BACKGROUNDS } from '../call-page.ts';
import type { User } from '../store.ts';
import { CHAT_MAX_LENGTH } from './chat.ts';

/**
 * Talk's `spreed` capability (nextcloud/spreed lib/Capabilities.php): features and config as a
 * given Talk release publishes them. RoomController's room list (talk/room.ts) hashes the feature
 * list into `X-Nextcloud-Talk-Hash`.
 */

/** `[major, minor]` of a Talk version string. */
function talkMajorMinor(version: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [22, 0];
}

/**
 * The `spreed` capability (lib/Capabilities.php, ResponseDefinitions TalkCapabilities), for a user
 * or anonymous, as the given Talk release publishes it: `threads` and `live-transcription` from
 * 22, `end-to-end-encryption` from 21, `predefined-backgrounds-v2` from 21.1 (docs/capabilities.md;
 * docs/reference/talk-reference.md section 5). Predefined backgrounds as lib/Capabilities.php lists them; the
 * v2 entries are image paths under the app (imagePath('spreed', 'backgrounds/…')).
 */
export function talkCapabilities(version: string, user: User | null): Record<string, unknown> {
  const [major, minor] = talkMajorMinor(version);
  const call: Record<string, unknown> = {
    enabled: true,
    'breakout-rooms': true,
    recording: false,
    'recording-consent': 0,
    'supported-reactions': ['❤️', '🎉', '👏', '👋', '👍', '👎', '🔥', '😂', '🤩', '🤔', '😲', '😥'],
    'predefined-backgrounds': PREDEFINED_BACKGROUNDS,
    ...(major > 21 || (major === 21 && minor >= 1) ? { 'predefined-backgrounds-v2': PREDEFINED_BACKGROUNDS.map((f) => `/apps/spreed/img/backgrounds/${f}`) } : {}),
    'can-upload-background': Boolean(user),
    'sip-enabled': false,
    'sip-dialout-enabled': false,
    'can-enable-sip': false,
    'start-without-media': false,
    'max-duration': 0,
    // The user's preference; always false for guests (Config::getBlurVirtualBackground).
    'blur-virtual-background': user?.blurVirtualBackground ?? false,
    ...(major >= 21 ? { 'end-to-end-encryption': false } : {}),
    ...(major >= 22 ? { 'live-transcription': false } : {}),
  };
  return {
    features: major >= 22 ? TALK_FEATURES : TALK_FEATURES.filter((f) => f !== 'threads'),
    'features-local': TALK_LOCAL_FEATURES,
    config: {
      attachments: user ? { allowed: true, folder: '/Talk' } : { allowed: false },
      call,
      chat: {
        'max-length': CHAT_MAX_LENGTH,
        'read-privacy': 0,
        'has-translation-providers': false,
        'typing-privacy': 0,
        'summary-threshold': 100,
      },
      conversations: { 'can-create': Boolean(user), 'force-passwords': false },
      federation: { enabled: false, 'incoming-enabled': false, 'outgoing-enabled': false, 'only-trusted-servers': true },
      previews: { 'max-gif-size': 3145728 },
      signaling: { 'session-ping-limit': 200 },
      experiments: { enabled: 0 },
    },
    'config-local': {
      attachments: ['allowed', 'folder'],
      call: ['predefined-backgrounds', 'can-upload-background', 'start-without-media', 'blur-virtual-background'],
      chat: ['read-privacy', 'has-translation-providers', 'typing-privacy', 'summary-threshold'],
      conversations: ['can-create'],
      federation: ['enabled', 'incoming-enabled', 'outgoing-enabled', 'only-trusted-servers'],
      previews: ['max-gif-size'],
      signaling: ['session-ping-limit', 'hello-v2-token-key'],
    },
    version,
  };
}

/** lib/Capabilities.php FEATURES (Talk 20), plus `threads` (Talk 22) and `reactions` (comments support reactions). */
export const TALK_FEATURES = [
  'audio',
  'video',
  'chat-v2',
  'conversation-v4',
  'guest-signaling',
  'empty-group-room',
  'guest-display-names',
  'multi-room-users',
  'favorites',
  'last-room-activity',
  'no-ping',
  'system-messages',
  'delete-messages',
  'mention-flag',
  'in-call-flags',
  'conversation-call-flags',
  'notification-levels',
  'invite-groups-and-mails',
  'locked-one-to-one-rooms',
  'read-only-rooms',
  'listable-rooms',
  'chat-read-marker',
  'chat-unread',
  'webinary-lobby',
  'start-call-flag',
  'chat-replies',
  'circles-support',
  'force-mute',
  'sip-support',
  'sip-support-nopin',
  'chat-read-status',
  'phonebook-search',
  'raise-hand',
  'room-description',
  'rich-object-sharing',
  'temp-user-avatar-api',
  'geo-location-sharing',
  'voice-message-sharing',
  'signaling-v3',
  'publishing-permissions',
  'clear-history',
  'direct-mention-flag',
  'notification-calls',
  'conversation-permissions',
  'rich-object-list-media',
  'rich-object-delete',
  'unified-search',
  'chat-permission',
  'silent-send',
  'silent-call',
  'send-call-notification',
  'talk-polls',
  'breakout-rooms-v1',
  'recording-v1',
  'avatar',
  'chat-get-context',
  'single-conversation-status',
  'chat-keep-notifications',
  'typing-privacy',
  'remind-me-later',
  'bots-v1',
  'markdown-messages',
  'media-caption',
  'session-state',
  'note-to-self',
  'recording-consent',
  'sip-support-dialout',
  'delete-messages-unlimited',
  'edit-messages',
  'silent-send-state',
  'chat-read-last',
  'federation-v1',
  'federation-v2',
  'ban-v1',
  'chat-reference-id',
  'mention-permissions',
  'edit-messages-note-to-self',
  'archived-conversations-v2',
  'talk-polls-drafts',
  'download-call-participants',
  'threads',
  'reactions',
];
const TALK_LOCAL_FEATURES = [
  'favorites',
  'chat-read-status',
  'listable-rooms',
  'phonebook-search',
  'temp-user-avatar-api',
  'unified-search',
  'avatar',
  'remind-me-later',
  'note-to-self',
  'archived-conversations-v2',
];
