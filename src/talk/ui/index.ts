/** Talk's web UI as the call and mobile checks drive it: login page, first-run wizard, conversation page, WebRTC probe, version differences. */
export {
  LOGIN_ERRORS,
  LOGIN_PAGE_MESSAGES,
  LOGIN_TIMEOUT_MS,
  LoginPageError,
  LoginRejectedError,
  classifyLoginPageText,
  logInThroughPage,
  type LoginRejection,
  type LoginResult,
} from './login.ts';
export { FIRST_RUN_WIZARD_SELECTOR, type WizardDismissal, dismissFirstRunWizard } from './first-run-wizard.ts';
export { CALL_BUTTON_TIMEOUT_MS, type ConversationShown, JOIN_CALL_TIMEOUT_MS, TalkCallPage, TalkUiNotDrivableError } from './call-page.ts';
export { type BlurCapability, type BlurSupportRule, type TalkUiProfile, blurUnavailableReason, parseTalkVersion, talkUiFor } from './versions.ts';
export { type PeerConnectionSnapshot, type RtcSnapshot, inboundBytes, installRtcProbe, readPeerConnectionsInPage } from './rtc-probe.ts';
