import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ConfigError, parseConfig, envSchema } from '../../../src/config/index.ts';
import { DRAIN_MS } from '../../../src/load/engine.ts';
import { LOAD_DEFAULTS, loadSettingsFromEnv } from '../../../src/load/limits.ts';

function problems(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

test('an empty environment means the reference platform, good profile, default browsers', () => {
  const c = parseConfig({});
  expect(c).toMatchObject({ target: 'reference', profile: 'good', url: undefined, browsers: undefined, retries: 0, workers: 2 });
  expect(c.runId).toMatch(/^tc-\d{6}-[0-9a-f]{6}$/);
});

test('a URL target needs a user and a password, and the error names both variables', () => {
  const msg = problems({ TALK_URL: 'https://cloud.example.com' });
  expect(msg).toContain('TALK_USER is required');
  expect(msg).toContain('TALK_PASSWORD is required');
});

test('TALK_URL is normalised to the base URL with a trailing slash', () => {
  const c = parseConfig({ TALK_URL: 'https://cloud.example.com/nextcloud/index.php', TALK_USER: 'a', TALK_PASSWORD: 'b' });
  expect(c.url).toBe('https://cloud.example.com/nextcloud/');
  expect(c.target).toBe('url');
});

for (const [value, fragment] of [
  ['not a url', 'is not a URL'],
  ['ftp://cloud.example.com', 'must start with https://'],
  ['https://alice:secret@cloud.example.com', 'must not contain credentials'],
  ['https://cloud.example.com/?x=1', 'without ?query'],
] as const) {
  test(`a malformed TALK_URL "${value}" is refused: ${fragment}`, () => {
    const msg = problems({ TALK_URL: value, TALK_USER: 'a', TALK_PASSWORD: 'b' });
    expect(msg).toContain('TALK_URL');
    expect(msg).toContain(fragment);
    expect(msg).not.toContain('secret');
  });
}

test('an unknown browser is refused with the list of known ones', () => {
  const msg = problems({ TALK_BROWSERS: 'chromium,netscape' });
  expect(msg).toContain('TALK_BROWSERS unknown browser "netscape"');
  expect(msg).toContain('known: chromium, firefox, webkit');
});

test('numbers out of range name the variable and the range', () => {
  expect(problems({ TALK_RETRIES: '9' })).toContain('TALK_RETRIES must be a whole number from 0 to 3');
  expect(problems({ TALK_WORKERS: 'many' })).toContain('TALK_WORKERS must be a whole number from 1 to 8');
});

test('an unknown profile and a profile for a URL target are refused', () => {
  expect(problems({ TALK_PROFILE: 'broken' })).toContain('TALK_PROFILE');
  expect(problems({ TALK_URL: 'https://x.example', TALK_USER: 'a', TALK_PASSWORD: 'b', TALK_PROFILE: 'good' })).toContain('unset it when certifying a URL');
});

test('a CA file that does not exist or holds no certificate is refused', () => {
  expect(problems({ TALK_CA_FILE: '/nonexistent/ca.pem' })).toContain('TALK_CA_FILE file not found');
  expect(problems({ TALK_CA_FILE: '/etc/hostname' })).toContain('holds no PEM certificate');
});

test('.env.example documents every variable of the schema, and nothing else', () => {
  const documented = [...readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]);
  expect(documented.sort()).toEqual(Object.keys(envSchema.shape).sort());
});

test('load settings above the safety caps are refused unless explicitly overridden; the absolute limit never', () => {
  expect(problems({ TALK_LOAD_PARTICIPANTS: '5000' })).toMatch(/TALK_LOAD_PARTICIPANTS is 5000, above the safety cap of \d+; set TALK_LOAD_OVERRIDE_CAPS=1/);
  expect(() => parseConfig({ TALK_LOAD_PARTICIPANTS: '5000', TALK_LOAD_OVERRIDE_CAPS: '1' })).not.toThrow();
  expect(problems({ TALK_LOAD_PARTICIPANTS: '50000', TALK_LOAD_OVERRIDE_CAPS: '1' })).toContain('TALK_LOAD_PARTICIPANTS');
  expect(problems({ TALK_LOAD_SENDERS: '10', TALK_LOAD_PARTICIPANTS: '5' })).toMatch(/TALK_LOAD_SENDERS must not exceed TALK_LOAD_PARTICIPANTS/);
});

test('the default load keeps enough delivery samples behind its p95, in a bounded time', () => {
  const d = LOAD_DEFAULTS;
  const messages = d.ratePerS * d.durationS;
  // Every participant receives every message: at least 1,000 latencies, so 50 or more lie above the p95.
  expect(messages * d.participants).toBeGreaterThanOrEqual(1_000);
  // Each sender keeps sending for the whole phase (at least 20 messages per sender).
  expect(messages / d.senders).toBeGreaterThanOrEqual(20);
  // The load phase (ramp-up, sending, drain) stays within 45 s of the certification (issue 14).
  expect(d.rampUpS + d.durationS + DRAIN_MS / 1000).toBeLessThanOrEqual(45);
  expect(loadSettingsFromEnv({})).toMatchObject({ ratePerS: d.ratePerS, durationS: d.durationS, rampUpS: d.rampUpS });
});

test('TALK_HOSTS maps host names to addresses for a URL target, and refuses anything but name=address pairs', () => {
  const base = { TALK_URL: 'https://cloud.example.com', TALK_USER: 'a', TALK_PASSWORD: 'b' };
  expect(parseConfig({ ...base, TALK_HOSTS: 'turn.example.com=203.0.113.7, Cloud.Example.com=2001:db8::1' }).hosts).toEqual({
    'turn.example.com': '203.0.113.7',
    'cloud.example.com': '2001:db8::1',
  });
  expect(parseConfig(base).hosts).toBeUndefined();
  expect(problems({ ...base, TALK_HOSTS: 'turn.example.com' })).toContain('TALK_HOSTS must be name=address pairs');
  expect(problems({ ...base, TALK_HOSTS: 'turn.example.com=not-an-ip' })).toContain('got "turn.example.com=not-an-ip"');
  expect(problems({ ...base, TALK_HOSTS: 'localhost=127.0.0.1' })).toContain('TALK_HOSTS must be name=address pairs');
  expect(problems({ TALK_HOSTS: 'turn.example.com=203.0.113.7' })).toContain('TALK_HOSTS maps host names of a server certified by URL');
});
