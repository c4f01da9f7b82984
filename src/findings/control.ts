import type { Catalog, CatalogControl } from '../compiler/catalog';
import type { Standard } from '../model/runbook';
import { quote } from './identity';
import type { AsffFinding } from './types';

/**
 * Which control a finding is about, in the order DESIGN.md gives: `Compliance.SecurityControlId`;
 * then `ProductFields.ControlId` / `ProductFields.RuleId` with the standard from
 * `StandardsControlArn`, `StandardsArn` (`StandardsGuideArn` for CIS 1.2.0) or `GeneratorId`;
 * then the finding `Id`. Every id is checked against a strict pattern, and the fields that name
 * the same thing must agree. Pure.
 */

export type ControlResolution =
  | { ok: true; control: CatalogControl; via: string }
  | { ok: false; reason: 'MALFORMED' | 'NO_RUNBOOK'; detail: string; control?: string };

const P = '(aws|aws-cn|aws-us-gov)';
const CONSOLIDATED_ID = /^[A-Za-z][A-Za-z0-9]{0,31}\.\d{1,4}$/;
const STANDARD_CONTROL_ID = /^[A-Za-z0-9]{1,32}(\.[A-Za-z0-9]{1,8}){0,3}$/;
const STANDARDS_CONTROL_ARN = new RegExp(
  `^arn:${P}:securityhub:[a-z0-9-]{1,32}:\\d{12}:control/([a-z0-9-]{1,100})/v/(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})/([A-Za-z0-9.]{1,40})$`,
);
const STANDARDS_ARN = new RegExp(
  `^arn:${P}:securityhub:[a-z0-9-]{0,32}::(?:standards|ruleset)/([a-z0-9-]{1,100})/v/(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})$`,
);
const GENERATOR_RULESET = new RegExp(
  `^arn:${P}:securityhub:::ruleset/([a-z0-9-]{1,100})/v/(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})/rule/([A-Za-z0-9.]{1,40})$`,
);
const GENERATOR_STANDARD = /^([a-z0-9-]{1,100})\/v\/(\d{1,3}\.\d{1,3}\.\d{1,3})\/([A-Za-z0-9.]{1,40})$/;
const GENERATOR_CONSOLIDATED = /^security-control\/([A-Za-z0-9.]{1,40})$/;
const ID_CONSOLIDATED = /:security-control\/([A-Za-z0-9.]{1,40})\/finding\/[A-Za-z0-9-]{1,64}$/;
const ID_STANDARD = /:subscription\/([a-z0-9-]{1,100})\/v\/(\d{1,3}\.\d{1,3}\.\d{1,3})\/([A-Za-z0-9.]{1,40})\/finding\/[A-Za-z0-9-]{1,64}$/;

const STANDARD_KEYS: Readonly<Record<string, Standard>> = {
  'cis-aws-foundations-benchmark/1.2.0': 'cis-1.2.0',
  'cis-aws-foundations-benchmark/1.4.0': 'cis-1.4.0',
  'cis-aws-foundations-benchmark/3.0.0': 'cis-3.0.0',
  'aws-foundational-security-best-practices/1.0.0': 'fsbp',
};

interface StandardRef {
  /** `cis-aws-foundations-benchmark/1.2.0` */
  key: string;
  from: string;
}

interface IdRef {
  id: string;
  from: string;
}

function fail(reason: 'MALFORMED' | 'NO_RUNBOOK', detail: string, control?: string): ControlResolution {
  return control ? { ok: false, reason, detail, control } : { ok: false, reason, detail };
}

function byConsolidated(catalog: Catalog, id: string, via: string): ControlResolution {
  if (!CONSOLIDATED_ID.test(id)) return fail('MALFORMED', `${via} ${quote(id)} is not a control id`);
  const control = Object.hasOwn(catalog.controls, id) ? catalog.controls[id] : undefined;
  if (!control) return fail('NO_RUNBOOK', `control ${id} has no hubfix runbook`, id);
  return { ok: true, control, via };
}

function byStandard(catalog: Catalog, std: StandardRef, id: IdRef): ControlResolution {
  if (!STANDARD_CONTROL_ID.test(id.id)) return fail('MALFORMED', `${id.from} ${quote(id.id)} is not a control id`);
  const standard = STANDARD_KEYS[std.key];
  const label = std.key.replace('/', ' ');
  if (!standard) return fail('NO_RUNBOOK', `standard ${label} (${std.from}) is not one hubfix maps`);
  // an FSBP control id is the consolidated id: no table to keep in sync
  if (standard === 'fsbp') return byConsolidated(catalog, id.id, `${id.from} ${id.id} (fsbp)`);
  const aliases = catalog.aliases[standard] ?? {};
  const consolidated = Object.hasOwn(aliases, id.id) ? aliases[id.id] : undefined;
  if (!consolidated) return fail('NO_RUNBOOK', `${standard} control ${id.id} has no hubfix runbook`);
  return byConsolidated(catalog, consolidated, `${id.from} ${id.id} (${standard})`);
}

function agree<T extends { from: string }>(
  refs: Array<T | undefined>,
  value: (r: T) => string,
  what: string,
): { ref?: T; problem?: string } {
  const present = refs.filter((r): r is T => r !== undefined);
  for (const r of present.slice(1))
    if (value(r) !== value(present[0]))
      return { problem: `${present[0].from} and ${r.from} name different ${what}s (${value(present[0])}, ${value(r)})` };
  return { ref: present[0] };
}

export function resolveControl(f: AsffFinding, catalog: Catalog): ControlResolution {
  // 1. the consolidated control id
  const securityControlId = f.Compliance?.SecurityControlId;
  const genConsolidated = GENERATOR_CONSOLIDATED.exec(f.GeneratorId);
  if (securityControlId !== undefined) {
    if (genConsolidated && genConsolidated[1] !== securityControlId)
      return fail(
        'MALFORMED',
        `Compliance.SecurityControlId ${quote(securityControlId)} and GeneratorId ${quote(f.GeneratorId)} name different controls`,
      );
    return byConsolidated(catalog, securityControlId, 'Compliance.SecurityControlId');
  }

  // 2. the standard-specific control id with its standard
  const pf = f.ProductFields ?? {};
  const ids: Array<IdRef | undefined> = [];
  const stds: Array<StandardRef | undefined> = [];
  if (pf.ControlId !== undefined) ids.push({ id: pf.ControlId, from: 'ProductFields.ControlId' });
  if (pf.RuleId !== undefined) ids.push({ id: pf.RuleId, from: 'ProductFields.RuleId' });
  if (pf.StandardsControlArn !== undefined) {
    const m = STANDARDS_CONTROL_ARN.exec(pf.StandardsControlArn);
    if (!m) return fail('MALFORMED', `ProductFields.StandardsControlArn ${quote(pf.StandardsControlArn)} is not a standards control ARN`);
    stds.push({ key: `${m[2]}/${m[3]}`, from: 'ProductFields.StandardsControlArn' });
    ids.push({ id: m[4], from: 'ProductFields.StandardsControlArn' });
  }
  for (const field of ['StandardsArn', 'StandardsGuideArn'] as const) {
    const v = pf[field];
    if (v === undefined) continue;
    const m = STANDARDS_ARN.exec(v);
    if (!m) return fail('MALFORMED', `ProductFields.${field} ${quote(v)} is not a standards ARN`);
    stds.push({ key: `${m[2]}/${m[3]}`, from: `ProductFields.${field}` });
  }
  const gen = GENERATOR_RULESET.exec(f.GeneratorId);
  const genStd = gen ? undefined : GENERATOR_STANDARD.exec(f.GeneratorId);
  if (gen) {
    stds.push({ key: `${gen[2]}/${gen[3]}`, from: 'GeneratorId' });
    ids.push({ id: gen[4], from: 'GeneratorId' });
  } else if (genStd) {
    stds.push({ key: `${genStd[1]}/${genStd[2]}`, from: 'GeneratorId' });
    ids.push({ id: genStd[3], from: 'GeneratorId' });
  }
  const id = agree(ids, (r) => r.id, 'control');
  if (id.problem) return fail('MALFORMED', id.problem);
  const std = agree(stds, (r) => r.key, 'standard');
  if (std.problem) return fail('MALFORMED', std.problem);
  if (id.ref && std.ref) return byStandard(catalog, std.ref, id.ref);
  if (genConsolidated) return byConsolidated(catalog, genConsolidated[1], 'GeneratorId');

  // 3. the finding Id
  const consolidated = ID_CONSOLIDATED.exec(f.Id);
  if (consolidated) return byConsolidated(catalog, consolidated[1], 'the finding Id');
  const standard = ID_STANDARD.exec(f.Id);
  if (standard)
    return byStandard(
      catalog,
      { key: `${standard[1]}/${standard[2]}`, from: 'the finding Id' },
      { id: standard[3], from: 'the finding Id' },
    );
  return fail(
    'MALFORMED',
    'names no control: no Compliance.SecurityControlId, no ProductFields.ControlId or RuleId with its standard, no control in GeneratorId or Id',
  );
}
