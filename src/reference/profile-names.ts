/**
 * The reference platform's profiles: `good` meets every requirement, each other one breaks one
 * thing the way real installations break it. Their behaviour is defined in profiles.ts.
 */
export const PROFILE_NAMES = ['good', 'http-only', 'wasm-wrong-mime', 'wasm-missing', 'tflite-missing', 'talk-missing', 'talk-disabled', 'sqlite', 'old-database', 'no-utf8mb4', 'worker-starvation', 'proxy-cuts-long-polls', 'slow-delivery', 'lossy', 'turn-missing', 'turn-unreachable', 'turn-wrong-secret', 'turn-not-443', 'turn-udp-only', 'turn-relay-denied', 'blur-wasm-wrong-mime', 'blur-assets-missing', 'signaling-broken', 'turn-blocked', 'wasm-mime-charset', 'front-refuses', 'client-throttled', 'webroot', 'tls-wrong-host', 'tls-expired', 'ui-bundle-missing', 'password-hashing', 'php-pool-30s', 'hpb', 'hpb-no-upgrade', 'hpb-down', 'hpb-wrong-secret', 'hpb-url-not-allowed', 'hpb-no-mcu', 'hpb-proxy-timeout', 'hpb-http-url', 'hpb-clock-skew'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
