import { readFileSync } from 'node:fs';

/**
 * Fills the configuration templates kept in docker/. Pure apart from reading the template:
 * every `{{NAME}}` must have a value, and every value given must be used, so a renamed
 * placeholder fails the unit tests instead of shipping a literal `{{NAME}}` to nginx or coturn.
 */

export const TEMPLATES = {
  nginx: new URL('../../../docker/nginx/nextcloud-proxy.conf.template', import.meta.url),
  coturn: new URL('../../../docker/coturn/turnserver.conf.template', import.meta.url),
} as const;

const PLACEHOLDER = /\{\{([A-Z][A-Z0-9_]*)\}\}/g;

export function fillTemplate(name: string, template: string, values: Record<string, string | number>): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const out = template.replace(PLACEHOLDER, (_m, key: string) => {
    if (!(key in values)) {
      missing.add(key);
      return '';
    }
    used.add(key);
    return String(values[key]);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (missing.size > 0 || unused.length > 0) {
    throw new Error(
      `template ${name}: ${missing.size > 0 ? `no value for ${[...missing].join(', ')}` : ''}` +
        `${missing.size > 0 && unused.length > 0 ? '; ' : ''}${unused.length > 0 ? `values not used by the template: ${unused.join(', ')}` : ''}`,
    );
  }
  return out;
}

export function renderTemplate(which: keyof typeof TEMPLATES, values: Record<string, string | number>): string {
  return fillTemplate(TEMPLATES[which].pathname, readFileSync(TEMPLATES[which], 'utf8'), values);
}
