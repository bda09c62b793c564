/**
 * Talk's browser matrix (spreed docs/system-requirements.md, "Browsers"):
 *   Recommended: Firefox latest, Chrome/Chromium latest.
 *   Supported:   Firefox / Firefox ESR 52 or later, Chrome / Chromium 49 or later, Edge latest,
 *                Safari 13 or later.
 * "Latest" cannot be known offline, so the recommendation is reported, not judged. WebKit stands
 * in for Safari: Playwright's WebKit reports the Safari version it corresponds to.
 */
export interface BrowserSupport {
  family: 'Chromium' | 'Firefox' | 'Edge' | 'Safari (WebKit)' | 'unknown';
  major: number | null;
  minimumMajor: number | null;
  supported: boolean;
  recommended: string;
  note: string;
}

const MATRIX: Record<string, { family: BrowserSupport['family']; minimumMajor: number | null; recommended: string }> = {
  chromium: { family: 'Chromium', minimumMajor: 49, recommended: 'latest Chrome/Chromium' },
  chrome: { family: 'Chromium', minimumMajor: 49, recommended: 'latest Chrome/Chromium' },
  'chrome-beta': { family: 'Chromium', minimumMajor: 49, recommended: 'latest Chrome/Chromium' },
  firefox: { family: 'Firefox', minimumMajor: 52, recommended: 'latest Firefox' },
  'moz-firefox': { family: 'Firefox', minimumMajor: 52, recommended: 'latest Firefox' },
  'moz-firefox-beta': { family: 'Firefox', minimumMajor: 52, recommended: 'latest Firefox' },
  // Edge: "latest"; every Chromium-based Edge (79+) meets the Chromium minimum.
  msedge: { family: 'Edge', minimumMajor: 79, recommended: 'latest Edge' },
  webkit: { family: 'Safari (WebKit)', minimumMajor: 13, recommended: 'Safari 13 or later' },
};

export function browserSupport(browserName: string, version: string | null): BrowserSupport {
  const entry = MATRIX[browserName];
  const major = version ? Number.parseInt(version, 10) : Number.NaN;
  if (!entry) {
    return {
      family: 'unknown',
      major: null,
      minimumMajor: null,
      supported: false,
      recommended: 'Firefox or Chrome/Chromium, latest',
      note: `"${browserName}" is not in Talk's browser list`,
    };
  }
  if (Number.isNaN(major)) {
    return { ...entry, major: null, supported: false, note: `version "${version}" could not be read` };
  }
  const supported = entry.minimumMajor === null || major >= entry.minimumMajor;
  return {
    ...entry,
    major,
    supported,
    note: supported
      ? `${entry.family} ${major} >= ${entry.minimumMajor}: supported; recommended is the ${entry.recommended} (not verifiable offline)`
      : `${entry.family} ${major} is older than Talk's minimum ${entry.minimumMajor}`,
  };
}
