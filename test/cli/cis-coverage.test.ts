import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'chai';
import { shippedCatalog } from '../../src/compiler';
import type { CatalogControl } from '../../src/compiler/catalog';
import { buildFinding, type FindingFormat } from '../../src/emulator/asff';
import { defaultConfig } from '../../src/findings/config';
import { decideFinding } from '../../src/findings/decide';

/**
 * Coverage of the 43 CIS AWS Foundations 1.2.0 rules Security Hub evaluates (all of 1.1–1.22
 * but 1.15, 1.17, 1.18, 1.19, 1.21; 2.1–2.9; 3.1–3.14; 4.1–4.3), read from `hubfix list --json`.
 * 37 are served by a runbook that fixes; 6 need a person and are guided (facts, no change).
 */

const CIS_120_RULES = [
  ...Array.from({ length: 14 }, (_, i) => `1.${i + 1}`),
  '1.16',
  '1.20',
  '1.22',
  ...Array.from({ length: 9 }, (_, i) => `2.${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `3.${i + 1}`),
  '4.1',
  '4.2',
  '4.3',
];
const GUIDED_RULES = ['1.2', '1.12', '1.13', '1.14', '1.16', '1.22'];

interface Row {
  document: string;
  controls: string[];
  aliases: Record<string, string[]>;
  guided: boolean;
  optIn?: string;
}

function listJson(): Row[] {
  const bin = path.join(__dirname, '..', '..', 'bin', 'hubfix.js');
  return JSON.parse(execFileSync(process.execPath, [bin, 'list', '--json'], { encoding: 'utf8' })) as Row[];
}

describe('hubfix list --json covers the CIS 1.2.0 rules Security Hub evaluates', () => {
  let rows: Row[];
  before(function () {
    this.timeout(30_000);
    // an opt-in runbook is never started by the orchestrator: it does not serve a rule
    rows = listJson().filter((r) => !r.optIn);
  });

  it('counts 43 rules in the standard as Security Hub evaluates it', () => {
    expect(new Set(CIS_120_RULES).size).to.equal(43);
  });

  it('serves every one of the 43 (a missing rule is named)', () => {
    const served = new Set(rows.flatMap((r) => r.aliases['cis-1.2.0'] ?? []));
    const missing = CIS_120_RULES.filter((r) => !served.has(r));
    expect(missing, `CIS 1.2.0 rules with no runbook: ${missing.join(', ')}`).to.deep.equal([]);
  });

  it('answers exactly the six rules that need a person with a guided runbook, the other 37 with one that fixes', () => {
    const guided = rows.filter((r) => r.guided).flatMap((r) => r.aliases['cis-1.2.0'] ?? []);
    expect([...guided].sort()).to.deep.equal([...GUIDED_RULES].sort());
    const fixing = new Set(rows.filter((r) => !r.guided).flatMap((r) => r.aliases['cis-1.2.0'] ?? []));
    const notFixed = CIS_120_RULES.filter((r) => !GUIDED_RULES.includes(r) && !fixing.has(r));
    expect(notFixed, `CIS 1.2.0 rules without a runbook that fixes: ${notFixed.join(', ')}`).to.deep.equal([]);
  });
});

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const NOW = Date.parse('2026-11-30T00:00:00Z');

function resourceFor(c: CatalogControl) {
  switch (c.resourceType) {
    case 'AwsIamUser':
      return {
        Type: 'AwsIamUser',
        Id: `arn:aws:iam::${ACCOUNT}:user/alice`,
        Region: REGION,
        Details: { AwsIamUser: { UserName: 'alice' } },
      };
    case 'AwsIamPolicy':
      return { Type: 'AwsIamPolicy', Id: `arn:aws:iam::${ACCOUNT}:policy/admin-all`, Region: REGION };
    default:
      return { Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}`, Region: REGION };
  }
}

describe("hubfix decide on this lane's controls: a CIS 1.2.0 standard-specific and a consolidated finding each", () => {
  const catalog = shippedCatalog();
  const mine = Object.values(catalog.controls).filter(
    (c) => /^CloudWatch\.\d+$/.test(c.control) || ['IAM.1', 'IAM.2', 'IAM.4', 'IAM.5', 'IAM.6', 'IAM.9'].includes(c.control),
  );

  it('has the 14 alarm controls and the 6 guided ones', () => {
    expect(mine).to.have.length(20);
  });

  for (const format of ['cis-1.2.0', 'consolidated'] as FindingFormat[]) {
    it(`${format}: starts the control's runbook with the control as a parameter (guided ones start their read-only facts run)`, () => {
      for (const c of mine) {
        const f = buildFinding({
          format,
          account: ACCOUNT,
          region: REGION,
          control: c.control,
          ...(format === 'cis-1.2.0' ? { cisRule: c.aliases['cis-1.2.0']?.[0] } : {}),
          title: c.title,
          resource: resourceFor(c),
          at: new Date(NOW - 60_000).toISOString(),
        });
        const d = decideFinding(f, { catalog, config: defaultConfig(), now: NOW, trigger: { kind: 'imported' } });
        const label = `${format} ${c.control}`;
        expect(d.decision, `${label}: ${d.reason} ${d.detail}`).to.equal('start');
        expect(d.control, label).to.equal(c.control);
        expect(d.document, label).to.equal(c.document);
        if (c.parameters.Control) expect(d.parameters?.Control, label).to.equal(c.control);
      }
    });
  }

  it('notifies instead when the configuration makes a control notify-only (no facts run, the guidance in the note)', () => {
    const c = catalog.controls['CloudWatch.3'];
    const f = buildFinding({
      format: 'cis-1.2.0',
      account: ACCOUNT,
      region: REGION,
      control: c.control,
      cisRule: '3.2',
      title: c.title,
      resource: resourceFor(c),
      at: new Date(NOW - 60_000).toISOString(),
    });
    const config = { ...defaultConfig(), mode: { default: 'auto' as const, controls: { 'CloudWatch.3': 'notify-only' as const } } };
    const d = decideFinding(f, { catalog, config, now: NOW, trigger: { kind: 'imported' } });
    expect(d.decision).to.equal('notify');
    expect(d.detail).to.contain('CloudTrail.1 → CloudTrail.5 → this control');
  });
});
