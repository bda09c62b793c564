import { readFileSync } from 'node:fs';

/**
 * Which images the testcontainers target launches. The data lives in docker/images.json (the
 * container definitions are kept together in docker/); this module only reads and checks it.
 */

interface ImagesFile {
  nextcloud: { repository: string; flavour: string; default: string; majors: Record<string, { talk: string }> };
  mariadb: string;
  proxy: string;
  turn: string;
}

export const IMAGES_FILE = new URL('../../../docker/images.json', import.meta.url);

function readImages(): ImagesFile {
  const raw = JSON.parse(readFileSync(IMAGES_FILE, 'utf8')) as ImagesFile;
  for (const key of ['mariadb', 'proxy', 'turn'] as const) {
    if (typeof raw[key] !== 'string' || !/^[\w./-]+:[\w.-]+$/.test(raw[key])) {
      throw new Error(`docker/images.json: "${key}" must be an image reference with a pinned tag (name:tag), got ${JSON.stringify(raw[key])}`);
    }
  }
  if (!raw.nextcloud?.majors?.[raw.nextcloud.default]) {
    throw new Error(`docker/images.json: nextcloud.default "${raw.nextcloud?.default}" is not one of nextcloud.majors`);
  }
  return raw;
}

export const IMAGES: Readonly<ImagesFile> = readImages();

/** Nextcloud majors the target can launch (TALK_NEXTCLOUD_VERSION accepts these, optionally with minor.patch). */
export const SUPPORTED_NEXTCLOUD_MAJORS: readonly string[] = Object.keys(IMAGES.nextcloud.majors).sort();

/** Launched when TALK_NEXTCLOUD_VERSION is unset. */
export const DEFAULT_NEXTCLOUD_VERSION: string = IMAGES.nextcloud.default;

/** `nextcloud:32-apache`, `nextcloud:32.0.1-apache`. */
export function nextcloudImage(version: string): string {
  const major = version.split('.')[0]!;
  if (!SUPPORTED_NEXTCLOUD_MAJORS.includes(major)) {
    throw new Error(`Nextcloud ${version} is not supported by the testcontainers target (supported majors: ${SUPPORTED_NEXTCLOUD_MAJORS.join(', ')}; see docker/images.json)`);
  }
  return `${IMAGES.nextcloud.repository}:${version}-${IMAGES.nextcloud.flavour}`;
}

/** The Talk major the app store serves to this Nextcloud major: what the readiness check expects. */
export function expectedTalkMajor(version: string): string {
  return IMAGES.nextcloud.majors[version.split('.')[0]!]?.talk ?? '?';
}
