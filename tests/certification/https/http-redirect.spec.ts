import { check, test } from '../../../fixtures/index.ts';
import { plainHttpProblems, probePlainHttpAll } from '../../../src/talk/http-probe.ts';

const c = check('https.http.redirect');

test(c.title, c.details, async ({ target, evidence }) => {
  // Port 80, and TALK_URL's own port over http:// when it is not 443 (src/talk/http-probe.ts plainHttpUrls).
  const plain = await test.step('request the Nextcloud URL over plain http://', () => probePlainHttpAll(target.url));
  evidence.add('plainHttp', plain).observed(plain.map((p) => `${p.url}: ${p.detail}`).join('; '));
  const problems = plainHttpProblems(plain);
  evidence.requireAll(problems.map((p) => [false, p]));
});
