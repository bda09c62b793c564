import type { EvidenceRecorder } from '../../../fixtures/turn.ts';
import type { TalkTurnSettings } from '../../../src/turn/signaling.ts';
import { describeTurnServers } from '../../../src/turn/settings.ts';

/** Every TURN check's first evidence: the TURN settings Talk hands out, without credentials. */
export function addTurnEvidence(evidence: EvidenceRecorder, s: TalkTurnSettings): void {
  evidence.add('turnservers', describeTurnServers(s.servers)).add('problems', s.problems);
}
