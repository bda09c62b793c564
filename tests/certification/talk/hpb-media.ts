import type { Page } from '@playwright/test';

/**
 * The logic of talk.hpb.media (hpb-media.spec.ts): real media through the HPB's MCU, driven in a
 * page of Talk's origin as Talk's web client does it with the High-performance backend
 * (spreed src/utils/signaling.js `Standalone`, src/utils/webrtc/simplewebrtc/peer.js `send`):
 *
 * - each participant opens `<server>/spreed`, waits for the welcome, says `hello` (v2 with the
 *   settings' token when the HPB announces `hello-v2`, else v1 with user id and ticket) and joins
 *   the conversation's signaling room with its Nextcloud session id;
 * - the publisher sends its camera as `{type: 'message', message: {recipient: {type: 'session',
 *   sessionid: <own session>}, data: {to, sid, roomType: 'video', type: 'offer', payload: {type, sdp}}}}`
 *   (sendCallMessage: recipient = data.to); the signaling server hands it to Janus
 *   (nextcloud-spreed-signaling hub.go processMessageMsg → processMcuMessage "offer" →
 *   GetOrCreatePublisher) and sends back Janus' `answer` the same way; candidates go as `candidate`
 *   with `payload: {candidate: {candidate, sdpMid, sdpMLineIndex}}` in both directions;
 * - the subscriber sends `data: {type: 'requestoffer', roomType: 'video', sid}` to the publisher's
 *   session (signaling.js requestOffer; hub.go: only when both sessions are in the call,
 *   isInSameCall, which the HPB learns from Nextcloud's in-call notification), gets Janus' `offer`
 *   from the publisher's session and answers it to that session.
 *
 * The page functions below run in the browser (page.evaluate): they are self-contained.
 */

/** How long Janus may take to answer the publisher's offer, and to offer the subscriber a stream (hub.go mcuTimeout is 10 s). */
export const MCU_ANSWER_TIMEOUT_MS = 15_000;
/** How long the subscriber may take from its requestoffer to the first decoded frame. */
export const FIRST_FRAME_TIMEOUT_MS = 20_000;

export interface MediaParticipant {
  name: string;
  version: '1.0' | '2.0' | null;
  params: Record<string, unknown>;
  ncSession: string;
}

export interface ConnectResult {
  people: { name: string; step: string; ok: boolean; version: string; hpbSession: string; welcomeFeatures: string[]; error?: string }[];
}

export interface MediaResult {
  /** The last step reached: `media` (everything set up), else where it stopped. */
  step: 'getUserMedia' | 'offer' | 'requestoffer' | 'answer' | 'ice' | 'frames' | 'done';
  error?: string;
  errors: string[];
  publisher: { answerMs: number | null; iceState: string; localCandidates: Record<string, number>; remoteCandidates: number; tracks: string[] };
  subscriber: {
    offerMs: number | null;
    iceState: string;
    connectedMs: number | null;
    firstFrameMs: number | null;
    framesDecoded: number;
    frameWidth: number | null;
    frameHeight: number | null;
    videoElement: { width: number; height: number; advanced: boolean } | null;
    codec: string | null;
    audioPackets: number;
    pair: { local: string; remote: string; protocol: string; remoteAddress: string } | null;
    remoteCandidates: number;
  };
}

/** Phase 1 in the page: both participants connect, hello and join the room; the sockets stay open on `window`. */
export function connectInPage(
  page: Page,
  args: { wsUrl: string; backendUrl: string; token: string; people: MediaParticipant[]; welcomeTimeoutMs: number; answerTimeoutMs: number },
): Promise<ConnectResult> {
  return page.evaluate(async (a) => {
    type Msg = Record<string, any>;
    const w = window as unknown as { __talkCertifyHpb?: { socks: WebSocket[]; msgs: Msg[][] } };
    const state = { socks: [] as WebSocket[], msgs: [] as Msg[][] };
    w.__talkCertifyHpb = state;
    const waitFor = (i: number, match: (m: Msg) => boolean, ms: number) =>
      new Promise<Msg | null>((resolve) => {
        const t0 = Date.now();
        const tick = () => {
          const hit = state.msgs[i]!.find(match);
          if (hit) return resolve(hit);
          if (Date.now() - t0 > ms || state.socks[i]!.readyState > 1) return resolve(state.msgs[i]!.find(match) ?? null);
          setTimeout(tick, 50);
        };
        tick();
      });
    const people: ConnectResult['people'] = [];
    for (const [i, p] of a.people.entries()) {
      const r = { name: p.name, step: 'open the WebSocket', ok: false, version: '', hpbSession: '', welcomeFeatures: [] as string[], error: undefined as string | undefined };
      people.push(r);
      const ws = new WebSocket(a.wsUrl);
      state.socks.push(ws);
      state.msgs.push([]);
      ws.onmessage = (ev) => {
        try {
          state.msgs[i]!.push(JSON.parse(String(ev.data)) as Msg);
        } catch {
          /* not JSON: ignored like Talk's client would fail on it */
        }
      };
      const opened = await new Promise<string | null>((resolve) => {
        ws.onopen = () => resolve(null);
        ws.onerror = () => resolve('error event');
        ws.onclose = (ev) => resolve(`closed (code ${ev.code})`);
      });
      if (opened) {
        r.error = `the WebSocket to ${a.wsUrl} did not open (${opened})`;
        break;
      }
      r.step = 'welcome';
      const welcome = await waitFor(i, (m) => m['type'] === 'welcome', a.welcomeTimeoutMs);
      r.welcomeFeatures = (welcome?.['welcome']?.['features'] as string[] | undefined) ?? [];
      // signaling.js: hello v2 when the server announces hello-v2 and the settings carry a token.
      const version = p.params['2.0'] && r.welcomeFeatures.includes('hello-v2') ? '2.0' : '1.0';
      r.version = version;
      r.step = `hello ${version}`;
      ws.send(JSON.stringify({ id: '1', type: 'hello', hello: { version, auth: { url: a.backendUrl, params: p.params[version] } } }));
      const hello = await waitFor(i, (m) => m['id'] === '1', a.answerTimeoutMs);
      if (hello?.['type'] !== 'hello') {
        r.error = hello ? `answered ${hello['type']} ${hello['error']?.['code'] ?? ''}` : 'no answer';
        break;
      }
      r.hpbSession = String(hello['hello']?.['sessionid'] ?? '');
      r.step = 'join the signaling room';
      ws.send(JSON.stringify({ id: '2', type: 'room', room: { roomid: a.token, sessionid: p.ncSession } }));
      const room = await waitFor(i, (m) => m['id'] === '2', a.answerTimeoutMs);
      if (room?.['type'] !== 'room') {
        r.error = room ? `answered ${room['type']} ${room['error']?.['code'] ?? ''}` : 'no answer';
        break;
      }
      r.step = 'joined';
      r.ok = true;
    }
    return { people };
  }, args);
}

/**
 * Phase 2 in the page, after both joined the call in Nextcloud: socket 0 publishes its fake
 * camera and microphone to the MCU, socket 1 subscribes to it and watches the video decode.
 */
export function mediaInPage(
  page: Page,
  args: { publisher: string; subscriber: string; iceServers: RTCIceServer[]; answerTimeoutMs: number; firstFrameTimeoutMs: number },
): Promise<MediaResult> {
  return page.evaluate(async (a) => {
    type Msg = Record<string, any>;
    const state = (window as unknown as { __talkCertifyHpb: { socks: WebSocket[]; msgs: Msg[][] } }).__talkCertifyHpb;
    const [pubWs, subWs] = state.socks as [WebSocket, WebSocket];
    const errors: string[] = [];
    const res: MediaResult = {
      step: 'getUserMedia',
      errors,
      publisher: { answerMs: null, iceState: 'new', localCandidates: {}, remoteCandidates: 0, tracks: [] },
      subscriber: {
        offerMs: null,
        iceState: 'new',
        connectedMs: null,
        firstFrameMs: null,
        framesDecoded: 0,
        frameWidth: null,
        frameHeight: null,
        videoElement: null,
        codec: null,
        audioPackets: 0,
        pair: null,
        remoteCandidates: 0,
      },
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Error answers of the HPB on either socket (e.g. processing_failed, not_allowed), with what they answered.
    const seen = [0, 0];
    const collectErrors = () => {
      for (const i of [0, 1]) {
        for (const m of state.msgs[i]!.slice(seen[i])) {
          // Each trickled candidate after a refused offer is refused again: every distinct error once.
          const text = `${i === 0 ? 'publisher' : 'subscriber'}: error ${m['error']?.['code'] ?? '?'} "${m['error']?.['message'] ?? ''}"`;
          if (m['type'] === 'error' && !errors.includes(text)) errors.push(text);
        }
        seen[i] = state.msgs[i]!.length;
      }
    };
    const waitMsg = async (i: number, match: (m: Msg) => boolean, ms: number): Promise<Msg | null> => {
      const t0 = Date.now();
      for (;;) {
        const hit = state.msgs[i]!.find(match);
        if (hit) return hit;
        collectErrors();
        if (Date.now() - t0 > ms || state.socks[i]!.readyState > 1 || errors.length > 0) return null;
        await sleep(50);
      }
    };
    const send = (ws: WebSocket, to: string, data: Msg) =>
      ws.send(JSON.stringify({ type: 'message', message: { recipient: { type: 'session', sessionid: to }, data: { to, ...data } } }));
    const candidateOf = (c: RTCIceCandidate) => ({ candidate: { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } });
    // Candidates the MCU trickles to one side: messages of type candidate from `from`.
    const applyCandidates = (i: number, from: string, pc: RTCPeerConnection, counter: (n: number) => void) => {
      let done = 0;
      const timer = setInterval(() => {
        const list = state.msgs[i]!.filter((m) => m['type'] === 'message' && m['message']?.['sender']?.['sessionid'] === from && m['message']?.['data']?.['type'] === 'candidate');
        for (const m of list.slice(done)) {
          const c = m['message']['data']['payload']?.['candidate'];
          if (c) pc.addIceCandidate(c).catch((e: Error) => errors.push(`addIceCandidate: ${e.message}`));
        }
        done = list.length;
        counter(done);
      }, 50);
      return () => clearInterval(timer);
    };

    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    } catch (e) {
      res.error = `getUserMedia failed: ${(e as Error).name} ${(e as Error).message}`;
      return res;
    }
    res.publisher.tracks = stream.getTracks().map((t) => t.kind);
    const stops: (() => void)[] = [];
    const pub = new RTCPeerConnection({ iceServers: a.iceServers });
    const sub = new RTCPeerConnection({ iceServers: a.iceServers });
    try {
      // The publisher: offer to its own session (Talk's MCU publisher peer, roomType "video").
      res.step = 'offer';
      const pubSid = String(Date.now());
      for (const t of stream.getTracks()) pub.addTrack(t, stream);
      pub.onicecandidate = (ev) => {
        if (!ev.candidate) return;
        const type = ev.candidate.type ?? 'unknown';
        res.publisher.localCandidates[type] = (res.publisher.localCandidates[type] ?? 0) + 1;
        send(pubWs, a.publisher, { sid: pubSid, roomType: 'video', type: 'candidate', payload: candidateOf(ev.candidate) });
      };
      pub.oniceconnectionstatechange = () => (res.publisher.iceState = pub.iceConnectionState);
      const offer = await pub.createOffer({ offerToReceiveAudio: false, offerToReceiveVideo: false });
      await pub.setLocalDescription(offer);
      const tOffer = Date.now();
      send(pubWs, a.publisher, { sid: pubSid, roomType: 'video', type: 'offer', payload: { type: 'offer', sdp: offer.sdp } });
      const answer = await waitMsg(
        0,
        (m) => m['type'] === 'message' && m['message']?.['data']?.['type'] === 'answer' && (m['message']?.['data']?.['roomType'] ?? 'video') === 'video',
        a.answerTimeoutMs,
      );
      if (!answer) {
        res.error = errors.length > 0 ? `the offer was answered with ${errors.join('; ')}` : `no answer from the MCU within ${a.answerTimeoutMs} ms`;
        return res;
      }
      res.publisher.answerMs = Date.now() - tOffer;
      await pub.setRemoteDescription(answer['message']['data']['payload'] as RTCSessionDescriptionInit);
      stops.push(applyCandidates(0, a.publisher, pub, (n) => (res.publisher.remoteCandidates = n)));

      // The subscriber: requestoffer to the publisher's session, answer Janus' offer.
      res.step = 'requestoffer';
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      video.playsInline = true;
      video.style.width = '320px';
      document.body.appendChild(video);
      sub.ontrack = (ev) => {
        if (ev.track.kind === 'video') video.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
      };
      let subSid = '';
      sub.onicecandidate = (ev) => {
        if (ev.candidate) send(subWs, a.publisher, { sid: subSid, roomType: 'video', type: 'candidate', payload: candidateOf(ev.candidate) });
      };
      const tRequest = Date.now();
      sub.oniceconnectionstatechange = () => {
        res.subscriber.iceState = sub.iceConnectionState;
        if ((sub.iceConnectionState === 'connected' || sub.iceConnectionState === 'completed') && res.subscriber.connectedMs === null)
          res.subscriber.connectedMs = Date.now() - tRequest;
      };
      subWs.send(JSON.stringify({ type: 'message', message: { recipient: { type: 'session', sessionid: a.publisher }, data: { type: 'requestoffer', roomType: 'video' } } }));
      const subOffer = await waitMsg(
        1,
        (m) => m['type'] === 'message' && m['message']?.['sender']?.['sessionid'] === a.publisher && m['message']?.['data']?.['type'] === 'offer',
        a.answerTimeoutMs,
      );
      if (!subOffer) {
        res.error = errors.length > 0 ? `the requestoffer was answered with ${errors.join('; ')}` : `no offer from the MCU within ${a.answerTimeoutMs} ms`;
        return res;
      }
      res.subscriber.offerMs = Date.now() - tRequest;
      subSid = String(subOffer['message']['data']['sid'] ?? '');
      res.step = 'answer';
      await sub.setRemoteDescription(subOffer['message']['data']['payload'] as RTCSessionDescriptionInit);
      const subAnswer = await sub.createAnswer();
      await sub.setLocalDescription(subAnswer);
      send(subWs, a.publisher, { sid: subSid, roomType: 'video', type: 'answer', payload: { type: 'answer', sdp: subAnswer.sdp } });
      stops.push(applyCandidates(1, a.publisher, sub, (n) => (res.subscriber.remoteCandidates = n)));

      // Frames: inbound video decoding, and the video element showing them.
      res.step = 'ice';
      let lastTime = -1;
      let advanced = false;
      while (Date.now() - tRequest < a.firstFrameTimeoutMs) {
        await sleep(250);
        collectErrors();
        const stats = await sub.getStats();
        let pairId: string | undefined;
        stats.forEach((s: any) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') {
            res.subscriber.framesDecoded = s.framesDecoded ?? 0;
            res.subscriber.frameWidth = s.frameWidth ?? null;
            res.subscriber.frameHeight = s.frameHeight ?? null;
            const codec = s.codecId ? (stats.get(s.codecId) as any) : null;
            if (codec?.mimeType) res.subscriber.codec = codec.mimeType;
          }
          if (s.type === 'inbound-rtp' && s.kind === 'audio') res.subscriber.audioPackets = s.packetsReceived ?? 0;
          if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
          if (s.type === 'candidate-pair' && s.selected) pairId = s.id; // Firefox
        });
        const pair = pairId ? (stats.get(pairId) as any) : null;
        if (pair) {
          const l = stats.get(pair.localCandidateId) as any;
          const r = stats.get(pair.remoteCandidateId) as any;
          res.subscriber.pair = {
            local: l?.candidateType ?? '?',
            remote: r?.candidateType ?? '?',
            protocol: l?.protocol ?? '?',
            remoteAddress: `${r?.address ?? r?.ip ?? '?'}:${r?.port ?? '?'}`,
          };
        }
        if (res.subscriber.connectedMs !== null) res.step = 'frames';
        if (res.subscriber.framesDecoded > 0 && res.subscriber.firstFrameMs === null) res.subscriber.firstFrameMs = Date.now() - tRequest;
        if (video.videoWidth > 0) {
          if (lastTime >= 0 && video.currentTime > lastTime) advanced = true;
          lastTime = video.currentTime;
        }
        res.subscriber.videoElement = { width: video.videoWidth, height: video.videoHeight, advanced };
        if (res.subscriber.framesDecoded > 0 && advanced) {
          res.step = 'done';
          break;
        }
      }
      return res;
    } catch (e) {
      res.error = `${res.step}: ${(e as Error).message}`;
      return res;
    } finally {
      for (const s of stops) s();
      collectErrors();
      pub.close();
      sub.close();
      for (const t of stream.getTracks()) t.stop();
    }
  }, args);
}

/** Closes the page's signaling sockets with Talk's `bye`. */
export async function closeInPage(page: Page): Promise<void> {
  await page
    .evaluate(() => {
      const state = (window as unknown as { __talkCertifyHpb?: { socks: WebSocket[] } }).__talkCertifyHpb;
      for (const ws of state?.socks ?? []) {
        if (ws.readyState === 1) ws.send(JSON.stringify({ type: 'bye', bye: {} }));
        ws.close();
      }
    })
    .catch(() => {});
}
