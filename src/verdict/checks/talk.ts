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
] as const satisfies readonly CheckDefinition[];
