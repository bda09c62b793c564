import type { InstanceNames } from './instances.ts';
import { ReferencePlatformError, run, tool } from './system.ts';

/** The one port a restrictive network lets through: HTTPS's, which is why Talk wants TURN on 443. */
export const RESTRICTED_OPEN_PORT = 443;

/**
 * The restrictive network of `turn.relay.restricted`, as firewall rules in the instance's
 * namespace: packets to the TURN host's second address (turnRestrictedIp) are dropped unless
 * they are TCP to port 443. Dropped, not rejected, as corporate firewalls do, so a client sees
 * timeouts on UDP and on other ports. The rules live in the namespace's own netfilter tables and
 * vanish with it; the primary TURN address and the host namespace are untouched, so the other
 * TURN checks, running at the same time, see the open network.
 */
export async function restrictTurnAddress(n: Pick<InstanceNames, 'netns' | 'turnRestrictedIp'>): Promise<string[]> {
  const rules = [
    ['-A', 'INPUT', '-d', n.turnRestrictedIp, '-p', 'tcp', '--dport', String(RESTRICTED_OPEN_PORT), '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-d', n.turnRestrictedIp, '-j', 'DROP'],
  ];
  try {
    for (const r of rules) await run('ip', ['netns', 'exec', n.netns, tool('iptables'), '-w', ...r]);
  } catch (err) {
    throw new ReferencePlatformError(
      'NETWORK',
      `Could not add the firewall rules of the restricted TURN address in ${n.netns} (${(err as Error).message}): ` +
        'iptables needs the nf_tables (or ip_tables) kernel module and CAP_NET_ADMIN; apt-get install iptables.',
      { cause: err },
    );
  }
  return rules.map((r) => `iptables ${r.join(' ')}`);
}
