import type { CheckDefinition } from '../types.ts';

/** The mobile area (issue #6; docs/reference/talk-reference.md sections 7, 8): Talk's web UI on a phone. */
export const MOBILE_CHECKS = [
  {
    id: 'mobile.web',
    area: 'mobile',
    title: "on an emulated phone, Talk's web UI logs in and opens a conversation",
    requirement: "Talk's web UI is used from phone browsers too (Talk system requirements: browsers; the mobile apps open links to it).",
    severity: 'should',
    provenance: 'observed',
    runsIn: 'node',
    criterion:
      "Chromium with Playwright's phone descriptor: the login page logs in, `/call/{token}` shows the conversation's heading and the call button inside the phone's viewport",
    remedy:
      'Check that the login page and Talk load on a phone (user agent of a mobile browser): no reverse-proxy rule or app that redirects phone user agents elsewhere, ' +
      'and that the conversation opens for the user (`/call/{token}` with pretty URLs, `/index.php/call/{token}` without).',
  },
] as const satisfies readonly CheckDefinition[];
