import { expect, test } from '@playwright/test';
import { browserSupport } from '../../../src/talk/browser-support.ts';

for (const [name, version, supported] of [
  ['chromium', '156.0.8078.79', true],
  ['chromium', '49.0.2623.0', true],
  ['chromium', '48.0.1', false],
  ['firefox', '153.7.0', true],
  ['firefox', '52.0', true],
  ['firefox', '45.9.0', false],
  ['msedge', '131.0', true],
  ['webkit', '18.4', true],
  ['webkit', '12.1', false],
] as const) {
  test(`${name} ${version} is ${supported ? '' : 'not '}in Talk's supported range`, () => {
    const s = browserSupport(name, version);
    expect(s.supported).toBe(supported);
    expect(s.note).toContain(supported ? 'supported' : 'older than');
  });
}

test('an unknown browser or an unreadable version is not supported, with the reason', () => {
  expect(browserSupport('netscape', '4.0')).toMatchObject({ supported: false, note: expect.stringContaining('not in Talk') });
  expect(browserSupport('firefox', null)).toMatchObject({ supported: false, note: expect.stringContaining('could not be read') });
});
