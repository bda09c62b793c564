import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { blurAssetsFor, parseTalkVersion } from '../../../src/talk/blur-assets.ts';
import { blurTfliteModel, blurWasmModule, containsSimdInstruction } from '../../../src/reference/blur-files.ts';
import { renderCoturnConfig } from '../../../src/reference/coturn.ts';
import { phpJson } from '../../../src/reference/double/context.ts';
import { toOcsXml } from '../../../src/reference/double/ocs.ts';
import { talkTurnCredentials, turnUrls } from '../../../src/reference/double/talk.ts';
import { SYSTEM_MIME_TYPES, mimeTypesMapWasm, mimeTypesWithoutWasm, renderNginxConfig } from '../../../src/reference/nginx.ts';
import { PROFILE_NAMES } from '../../../src/reference/profile-names.ts';
import { PROFILES, profileByName } from '../../../src/reference/profiles.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../../src/config/index.ts';
import { buildDocroot } from '../../../src/reference/docroot.ts';
import { talkCapabilities } from '../../../src/reference/double/talk.ts';
import { withUi } from '../../../src/reference/index.ts';
import { UI_PROFILES, uiProfileByName } from '../../../src/reference/ui-profiles.ts';

test.describe('blur assets', () => {
  test('Talk before 22.0.3 uses TFLite files, from 22.0.3 on MediaPipe files, before 13 none', () => {
    expect(blurAssetsFor('22.0.2').map((a) => a.path)).toEqual(['js/tflite.wasm', 'js/tflite-simd.wasm', 'js/selfie_segmentation_landscape.tflite']);
    expect(blurAssetsFor('20.1.7').map((a) => a.path)).toEqual(blurAssetsFor('22.0.2').map((a) => a.path));
    expect(blurAssetsFor('22.0.3').map((a) => a.path)).toEqual(['js/vision_wasm_internal.wasm', 'js/vision_wasm_nosimd_internal.wasm', 'js/selfie_segmenter.tflite']);
    expect(blurAssetsFor('22.0.10').map((a) => a.path)).toEqual(blurAssetsFor('22.0.3').map((a) => a.path));
    expect(blurAssetsFor('23.0.0-dev.1')[0]!.path).toBe('js/vision_wasm_internal.wasm');
    expect(blurAssetsFor('12.2.0')).toEqual([]);
    expect(parseTalkVersion('21.1.0-rc.1')).toEqual([21, 1, 0]);
    expect(() => parseTalkVersion('spreed')).toThrow(/not a Talk version/);
  });

  test('exactly one SIMD and one plain wasm per version, and one tflite model', () => {
    for (const v of ['22.0.2', '22.0.3']) {
      const assets = blurAssetsFor(v);
      expect(assets.filter((a) => a.kind === 'wasm' && a.simd)).toHaveLength(1);
      expect(assets.filter((a) => a.kind === 'wasm' && !a.simd)).toHaveLength(1);
      expect(assets.filter((a) => a.kind === 'tflite')).toHaveLength(1);
    }
  });

  test('every generated .wasm is a valid WebAssembly module; the SIMD ones use a v128 instruction', async () => {
    for (const asset of [...blurAssetsFor('22.0.2'), ...blurAssetsFor('22.0.3')].filter((a) => a.kind === 'wasm')) {
      const bytes = new Uint8Array(blurWasmModule(asset.path, asset.simd));
      expect([...bytes.subarray(0, 4)], asset.path).toEqual([0x00, 0x61, 0x73, 0x6d]);
      expect(WebAssembly.validate(bytes), `${asset.path} validates`).toBe(true);
      expect(containsSimdInstruction(Buffer.from(bytes)), `${asset.path} has a v128 instruction iff simd`).toBe(asset.simd);
      const { instance } = await WebAssembly.instantiate(bytes);
      const probe = instance.exports['probe'] as (a: number, b?: number) => number;
      expect(asset.simd ? probe(42) : probe(40, 2)).toBe(42);
    }
  });

  test('the generated .tflite is a FlatBuffer with the TFLite identifier TFL3 at offset 4', () => {
    const model = blurTfliteModel();
    expect(model.subarray(4, 8).toString('latin1')).toBe('TFL3');
    const root = model.readUInt32LE(0);
    const vtable = root - model.readInt32LE(root);
    // Field 0 of the root table (Model.version) is present and 3.
    expect(model.readUInt32LE(root + model.readUInt16LE(vtable + 4))).toBe(3);
  });
});

test.describe('TURN credentials', () => {
  test('are derived exactly like Talk: "<now+86400>:<16 chars>" and base64(HMAC-SHA1(secret, username))', () => {
    const secret = 'f'.repeat(64);
    const { username, credential } = talkTurnCredentials(secret, 1_800_000_000, 'abcdEFGH1234+/xy');
    expect(username).toBe('1800086400:abcdEFGH1234+/xy');
    // Independently: the openssl CLI, as coturn's docs compute it.
    const expected = execFileSync('openssl', ['dgst', '-sha1', '-hmac', secret, '-binary'], { input: username }).toString('base64');
    expect(credential).toBe(expected);
    const random = talkTurnCredentials(secret);
    expect(random.username).toMatch(/^\d{10}:[A-Za-z0-9+/]{16}$/);
  });

  test('urls are every scheme × protocol of each server', () => {
    expect(turnUrls('10.213.5.3', [{ schemes: ['turn', 'turns'], port: 443, protocols: ['udp', 'tcp'] }])).toEqual([
      ['turn:10.213.5.3:443?transport=udp', 'turn:10.213.5.3:443?transport=tcp', 'turns:10.213.5.3:443?transport=udp', 'turns:10.213.5.3:443?transport=tcp'],
    ]);
  });

  test("coturn is configured as Talk documents it, with Talk's denied-peer list re-opened only for the instance's own /24", () => {
    const conf = renderCoturnConfig({ host: '10.213.5.3', secret: 's3cr3t', certFile: '/c', keyFile: '/k', pidFile: '/p', logFile: '/l', userDb: '/d' });
    for (const line of [
      'use-auth-secret',
      'static-auth-secret=s3cr3t',
      'fingerprint',
      'listening-ip=10.213.5.3',
      'relay-ip=10.213.5.3',
      'no-cli',
      'no-multicast-peers',
      'total-quota=0',
      'bps-capacity=0',
      'stale-nonce',
      'tls-listening-port=443',
      'listening-port=3478',
    ]) {
      expect(conf.split('\n'), line).toContain(line);
    }
    expect(conf).toMatch(/^realm=/m);
    // Talk's docs/TURN.md list (docs/reference/talk-reference.md section 10), so the relay cannot reach private networks…
    for (const range of ['10.0.0.0-10.255.255.255', '127.0.0.0-127.255.255.255', '192.168.0.0-192.168.255.255', '172.16.0.0-172.31.255.255']) {
      expect(conf, range).toContain(`denied-peer-ip=${range}`);
    }
    // …except the instance's own test hosts, which the relay-to-relay probe and the browsers use.
    expect(conf.split('\n')).toContain('allowed-peer-ip=10.213.5.0-10.213.5.255');
  });

  test("coturn also listens on the restricted address; turn-relay-denied keeps Talk's list without re-opening the subnet", () => {
    const base = { host: '10.213.5.3', secret: 's', certFile: '/c', keyFile: '/k', pidFile: '/p', logFile: '/l', userDb: '/d' };
    const conf = renderCoturnConfig({ ...base, extraListeningIps: ['10.213.5.5'] }).split('\n');
    expect(conf).toEqual(expect.arrayContaining(['listening-ip=10.213.5.3', 'listening-ip=10.213.5.5', 'relay-ip=10.213.5.3']));
    const denied = renderCoturnConfig({ ...base, peers: 'talk-list-only' });
    expect(denied).toContain('denied-peer-ip=10.0.0.0-10.255.255.255');
    expect(denied).not.toContain('allowed-peer-ip');
  });

  test('turns: URLs can name the TURN host while turn: URLs use its address', () => {
    expect(turnUrls('10.213.5.3', PROFILES.good.turn.servers, 'turn.example.test')).toEqual([
      ['turn:10.213.5.3:443?transport=udp', 'turn:10.213.5.3:443?transport=tcp'],
      ['turns:turn.example.test:443?transport=tcp'],
    ]);
  });
});

test.describe('nginx configuration', () => {
  const paths = { root: '/w', mimeTypes: SYSTEM_MIME_TYPES, certFile: '/c.pem', keyFile: '/k.pem', pidFile: '/p', errorLog: '/e', accessLog: '/a', tempDir: '/t' };
  const render = (name: keyof typeof PROFILES, mimeTypes = SYSTEM_MIME_TYPES) =>
    renderNginxConfig({ profile: PROFILES[name], host: '10.213.9.2', upstream: '10.213.9.1:4000', paths: { ...paths, mimeTypes }, mimeTypesHaveWasm: true });

  test('good: TLS on 443, port 80 redirects, HSTS, the admin manual static location and the system MIME table', () => {
    const conf = render('good');
    expect(conf).toContain('listen 10.213.9.2:443 ssl http2;');
    expect(conf).toContain('return 301 https://$host$request_uri;');
    expect(conf).toContain('add_header Strict-Transport-Security "max-age=15768000; includeSubDomains" always;');
    expect(conf).toContain('location ~ \\.(?:css|js|mjs|svg|gif|ico|jpg|png|webp|wasm|tflite|map|ogg|flac)$ {');
    expect(conf).toContain('try_files $uri /index.php$request_uri;');
    expect(conf).toContain(`include ${SYSTEM_MIME_TYPES};`);
    expect(conf).toContain('server 10.213.9.1:4000;');
    for (const d of ['daemon off;', 'master_process on;', 'user root;', 'pid /p;']) expect(conf).toContain(d);
  });

  test('http-only: no TLS listener, no redirect, no HSTS', () => {
    const conf = render('http-only');
    expect(conf).toContain('listen 10.213.9.2:80;');
    expect(conf).not.toContain('ssl');
    expect(conf).not.toContain('return 301 https://');
    expect(conf).not.toContain('Strict-Transport-Security');
  });

  test('wasm-wrong-mime: includes a MIME table without the wasm type and adds none', () => {
    const conf = render('wasm-wrong-mime', '/w/mime.types');
    expect(conf).toContain('include /w/mime.types;');
    expect(conf).not.toContain('application/wasm wasm;');
    const system = readFileSync(SYSTEM_MIME_TYPES, 'utf8');
    expect(mimeTypesMapWasm(system)).toBe(true);
    const copy = mimeTypesWithoutWasm(system);
    expect(mimeTypesMapWasm(copy)).toBe(false);
    expect(copy).not.toMatch(/wasm/);
    // Everything else is still there.
    expect(copy.split('\n').length).toBe(system.split('\n').length - 1);
  });

  test('good on an nginx whose mime.types lacks wasm gets the type added, as the remedy says', () => {
    const conf = renderNginxConfig({ profile: PROFILES.good, host: '10.213.9.2', upstream: '10.213.9.1:4000', paths, mimeTypesHaveWasm: false });
    expect(conf).toContain('application/wasm wasm;');
  });
});

test.describe('profiles', () => {
  test('one profile per name, each with a description, all derived from good', () => {
    expect(Object.keys(PROFILES).sort()).toEqual([...PROFILE_NAMES].sort());
    for (const name of PROFILE_NAMES) {
      expect(PROFILES[name].name).toBe(name);
      expect(PROFILES[name].description.length, name).toBeGreaterThan(20);
      expect(profileByName(name)).toBe(PROFILES[name]);
    }
    expect(() => profileByName('bad')).toThrow(/use one of good, http-only/);
  });

  test('each fault profile differs from good in exactly its fault', () => {
    const good = PROFILES.good;
    expect(good).toMatchObject({
      talk: { version: '22.0.2' },
      nextcloud: { versionString: '32.0.1' },
      web: { tls: true, redirectHttp: true, mimeTypes: 'system' },
      blurAssets: { wasm: true, tflite: true },
    });
    const diff = (name: keyof typeof PROFILES) => {
      const p = PROFILES[name] as unknown as Record<string, unknown>;
      return Object.keys(p).filter((k) => !['name', 'description'].includes(k) && JSON.stringify(p[k]) !== JSON.stringify((good as unknown as Record<string, unknown>)[k]));
    };
    expect(diff('http-only')).toEqual(['web']);
    expect(diff('wasm-wrong-mime')).toEqual(['web']);
    expect(diff('wasm-missing')).toEqual(['blurAssets']);
    expect(diff('tflite-missing')).toEqual(['blurAssets']);
    expect(diff('talk-missing')).toEqual(['talk']);
    expect(diff('blur-wasm-wrong-mime')).toEqual(['web']);
    expect(PROFILES['blur-wasm-wrong-mime'].web).toEqual(PROFILES['wasm-wrong-mime'].web);
    expect(diff('blur-assets-missing')).toEqual(['blurAssets']);
    expect(PROFILES['blur-assets-missing'].blurAssets).toEqual({ wasm: false, tflite: false });
    expect(diff('signaling-broken')).toEqual(['signaling']);
    expect(diff('turn-blocked')).toEqual(['turn']);
    expect(PROFILES['turn-blocked'].turn).toEqual({ ...good.turn, blockedForClients: true });
  });
});

test.describe('PHP-compatible output', () => {
  test('JSON is encoded like json_encode(…, JSON_HEX_TAG): escaped slashes, \\u escapes for non-ASCII and tags', () => {
    expect(phpJson({ u: 'http://x/<b>', t: '8:47\u202fAM', e: '😀' })).toBe('{"u":"http:\\/\\/x\\/\\u003Cb\\u003E","t":"8:47\\u202fAM","e":"\\ud83d\\ude00"}');
  });

  test('OCS XML matches the NC 32 sample for a 997', () => {
    const xml = toOcsXml({ meta: { status: 'failure', statuscode: 997, message: 'Current user is not logged in' }, data: [] });
    expect(xml).toBe(
      '<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>failure</status>\n  <statuscode>997</statuscode>\n  <message>Current user is not logged in</message>\n </meta>\n <data/>\n</ocs>\n',
    );
  });
});

test.describe('UI profiles', () => {
  test('ui-bundle-missing differs from good only in the missing Talk bundle, which buildDocroot leaves out', () => {
    expect(PROFILES['ui-bundle-missing'].talkBundleMissing).toBe(true);
    const { talkBundleMissing, name, description, ...rest } = PROFILES['ui-bundle-missing'];
    const { name: gn, description: gd, ...good } = PROFILES.good;
    void [talkBundleMissing, name, description, gn, gd];
    expect(rest).toEqual(good);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tc-docroot-'));
    try {
      expect(buildDocroot(dir, PROFILES['ui-bundle-missing'])).not.toContain('apps/spreed/js/talk-call.js');
      expect(buildDocroot(dir, PROFILES.good)).toContain('apps/spreed/js/talk-call.js');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a UI profile sets the Nextcloud and Talk releases the double reports; without Talk only Nextcloud', () => {
    expect(withUi(PROFILES.good, UI_PROFILES.talk21)).toMatchObject({ talk: { version: '21.1.5' }, nextcloud: { versionString: '31.0.9', version: '31.0.9.1' } });
    expect(withUi(PROFILES.good, UI_PROFILES.talk20)).toMatchObject({ talk: { version: '20.1.10' }, nextcloud: { versionString: '30.0.14' } });
    expect(withUi(PROFILES.good, UI_PROFILES.talk22)).toEqual(PROFILES.good);
    expect(withUi(PROFILES['talk-missing'], UI_PROFILES.talk21)).toMatchObject({ talk: null, nextcloud: { versionString: '31.0.9' } });
    // The shared profile is not changed.
    expect(PROFILES.good.talk!.version).toBe('22.0.2');
    expect(() => uiProfileByName('talk19')).toThrow(/use one of talk20, talk21, talk22/);
  });

  test('TALK_REFERENCE_UI is validated: a known profile (any case), nothing else, and only for the reference target', () => {
    expect(parseConfig({}).referenceUi).toBe('talk22');
    expect(parseConfig({ TALK_REFERENCE_UI: 'Talk21' }).referenceUi).toBe('talk21');
    expect(() => parseConfig({ TALK_REFERENCE_UI: 'talk19' })).toThrow(/TALK_REFERENCE_UI must be one of talk20, talk21, talk22 .*got "talk19"/);
    expect(() => parseConfig({ TALK_REFERENCE_UI: 'talk21', TALK_URL: 'https://cloud.example.com/', TALK_USER: 'u', TALK_PASSWORD: 'p' })).toThrow(
      /TALK_REFERENCE_UI selects the web UI of the reference platform/,
    );
  });

  test('Talk capabilities follow the release: threads only from 22, predefined-backgrounds-v2 from 21.1, upload for users', () => {
    const user = { id: 'alice', blurVirtualBackground: false } as Parameters<typeof talkCapabilities>[1];
    const c20 = talkCapabilities('20.1.10', user) as { features: string[]; config: { call: Record<string, unknown> } };
    const c21 = talkCapabilities('21.1.5', user) as typeof c20;
    const c22 = talkCapabilities('22.0.2', user) as typeof c20;
    expect(c20.features).not.toContain('threads');
    expect(c22.features).toContain('threads');
    expect(c20.config.call['predefined-backgrounds-v2']).toBeUndefined();
    expect(c21.config.call['predefined-backgrounds-v2']).toContain('/apps/spreed/img/backgrounds/1_office.jpg');
    expect(c22.config.call['predefined-backgrounds']).toHaveLength(8);
    expect(c22.config.call['can-upload-background']).toBe(true);
    expect((talkCapabilities('22.0.2', null) as typeof c20).config.call['can-upload-background']).toBe(false);
  });
});
