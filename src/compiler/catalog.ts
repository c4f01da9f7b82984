import type { CompiledRunbook } from './compile';
import { RunbookDefinitionError } from './compile';
import type { ControlClass, ControlParameterRule, Extraction, Mode, Standard } from '../model/runbook';
import { controlAliases, STANDARDS } from '../model/runbook';

/** What the orchestrator needs to know about one control (catalog.json). */
export interface CatalogControl {
  control: string;
  title: string;
  document: string;
  class: ControlClass;
  defaultMode: Mode;
  /** A read-only runbook that gathers the offending facts and asks a person (never changes anything). */
  guided?: boolean;
  scope: 'account' | 'resource';
  resourceType: string;
  aliases: Partial<Record<Standard, string[]>>;
  /** Part of FSBP: an FSBP finding names it by its own id. */
  fsbp?: boolean;
  /** Parameter values the control implies (passed with the extracted ones). */
  parameters: Record<string, string | number | boolean>;
  /** The control's own Security Hub parameters, by name, with the runbook's target for each. */
  securityControlParameters?: Record<string, ControlParameterRule & { target: number }>;
  extract: Extraction[];
  changes: string;
  guidance: string;
  permissions: string[];
}

export interface Catalog {
  version: 1;
  controls: Record<string, CatalogControl>;
  /** Standard → alias id → consolidated control id (FSBP: each FSBP control to itself, for display). */
  aliases: Record<Standard, Record<string, string>>;
}

function sortedRecord<T>(rec: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort(compareIds)) out[k] = rec[k];
  return out;
}

/** `IAM.9` before `IAM.10`, `1.9` before `1.10`. */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Each control parameter rule with the value the run gets without it: the control's, else the runbook's default. */
function targetsOf(rb: CompiledRunbook['runbook'], ctl: CompiledRunbook['runbook']['controls'][number]) {
  const out: Record<string, ControlParameterRule & { target: number }> = {};
  for (const [name, rule] of Object.entries(ctl.securityControlParameters ?? {})) {
    const target = ctl.parameters?.[rule.parameter] ?? rb.parameters[rule.parameter]?.doc.default;
    if (typeof target !== 'number' || rb.parameters[rule.parameter]?.type !== 'Integer')
      throw new RunbookDefinitionError(
        rb.document,
        `control ${ctl.id}`,
        `parameter ${name} maps to ${rule.parameter}, which is no Integer parameter with a default`,
      );
    out[name] = { ...rule, target };
  }
  return out;
}

export function buildCatalog(compiled: readonly CompiledRunbook[]): Catalog {
  const controls: Record<string, CatalogControl> = {};
  const aliases = Object.fromEntries(STANDARDS.map((s) => [s, {} as Record<string, string>])) as Record<Standard, Record<string, string>>;
  for (const c of compiled) {
    const rb = c.runbook;
    if (rb.optIn) continue;
    const permissions = [...new Set(c.policy.Statement.flatMap((s) => s.Action))].sort();
    for (const ctl of rb.controls) {
      if (controls[ctl.id])
        throw new RunbookDefinitionError(rb.document, `control ${ctl.id}`, `is served by ${controls[ctl.id].document} already`);
      const ids = controlAliases(ctl);
      controls[ctl.id] = {
        control: ctl.id,
        title: ctl.title,
        document: rb.document,
        class: rb.class,
        defaultMode: rb.defaultMode,
        guided: rb.guided === true,
        scope: rb.scope,
        resourceType: rb.resourceType,
        aliases: ids,
        fsbp: ctl.fsbp === true,
        parameters: ctl.parameters ?? {},
        ...(ctl.securityControlParameters ? { securityControlParameters: targetsOf(rb, ctl) } : {}),
        extract: rb.extract,
        changes: rb.changes,
        guidance: rb.guidance,
        permissions,
      };
      for (const [std, list] of Object.entries(ids) as Array<[Standard, string[]]>) {
        for (const id of list) {
          const taken = aliases[std][id];
          if (taken && taken !== ctl.id)
            throw new RunbookDefinitionError(rb.document, `control ${ctl.id}`, `alias ${std} ${id} already maps to ${taken}`);
          aliases[std][id] = ctl.id;
        }
      }
    }
  }
  return {
    version: 1,
    controls: sortedRecord(controls),
    aliases: Object.fromEntries(STANDARDS.map((s) => [s, sortedRecord(aliases[s])])) as Record<Standard, Record<string, string>>,
  };
}
