import type { CatalogControl } from '../compiler/catalog';
import type { Extraction } from '../model/runbook';
import { type Checked, type Identity, placement, quote, resourceRegion } from './identity';
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
  /** Why the resource cannot be fixed from the finding's account (it is answered with a notification). */
  elsewhere?: string;
  /** Why the run goes to another Region than the finding's. */
  routed?: string;
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

/** One source's reading: absent (nothing there), or a value that did or did not match its pattern. */
type Reading = { kind: 'absent'; why: string } | { kind: 'bad'; why: string } | { kind: 'ok'; value: string; field: string; raw: string };

function fieldName(e: Extraction, where: string): string {
  switch (e.from) {
    case 'resourceId':
      return `${where}.Id`;
    case 'details':
      return `${where}.Details.${e.path ?? ''}`;
    case 'accountId':
      return 'AwsAccountId';
    case 'region':
      return 'the Region';
  }
}

function read(e: Extraction, f: AsffFinding, source: { r: AsffResource; i: number } | undefined, region: string): Reading {
  const type = e.resourceType ?? '';
  if (!source) return { kind: 'absent', why: `no ${type} resource in Resources (needed for ${e.parameter})` };
  const where = `Resources[${source.i}]`;
  const field = fieldName(e, where);
  let raw: string;
  switch (e.from) {
    case 'resourceId':
      raw = source.r.Id;
      break;
    case 'accountId':
      raw = f.AwsAccountId;
      break;
    case 'region':
      raw = region;
      break;
    case 'details': {
      const v = detailAt(source.r.Details, e.path ?? '');
      if (v === undefined) return { kind: 'absent', why: `${field} is missing (needed for ${e.parameter})` };
      if (typeof v === 'number' && Number.isFinite(v)) raw = String(v);
      else if (typeof v === 'string') raw = v;
      else return { kind: 'bad', why: `${field} is not a string (needed for ${e.parameter})` };
    }
  }
  const value = matchWhole(e.pattern, raw);
  if (value === undefined) return { kind: 'bad', why: `${field} ${quote(raw)} does not match ${e.parameter}'s pattern ${e.pattern}` };
  if (value.length > PARAMETER_VALUE_MAX)
    return { kind: 'bad', why: `${e.parameter} from ${field} is longer than ${PARAMETER_VALUE_MAX} characters` };
  return { kind: 'ok', value, field, raw };
}

function applies(e: Extraction, chosen: string): boolean {
  if (e.onlyWhen === undefined) return true;
  const re = regex(e.onlyWhen);
  return re?.test(chosen) === true;
}

/** ARN and account first, `Details` last: the resource Id is always there, details often are not. */
function sourcesOf(control: CatalogControl): Map<string, Extraction[]> {
  const by = new Map<string, Extraction[]>();
  for (const e of control.extract) by.set(e.parameter, [...(by.get(e.parameter) ?? []), e]);
  for (const [k, list] of by) by.set(k, [...list.filter((e) => e.from !== 'details'), ...list.filter((e) => e.from === 'details')]);
  return by;
}

/**
 * One parameter from its sources: the first that is present gives the value; every other source
 * present (and meant for that kind of value) must match its pattern and name the same value.
 */
function parameterFrom(
  name: string,
  sources: readonly Extraction[],
  f: AsffFinding,
  control: CatalogControl,
  primary: { r: AsffResource; i: number },
  region: string,
): Checked<string> {
  const readings = sources.map((e) => {
    const type = e.resourceType ?? control.resourceType;
    const source = type === control.resourceType ? primary : ofType(f, type)[0];
    return { e, reading: read({ ...e, resourceType: type }, f, source, region) };
  });
  const first = readings.find((x) => x.reading.kind !== 'absent');
  if (!first) return fail(readings.map((x) => (x.reading as { why: string }).why).join('; '));
  if (first.reading.kind !== 'ok') return fail(first.reading.why);
  const chosen = first.reading;
  for (const { e, reading } of readings) {
    if (reading === chosen || reading.kind === 'absent' || !applies(e, chosen.value)) continue;
    if (reading.kind === 'bad') return fail(`${reading.why}, while ${chosen.field} names ${name} ${quote(chosen.value)}`);
    if (reading.value !== chosen.value)
      return fail(
        `${chosen.field} and ${reading.field} name different ${name}s (${quote(chosen.value)}, ${quote(reading.value)}): the finding contradicts itself`,
      );
  }
  return { ok: true, value: chosen.value };
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
  for (const [name, sources] of sourcesOf(control)) {
    const value = parameterFrom(name, sources, f, control, primary[0], region);
    if (!value.ok) return value;
    parameters[name] = value.value;
  }
  return { ok: true, value: { resource, region, parameters, ...placement(resource, identity) } };
}
