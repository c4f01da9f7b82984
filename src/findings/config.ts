import * as fs from 'node:fs';
import { load, YAMLException } from 'js-yaml';
import type { Mode } from '../model/runbook';
import { configProblem } from './schema';

/**
 * hubfix.config.yaml: how the orchestrator acts (schemas/config.schema.json). `parseConfig`
 * validates and fills the defaults; the result is plain data, safe to share between invocations.
 */

export interface Exclusion {
  /** Epoch ms after which the exclusion no longer applies; absent: never expires. */
  expiresAt?: number;
  reason?: string;
}

export interface CustomAction {
  id: string;
  enabled: boolean;
}

export interface HubfixConfig {
  mode: { default: Mode; controls: Readonly<Record<string, Mode>> };
  exclusions: {
    accounts: ReadonlyArray<Exclusion & { account: string }>;
    regions: ReadonlyArray<Exclusion & { region: string }>;
    tags: ReadonlyArray<Exclusion & { key: string; value?: string }>;
  };
  loopGuard: { attempts: number; windowHours: number };
  inFlightMinutes: number;
  memberRoleName: string;
  /** '' when none. */
  notificationTopicArn: string;
  /** Empty: every Region. */
  allowedRegions: readonly string[];
  customActions: { remediate: CustomAction; dryRun: CustomAction };
}

export const DEFAULT_MEMBER_ROLE_NAME = 'hubfix-member';
export const DEFAULT_REMEDIATE_ACTION = 'HubfixRemediate';
export const DEFAULT_DRY_RUN_ACTION = 'HubfixDryRun';

/** A configuration that does not validate: one line naming the file and the problem. */
export class ConfigError extends Error {
  readonly code = 'InvalidConfig';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DAY_MS = 86_400_000;

/** `2025-06-30` → the end of that day (UTC); a date-time → that instant. */
export function expiryTime(text: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`) + DAY_MS;
  return Date.parse(text);
}

interface RawExclusion {
  expires?: string;
  reason?: string;
}

function exclusion(raw: RawExclusion): Exclusion {
  const out: Exclusion = {};
  if (raw.expires !== undefined) out.expiresAt = expiryTime(raw.expires);
  if (raw.reason !== undefined) out.reason = raw.reason;
  return out;
}

interface RawConfig {
  mode?: { default?: Mode; controls?: Record<string, Mode> };
  exclusions?: {
    accounts?: Array<string | ({ account: string } & RawExclusion)>;
    regions?: Array<string | ({ region: string } & RawExclusion)>;
    tags?: Array<{ key: string; value?: string } & RawExclusion>;
  };
  loopGuard?: { attempts?: number; windowHours?: number };
  inFlightMinutes?: number;
  memberRoleName?: string;
  notificationTopicArn?: string;
  allowedRegions?: string[];
  customActions?: { remediate?: Partial<CustomAction>; dryRun?: Partial<CustomAction> };
}

/** Validates a parsed configuration (undefined or null: all defaults) and fills the defaults. */
export function parseConfig(raw: unknown, source = 'configuration'): HubfixConfig {
  const value = raw === undefined || raw === null ? {} : raw;
  const problem = configProblem(value);
  if (problem) throw new ConfigError(`${source}: ${problem}`);
  const c = value as RawConfig;
  const ex = c.exclusions ?? {};
  const config: HubfixConfig = {
    mode: { default: c.mode?.default ?? 'dry-run', controls: { ...(c.mode?.controls ?? {}) } },
    exclusions: {
      accounts: (ex.accounts ?? []).map((a) => (typeof a === 'string' ? { account: a } : { account: a.account, ...exclusion(a) })),
      regions: (ex.regions ?? []).map((r) => (typeof r === 'string' ? { region: r } : { region: r.region, ...exclusion(r) })),
      tags: (ex.tags ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), ...exclusion(t) })),
    },
    loopGuard: { attempts: c.loopGuard?.attempts ?? 3, windowHours: c.loopGuard?.windowHours ?? 24 },
    inFlightMinutes: c.inFlightMinutes ?? 60,
    memberRoleName: c.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME,
    notificationTopicArn: c.notificationTopicArn ?? '',
    allowedRegions: [...(c.allowedRegions ?? [])],
    customActions: {
      remediate: { id: c.customActions?.remediate?.id ?? DEFAULT_REMEDIATE_ACTION, enabled: c.customActions?.remediate?.enabled ?? true },
      dryRun: { id: c.customActions?.dryRun?.id ?? DEFAULT_DRY_RUN_ACTION, enabled: c.customActions?.dryRun?.enabled ?? true },
    },
  };
  if (config.customActions.remediate.id === config.customActions.dryRun.id)
    throw new ConfigError(`${source}: customActions: remediate and dryRun need different ids (both are ${config.customActions.dryRun.id})`);
  return config;
}

export function defaultConfig(): HubfixConfig {
  return parseConfig({});
}

/** Parses YAML (or JSON) text. */
export function configFromText(text: string, source = 'configuration'): HubfixConfig {
  // a file of only comments is an empty configuration (js-yaml 5 refuses an empty document)
  if (/^(\s*(#.*)?(\r?\n|$))*$/.test(text)) return parseConfig({}, source);
  let raw: unknown;
  try {
    raw = load(text);
  } catch (err) {
    const msg = err instanceof YAMLException ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`${source}: not valid YAML: ${msg}`);
  }
  return parseConfig(raw, source);
}

export function loadConfigFile(file: string): HubfixConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return configFromText(text, file);
}

/** disabled is the most cautious, auto the least. */
const CAUTION: Readonly<Record<Mode, number>> = { auto: 0, 'dry-run': 1, 'notify-only': 2, disabled: 3 };

/**
 * The mode of a control for automatic runs: the configuration's entry for the control when there
 * is one; otherwise the more cautious of the configured default and the runbook's own default.
 */
export function effectiveMode(config: HubfixConfig, control: string, runbookDefault: Mode): Mode {
  const explicit = config.mode.controls[control];
  if (explicit) return explicit;
  return CAUTION[runbookDefault] > CAUTION[config.mode.default] ? runbookDefault : config.mode.default;
}

/** True while an exclusion applies at `now`. */
export function inEffect(e: Exclusion, now: number): boolean {
  return e.expiresAt === undefined || now < e.expiresAt;
}
