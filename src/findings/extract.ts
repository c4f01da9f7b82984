import type { CatalogControl } from '../compiler/catalog';
import type { Extraction } from '../model/runbook';
import { type Checked, type Identity, quote, resourceRegion } from './identity';
import type { AsffFinding, AsffResource } from './types';

/**
 * The runbook's resource parameters, taken from the finding through the catalog's extractions:
 * the value must match the extraction's pattern whole; capture group 1 (or the whole match) is
 * the parameter. Patterns are compiled without the `i` and `u` flags, so look-alike letters and
 * fullwidth digits never match `[a-z0-9]` or `\d`. Pure.
 */

/** StartAutomationExecution parameter values are documented as at most 512 characters. */
export const PARAMETER_VALUE_MAX = 512;

export interface Extracted {
  resource: AsffResource;
  region: string;
  parameters: Record<string, string>;
}

const compiled = new Map<string, RegExp | null>();

function regex(pattern: string): RegExp | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
    compiled.set(pattern, re);
  }
  return re;
}

/** The whole-match value (group 1 when the pattern has one), or undefined. */
export function matchWhole(pattern: string, value: string): string | undefined {
  const re = regex(pattern);
  if (!re) return undefined;
  const m = re.exec(value);
  if (m === null) return undefined;
  if (m.index !== 0 || m[0].length !== value.length) return undefined;
  return m[1] ?? m[0];
}

function own(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** `AwsIamUser.UserName` under Details; own properties only. */
export function detailAt(details: unknown, path: string): unknown {
  let cur: unknown = details;
  for (const seg of path.split('.')) cur = own(cur, seg);
  return cur;
}

function fail(detail: string): { ok: false; reason: 'MALFORMED'; detail: string } {
  return { ok: false, reason: 'MALFORMED', detail };
}

function ofType(f: AsffFinding, type: string): Array<{ r: AsffResource; i: number }> {
  const out: Array<{ r: AsffResource; i: number }> = [];
  f.Resources.forEach((r, i) => {
    if (r.Type === type) out.push({ r, i });
  });
  return out;
}

function rawValue(e: Extraction, f: AsffFinding, r: AsffResource, where: string, region: string): Checked<string> {
  switch (e.from) {
    case 'resourceId':
      return { ok: true, value: r.Id };
    case 'accountId':
      return { ok: true, value: f.AwsAccountId };
    case 'region':
      return { ok: true, value: region };
    case 'details': {
      const v = detailAt(r.Details, e.path ?? '');
      if (typeof v === 'string') return { ok: true, value: v };
      if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: String(v) };
      return fail(`${where}.Details.${e.path ?? ''} is ${v === undefined ? 'missing' : 'not a string'} (needed for ${e.parameter})`);
    }
  }
}

export function extractFor(f: AsffFinding, control: CatalogControl, identity: Identity): Checked<Extracted> {
  const primary = ofType(f, control.resourceType);
  if (primary.length === 0) {
    const found = [...new Set(f.Resources.map((r) => r.Type))].join(', ');
    return fail(`no ${control.resourceType} resource in Resources (found ${found}); ${control.document} acts on ${control.resourceType}`);
  }
  if (primary.some((p) => p.r.Id !== primary[0].r.Id))
    return fail(`Resources has several ${control.resourceType} resources; hubfix acts on one resource per finding`);
  const resource = primary[0].r;
  const region = resourceRegion(resource, identity.findingRegion);
  const parameters: Record<string, string> = {};
  for (const e of control.extract) {
    const type = e.resourceType ?? control.resourceType;
    const source = type === control.resourceType ? primary[0] : ofType(f, type)[0];
    if (!source) return fail(`no ${type} resource in Resources (needed for ${e.parameter})`);
    const where = `Resources[${source.i}]`;
    const raw = rawValue(e, f, source.r, where, region);
    if (!raw.ok) return raw;
    const field =
      e.from === 'resourceId'
        ? `${where}.Id`
        : e.from === 'details'
          ? `${where}.Details.${e.path}`
          : e.from === 'accountId'
            ? 'AwsAccountId'
            : 'the Region';
    const value = matchWhole(e.pattern, raw.value);
    if (value === undefined) return fail(`${field} ${quote(raw.value)} does not match ${e.parameter}'s pattern ${e.pattern}`);
    if (value.length > PARAMETER_VALUE_MAX) return fail(`${e.parameter} from ${field} is longer than ${PARAMETER_VALUE_MAX} characters`);
    parameters[e.parameter] = value;
  }
  return { ok: true, value: { resource, region, parameters } };
}
