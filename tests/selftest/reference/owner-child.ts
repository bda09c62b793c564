/**
 * A platform owner for the lifecycle self-tests: starts one reference platform, prints
 * `{"index":…,"pid":…,"workDir":…}` on one line, then waits to be signalled or killed.
 * Run as `node --import tsx owner-child.ts <profile> <runId> <workDir>`.
 */
import { startReferencePlatform } from '../../../src/reference/index.ts';
import type { ProfileName } from '../../../src/reference/profile-names.ts';

const [profile = 'good', runId = 'tc-selftest-owner', workDir = '/tmp/talk-certify-selftest-owner'] = process.argv.slice(2);
const platform = await startReferencePlatform({ profile: profile as ProfileName, runId, workDir });
process.stdout.write(`${JSON.stringify({ index: platform.index, pid: process.pid, url: platform.url })}\n`);
// Keep the event loop alive until a signal ends the process (the platform's handlers clean up and re-raise it).
setInterval(() => {}, 60_000);
