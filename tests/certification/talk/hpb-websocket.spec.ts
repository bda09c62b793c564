import { check, test } from '../../../fixtures/index.ts';
import { externalSignaling } from './hpb.ts';
import { mixedContent, tryUpgrade } from '../../../src/talk/hpb-client.ts';

const c = check('talk.hpb.websocket');

/** The WebSocket opening handshake Talk's client makes to `<server>/spreed` (spreed src/utils/signaling.js, Standalone). */
test(c.title, c.details, async ({ target, conversations, ocs, evidence }) => {
  const { server } = await externalSignaling({ target, conversations, ocs, evidence }, 'hpb-websocket');
  const r = await test.step('WebSocket handshake to <server>/spreed', () => tryUpgrade(server, target.caFile));
  evidence.add('url', r.url).add('status', r.status).add('server', r.server).add('body', r.body);
  // Talk's client runs on Talk's https page: there an http:// HPB URL fails before any handshake.
  const insecure = mixedContent(target.url, server);
  if (insecure) {
    evidence.observed(`${r.url} from ${target.url}: blocked by browsers (mixed content); the handshake itself answered ${r.status ?? r.error}`);
    evidence.require(false, insecure);
  }
  if (r.status === null) {
    evidence.observed(`no answer from ${r.url}: ${r.error}`);
    evidence.require(false, `the WebSocket handshake to ${r.url} failed (${r.error})`);
  }
  evidence.observed(`HTTP ${r.status}${r.status === 101 ? ' Switching Protocols' : ` ${r.body.replace(/\s+/g, ' ').slice(0, 80)}`}`);
  evidence.require(
    r.status === 101,
    `the WebSocket handshake to ${r.url} was answered HTTP ${r.status} instead of 101: ` +
      (r.status === 400
        ? 'the request reached the signaling server without the Upgrade/Connection headers (the proxy drops them)'
        : r.status === 502 || r.status === 503 || r.status === 504
          ? 'the proxy could not reach the signaling server'
          : 'the proxy does not pass the WebSocket on to the signaling server'),
  );
});
