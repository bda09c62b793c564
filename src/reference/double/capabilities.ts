/**
 * Nextcloud 32.0.1's capabilities, as captured from a real instance (docs/reference/nc32-samples/capabilities-alice.json,
 * capabilities-anonymous.json; admin's are identical to alice's). URLs point at the platform.
 * Talk's own entry (`spreed`) is added by talk/capabilities.ts when Talk is installed.
 */

/** What a logged-in user sees. `base` is the platform URL with a trailing slash. */
export function userCapabilities(base: string): Record<string, unknown> {
  return {
    core: {
      pollinterval: 60,
      'webdav-root': 'remote.php/webdav',
      'reference-api': true,
      'reference-regex': '(\\s|\\n|^)(https?:\\/\\/)([-A-Z0-9+_.]+(?::[0-9]+)?(?:\\/[-A-Z0-9+&@#%?=~_|!:,.;()]*)*)(\\s|\\n|$)',
      'mod-rewrite-working': true,
      user: {
        language: '',
        locale: '',
        timezone: 'UTC',
      },
    },
    bruteforce: {
      delay: 0,
      'allow-listed': false,
    },
    files: {
      $comment: '"blacklisted_files" is deprecated as of Nextcloud 30, use "forbidden_filenames" instead',
      blacklisted_files: ['.htaccess'],
      forbidden_filenames: ['.htaccess'],
      forbidden_filename_basenames: [],
      forbidden_filename_characters: ['\\', '/'],
      forbidden_filename_extensions: ['.filepart', '.part'],
      bigfilechunking: true,
      chunked_upload: {
        max_size: 104857600,
        max_parallel_count: 5,
      },
      file_conversions: [],
      windows_compatible_filenames: false,
      directEditing: {
        url: `${base}ocs/v2.php/apps/files/api/v1/directEditing`,
        etag: '5b2f367cfe076ab42b79601036409c2e',
        supportsFileId: true,
      },
      comments: true,
      undelete: true,
      delete_from_trash: true,
      versioning: true,
      version_labeling: true,
      version_deletion: true,
    },
    activity: {
      apiv2: ['filters', 'filters-api', 'previews', 'rich-strings'],
    },
    app_api: {
      loglevel: 2,
      version: '32.0.0',
    },
    circles: {
      version: '32.0.0',
      status: {
        globalScale: false,
      },
      settings: {
        frontendEnabled: true,
        allowedCircles: 262143,
        allowedUserTypes: 31,
        membersLimit: -1,
      },
      circle: {
        constants: {
          flags: {
            '1': 'Single',
            '2': 'Personal',
            '4': 'System',
            '8': 'Visible',
            '16': 'Open',
            '32': 'Invite',
            '64': 'Join request',
            '128': 'Friends',
            '256': 'Password protected',
            '512': 'No Owner',
            '1024': 'Hidden',
            '2048': 'Backend',
            '4096': 'Local',
            '8192': 'Root',
            '16384': 'Team invite',
            '32768': 'Federated',
            '65536': 'Mount point',
          },
          source: {
            core: {
              '1': 'Nextcloud Account',
              '2': 'Nextcloud Group',
              '4': 'Email address',
              '8': 'Contact',
              '16': 'Team',
              '10000': 'Nextcloud App',
            },
            extra: {
              '10001': 'Teams App',
              '10002': 'Admin Command Line',
            },
          },
        },
        config: {
          coreFlags: [1, 2, 4],
          systemFlags: [512, 1024, 2048],
        },
      },
      member: {
        constants: {
          level: {
            '1': 'Member',
            '4': 'Moderator',
            '8': 'Admin',
            '9': 'Owner',
          },
        },
        type: {
          '0': 'single',
          '1': 'user',
          '2': 'group',
          '4': 'mail',
          '8': 'contact',
          '16': 'circle',
          '10000': 'app',
        },
      },
      teamResourceProviders: ['files'],
    },
    ocm: {
      enabled: true,
      apiVersion: '1.0-proposal1',
      version: '1.1.0',
      endPoint: `${base}ocm`,
      publicKey: null,
      resourceTypes: [
        {
          name: 'file',
          shareTypes: ['user', 'group'],
          protocols: {
            webdav: '/public.php/webdav/',
          },
        },
      ],
      capabilities: ['/invite-accepted', '/notifications', '/shares'],
    },
    dav: {
      chunking: '1.0',
      public_shares_chunking: false,
      bulkupload: '1.0',
      'absence-supported': true,
      'absence-replacement': true,
    },
    downloadlimit: {
      enabled: true,
      'default-limit': -1,
    },
    files_sharing: {
      api_enabled: true,
      public: {
        enabled: true,
        password: {
          enforced: false,
          askForOptionalPassword: false,
        },
        expire_date: {
          enabled: false,
        },
        multiple_links: true,
        expire_date_internal: {
          enabled: false,
        },
        expire_date_remote: {
          enabled: false,
        },
        send_mail: false,
        upload: true,
        upload_files_drop: true,
        custom_tokens: false,
      },
      resharing: true,
      user: {
        send_mail: false,
        expire_date: {
          enabled: true,
        },
      },
      group_sharing: true,
      group: {
        enabled: true,
        expire_date: {
          enabled: true,
        },
      },
      default_permissions: 31,
      federation: {
        outgoing: true,
        incoming: true,
        expire_date: {
          enabled: true,
        },
        expire_date_supported: {
          enabled: true,
        },
      },
      sharee: {
        query_lookup_default: false,
        always_show_unique: true,
      },
      sharebymail: {
        enabled: true,
        send_password_by_mail: true,
        upload_files_drop: {
          enabled: true,
        },
        password: {
          enabled: true,
          enforced: false,
        },
        expire_date: {
          enabled: true,
          enforced: false,
        },
      },
    },
    notifications: {
      'ocs-endpoints': ['list', 'get', 'delete', 'delete-all', 'icons', 'rich-strings', 'action-web', 'user-status', 'exists', 'test-push'],
      push: ['devices', 'object-data', 'delete'],
      'admin-notifications': ['ocs', 'cli'],
    },
    password_policy: {
      api: {
        generate: `${base}ocs/v2.php/apps/password_policy/api/v1/generate`,
        validate: `${base}ocs/v2.php/apps/password_policy/api/v1/validate`,
      },
      policies: {
        account: {
          minLength: 10,
          enforceHaveIBeenPwned: false,
          enforceNonCommonPassword: true,
          enforceNumericCharacters: false,
          enforceSpecialCharacters: false,
          enforceUpperLowerCase: false,
        },
      },
      minLength: 10,
      enforceNonCommonPassword: true,
      enforceNumericCharacters: false,
      enforceSpecialCharacters: false,
      enforceUpperLowerCase: false,
    },
    provisioning_api: {
      version: '1.22.0',
      AccountPropertyScopesVersion: 2,
      AccountPropertyScopesFederatedEnabled: true,
      AccountPropertyScopesPublishedEnabled: false,
    },
    recommendations: {
      enabled: true,
    },
    systemtags: {
      enabled: true,
    },
    theming: theming(base),
    user_status: {
      enabled: true,
      restore: true,
      supports_emoji: true,
      supports_busy: true,
    },
    weather_status: {
      enabled: true,
    },
  };
}

/** What an anonymous caller sees: only the public capability providers. */
export function anonymousCapabilities(base: string): Record<string, unknown> {
  return {
    bruteforce: {
      delay: 0,
      'allow-listed': false,
    },
    app_api: {
      version: '32.0.0',
    },
    theming: theming(base),
  };
}

/** The theming capability, the same for anonymous and logged-in callers (nc32-samples). */
function theming(base: string) {
  return {
    name: 'Nextcloud',
    productName: 'Nextcloud',
    url: 'https://nextcloud.com',
    slogan: 'a safe home for all your data',
    color: '#00679e',
    'color-text': '#ffffff',
    'color-element': '#00679e',
    'color-element-bright': '#00679e',
    'color-element-dark': '#00679e',
    logo: `${base}core/img/logo/logo.svg?v=0`,
    background: `${base}apps/theming/img/background/jo-myoung-hee-fluid.webp`,
    'background-text': '#ffffff',
    'background-plain': false,
    'background-default': true,
    logoheader: `${base}core/img/logo/logo.svg?v=0`,
    favicon: `${base}core/img/logo/logo.svg?v=0`,
  };
}
