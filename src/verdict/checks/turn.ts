import type { CheckDefinition } from '../types.ts';

const REQ_TURN = 'A TURN server running on port 443 (or 80) is required in almost all scenarios (Talk system requirements).';
const TURN_ADD =
  'Install coturn as Talk documents it (spreed docs/TURN.md: `use-auth-secret`, `static-auth-secret`, `realm`, `fingerprint`, listening on 443) ' +
  'and add it in Talk: Administration settings > Talk > TURN servers, or `occ talk:turn:add --secret <static-auth-secret> turn,turns turn.example.com:443 udp,tcp`.';

/** The TURN area (conventions: see ../catalogue.ts; docs/reference/talk-reference.md sections 3, 9, 10). */
export const TURN_CHECKS = [
  {
    id: 'turn.configured',
    area: 'turn',
    title: "Talk's signaling settings hand out at least one TURN server with a username and a credential",
    requirement: REQ_TURN,
    severity: 'must',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'signaling/settings `turnservers` has an entry with urls, username and credential',
    remedy: TURN_ADD,
  },
  {
    id: 'turn.port.standard',
    area: 'turn',
    title: 'a TURN URL handed out by Talk is on port 443 or 80',
    requirement: REQ_TURN,
    severity: 'must',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'some turn:/turns: URL on port 443 or 80',
    remedy:
      'Let coturn listen on 443 (`listening-port=443` or `tls-listening-port=443`; as non-root `setcap cap_net_bind_service=+ep /usr/bin/turnserver`) ' +
      'on an address of its own (an HPB or web server needs 443 elsewhere), and change the TURN server in Talk to `turn.example.com:443`.',
  },
  {
    id: 'turn.port.443',
    area: 'turn',
    title: 'a TURN URL handed out by Talk is on port 443',
    requirement: `${REQ_TURN} Talk's TURN documentation recommends 443: firewalls that allow only HTTPS let it through.`,
    severity: 'should',
    provenance: 'reported',
    runsIn: 'node',
    criterion: 'some turn:/turns: URL on port 443',
    remedy: 'Move coturn from port 80 (or 3478) to 443 and update the TURN server in Talk (`occ talk:turn:add … turn.example.com:443 udp,tcp`).',
  },
  {
    id: 'turn.allocation',
    area: 'turn',
    title: "an Allocate with Talk's credentials succeeds and a datagram is relayed through the allocation and back",
    requirement: `${REQ_TURN} An allocation (what Talk's "Test this server" shows) proves credentials, not relaying.`,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'two UDP allocations with the credentials from Talk (RFC 8656 long-term credentials); a Send indication from A to B comes back to A',
    remedy:
      "401: Talk's TURN secret differs from coturn's static-auth-secret (or coturn lacks `use-auth-secret`, or the clocks differ by more than the credential lifetime) — " +
      'set the same secret in Talk and coturn. Timeout: nothing answers on the TURN address and port — check DNS, firewall (UDP and TCP on the port) and that coturn runs. ' +
      "403 on CreatePermission or no datagram back: coturn's `denied-peer-ip` covers its own relay addresses, or `no-udp-relay` is set — remove them.",
  },
  {
    id: 'turn.relay.udp',
    area: 'turn',
    title: "the browser gathers a relay candidate through Talk's TURN over UDP",
    requirement: REQ_TURN,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: "RTCPeerConnection with only Talk's turn:…?transport=udp URLs and iceTransportPolicy 'relay' gathers a relay candidate",
    remedy: "Open UDP on the TURN port in every firewall between clients and coturn, and check coturn's log for the allocation (see turn.allocation).",
  },
  {
    id: 'turn.relay.tcp',
    area: 'turn',
    title: "the browser gathers a relay candidate through Talk's TURN over TCP",
    requirement: `${REQ_TURN} Networks that block UDP need TURN over TCP.`,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: "RTCPeerConnection with only Talk's turn:…?transport=tcp URLs and iceTransportPolicy 'relay' gathers a relay candidate",
    remedy: 'Offer TCP in Talk (`occ talk:turn:add … udp,tcp`) and let coturn accept TCP on the port (remove `no-tcp`; open TCP on the port in the firewall).',
  },
  {
    id: 'turn.relay.tls',
    area: 'turn',
    title: "the browser gathers a relay candidate through Talk's TURN over TLS (turns:)",
    requirement: `${REQ_TURN} turns: passes proxies and firewalls that inspect traffic on 443 (spreed docs/TURN.md).`,
    severity: 'should',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: "RTCPeerConnection with only Talk's turns: URLs and iceTransportPolicy 'relay' gathers a relay candidate",
    remedy:
      'Give coturn a certificate for its domain (`cert=`, `pkey=`, no `no-tls`) and add the `turns` scheme in Talk (`occ talk:turn:add … turn,turns turn.example.com:443 udp,tcp`).',
  },
  {
    id: 'turn.relay.restricted',
    area: 'turn',
    title: "the browser gathers a relay candidate through Talk's TURN on a network that lets only TCP 443 through",
    requirement: `${REQ_TURN} This is the network that makes port 443 necessary: UDP and every other port blocked, only HTTPS's port open.`,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion:
      "RTCPeerConnection with all of Talk's TURN URLs and iceTransportPolicy 'relay', on a network where only TCP 443 gets through, gathers a relay candidate " +
      '(via turn:…:443?transport=tcp or turns:…:443)',
    remedy:
      'Offer TURN on TCP port 443 and let coturn accept TCP and TLS there (`listening-port=443` or `tls-listening-port=443`, no `no-tcp`/`no-tls`, TCP 443 open in the firewall), ' +
      'and add it in Talk with TCP: `occ talk:turn:add --secret <static-auth-secret> turn,turns turn.example.com:443 udp,tcp`. ' +
      'coturn needs an address of its own for 443 when a web server or HPB holds 443 on the same host.',
  },
] as const satisfies readonly CheckDefinition[];
