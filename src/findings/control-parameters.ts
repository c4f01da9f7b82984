import type { CatalogControl } from '../compiler/catalog';
import { type Checked, quote } from './identity';
import type { AsffFinding } from './types';

/**
 * The control's own parameters (`Compliance.SecurityControlParameters`, set by a Security Hub
 * administrator) turned into runbook parameters: for each one the catalog maps, the stricter of
 * the finding's value and the runbook's target. A parameter the runbook does not map is ignored
 * (the runbook's target already covers it, or it is about something the runbook does not change).
 * Pure.
 */
export function controlParameters(f: AsffFinding, control: CatalogControl): Checked<Record<string, number>> {
  const rules = control.securityControlParameters ?? {};
  const out: Record<string, number> = {};
  const given = f.Compliance?.SecurityControlParameters ?? [];
  for (let i = 0; i < given.length; i++) {
    const { Name, Value } = given[i];
    if (Name === undefined || !Object.hasOwn(rules, Name)) continue;
    const rule = rules[Name];
    const where = `Compliance.SecurityControlParameters[${i}] (${Name})`;
    const text = Value?.length === 1 ? Value[0] : undefined;
    if (text === undefined || !/^\d{1,6}$/.test(text)) return malformed(`${where} has the value ${quote(Value)}; ${Name} is one integer`);
    const n = Number(text);
    const [lo, hi] = rule.bounds;
    if (n < lo || n > hi) return malformed(`${where} is ${n}, outside the ${lo}–${hi} that ${control.document} accepts`);
    const value = rule.stricter === 'higher' ? Math.max(n, rule.target) : Math.min(n, rule.target);
    if (Object.hasOwn(out, rule.parameter) && out[rule.parameter] !== value)
      return malformed(`Compliance.SecurityControlParameters names ${Name} twice with different values`);
    out[rule.parameter] = value;
  }
  return { ok: true, value: out };
}

function malformed(detail: string): { ok: false; reason: 'MALFORMED'; detail: string } {
  return { ok: false, reason: 'MALFORMED', detail };
}
