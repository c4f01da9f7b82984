import type { Invoker } from '../aws/invoker';
import { arnPattern, PLACEHOLDERS, type PrincipalPermission } from '../iam/permission';
import { configFromText, type HubfixConfig } from './config';

/**
 * The orchestrator's configuration in an SSM parameter (the admin template creates it), so an
 * operator changes modes and exclusions without redeploying. Read once per container and again
 * when older than `ttlMs`; a text that does not validate keeps the last good configuration only
 * if there is one, otherwise it fails the invocation (the event goes to the failure queue).
 */
export const CONFIG_PARAMETER_NAME = '/hubfix/config';

export const CONFIG_PARAMETER_PERMISSIONS: readonly PrincipalPermission[] = [
  {
    action: 'ssm:GetParameter',
    resource: arnPattern('ssm', PLACEHOLDERS.region, PLACEHOLDERS.account, `parameter${CONFIG_PARAMETER_NAME}`),
  },
];

export interface ConfigParameterCache {
  get(): Promise<HubfixConfig>;
}

export function configParameter(
  invoker: Invoker,
  name: string,
  region: string,
  options: { ttlMs?: number; now?: () => number } = {},
): ConfigParameterCache {
  const ttl = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  let held: { config: HubfixConfig; at: number } | undefined;
  return {
    async get() {
      if (held && now() - held.at < ttl) return held.config;
      let text: string;
      try {
        const out = await invoker.call({ service: 'ssm', operation: 'GetParameter', input: { Name: name }, region });
        text = String((out as { Parameter?: { Value?: unknown } }).Parameter?.Value ?? '');
      } catch (err) {
        if (held) return held.config;
        throw err;
      }
      try {
        held = { config: configFromText(text, `SSM parameter ${name}`), at: now() };
      } catch (err) {
        if (held) return held.config;
        throw err;
      }
      return held.config;
    },
  };
}
