import path from 'node:path';
import { blurAssetsFor } from './blur-assets.ts';
import type { HttpClient } from './http.ts';

/** Where Nextcloud serves apps from: `apps/` by default, `custom_apps/` or `apps-extra/` for extra app folders (config.php `apps_paths`). */
export const APP_ROOT_CANDIDATES = ['/apps/spreed', '/custom_apps/spreed', '/apps-extra/spreed'] as const;

/** The WebAssembly binary magic `\0asm` (WebAssembly core spec, 5.5.16 Modules). */
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
/** TFLite models are FlatBuffers with file identifier "TFL3" at offset 4 (tensorflow/lite/schema/schema.fbs). */
const TFLITE_IDENTIFIER = 'TFL3';

export interface BlurAssetObservation {
  file: string;
  kind: 'wasm' | 'tflite';
  simd: boolean;
  url: string;
  status: number | null;
  contentType: string | null;
  contentEncoding: string | null;
  cacheControl: string | null;
  bytes: number;
  /** The body is what the extension says: a wasm module / a TFLite flatbuffer. */
  formatOk: boolean;
  error: string | null;
}

export interface BlurAssets {
  talkVersion: string;
  appRoot: string;
  /** How the app root was found: configured (TALK_APP_PATH), or the first candidate that served the files. */
  appRootSource: 'configured' | 'discovered' | 'default';
  /** Candidates tried when discovering, with what the first file answered. */
  tried: { appRoot: string; status: number | null }[];
  assets: BlurAssetObservation[];
}

/**
 * Fetches every blur asset of the target's Talk version, the way the browser will: a plain GET
 * of `<app root>/js/<file>`, no credentials (they are static files served by the web server).
 * The file names depend on the Talk version (TFLite before 22.0.3, MediaPipe after: see
 * blur-assets.ts), so this needs the version from the capabilities.
 */
export async function observeBlurAssets(http: HttpClient, talkVersion: string, configuredAppRoot?: string): Promise<BlurAssets> {
  const files = blurAssetsFor(talkVersion);
  const tried: BlurAssets['tried'] = [];
  let appRoot = configuredAppRoot;
  let source: BlurAssets['appRootSource'] = 'configured';
  if (!appRoot) {
    for (const candidate of APP_ROOT_CANDIDATES) {
      const probe = await fetchAsset(http, candidate, files[0]!);
      tried.push({ appRoot: candidate, status: probe.status });
      if (probe.status === 200) {
        appRoot = candidate;
        source = 'discovered';
        break;
      }
    }
    if (!appRoot) {
      appRoot = APP_ROOT_CANDIDATES[0];
      source = 'default';
    }
  }
  const assets: BlurAssetObservation[] = [];
  for (const f of files) assets.push(await fetchAsset(http, appRoot, f));
  return { talkVersion, appRoot, appRootSource: source, tried, assets };
}

async function fetchAsset(http: HttpClient, appRoot: string, asset: { path: string; kind: 'wasm' | 'tflite'; simd: boolean }): Promise<BlurAssetObservation> {
  const file = path.posix.basename(asset.path);
  const url = http.resolve(`${appRoot}/js/${file}`).toString();
  const base = { file, kind: asset.kind, simd: asset.simd, url };
  try {
    const res = await http.request(`${appRoot}/js/${file}`);
    const body = res.body;
    const formatOk =
      asset.kind === 'wasm' ? body.length >= 8 && body.subarray(0, 4).equals(WASM_MAGIC) : body.length >= 8 && body.subarray(4, 8).toString('latin1') === TFLITE_IDENTIFIER;
    return {
      ...base,
      status: res.status,
      contentType: res.headers['content-type'] ?? null,
      contentEncoding: res.headers['content-encoding'] ?? null,
      cacheControl: res.headers['cache-control'] ?? null,
      bytes: body.length,
      formatOk: res.status === 200 && formatOk,
      error: null,
    };
  } catch (err) {
    return { ...base, status: null, contentType: null, contentEncoding: null, cacheControl: null, bytes: 0, formatOk: false, error: (err as Error).message };
  }
}

/** "tflite.wasm: 200 application/wasm 1.2 kB" — one line per asset for evidence. */
export function describeAsset(a: BlurAssetObservation): string {
  if (a.error) return `${a.file}: ${a.error}`;
  return `${a.file}: ${a.status} ${a.contentType ?? '(no Content-Type)'} ${a.bytes} B${a.formatOk ? '' : ' (not a valid ' + a.kind + ' file)'}`;
}
