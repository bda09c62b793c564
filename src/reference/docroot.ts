import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { blurAssetsFor } from '../talk/blur-assets.ts';
import { blurTfliteModel, blurWasmModule } from './blur-files.ts';
import { CALL_SCRIPT, PREDEFINED_BACKGROUNDS, callPageFiles } from './double/call-page.ts';
import { CORE_COMMON_SCRIPT, FIRST_RUN_WIZARD_SCRIPT } from './double/pages.ts';
import type { Profile } from './profiles.ts';

/** A 1×1 grey baseline JPEG: the stand-in image of each predefined background. */
const TINY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

function clientFile(name: string): string {
  return readFileSync(new URL(`./double/client/${name}`, import.meta.url), 'utf8');
}

/** Nextcloud's app folder for Talk (`apps/spreed`, the default apps path). */
export const TALK_APP_DIR = 'apps/spreed';

/**
 * The part of a Nextcloud tree that nginx serves from disk: Talk's blur files under
 * `apps/spreed/js/` (as the profile has them), a Talk script, core's logo (the capabilities and
 * the login page point at it) and core's ES-module test file (settings' "JavaScript modules
 * support" setup check HEADs `settings/js/esm-test.mjs`). Returns the files written, relative.
 */
export function buildDocroot(root: string, profile: Profile): string[] {
  const written: string[] = [];
  const put = (rel: string, content: string | Buffer) => {
    const full = path.join(root, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
    written.push(rel);
  };
  put('core/img/logo/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 128"><circle cx="128" cy="64" r="40" fill="#00679e"/></svg>\n');
  put('settings/js/esm-test.mjs', 'export default "esm-test";\n');
  // Core's common bundle (the OC global) and the first-run wizard (double/pages.ts).
  put(CORE_COMMON_SCRIPT, clientFile('core-common.js'));
  put(FIRST_RUN_WIZARD_SCRIPT, clientFile('firstrunwizard.js'));
  if (profile.talk) {
    put(`${TALK_APP_DIR}/js/talk-main.js`, "/* talk-certify reference platform: stand-in for Talk's main bundle */\n");
    // The call page's script and the blur worker (double/call-page.ts); ui-bundle-missing lacks the former.
    for (const [rel, source] of Object.entries(callPageFiles())) {
      if (rel === CALL_SCRIPT && profile.talkBundleMissing) continue;
      put(`${TALK_APP_DIR}/${rel}`, source);
    }
    // The predefined virtual backgrounds the Backgrounds tab shows as tiles (img/backgrounds/).
    for (const f of PREDEFINED_BACKGROUNDS) put(`${TALK_APP_DIR}/img/backgrounds/${f}`, TINY_JPEG);
    for (const asset of blurAssetsFor(profile.talk.version)) {
      if (asset.kind === 'wasm' && !profile.blurAssets.wasm) continue;
      if (asset.kind === 'tflite' && !profile.blurAssets.tflite) continue;
      put(`${TALK_APP_DIR}/${asset.path}`, asset.kind === 'wasm' ? blurWasmModule(path.posix.basename(asset.path), asset.simd) : blurTfliteModel());
    }
  }
  return written;
}
