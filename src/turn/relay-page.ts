/**
 * Runs in the browser page (passed to page.evaluate, so self-contained): Talk's own TURN test
 * (src/components/AdminSettings/TurnServer.vue, docs/reference/talk-reference.md section 9) made stricter —
 * RTCPeerConnection with only the given TURN servers and iceTransportPolicy 'relay', a data
 * channel and an audio transceiver so there is something to gather for, then every candidate
 * until gathering completes or the time is up, plus each local candidate's relayProtocol from
 * getStats where the browser reports it (Chromium and Firefox do; the field is in
 * webrtc-stats RTCIceCandidateStats). icecandidateerror is collected: 701 ("could not reach the
 * STUN/TURN server" in Chromium; per URL) alone is no failure while another URL works.
 */
export interface RelayGatherInput {
  iceServers: { urls: string[]; username: string; credential: string }[];
  timeoutMs: number;
  /**
   * Stop this long after the first relay candidate instead of waiting for gathering to complete
   * (where firewalls drop packets, the other URLs only time out; the relay is what counts).
   */
  settleAfterFirstRelayMs?: number;
}

export interface GatheredCandidate {
  type: string | null;
  address: string | null;
  port: number | null;
  protocol: string | null;
  relayProtocol: string | null;
  /** The STUN/TURN URL the candidate came from, where the browser tells (event.url, stats `url`). */
  url: string | null;
  ms: number;
}

export interface RelayGatherResult {
  candidates: GatheredCandidate[];
  errors: { errorCode: number; errorText: string; url: string; ms: number }[];
  firstRelayMs: number | null;
  complete: boolean;
  ms: number;
  error: string | null;
}

export async function gatherRelayCandidatesInPage(input: RelayGatherInput): Promise<RelayGatherResult> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const out: RelayGatherResult = { candidates: [], errors: [], firstRelayMs: null, complete: false, ms: 0, error: null };
  let pc: RTCPeerConnection | null = null;
  try {
    pc = new RTCPeerConnection({ iceServers: input.iceServers, iceTransportPolicy: 'relay' });
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, input.timeoutMs);
      pc!.addEventListener('icecandidate', (e) => {
        if (!e.candidate || e.candidate.candidate === '') {
          out.complete = true;
          clearTimeout(timer);
          resolve();
          return;
        }
        const c = e.candidate;
        // Field 8 of the candidate line is the type (RFC 8839 section 5.1), as Talk's test reads it.
        const parts = c.candidate.split(' ');
        const type = c.type ?? parts[7] ?? null;
        if (type === 'relay' && out.firstRelayMs === null) {
          out.firstRelayMs = since();
          if (input.settleAfterFirstRelayMs !== undefined) {
            clearTimeout(timer);
            setTimeout(resolve, input.settleAfterFirstRelayMs);
          }
        }
        out.candidates.push({
          type,
          address: c.address ?? parts[4] ?? null,
          port: c.port ?? (parts[5] ? Number(parts[5]) : null),
          protocol: c.protocol ?? parts[2] ?? null,
          relayProtocol: (c as RTCIceCandidate & { relayProtocol?: string }).relayProtocol ?? null,
          url: (e as RTCPeerConnectionIceEvent & { url?: string | null }).url ?? null,
          ms: since(),
        });
      });
      pc!.addEventListener('icegatheringstatechange', () => {
        if (pc!.iceGatheringState === 'complete') {
          out.complete = true;
          clearTimeout(timer);
          resolve();
        }
      });
    });
    pc.addEventListener('icecandidateerror', (e) => {
      const ev = e as RTCPeerConnectionIceErrorEvent;
      out.errors.push({ errorCode: ev.errorCode, errorText: ev.errorText, url: ev.url, ms: since() });
    });
    pc.createDataChannel('status');
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    // relayProtocol from getStats where the candidate object did not carry it.
    const stats = await pc.getStats();
    const byAddr = new Map<string, { relayProtocol: string | null; url: string | null }>();
    stats.forEach((s: Record<string, unknown>) => {
      if (s['type'] === 'local-candidate') {
        byAddr.set(`${s['address'] ?? s['ip']}:${s['port']}`, {
          relayProtocol: typeof s['relayProtocol'] === 'string' ? s['relayProtocol'] : null,
          url: typeof s['url'] === 'string' ? s['url'] : null,
        });
      }
    });
    for (const c of out.candidates) {
      const st = byAddr.get(`${c.address}:${c.port}`);
      c.relayProtocol ??= st?.relayProtocol ?? null;
      c.url ??= st?.url ?? null;
    }
  } catch (err) {
    out.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } finally {
    pc?.close();
  }
  out.ms = since();
  return out;
}
