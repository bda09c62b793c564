import type { CheckDefinition } from '../types.ts';

/**
 * The High-Performance Backend, from the client side (issue 13): run only when Talk's signaling
 * settings name an external signaling server (else not-applicable; talk.signaling.hpb says why
 * internal signaling is a warning). Each uses only what Talk hands the user (the settings: server,
 * ticket, hello v2 token) and the user's own credentials, never a secret of the HPB. Area `talk`
 * (conventions: see ../catalogue.ts).
 */
const REQ =
  "With Talk's High-performance backend configured, every client talks to it (spreed src/utils/signaling.js, Standalone): " +
  'if it is unreachable or refuses clients, no call can start.';

export const HPB_CHECKS = [
  {
    id: 'talk.hpb.welcome',
    area: 'talk',
    title: "the HPB's welcome endpoint answers over the public URL with a version and the features Talk requires",
    requirement:
      `${REQ} Talk's own test (lib/Signaling/Manager.php checkServerCompatibility, setup check "High-performance backend"): ` +
      '`GET <server>/api/v1/welcome` answers JSON with a `version`, the X-Spreed-Signaling-Features `audio-video-permissions`, `federation`, ' +
      '`incall-all`, `hello-v2`, `switchto` ("update required" otherwise), and a Date within 45 s of Nextcloud\'s clock.',
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'HTTP 200, JSON `version`, every required feature in X-Spreed-Signaling-Features, clock offset ≤ 45 s',
    remedy:
      "Connection refused / 502 / 504: start the signaling server (`systemctl start nextcloud-spreed-signaling`) and check the proxy's upstream address. " +
      '404: the proxy location does not match the path of the server URL in Talk (e.g. `location /standalone-signaling/ { proxy_pass http://127.0.0.1:8080/; }`). ' +
      'Missing features ("update required"): install nextcloud-spreed-signaling ≥ 2.0 (Debian 12\'s 0.4.1 and bookworm-backports\' 1.2.4 are too old). ' +
      'Clock offset: run NTP (chrony/systemd-timesyncd) on both hosts. ' +
      "An `http://` HPB URL on an https Nextcloud: browsers block Talk's `ws://` connection as mixed content — put the HPB behind the TLS proxy and enter its https:// URL in Talk's admin settings.",
  },
  {
    id: 'talk.hpb.websocket',
    area: 'talk',
    title: 'the WebSocket to the HPB (`<server>/spreed`) is upgraded through the proxy',
    requirement: `${REQ} Clients connect with a WebSocket to \`<server>/spreed\` (wss: on an https page), so the reverse proxy must pass the upgrade on.`,
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'a WebSocket opening handshake to wss://…/spreed is answered 101 Switching Protocols',
    remedy:
      '400 from the HPB: the proxy drops the upgrade — add `proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "Upgrade";` ' +
      '(nginx; Apache: `RewriteRule ^/standalone-signaling/spreed/$ "ws://127.0.0.1:8080/spreed/" [P,L]` with mod_proxy_wstunnel). ' +
      '502/503: the signaling server is not running or the upstream address is wrong. ' +
      "Mixed content (an `http://` HPB URL on an https Nextcloud): enter the HPB's https:// URL in Talk's admin settings (Talk > High-performance backend).",
  },
  {
    id: 'talk.hpb.hello',
    area: 'talk',
    title: "the HPB accepts the user's hello with Talk's credentials (v1 ticket and v2 token) and answers with a session",
    requirement:
      `${REQ} After the welcome, the client sends \`hello\` with Talk's helloAuthParams (v1: user id + ticket, which the HPB checks with ` +
      "Nextcloud's backend endpoint signed with the shared secret; v2: an ES256 token checked with Talk's public key), and waits for a `hello` answer with a session id.",
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: 'hello 1.0 and (when the HPB announces hello-v2) hello 2.0 are each answered `hello` with a `sessionid`',
    remedy:
      '`invalid_request` / "could not be authenticated": the shared secret in Talk (Administration settings > Talk > High-performance backend) differs from ' +
      "the HPB's `[backend] secret` — set the same in both. `invalid_backend`: add Nextcloud's URL to the HPB's `[backend]` (`backends = …` with `url`, or `allowall`). " +
      "`invalid_token` (v2): the HPB could not read `hello-v2-token-key` from Nextcloud's capabilities or the clocks differ (the token is valid 60 s). " +
      'No answer: the HPB cannot reach Nextcloud (DNS, TLS trust, firewall from the HPB host to Nextcloud).',
  },
  {
    id: 'talk.hpb.room',
    area: 'talk',
    title: 'two participants join a conversation through the HPB and see each other',
    requirement:
      `${REQ} After hello, each client joins the conversation's signaling room with its Nextcloud session id (signaling.js _joinRoomSuccess); ` +
      "the HPB asks Nextcloud's backend endpoint (`room` request, signed with the shared secret) and then announces every participant to the others (room `join` events).",
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: "both users (TALK_USER, TALK_USER2) get a `room` answer for the conversation and a `join` event naming the other's session",
    remedy:
      '`invalid_request` / no answer to the room request: the shared secret of Talk and the HPB differ, or the HPB cannot reach Nextcloud (set the same secret; ' +
      'check DNS, TLS trust and firewall from the HPB host to Nextcloud). `no_such_room`: Nextcloud refused the join (the user is not a participant). ' +
      'No join event: the HPB does not distribute room events — check its NATS connection (`[nats] url`) and its log.',
  },
  {
    id: 'talk.hpb.mcu',
    area: 'talk',
    title: 'the HPB offers an MCU (Janus) for calls',
    requirement:
      "Talk's High-performance backend is the signaling server with Janus and NATS (Talk docs, quick install): with the HPB's `mcu` feature " +
      "Talk's client sends each stream once to the MCU instead of to every participant (spreed src/utils/signaling.js hasFeature('mcu')), which is what lets calls grow beyond a few participants.",
    severity: 'should',
    provenance: 'observed',
    runsIn: 'node',
    criterion: "the welcome's X-Spreed-Signaling-Features contain `mcu`",
    remedy:
      'Install Janus (`apt-get install janus`, VideoRoom plugin, `full_trickle = true`) and configure it in the signaling server: `[mcu] type = janus`, ' +
      '`url = ws://127.0.0.1:8188`; the signaling server log shows "Connected to Janus WebRTC Server" when it works.',
  },
  {
    id: 'talk.hpb.media',
    area: 'talk',
    title: "video sent through the HPB's MCU (Janus) is decoded by another participant",
    requirement:
      'With the HPB\'s MCU, Talk\'s client sends its camera once, as an `offer` for its "video" stream addressed to its own session, which the signaling server ' +
      'hands to Janus (spreed src/utils/signaling.js sendCallMessage; nextcloud-spreed-signaling hub.go processMcuMessage), and every other participant in the call ' +
      "gets it by `requestoffer` naming the publisher's session and answering Janus' offer. If Janus does not set up the streams, or its media ports cannot be reached " +
      'from the browsers, nobody in a call sees or hears anyone, although signaling works.',
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion:
      "in a page of Talk's origin, two users join the conversation and its call, hello to the HPB with Talk's settings; the publisher's fake-camera offer is answered by the MCU, " +
      "the subscriber's requestoffer gets Janus' offer, and the subscriber's inbound video decodes frames (getStats framesDecoded > 0, a frame size) within 20 s",
    remedy:
      'An `error` answering the offer (`processing_failed`) or no answer: the signaling server cannot use Janus — start Janus (`systemctl start janus`), check `[mcu] url` ' +
      '(e.g. `ws://127.0.0.1:8188`) and the signaling server\'s log ("Connected to Janus"). `not_allowed` on requestoffer: Nextcloud\'s in-call notifications do not reach ' +
      "the HPB (Talk's backend requests to `<server>/api/v1/room/<token>`: same shared secret, Nextcloud must reach the HPB URL). ICE fails: Janus must announce addresses " +
      "the clients reach (`nat_1_1_mapping` behind NAT, `rtp_port_range` open in the firewall over UDP, or a TURN server in `[turn]`/Talk's settings).",
  },
  {
    id: 'talk.hpb.idle',
    area: 'talk',
    title: 'a quiet signaling connection to the HPB survives 70 s through the proxy',
    requirement:
      `${REQ} Talk's client keeps one signaling WebSocket open for as long as the conversation is open, often without a message for minutes; ` +
      'the HPB keeps it alive with a WebSocket ping every 54 s (nextcloud-spreed-signaling client.go: pongWait 60 s, pingPeriod = pongWait * 9/10), ' +
      'so every proxy between client and HPB must let an idle WebSocket live longer than that, or quiet participants are cut off and must reconnect.',
    severity: 'must',
    provenance: 'observed',
    runsIn: 'node',
    criterion: "after hello with Talk's settings, a connection left idle for 70 s (answering the HPB's pings) is still open and a `bye` is answered",
    remedy:
      "Raise the proxy's idle timeouts at the HPB's location above the 54 s ping period, e.g. nginx `location /standalone-signaling/ { … proxy_read_timeout 3600s; proxy_send_timeout 3600s; }` " +
      "(nginx's default is 60 s; Apache: `ProxyTimeout`/`timeout=` on the ProxyPass; a load balancer or firewall in front: its idle timeout for WebSockets).",
  },
] as const satisfies readonly CheckDefinition[];
