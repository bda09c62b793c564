/**
 * Starts one reference platform by hand and keeps it up until Ctrl-C:
 *
 *   tsx src/reference/cli.ts --profile good [--ui talk20|talk21|talk22] [--show-passwords]
 *   tsx src/reference/cli.ts --sweep          # remove instances left by killed owners
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newRunId } from '../config/index.ts';
import { ReferencePlatformError, startReferencePlatform, sweepStaleInstances } from './index.ts';
import { PROFILE_NAMES, type ProfileName } from './profile-names.ts';
import { PROFILES } from './profiles.ts';
import { DEFAULT_UI_PROFILE, UI_PROFILES, UI_PROFILE_NAMES, type UiProfileName } from './ui-profiles.ts';

const USAGE = `Usage: tsx src/reference/cli.ts [--profile NAME] [--ui talk20|talk21|talk22] [--no-first-run-wizard] [--show-passwords] [--work-dir DIR] [--run-id ID]
       tsx src/reference/cli.ts --sweep

Starts a reference platform (real nginx and coturn in a network namespace, and the Talk double)
and keeps it running until Ctrl-C. Needs root.

Profiles:
${PROFILE_NAMES.map((n) => `  ${n.padEnd(16)} ${PROFILES[n].description}`).join('\n')}

UI profiles (which Talk release's web UI the double shows, on the Nextcloud it runs on):
${UI_PROFILE_NAMES.map((n) => `  ${n.padEnd(16)} Talk ${UI_PROFILES[n].talkVersion} on Nextcloud ${UI_PROFILES[n].nextcloud.versionString}`).join('\n')}

Options:
  --profile NAME      fault profile (default: good)
  --ui NAME           UI profile (default: ${DEFAULT_UI_PROFILE})
  --no-first-run-wizard  as if the admin disabled the firstrunwizard app (default: its modal covers a user's pages until closed)
  --show-passwords    print the users' passwords and the TURN secret (off: they are secrets)
  --work-dir DIR      where the instance keeps its files (default: ${path.join(os.tmpdir(), 'talk-certify-reference')})
  --run-id ID         tag for the CA name and logs (default: a new run id)
  --sweep             only remove instances whose owner process is gone, then exit
`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        profile: { type: 'string', default: 'good' },
        ui: { type: 'string', default: DEFAULT_UI_PROFILE },
        'no-first-run-wizard': { type: 'boolean', default: false },
        'show-passwords': { type: 'boolean', default: false },
        'work-dir': { type: 'string', default: path.join(os.tmpdir(), 'talk-certify-reference') },
        'run-id': { type: 'string' },
        sweep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = (line: string) => process.stdout.write(`[reference] ${line}\n`);
  if (args.sweep) {
    const removed = await sweepStaleInstances(log);
    if (removed.length === 0) log('nothing to sweep');
    return 0;
  }
  if (!(PROFILE_NAMES as readonly string[]).includes(args.profile)) {
    process.stderr.write(`Unknown profile "${args.profile}". Use one of: ${PROFILE_NAMES.join(', ')}.\n`);
    return 2;
  }

  if (!(UI_PROFILE_NAMES as readonly string[]).includes(args.ui)) {
    process.stderr.write(`Unknown UI profile "${args.ui}". Use one of: ${UI_PROFILE_NAMES.join(', ')}.\n`);
    return 2;
  }

  const platform = await startReferencePlatform({
    profile: args.profile as ProfileName,
    ui: args.ui as UiProfileName,
    firstRunWizard: !args['no-first-run-wizard'],
    runId: args['run-id'] ?? newRunId(),
    workDir: args['work-dir'],
    log,
  });
  const show = args['show-passwords'];
  const user = (u: { user: string; password: string; isAdmin: boolean }) => `${u.user}${u.isAdmin ? ' (admin)' : ''}${show ? ` / ${u.password}` : ''}`;
  const lines = [
    `Reference platform ${platform.index} (profile ${platform.profile}, UI ${platform.ui}) is up.`,
    `  URL:        ${platform.url}`,
    `  CA:         ${platform.caFile}`,
    `  Versions:   Nextcloud ${platform.versions.nextcloud}, Talk ${platform.versions.talk ?? 'not installed'}`,
    `  Users:      ${Object.values(platform.users).map(user).join(', ')}${show ? '' : '   (passwords: --show-passwords)'}`,
    `  TURN:       ${platform.turn.urls.join(' ')}${show ? `  secret ${platform.turn.secret}` : ''}`,
    `  State:      ${platform.control.url}__reference/state${show ? `  (header X-Reference-Control: ${platform.control.token})` : ''}`,
    `  Try:        curl --cacert ${platform.caFile} ${platform.url}status.php`,
    '',
    'Press Ctrl-C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    // Stays registered until the platform is down, so the platform's own handler leaves the exit to us.
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C: leave now; the platform's exit handler still removes everything synchronously.
        process.exit(130);
      }
      stopping = true;
      log(`${signal}: stopping…`);
      void platform
        .stop()
        .catch((err: unknown) => log(`stop failed: ${(err as Error).message}`))
        .then(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log('stopped, nothing left behind.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ReferencePlatformError) {
      process.stderr.write(`[reference] ${err.code}: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`[reference] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
