/** Talk's web UI as the call and mobile checks drive it: login page, conversation page, WebRTC probe, version differences. */
export { LOGIN_ERRORS, LOGIN_PAGE_MESSAGES, LOGIN_TIMEOUT_MS, LoginPageError, LoginRejectedError, classifyLoginPageText, logInThroughPage, type LoginRejection, type LoginResult } from './login.ts';
export { CALL_BUTTON_TIMEOUT_MS, JOIN_CALL_TIMEOUT_MS, TalkCallPage } from './call-page.ts';
export { type TalkUiProfile, parseTalkVersion, talkUiFor } from './versions.ts';
export { type PeerConnectionSnapshot, type RtcSnapshot, inboundBytes, installRtcProbe, readPeerConnectionsInPage } from './rtc-probe.ts';
