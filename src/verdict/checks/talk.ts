import type { CheckDefinition } from '../types.ts';

/** The talk area (conventions: see ../catalogue.ts). */
export const TALK_CHECKS = [
  {
    id: 'talk.installed',
    area: 'talk',
    title: 'Talk (spreed) is installed and enabled for the test user',
    requirement: 'Nextcloud Talk must be installed and enabled; its capabilities are published under `spreed` (Talk capabilities documentation).',
    severity: 'must',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'capabilities contain `spreed` with a version and the features `conversation-v4`, `signaling-v3`',
    remedy:
      'Install and enable Talk: `occ app:install spreed` (or `occ app:enable spreed`). If it is installed, check that the test user is in ' +
      'the groups Talk is limited to (Administration settings > Talk > Limit to groups).',
  },
  {
    id: 'talk.signaling.hpb',
    area: 'talk',
    title: 'Talk uses a high-performance backend for signaling',
    requirement:
      "Talk's internal signaling serves small and medium installations; larger calls need the High-performance backend (Talk docs: quick install, " +
      'scalability; Talk\'s setup check "High-performance backend").',
    severity: 'should',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'signaling settings of a conversation: `signalingMode` external or conversation_cluster with a `server` configured',
    remedy:
      'Set up the High-performance backend (nextcloud-spreed-signaling with Janus and NATS; Talk docs "Quick install") and enter it under ' +
      'Administration settings > Talk > High-performance backend. Without it, calls work for a few participants only.',
  },
  {
    id: 'talk.mobile.api',
    area: 'talk',
    title: 'The API the Talk mobile apps rely on answers for the test user',
    requirement:
      "Talk's system requirements list the mobile apps (Android, iOS) as supported clients. At login the apps read the capabilities and refuse a " +
      'server without `spreed` ("Talk not installed") or below their minimum feature (iOS: `force-mute`, Talk 9); they then use the ' +
      'conversation v4, chat v1 and signaling v3 APIs (talk-ios NCDatabaseManager.m, talk-android ApiUtils.kt / CapabilitiesUtil.kt).',
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion:
      "with the apps' User-Agent: capabilities with `spreed` and the features `force-mute`, `conversation-v4`, `chat-v2`, `signaling-v3` " +
      '(Nextcloud >= 17); the room list (200, not 426), the signaling settings, and a chat message sent and read back',
    remedy:
      'Install and enable Talk for the users of the apps (`occ app:enable spreed`, and check "Limit to groups"), keep Talk up to date, and make ' +
      "sure no proxy or firewall rule treats the apps' User-Agent (`Mozilla/5.0 (Android|iOS) Nextcloud-Talk v…`) differently from browsers.",
  },
] as const satisfies readonly CheckDefinition[];
