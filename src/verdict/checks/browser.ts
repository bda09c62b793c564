import type { CheckDefinition } from '../types.ts';

/** The browser area (conventions: see ../catalogue.ts). */
export const BROWSER_CHECKS = [
  {
    id: 'browser.supported',
    area: 'browser',
    title: "the browser's version is in Talk's supported range",
    requirement:
      'Browsers: recommended Firefox and Chrome/Chromium latest; supported Firefox/Firefox ESR 52 or later, Chrome/Chromium 49 or later, Edge latest, Safari 13 or later (Talk system requirements).',
    severity: 'must',
    provenance: 'observed',
    runsIn: 'browser',
    criterion: 'Chromium >= 49, Firefox/ESR >= 52, Edge (Chromium) >= 79, Safari/WebKit >= 13',
    remedy: 'Update the browser; Talk recommends the latest Firefox or Chrome/Chromium. Participants on older browsers cannot join calls reliably.',
  },
] as const satisfies readonly CheckDefinition[];
