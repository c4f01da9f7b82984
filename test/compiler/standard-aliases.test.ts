import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shippedCatalog } from '../../src/compiler';
import { resolveControl } from '../../src/findings/control';
import type { AsffFinding } from '../../src/findings/types';
import { CIS_STANDARDS, type CisStandard } from '../../src/model/runbook';

/**
 * The catalog's CIS alias tables and FSBP flags against docs/reference/standard-aliases.md.
 * To add a control, add its row there; this test then holds the runbook to it.
 */

const TABLE = path.join(__dirname, '..', '..', 'docs', 'reference', 'standard-aliases.md');

interface Row {
  control: string;
  cis: Record<CisStandard, string[]>;
  fsbp: 'yes' | '—' | '?';
  line: number;
}

function ids(cell: string): string[] {
  return cell === '—' ? [] : cell.split(',').map((s) => s.trim());
}

function readTable(): Row[] {
  const rows: Row[] = [];
  fs.readFileSync(TABLE, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (!text.startsWith('| ') || text.startsWith('| Control ')) return;
      const cells = text
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      if (cells.length !== 6) throw new Error(`${TABLE}:${i + 1}: expected 6 cells, found ${cells.length}`);
      const [control, c120, c140, c300, fsbp] = cells;
      if (fsbp !== 'yes' && fsbp !== '—' && fsbp !== '?') throw new Error(`${TABLE}:${i + 1}: FSBP must be yes, — or ?`);
      rows.push({ control, cis: { 'cis-1.2.0': ids(c120), 'cis-1.4.0': ids(c140), 'cis-3.0.0': ids(c300) }, fsbp, line: i + 1 });
    });
  return rows;
}

function sorted(list: readonly string[] | undefined): string[] {
  return [...(list ?? [])].sort();
}

describe('standard aliases: the catalog against the reference table', () => {
  const rows = readTable();
  const byControl = new Map(rows.map((r) => [r.control, r]));
  const catalog = shippedCatalog();

  it('the table is well formed: one row per control, consolidated ids, no standard id claimed twice', () => {
    expect(rows.length).to.be.greaterThan(40);
    expect(byControl.size, 'a control has two rows').to.equal(rows.length);
    for (const r of rows) expect(r.control, `line ${r.line}`).to.match(/^[A-Za-z][A-Za-z0-9]*\.\d+$/);
    for (const std of CIS_STANDARDS) {
      const seen = new Map<string, string>();
      for (const r of rows)
        for (const id of r.cis[std]) {
          expect(id, `${std} id on line ${r.line}`).to.match(/^\d+(\.\d+){1,3}$/);
          expect(seen.get(id), `${std} ${id} is on the rows of ${seen.get(id)} and ${r.control}`).to.equal(undefined);
          seen.set(id, r.control);
        }
    }
  });

  it('every shipped control has a row, and its CIS aliases are exactly the row’s', () => {
    for (const c of Object.values(catalog.controls)) {
      const row = byControl.get(c.control);
      expect(row, `${c.control} (${c.document}) has no row in docs/reference/standard-aliases.md`).to.not.equal(undefined);
      for (const std of CIS_STANDARDS)
        expect(sorted(c.aliases[std]), `${c.control} ${std} (table line ${row?.line})`).to.deep.equal(sorted(row?.cis[std]));
    }
  });

  it('every shipped control’s FSBP flag is the row’s, and verified', () => {
    for (const c of Object.values(catalog.controls)) {
      const row = byControl.get(c.control);
      expect(row?.fsbp, `${c.control}: FSBP membership must be checked (yes or —) before it ships`).to.not.equal('?');
      expect(c.fsbp === true, `${c.control} fsbp`).to.equal(row?.fsbp === 'yes');
      expect(c.aliases.fsbp ?? [], `${c.control} FSBP id`).to.deep.equal(row?.fsbp === 'yes' ? [c.control] : []);
    }
  });

  it('every standard-specific id of a shipped control resolves to it from a finding Id', () => {
    const versions: Record<CisStandard, string> = { 'cis-1.2.0': '1.2.0', 'cis-1.4.0': '1.4.0', 'cis-3.0.0': '3.0.0' };
    let checked = 0;
    for (const c of Object.values(catalog.controls)) {
      const row = byControl.get(c.control);
      const named: Array<[string, string]> = CIS_STANDARDS.flatMap((std) =>
        (row?.cis[std] ?? []).map((id): [string, string] => [`cis-aws-foundations-benchmark/v/${versions[std]}`, id]),
      );
      if (row?.fsbp === 'yes') named.push(['aws-foundational-security-best-practices/v/1.0.0', c.control]);
      for (const [standard, id] of named) {
        const uuid = '0f3b8a52-7c1d-4a59-9d3e-1c2b3a4d5e6f';
        const f = {
          Id: `arn:aws:securityhub:us-east-1:111122223333:subscription/${standard}/${id}/finding/${uuid}`,
          GeneratorId: 'x',
        } as AsffFinding;
        const got = resolveControl(f, catalog);
        expect(got.ok ? got.control.control : got.detail, `${standard} ${id}`).to.equal(c.control);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(30);
  });
});
