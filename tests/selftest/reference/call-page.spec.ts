import { BLURRED_SHARPNESS_RATIO, videoSharpnessInPage } from '../../../src/talk/ui/sharpness.ts';
import { type Browser, type BrowserContext, type ConsoleMessage, type Page, type Request, chromium, expect, firefox, test } from '@playwright/test';
import { detectBrowser } from '../../../src/browsers/detect.ts';
import type { BrowserLaunch } from '../../../src/browsers/detect.ts';
import { type ReferencePlatform, type ReferenceUser, startReferencePlatform } from '../../../src/reference/index.ts';
import type { ProfileName } from '../../../src/reference/profile-names.ts';
import { Client, NOT_ROOT, NOT_ROOT_REASON, WORK_DIR } from './helpers.ts';

/**
 * The Talk double's call page (src/reference/double/call-page.ts) driven with plain Playwright,
 * the way a user does: log in, start and join the call, media between two browsers, blur, leave.
 * Each call fault profile shows its fault on the page. This tests the double, not the suite: the
 * suite's own call check (tests/certification/call) certifies platforms with its page object.
 */
test.skip(NOT_ROOT, NOT_ROOT_REASON);

/** Peers on one host connect in about a second; ICE with TURN allocations takes a few. */
const CONNECT_TIMEOUT_MS = 30_000;
/**
 * A browser reports a TURN server that never answers (icecandidateerror 701) after its STUN
 * retransmissions (RFC 8489: Rc=7 from RTO 500 ms, ~40 s); TCP attempts hang longer, so the
 * gathering as a whole may not complete for minutes.
 */
const GATHERING_TIMEOUT_MS = 60_000;
/**
 * The double's signaling long poll holds up to 30 s when nothing arrives (SIGNALING_PULL_TIMEOUT_S):
 * the poll in flight when a message is sent, then the next one, which must carry it.
 */
const POLL_TIMEOUT_MS = 2 * 30_000 + 5_000;

/** Records every RTCPeerConnection the page creates, like the suite's instrumentation does. */
function instrumentPeers(relay: boolean): string {
  return `(() => {
    const Native = window.RTCPeerConnection;
    window.__pcs = [];
    window.__pcErrors = [];
    window.RTCPeerConnection = function (config) {
      const pc = new Native(config);
      window.__pcs.push(pc);
      pc.addEventListener('icecandidateerror', (e) => window.__pcErrors.push({ errorCode: e.errorCode, url: e.url }));
      return pc;
    };
    window.RTCPeerConnection.prototype = Native.prototype;
    ${relay ? "window.OCA = { Talk: { SimpleWebRTC: { webrtc: { config: { peerConnectionConfig: { iceTransportPolicy: 'relay' } } } } } };" : ''}
  })();`;
}

async function launch(name: 'chromium' | 'firefox'): Promise<Browser> {
  const detected = detectBrowser(name);
  test.skip(!detected.available, detected.record.notRunReason ?? `${name} not available`);
  const l = detected.launch as BrowserLaunch;
  const type = l.browserName === 'firefox' ? firefox : chromium;
  return type.launch({
    ...(l.channel ? { channel: l.channel } : {}),
    ...(l.executablePath ? { executablePath: l.executablePath } : {}),
    args: l.args ?? [],
    firefoxUserPrefs: l.firefoxUserPrefs ?? {},
  });
}

interface Participant {
  context: BrowserContext;
  page: Page;
  console: string[];
}

async function participant(browser: Browser, opts: { relay?: boolean } = {}): Promise<Participant> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  await context.addInitScript(instrumentPeers(opts.relay ?? false));
  const page = await context.newPage();
  const log: string[] = [];
  page.on('console', (m: ConsoleMessage) => log.push(`${m.type()}: ${m.text()}`));
  return { context, page, console: log };
}

/** Opens the call page logged out, is sent to the login, logs in and lands back on the call page. */
async function loginToCall(p: Participant, platform: ReferencePlatform, user: ReferenceUser, token: string): Promise<void> {
  await p.page.goto(`${platform.url}call/${token}`);
  await expect(p.page).toHaveURL(new RegExp(`/login\\?redirect_url=${encodeURIComponent(`/call/${token}`)}`));
  await p.page.locator('input[name=user]').fill(user.user);
  await p.page.locator('input[name=password]').evaluate((el, v) => ((el as HTMLInputElement).value = v), user.password);
  await p.page.getByRole('button', { name: 'Log in' }).click();
  await expect(p.page).toHaveURL(new RegExp(`/call/${token}$`));
}

/** "Start call" / "Join call" in the top bar, then the same button in the "Check devices" dialog. */
async function enterCall(p: Participant, name: 'Start call' | 'Join call'): Promise<void> {
  await p.page.getByRole('button', { name }).click();
  const dialog = p.page.getByRole('dialog', { name: 'Check devices' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('tab', { name: 'Devices' })).toHaveAttribute('aria-selected', 'true');
  const joined = p.page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v4\/call\//.test(r.url()));
  await dialog.getByRole('button', { name }).click();
  expect((await joined).status()).toBe(200);
  await expect(dialog).toBeHidden();
  await expect(p.page.getByRole('button', { name: 'Leave call' })).toBeVisible();
}

/** In the call, "Conversation actions" → "Check devices" reopens the device dialog (Talk 22's TopBarMenu.vue). */
async function openDevicesInCall(p: Participant): Promise<void> {
  await p.page.getByRole('button', { name: 'Conversation actions' }).click();
  await p.page.getByRole('menuitem', { name: 'Check devices' }).click();
  await expect(p.page.getByRole('dialog', { name: 'Check devices' })).toBeVisible();
}

/** Connection state and media of the page's peer connections (as recorded by instrumentPeers). */
function peers(p: Participant): Promise<{ state: string; gathering: string; bytesReceived: number; localTypes: string[]; pairLocalType: string | null }[]> {
  return p.page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.signalingState !== 'closed');
    return Promise.all(
      pcs.map(async (pc) => {
        const stats = [...(await pc.getStats()).values()] as Record<string, unknown>[];
        const byId = new Map(stats.map((s) => [s['id'], s]));
        const pair = stats.find((s) => s['type'] === 'candidate-pair' && (s['selected'] === true || (s['nominated'] === true && s['state'] === 'succeeded')));
        const local = pair ? byId.get(pair['localCandidateId']) : undefined;
        return {
          state: pc.connectionState,
          gathering: pc.iceGatheringState,
          bytesReceived: stats.filter((s) => s['type'] === 'inbound-rtp').reduce((n, s) => n + Number(s['bytesReceived'] ?? 0), 0),
          localTypes: stats.filter((s) => s['type'] === 'local-candidate').map((s) => String(s['candidateType'])),
          pairLocalType: local ? String(local['candidateType']) : null,
        };
      }),
    );
  });
}

/** The local video's sharpness (src/talk/ui/sharpness.ts, the measure call.blur uses); a video without a frame yet is not measurable: try again. */
async function localSharpness(p: Participant, selector = '#localVideo'): Promise<number> {
  return (await p.page.evaluate(videoSharpnessInPage, { selector })) ?? Number.POSITIVE_INFINITY;
}

/** The stored background type of the conversation (@nextcloud/browser-storage scope `talk`: `nextcloud_per_dGFsaw==_` + key). */
const storedBackground = (p: Participant, token: string) =>
  p.page.evaluate(
    (t) => ({
      enabled: localStorage.getItem(`nextcloud_per_dGFsaw==_virtualBackgroundEnabled_${t}`),
      type: localStorage.getItem(`nextcloud_per_dGFsaw==_virtualBackgroundType_${t}`),
    }),
    token,
  );
const SELECTED = /background-editor__element--selected/;

/** Opens the Backgrounds tab of the open dialog and chooses Blur. */
async function chooseBlur(p: Participant): Promise<void> {
  const dialog = p.page.getByRole('dialog', { name: 'Check devices' });
  await dialog.getByRole('tab', { name: 'Backgrounds' }).click();
  await dialog.getByRole('button', { name: 'Blur' }).click();
}

interface Setup {
  platform: ReferencePlatform;
  api: Client;
  token: string;
}

/** One platform per describe; a conversation of alice with bob per test. */
function withPlatform(profile: ProfileName): () => Setup {
  let platform: ReferencePlatform;
  let api: Client;
  let token = '';
  test.beforeAll(async () => {
    // The first-run wizard is off (as if the admin disabled it): ui-profiles.spec.ts tests it.
    platform = await startReferencePlatform({ profile, runId: `tc-selftest-call-${profile}`, workDir: WORK_DIR, firstRunWizard: false });
    api = Client.for(platform, platform.users.alice);
  });
  test.beforeEach(async () => {
    const created = await api.ocs('POST', 'apps/spreed/api/v4/room', { form: { roomType: '2', roomName: `tc-selftest-call ${test.info().title.slice(0, 40)}` } });
    expect(created.status).toBe(201);
    token = created.json().ocs.data.token;
    expect((await api.ocs('POST', `apps/spreed/api/v4/room/${token}/participants`, { form: { newParticipant: 'bob' } })).status).toBe(200);
  });
  test.afterAll(async () => {
    await api?.close();
    await platform?.stop();
  });
  return () => ({ platform, api, token });
}

async function twoInCall(browserA: Browser, browserB: Browser, s: Setup, opts: { relay?: boolean } = {}): Promise<[Participant, Participant]> {
  const a = await participant(browserA, opts);
  const b = await participant(browserB, opts);
  await loginToCall(a, s.platform, s.platform.users.alice, s.token);
  await expect(a.page.locator('.conversation-header .title')).toHaveText(/^tc-selftest-call /);
  await enterCall(a, 'Start call');
  await loginToCall(b, s.platform, s.platform.users.bob, s.token);
  await enterCall(b, 'Join call');
  return [a, b];
}

test.describe('good', () => {
  test.describe.configure({ mode: 'serial' });
  const setup = withPlatform('good');
  let chromiumBrowser: Browser;
  test.beforeAll(async () => {
    chromiumBrowser = await launch('chromium');
  });
  test.afterAll(async () => {
    await chromiumBrowser?.close();
  });

  test('two Chromium users start and join a call, media flows both ways, blur applies, both leave', async () => {
    const s = setup();
    const [a, b] = await twoInCall(chromiumBrowser, chromiumBrowser, s);
    for (const p of [a, b]) {
      await expect.poll(async () => (await peers(p)).map((x) => x.state), { timeout: CONNECT_TIMEOUT_MS }).toEqual(['connected']);
      await expect.poll(async () => (await peers(p))[0]!.bytesReceived, { timeout: CONNECT_TIMEOUT_MS }).toBeGreaterThan(10_000);
    }
    // The server sees both in the call.
    const participants = (await s.api.ocs('GET', `apps/spreed/api/v4/room/${s.token}/participants`)).json().ocs.data as { actorId: string; inCall: number }[];
    expect(participants.map((x) => [x.actorId, x.inCall]).sort()).toEqual([
      ['alice', 7],
      ['bob', 7],
    ]);

    // Blur during the call: "Conversation actions" → "Check devices" reopens the dialog.
    const sharp = await localSharpness(a);
    const wasm = a.page.waitForResponse((r) => r.url().includes('/apps/spreed/js/tflite'));
    const model = a.page.waitForResponse((r) => r.url().includes('/apps/spreed/js/selfie_segmentation_landscape.tflite'));
    await openDevicesInCall(a);
    await chooseBlur(a);
    const dialog = a.page.getByRole('dialog', { name: 'Check devices' });
    await expect(dialog.getByRole('button', { name: 'Blur' })).toHaveClass(SELECTED);
    expect(await storedBackground(a, s.token)).toEqual({ enabled: 'true', type: 'blur' });
    expect((await wasm).headers()['content-type']).toBe('application/wasm');
    expect((await model).status()).toBe(200);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => localSharpness(a), { message: `local video sharpness before blur: ${sharp}` }).toBeLessThan(sharp * BLURRED_SHARPNESS_RATIO);
    expect(a.console.filter((l) => /wasm streaming compile failed|tflite compilation failed/.test(l))).toEqual([]);
    // The blurred track replaced the camera in the peer connection: the call still carries media.
    const before = (await peers(b))[0]!.bytesReceived;
    await expect.poll(async () => (await peers(b))[0]!.bytesReceived).toBeGreaterThan(before);

    for (const [p, rest] of [
      [a, 'Join call'],
      [b, 'Start call'],
    ] as const) {
      const left = p.page.waitForResponse((r) => r.request().method() === 'DELETE' && /\/api\/v4\/call\//.test(r.url()));
      await p.page.getByRole('button', { name: 'Leave call' }).click();
      expect((await left).status()).toBe(200);
      await expect(p.page.getByRole('button', { name: rest })).toBeEnabled();
    }
    const after = (await s.api.ocs('GET', `apps/spreed/api/v4/room/${s.token}/participants`)).json().ocs.data as { inCall: number }[];
    expect(after.map((x) => x.inCall)).toEqual([0, 0]);
    expect((await s.api.ocs('GET', `apps/spreed/api/v4/room/${s.token}`)).json().ocs.data.hasCall).toBe(false);
    await a.context.close();
    await b.context.close();
  });

  test('with relay forced, the call connects through coturn (relay candidate pair)', async () => {
    const [a, b] = await twoInCall(chromiumBrowser, chromiumBrowser, setup(), { relay: true });
    for (const p of [a, b]) {
      await expect.poll(async () => (await peers(p)).map((x) => x.state), { timeout: CONNECT_TIMEOUT_MS }).toEqual(['connected']);
      await expect.poll(async () => (await peers(p))[0]!.pairLocalType, { timeout: CONNECT_TIMEOUT_MS }).toBe('relay');
    }
    await a.context.close();
    await b.context.close();
  });

  test('a Chromium user and a Firefox user connect', async () => {
    const firefoxBrowser = await launch('firefox');
    try {
      const [a, b] = await twoInCall(chromiumBrowser, firefoxBrowser, setup());
      for (const p of [a, b]) {
        await expect.poll(async () => (await peers(p)).map((x) => x.state), { timeout: CONNECT_TIMEOUT_MS }).toEqual(['connected']);
        await expect.poll(async () => (await peers(p))[0]!.bytesReceived, { timeout: CONNECT_TIMEOUT_MS }).toBeGreaterThan(10_000);
      }
      // Blur in Firefox, chosen before joining would be the same code path: choose it in call here.
      await openDevicesInCall(b);
      const model = b.page.waitForResponse((r) => r.url().includes('/apps/spreed/js/selfie_segmentation_landscape.tflite'));
      const sharp = await localSharpness(b);
      await chooseBlur(b);
      await expect(b.page.getByRole('dialog', { name: 'Check devices' }).getByRole('button', { name: 'Blur' })).toHaveClass(SELECTED);
      expect((await model).status()).toBe(200);
      await expect.poll(() => localSharpness(b), { message: `local video sharpness before blur: ${sharp}` }).toBeLessThan(sharp * BLURRED_SHARPNESS_RATIO);
      await a.context.close();
      await b.context.close();
    } finally {
      await firefoxBrowser.close();
    }
  });
});

/** One Chromium user opens the dialog of a fresh conversation. */
async function aliceWithDialog(browser: Browser, s: Setup): Promise<Participant> {
  const a = await participant(browser);
  await loginToCall(a, s.platform, s.platform.users.alice, s.token);
  await a.page.getByRole('button', { name: 'Start call' }).click();
  await expect(a.page.getByRole('dialog', { name: 'Check devices' })).toBeVisible();
  return a;
}

function withChromium(): () => Browser {
  let browser: Browser;
  test.beforeAll(async () => {
    browser = await launch('chromium');
  });
  test.afterAll(async () => {
    await browser?.close();
  });
  return () => browser;
}

test.describe('blur-wasm-wrong-mime', () => {
  const setup = withPlatform('blur-wasm-wrong-mime');
  for (const name of ['chromium', 'firefox'] as const) {
    test(`blur works, and only the console shows the streaming-compile fallback (${name})`, async () => {
      const browser = await launch(name);
      try {
        const a = await aliceWithDialog(browser, setup());
        // The worker's requests and console messages reach the page's events in both browsers.
        const wasm = a.page.waitForResponse((r) => r.url().includes('/apps/spreed/js/tflite'));
        const model = a.page.waitForResponse((r) => r.url().includes('/apps/spreed/js/selfie_segmentation_landscape.tflite'));
        await chooseBlur(a);
        await expect(a.page.getByRole('dialog', { name: 'Check devices' }).getByRole('button', { name: 'Blur' })).toHaveClass(SELECTED);
        // The model is fetched only after the wasm compiled (by the fallback): blur works.
        expect((await model).status()).toBe(200);
        expect((await wasm).headers()['content-type']).toBe('application/octet-stream');
        await expect.poll(() => a.console.join('\n')).toContain('wasm streaming compile failed: TypeError');
        expect(a.console.join('\n')).toContain('falling back to ArrayBuffer instantiation');
        expect(a.console.join('\n')).not.toContain('tflite compilation failed');
        await a.context.close();
      } finally {
        await browser.close();
      }
    });
  }
});

test.describe('blur-assets-missing', () => {
  const setup = withPlatform('blur-assets-missing');
  const browser = withChromium();
  test('choosing Blur fails with Talk\'s "tflite compilation failed" error and Blur becomes unavailable', async () => {
    const a = await aliceWithDialog(browser(), setup());
    await chooseBlur(a);
    const dialog = a.page.getByRole('dialog', { name: 'Check devices' });
    // VirtualBackground isAvailable() turns false: "Blur" is disabled (VideoBackgroundEditor.vue blurPreviewAvailable).
    await expect(dialog.getByRole('button', { name: 'Blur' })).toBeDisabled();
    await expect(dialog.getByRole('button', { name: 'Blur' })).not.toHaveAttribute('aria-pressed');
    const log = a.console.join('\n');
    expect(log).toContain('wasm streaming compile failed');
    expect(log).toContain('JitsiStreamBackgroundEffect.worker: tflite compilation failed. The web server may not be properly configured to send wasm and/or tflite files.');
    await a.context.close();
  });
});

/** The internal-signaling long poll (GET …/signaling/{token}, not …/signaling/settings). */
function isPoll(r: Request): boolean {
  return r.method() === 'GET' && /\/api\/v3\/signaling\/(?!settings)[a-z0-9]+(\?|$)/.test(r.url());
}

test.describe('signaling-broken', () => {
  const setup = withPlatform('signaling-broken');
  const browser = withChromium();
  test('the offer is accepted by the server but never reaches the other participant', async () => {
    const s = setup();
    const a = await participant(browser());
    const b = await participant(browser());
    await loginToCall(a, s.platform, s.platform.users.alice, s.token);
    await enterCall(a, 'Start call');
    await loginToCall(b, s.platform, s.platform.users.bob, s.token);
    // Whoever sorts lower offers; watch both pages' signaling traffic.
    const posted = Promise.race([a, b].map((p) => p.page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v3\/signaling\//.test(r.url()))));
    const delivered: unknown[] = [];
    for (const p of [a, b]) {
      p.page.on('response', (r) => {
        if (!isPoll(r.request())) return;
        void r.json().then(
          (j: { ocs: { data: { type: string }[] } }) => delivered.push(...j.ocs.data.filter((m) => m.type === 'message')),
          () => {},
        );
      });
    }
    await enterCall(b, 'Join call');
    expect((await posted).status()).toBe(200);
    // A poll that starts after the POST would get a stored message at once (each holds at most 30 s otherwise).
    await Promise.all(
      [a, b].map((p) => {
        const later = new Set<Request>();
        p.page.on('request', (r) => {
          if (isPoll(r)) later.add(r);
        });
        return p.page.waitForResponse((r) => later.has(r.request()), { timeout: POLL_TIMEOUT_MS });
      }),
    );
    expect(delivered).toEqual([]);
    const states = [...(await peers(a)), ...(await peers(b))].map((x) => x.state);
    // The offerer's connection waits for an answer forever; the other side never got an offer.
    expect(states).toEqual(['new']);
    await a.context.close();
    await b.context.close();
  });
});

test.describe('turn-blocked', () => {
  const setup = withPlatform('turn-blocked');
  const browser = withChromium();
  test('with relay forced, no relay candidate is gathered and the peers never connect', async () => {
    const [a, b] = await twoInCall(browser(), browser(), setup(), { relay: true });
    const errors = (p: Participant) => p.page.evaluate(() => (window as unknown as { __pcErrors: { errorCode: number; url: string }[] }).__pcErrors);
    for (const p of [a, b]) {
      // The offerer's peer gathers at once; the answerer's once the offer arrived.
      await expect
        .poll(async () => (await errors(p)).filter((e) => e.errorCode === 701 && /^turn:.*transport=udp/.test(e.url)).length, { timeout: GATHERING_TIMEOUT_MS })
        .toBeGreaterThan(0);
    }
    for (const p of [a, b]) {
      const [pc] = await peers(p);
      expect(pc!.localTypes).not.toContain('relay');
      expect(pc!.state).not.toBe('connected');
    }
    await a.context.close();
    await b.context.close();
  });
});
