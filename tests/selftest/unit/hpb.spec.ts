import { createHmac, createPublicKey, verify } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { signalingTicketV1, signalingTokenV2, validBackendRequest, validateSignalingTicket } from '../../../src/reference/double/hpb.ts';
import { OUTDATED_HPB, hpbBinary, makeHpbSecrets, nginxHpbLocation, renderJanusConfigs, renderSignalingConfig } from '../../../src/reference/hpb.ts';
import { PROFILES } from '../../../src/reference/profiles.ts';
import { hpbBackendUrl, hpbWebSocketUrl, hpbWelcomeUrl, mixedContent, tokenIssuedAt } from '../../../src/talk/hpb-client.ts';

/** The pieces of the reference HPB (issue 13) that need no platform: URLs, secrets, tickets, tokens, configs. */

test('client URLs are built as Talk builds them (signaling.js Standalone, Manager::checkServerCompatibility, _getBackendUrl)', () => {
  expect(hpbWebSocketUrl('https://cloud.example/standalone-signaling/')).toBe('wss://cloud.example/standalone-signaling/spreed');
  expect(hpbWebSocketUrl('http://hpb.example:8080')).toBe('ws://hpb.example:8080/spreed');
  expect(hpbWelcomeUrl('wss://hpb.example/standalone-signaling/')).toBe('https://hpb.example/standalone-signaling/api/v1/welcome');
  expect(hpbBackendUrl('https://cloud.example/nextcloud')).toBe('https://cloud.example/nextcloud/ocs/v2.php/apps/spreed/api/v3/signaling/backend');
});

test('backend requests: HMAC-SHA256 over random + body with the shared secret, random of at least 32 characters', () => {
  const random = 'afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6';
  const body = '{"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}}';
  const checksum = createHmac('sha256', 'secret')
    .update(random + body)
    .digest('hex');
  expect(validBackendRequest('secret', random, checksum, body)).toBe(true);
  expect(validBackendRequest('secret', random, checksum.toUpperCase(), body)).toBe(true);
  expect(validBackendRequest('other secret', random, checksum, body)).toBe(false);
  expect(validBackendRequest('secret', random, checksum, `${body} `)).toBe(false);
  expect(
    validBackendRequest(
      'secret',
      random.slice(0, 31),
      createHmac('sha256', 'secret')
        .update(random.slice(0, 31) + body)
        .digest('hex'),
      body,
    ),
  ).toBe(false);
});

test('v1 tickets validate with the ticket secret only; v2 tokens are ES256 JWTs valid 60 s that verify with the published key', () => {
  const s = makeHpbSecrets(
    { proxy: 'upgrade', proxyTimeoutS: null, running: true, secret: 'shared', allowed: 'this', mcu: 'janus', advertised: 'https', nextcloudClockSkewS: 0 },
    'https://10.213.9.2/standalone-signaling/',
  );
  const ticket = signalingTicketV1(s.double, 'alice');
  expect(ticket.split(':')).toHaveLength(4);
  expect(validateSignalingTicket(s.double, ticket)).toBe(true);
  expect(validateSignalingTicket(s.double, ticket.replace('alice', 'bob'))).toBe(false);
  const token = signalingTokenV2(s.double, 'https://10.213.9.2/', { id: 'alice', displayName: 'Alice' });
  const [h, p, sig] = token.split('.');
  expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'ES256' });
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
  expect(claims).toMatchObject({ iss: 'https://10.213.9.2/', sub: 'alice', userdata: { displayname: 'Alice' } });
  expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(60);
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: createPublicKey(s.double.tokenPublicKey), dsaEncoding: 'ieee-p1363' }, Buffer.from(sig!, 'base64url'));
  expect(ok).toBe(true);
  // The wrong-secret fault changes only the shared secret Talk holds.
  const wrong = makeHpbSecrets(
    { proxy: 'upgrade', proxyTimeoutS: null, running: true, secret: 'wrong', allowed: 'this', mcu: 'janus', advertised: 'https', nextcloudClockSkewS: 0 },
    'https://x/',
  );
  expect(wrong.double.secret).not.toBe(wrong.backendSecret);
  expect(s.double.secret).toBe(s.backendSecret);
});

test('server.conf and the nginx location: the platform Nextcloud as the only backend, the secret, NATS on loopback, WebSocket upgrade unless the fault drops it', () => {
  const s = makeHpbSecrets(
    { proxy: 'upgrade', proxyTimeoutS: null, running: true, secret: 'shared', allowed: 'this', mcu: 'janus', advertised: 'https', nextcloudClockSkewS: 0 },
    'https://x/',
  );
  const conf = renderSignalingConfig(s, 'https://10.213.9.2/');
  expect(conf).toContain('listen = 127.0.0.1:8080');
  expect(conf).toContain(`secret = ${s.backendSecret}`);
  expect(conf).toContain('allowall = false');
  expect(conf).toMatch(/backends = nextcloud\n[\s\S]*\[nextcloud\]\nurl = https:\/\/10\.213\.9\.2\/\n/);
  expect(renderSignalingConfig(s, 'https://10.213.9.2/', 'other')).toContain('url = https://cloud.other-nextcloud.invalid/');
  expect(renderSignalingConfig(s, 'https://10.213.9.2/', 'this', 'janus')).toContain('[mcu]\ntype = janus\nurl = ws://127.0.0.1:8188\n');
  const janus = renderJanusConfigs('/w/hpb/janus');
  expect(janus['janus.jcfg']).toContain('full_trickle = true');
  expect(janus['janus.jcfg']).toMatch(/plugins: \{ disable = "[^"]*libjanus_echotest\.so/);
  expect(janus['janus.jcfg']).not.toContain('libjanus_videoroom.so');
  expect(janus['janus.transport.websockets.jcfg']).toContain('ws_port = 8188, ws_ip = "127.0.0.1"');
  expect(conf).toContain('url = nats://127.0.0.1:4222');
  expect(s.blockKey).toHaveLength(32);
  const good = nginxHpbLocation(PROFILES.hpb.signaling.hpb!);
  expect(good).toContain('location ^~ /standalone-signaling/');
  expect(good).toContain('proxy_pass http://127.0.0.1:8080/;');
  expect(good).toContain('proxy_set_header Upgrade $http_upgrade;');
  expect(good).toContain('proxy_set_header Connection "Upgrade";');
  const faulty = nginxHpbLocation(PROFILES['hpb-no-upgrade'].signaling.hpb!);
  expect(faulty).not.toContain('proxy_set_header Upgrade');
  expect(faulty).toContain('proxy_pass http://127.0.0.1:8080/;');
  // hpb-proxy-timeout: only the idle timeouts differ; the working profile keeps nginx's default (60 s > the HPB's 54 s ping).
  expect(good).not.toContain('proxy_read_timeout');
  const cut = nginxHpbLocation(PROFILES['hpb-proxy-timeout'].signaling.hpb!);
  expect(cut).toContain('proxy_read_timeout 5s;');
  expect(cut).toContain('proxy_send_timeout 5s;');
  expect(cut).toContain('proxy_set_header Upgrade $http_upgrade;');
  expect(PROFILES.good.signaling).toEqual({ mode: 'internal' });
});

test('hpb-http-url and hpb-clock-skew change only what Talk hands clients: an http:// server URL (mixed content on https), tokens issued 180 s ahead', () => {
  const http = makeHpbSecrets(PROFILES['hpb-http-url'].signaling.hpb!, 'https://10.213.9.2/standalone-signaling/');
  expect(http.double.server).toBe('http://10.213.9.2/standalone-signaling/');
  expect(mixedContent('https://10.213.9.2/', http.double.server)).toMatch(
    /opens ws:\/\/10\.213\.9\.2\/standalone-signaling\/spreed, which browsers block as mixed content .*must be https:\/\//,
  );
  expect(mixedContent('https://10.213.9.2/', 'https://10.213.9.2/standalone-signaling/')).toBeNull();
  expect(mixedContent('https://10.213.9.2/', 'wss://hpb.example/')).toBeNull();
  // An http:// Nextcloud page may use ws:// (no mixed content).
  expect(mixedContent('http://10.213.9.2/', http.double.server)).toBeNull();
  const good = makeHpbSecrets(PROFILES.hpb.signaling.hpb!, 'https://x/');
  const skewed = makeHpbSecrets(PROFILES['hpb-clock-skew'].signaling.hpb!, 'https://x/');
  const now = Date.now() / 1000;
  const iatGood = tokenIssuedAt(signalingTokenV2(good.double, 'https://x/', { id: 'alice', displayName: 'Alice' }));
  const iatSkewed = tokenIssuedAt(signalingTokenV2(skewed.double, 'https://x/', { id: 'alice', displayName: 'Alice' }));
  expect(Math.abs(iatGood! - now)).toBeLessThan(2);
  expect(Math.abs(iatSkewed! - now - 180)).toBeLessThan(2);
  expect(tokenIssuedAt('not a token')).toBeNull();
  expect(tokenIssuedAt(undefined)).toBeNull();
});

test('hpb-outdated and hpb-outdated-backports: the working HPB with Debian 12 releases, their own binaries, the secret also in the backend section for 0.4.1', () => {
  const { release: _hpbRelease, ...working } = PROFILES.hpb.signaling.hpb!;
  for (const [name, release] of [
    ['hpb-outdated', '0.4.1'],
    ['hpb-outdated-backports', '1.2.4'],
  ] as const) {
    const hpb = PROFILES[name].signaling.hpb!;
    expect(hpb.release).toBe(release);
    const { release: _r, ...rest } = hpb;
    expect(rest).toEqual(working);
    expect(hpbBinary(release)).toBe(`${OUTDATED_HPB[release].dir}/root/usr/bin/nextcloud-spreed-signaling-server`);
    expect(hpbBinary(release)).not.toBe(hpbBinary());
  }
  expect(OUTDATED_HPB['0.4.1'].suite).toBe('bookworm');
  expect(OUTDATED_HPB['1.2.4'].suite).toBe('bookworm-backports');
  const s = makeHpbSecrets(PROFILES['hpb-outdated'].signaling.hpb!, 'https://10.213.9.2/standalone-signaling/');
  // 0.4.1 reads [backend] secret only with allowall: the backend's section carries it too.
  expect(renderSignalingConfig(s, 'https://10.213.9.2/', 'this', 'janus', '0.4.1')).toMatch(/\[nextcloud\]\nurl = https:\/\/10\.213\.9\.2\/\nsecret = [0-9a-f]{64}\n/);
  expect(renderSignalingConfig(s, 'https://10.213.9.2/', 'this', 'janus')).toMatch(/\[nextcloud\]\nurl = https:\/\/10\.213\.9\.2\/\n\n/);
});
