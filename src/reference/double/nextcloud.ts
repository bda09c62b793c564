import type { Ctx } from './context.ts';
import { anonymousCapabilities, userCapabilities } from './capabilities.ts';
import type { OcsOut, OcsRoute } from './ocs.ts';
import type { User } from './store.ts';
import { talkCapabilities, talkEnabledFor } from './talk.ts';
import { helloV2TokenKey } from './hpb.ts';

/**
 * Nextcloud core's OCS endpoints the suite uses: capabilities, the current user, the
 * provisioning API (create/delete users, for throwaway test users), and serverinfo. Bodies follow
 * the NC 32.0.1 samples in docs/reference/nc32-samples/.
 */

/** status.php (sample status-php.json): the same keys in the same order. */
export function statusJson(ctx: Ctx): Record<string, unknown> {
  const nc = ctx.config.profile.nextcloud;
  return {
    installed: true,
    maintenance: false,
    needsDbUpgrade: false,
    version: nc.version,
    versionstring: nc.versionString,
    edition: '',
    productname: 'Nextcloud',
    extendedSupport: false,
  };
}

function versionJson(ctx: Ctx): Record<string, unknown> {
  const [major, minor, micro] = ctx.config.profile.nextcloud.versionString.split('.').map(Number);
  return { major, minor, micro, string: ctx.config.profile.nextcloud.versionString, edition: '', extendedSupport: false };
}

/** The capabilities the caller gets (also what pages hand to @nextcloud/capabilities as initial state `core`/`capabilities`). */
export function capabilitiesFor(ctx: Ctx): Record<string, unknown> {
  const caps = ctx.user ? userCapabilities(ctx.config.baseUrl) : anonymousCapabilities(ctx.config.baseUrl);
  const talk = ctx.config.profile.talk;
  if (talk && talkEnabledFor(talk, ctx.user)) caps['spreed'] = talkCapabilities(talk.version, ctx.user);
  // Profile `hpb`: the public key of hello v2 tokens (double/hpb.ts).
  const tokenKey = helloV2TokenKey(ctx);
  if (tokenKey && caps['spreed']) (caps['spreed'] as { config: { signaling: Record<string, unknown> } }).config.signaling['hello-v2-token-key'] = tokenKey;
  // OC\Security\Bruteforce\Capabilities: the delay for the caller's own address (Throttler::getDelay).
  caps['bruteforce'] = { delay: ctx.store.bruteforce.delayMs(ctx.clientAddress()), 'allow-listed': false };
  return caps;
}

/** core OCSController::getCapabilities: public; Talk's provider is public too, so anonymous callers see `spreed`. */
function capabilities(ctx: Ctx, out: OcsOut): void {
  out.okWithEtag({ version: versionJson(ctx), capabilities: capabilitiesFor(ctx) });
}

/** provisioning_api UsersController::getUserData (the fields a client reads). */
function userJson(u: User): Record<string, unknown> {
  return {
    enabled: u.enabled,
    storageLocation: `/var/www/nextcloud/data/${u.id}`,
    id: u.id,
    firstLoginTimestamp: u.createdAt,
    lastLoginTimestamp: u.createdAt,
    lastLogin: u.createdAt * 1000,
    backend: 'Database',
    subadmin: [],
    quota: { free: 82182230016, used: 0, total: 82182230016, relative: 0, quota: -3 },
    manager: '',
    email: u.email || null,
    additional_mail: [],
    displayname: u.displayName,
    'display-name': u.displayName,
    phone: '',
    address: '',
    website: '',
    twitter: '',
    fediverse: '',
    organisation: '',
    role: '',
    headline: '',
    biography: '',
    profile_enabled: '1',
    pronouns: '',
    groups: u.isAdmin ? ['admin'] : [],
    language: 'en',
    locale: '',
    timezone: 'UTC',
    notify_email: null,
    backendCapabilities: { setDisplayName: true, setPassword: true },
  };
}

function currentUser(ctx: Ctx, out: OcsOut): void {
  out.ok(userJson(ctx.user!));
}

function getUser(ctx: Ctx, out: OcsOut): void {
  const target = ctx.store.users.get(ctx.params['userId']!);
  if (!target) return out.fail(404, 'User does not exist', [], 404);
  if (!ctx.user!.isAdmin && target.id !== ctx.user!.id) return out.fail(403, 'Logged in account must be an admin or sub admin');
  out.ok(userJson(target));
}

/** Nextcloud's user-id rule (lib/private/User/Manager.php validateUserId). */
const USER_ID = /^[a-zA-Z0-9 _.@\-']+$/;

/** UsersController::addUser (admins only here; sub-admins are not modelled). OCS codes as v2 returns them. */
function addUser(ctx: Ctx, out: OcsOut): void {
  if (!ctx.user!.isAdmin) return out.fail(403, 'Logged in account must be an admin or sub admin');
  const id = ctx.param('userid') ?? '';
  const password = ctx.param('password') ?? '';
  if (!id || !USER_ID.test(id) || id.length > 64) return out.fail(400, 'Invalid user name', [], 101);
  if (ctx.store.users.has(id)) return out.fail(400, 'User already exists', [], 102);
  if (!password && !ctx.param('email')) return out.fail(400, 'To send a password link to the user an email address is required.', [], 108);
  ctx.store.addUser({ id, password, displayName: ctx.param('displayName') || id, email: ctx.param('email') ?? '', isAdmin: false });
  out.ok({ id });
}

/** UsersController::deleteUser: unknown user or oneself → OCS 101. */
function deleteUser(ctx: Ctx, out: OcsOut): void {
  if (!ctx.user!.isAdmin) return out.fail(403, 'Logged in account must be an admin or sub admin');
  const id = ctx.params['userId']!;
  if (id === ctx.user!.id || !ctx.store.users.has(id)) return out.fail(400, '', [], 101);
  ctx.store.deleteUser(id);
  out.ok([]);
}

/** UsersController::enableUser / disableUser (admins here): 200 `[]`; unknown user → OCS 101; oneself cannot be disabled. */
function setEnabled(enabled: boolean) {
  return (ctx: Ctx, out: OcsOut): void => {
    if (!ctx.user!.isAdmin) return out.fail(403, 'Logged in account must be an admin or sub admin');
    const target = ctx.store.users.get(ctx.params['userId']!);
    if (!target) return out.fail(400, 'Error while enabling/disabling account', [], 101);
    if (!enabled && target.id === ctx.user!.id) return out.fail(400, 'Error while enabling/disabling account', [], 101);
    target.enabled = enabled;
    out.ok([]);
  };
}

/**
 * serverinfo ApiController::info: admins or a valid NC-Token (none is configured here);
 * everyone else gets 401 with `{"message":"Unauthorized"}` as OCS data and is throttled
 * (sample serverinfo-alice.*).
 */
function serverInfo(ctx: Ctx, out: OcsOut): void {
  if (!ctx.user?.isAdmin) return out.fail(401, '', { message: 'Unauthorized' }, 401, { 'X-Nextcloud-Bruteforce-Throttled': '200ms' });
  const { profile } = ctx.config;
  const users = ctx.store.users.size;
  out.ok({
    nextcloud: {
      system: {
        version: profile.nextcloud.version,
        theme: 'none',
        enable_avatars: 'yes',
        enable_previews: 'yes',
        'memcache.local': '\\OC\\Memcache\\APCu',
        'memcache.distributed': 'none',
        'filelocking.enabled': 'yes',
        'memcache.locking': 'none',
        debug: 'no',
        freespace: 82182230016,
        cpuload: [0.12, 0.1, 0.08],
        cpunum: 2,
        mem_total: 24683520,
        mem_free: 23520256,
        swap_total: 0,
        swap_free: 0,
      },
      storage: {
        num_users: users,
        num_disabled_users: [...ctx.store.users.values()].filter((u) => !u.enabled).length,
        num_files: 0,
        num_storages: 0,
        num_storages_local: 1,
        num_storages_home: users,
        num_storages_other: 0,
        size_appdata_storage: 0,
        num_files_appdata: 0,
      },
      shares: {
        num_shares: 0,
        num_shares_user: 0,
        num_shares_groups: 0,
        num_shares_link: 0,
        num_shares_mail: 0,
        num_shares_room: 0,
        num_shares_link_no_password: 0,
        num_fed_shares_sent: 0,
        num_fed_shares_received: 0,
      },
    },
    server: {
      webserver: 'nginx/1.22.1',
      php: {
        version: '8.2.36',
        memory_limit: 536870912,
        max_execution_time: 3600,
        upload_max_filesize: 536870912,
        opcache_revalidate_freq: 60,
        extensions: [
          'Core',
          'date',
          'openssl',
          'pcre',
          'zlib',
          'json',
          'session',
          'standard',
          'mysqlnd',
          'PDO',
          'apcu',
          'curl',
          'gd',
          'intl',
          'mbstring',
          'pdo_mysql',
          'redis',
          'Zend OPcache',
        ],
      },
      database: { type: profile.database.type, version: profile.database.version, size: '7553024' },
    },
    activeUsers: { last5minutes: users, last1hour: users, last24hours: users, last7days: users, last1month: users, last3months: users, last6months: users, lastyear: users },
  });
}

/** Apps enabled on this server (the ones the samples' capabilities come from). */
const CORE_APPS = [
  'activity',
  'app_api',
  'bruteforcesettings',
  'circles',
  'dav',
  'files',
  'files_downloadlimit',
  'files_sharing',
  'notifications',
  'password_policy',
  'provisioning_api',
  'recommendations',
  'serverinfo',
  'settings',
  'systemtags',
  'theming',
  'user_status',
  'weather_status',
];

/** provisioning_api AppsController::getApps (admins): `{apps: [ids]}`; `filter` enabled|disabled, none = all. */
function listApps(ctx: Ctx, out: OcsOut): void {
  const filter = ctx.param('filter');
  const enabled = [...CORE_APPS, ...(ctx.config.profile.talk ? ['spreed'] : [])].sort();
  if (filter === 'disabled') return out.ok({ apps: [] });
  if (filter && filter !== 'enabled') return out.fail(400, '', [], 101);
  out.ok({ apps: enabled });
}

export function nextcloudRoutes(): OcsRoute[] {
  return [
    { method: 'GET', path: '/cloud/capabilities', public: true, handler: capabilities },
    { method: 'GET', path: '/cloud/user', handler: currentUser },
    { method: 'GET', path: '/cloud/users/{userId}', handler: getUser },
    { method: 'POST', path: '/cloud/users', handler: addUser },
    { method: 'DELETE', path: '/cloud/users/{userId}', handler: deleteUser },
    { method: 'PUT', path: '/cloud/users/{userId}/enable', handler: setEnabled(true) },
    { method: 'PUT', path: '/cloud/users/{userId}/disable', handler: setEnabled(false) },
    { method: 'GET', path: '/apps/serverinfo/api/v1/info', public: true, handler: serverInfo },
    { method: 'GET', path: '/cloud/apps', admin: true, handler: listApps },
  ];
}
