import type { CheckDefinition } from '../types.ts';

const REQ_HTTPS = 'HTTPS is required for WebRTC: browsers only grant camera, microphone and peer connections to secure origins (Talk system requirements).';

/** The https area (conventions: see ../catalogue.ts). */
export const HTTPS_CHECKS = [
  {
    id: 'https.tls.valid',
    area: 'https',
    title: 'the TLS certificate chain and host name of the Nextcloud URL are valid',
    requirement: REQ_HTTPS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'TLS handshake verified against the system trust store (or TALK_CA_FILE): chain complete, host name matches, not expired',
    remedy:
      "Serve Nextcloud over HTTPS with a certificate for this host name from a CA the clients trust (e.g. Let's Encrypt), " +
      'and send the intermediate chain (nginx: `ssl_certificate` pointing at fullchain.pem; Apache: `SSLCertificateFile` with the full chain). ' +
      'If the platform uses a private CA, give its certificate to this suite with TALK_CA_FILE.',
  },
  {
    id: 'https.http.redirect',
    area: 'https',
    title: 'plain http:// is redirected to https:// or refused',
    requirement: REQ_HTTPS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'http:// answers with a 301/302/307/308 to an https:// URL on the same host, or the connection is refused',
    remedy:
      'Redirect port 80 to HTTPS. nginx: `server { listen 80; server_name cloud.example.com; return 301 https://$host$request_uri; }`; ' +
      'Apache: `<VirtualHost *:80> Redirect permanent / https://cloud.example.com/ </VirtualHost>`.',
  },
  {
    id: 'https.hsts',
    area: 'https',
    title: 'the HTTPS responses carry a Strict-Transport-Security header of at least 180 days',
    requirement: 'Nextcloud hardening guide: enable HTTP Strict Transport Security with a max-age of at least 15552000 seconds.',
    severity: 'should',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'Strict-Transport-Security: max-age >= 15552000',
    remedy:
      'nginx: `add_header Strict-Transport-Security "max-age=15552000; includeSubDomains" always;` in the HTTPS server block; ' +
      'Apache: `Header always set Strict-Transport-Security "max-age=15552000; includeSubDomains"`.',
  },
  {
    id: 'https.browser.secure-context',
    area: 'https',
    title: "Talk's page is a secure context in which getUserMedia and RTCPeerConnection are available",
    requirement: REQ_HTTPS,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: 'window.isSecureContext === true, navigator.mediaDevices.getUserMedia and RTCPeerConnection exist',
    remedy:
      'Open Talk only over https:// (see https.tls.valid and https.http.redirect); set `overwriteprotocol` => `https` in config.php ' +
      'when a reverse proxy terminates TLS, so that Nextcloud generates https:// links.',
  },
] as const satisfies readonly CheckDefinition[];
