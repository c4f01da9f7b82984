import { expect } from 'chai';
import type { AwsCall } from '../../src/aws/invoker';
import { shippedCatalog } from '../../src/compiler';
import { asffToOcsf, importedV2Event } from '../../src/emulator/securityhub-ocsf-standin';
import { parseConfig } from '../../src/findings/config';
import { decide } from '../../src/findings/decide';
import { parseEvent } from '../../src/findings/intake';
import { commentOf, encodeMemory, OcsfFindingsInvoker, ocsfToAsff, parseComment, toBatchUpdateV2 } from '../../src/findings/ocsf';
import { handleEvent } from '../../src/findings/orchestrate';
import { fakeAws } from '../orchestrator/fake-aws';
import { findingOf } from './helpers';

const catalog = shippedCatalog();
const config = parseConfig({ version: 1, mode: { default: 'auto' } });
const NOW = Date.parse('2024-06-01T12:30:00Z');

function ocsfIam15(statusId = 1, extra: Record<string, unknown> = {}) {
  const asff = findingOf('imported-consolidated-iam15.json');
  return { asff, ocsf: { ...asffToOcsf(asff, statusId), ...extra } };
}

/** The fake AWS answering the OCSF APIs too: GetFindingsV2 from `v2`, BatchUpdateFindingsV2 recorded and applied. */
function fakeWithV2(v2: Array<Record<string, unknown>>) {
  const fake = fakeAws();
  const updatesV2: Array<Record<string, unknown>> = [];
  const invoker = {
    call: async (call: AwsCall) => {
      if (call.operation === 'BatchUpdateFindingsV2') {
        updatesV2.push(call.input);
        const ids = call.input.FindingIdentifiers as Array<Record<string, string>>;
        for (const f of v2)
          if (ids.some((i) => i.FindingInfoUid === (f.finding_info as Record<string, string>).uid)) {
            f.comment = call.input.Comment;
            f.status_id = call.input.StatusId;
          }
        return { ProcessedFindings: ids.map((i) => ({ FindingIdentifier: i })), UnprocessedFindings: [] };
      }
      if (call.operation === 'GetFindingsV2') return { Findings: v2 };
      return fake.invoker.call(call);
    },
  };
  return { fake, invoker, updatesV2 };
}

describe('OCSF: a "Findings Imported V2" event is accepted at intake, schema-validated', () => {
  it('parses the event and gives the one decision path the ASFF view of the OCSF finding', () => {
    const { ocsf } = ocsfIam15();
    const r = parseEvent(importedV2Event(ocsf, '123456789012', '2024-06-01T12:00:00Z'));
    expect(r.ok, r.ok ? '' : r.detail).to.equal(true);
    if (!r.ok) return;
    expect(r.event.detailType).to.equal('Findings Imported V2');
    expect(r.event.ocsf?.[0]).to.include({ findingInfoUid: (ocsf.finding_info as { uid: string }).uid, accountUid: '111122223333' });
  });

  it('decides it exactly as the same finding in ASFF: same control, runbook, parameters and reason', () => {
    const { asff, ocsf } = ocsfIam15();
    const view = ocsfToAsff(ocsf).finding;
    const [a] = decide([asff], { catalog, config, now: NOW, trigger: { kind: 'imported' } });
    const [o] = decide([view], { catalog, config, now: NOW, trigger: { kind: 'imported' } });
    expect(o.decision, o.detail).to.equal('start');
    expect({ ...o, target: undefined }).to.deep.equal({ ...a, target: undefined });
    expect(o.target?.document).to.equal(a.target?.document);
  });

  it('rejects an OCSF event that does not match the schema, in one line naming the field', () => {
    const { ocsf } = ocsfIam15();
    for (const [broken, want] of [
      [{ ...ocsf, cloud: { region: 'us-east-1', account: { uid: '12' } } }, /cloud\.account\.uid: must match pattern/],
      [{ ...ocsf, compliance: { control: 'IAM.15', status: 'Failed!' } }, /compliance\.status: must be one of/],
      [{ ...ocsf, resources: [] }, /resources: must NOT have fewer than 1 items/],
    ] as Array<[Record<string, unknown>, RegExp]>) {
      const r = parseEvent(importedV2Event(broken, '123456789012', '2024-06-01T12:00:00Z'));
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect(r.detail).to.match(want);
        expect(r.detail).to.not.include('\n');
      }
    }
  });

  it('maps OCSF status to the workflow the decision reads: In Progress and Resolved are not NEW', () => {
    expect(ocsfToAsff(ocsfIam15(2).ocsf).finding.Workflow).to.deep.equal({ Status: 'NOTIFIED' });
    expect(ocsfToAsff(ocsfIam15(4).ocsf).finding.Workflow).to.deep.equal({ Status: 'RESOLVED' });
    expect(ocsfToAsff(ocsfIam15(5).ocsf).finding.RecordState).to.equal('ARCHIVED');
    const passed = ocsfIam15(1, { compliance: { control: 'IAM.15', status: 'Pass', status_id: 1 } }).ocsf;
    expect(decide([ocsfToAsff(passed).finding], { catalog, config, now: NOW, trigger: { kind: 'imported' } })[0].reason).to.equal(
      'NOT_FAILED',
    );
  });
});

describe('OCSF: hubfix’s memory travels in the comment (BatchUpdateFindingsV2 has no user-defined fields)', () => {
  const fields = {
    'hubfix:status': 'STARTED',
    'hubfix:execution': '0f3b8a52-1111-4111-8111-000000000001',
    'hubfix:attempts': '2',
    'hubfix:lastAttempt': '2024-06-01T12:30:00.250Z',
    'hubfix:attemptTimes': '2024-06-01T11:00:00.000Z,2024-06-01T12:30:00.250Z',
    'hubfix:updatedAt': '2024-06-01T12:30:00.250Z',
    'someone:else': 'dropped',
  };

  it('round-trips the hubfix fields, times rounded up to the second (never earlier than the write)', () => {
    const head = encodeMemory(fields);
    expect(head).to.equal(
      '[hubfix s=STARTED x=0f3b8a52-1111-4111-8111-000000000001 n=2 a=20240601T123001Z t=20240601T110000Z,20240601T123001Z u=20240601T123001Z]',
    );
    const back = parseComment(`${head} 2024-06-01T12:30Z STARTED exec x`);
    expect(back.fields).to.deep.equal({
      'hubfix:status': 'STARTED',
      'hubfix:execution': '0f3b8a52-1111-4111-8111-000000000001',
      'hubfix:attempts': '2',
      'hubfix:lastAttempt': '2024-06-01T12:30:01.000Z',
      'hubfix:attemptTimes': '2024-06-01T11:00:00.000Z,2024-06-01T12:30:01.000Z',
      'hubfix:updatedAt': '2024-06-01T12:30:01.000Z',
    });
    expect(back.note).to.equal('2024-06-01T12:30Z STARTED exec x');
    expect(parseComment('a person wrote this')).to.deep.equal({ fields: {}, note: 'a person wrote this' });
  });

  it('keeps the comment within 512 characters, cutting the trail at whole entries', () => {
    const entries = Array.from(
      { length: 12 },
      (_, i) => `2024-06-0${(i % 9) + 1}T12:00Z SUCCEEDED exec e-${i}: MinimumPasswordLength 8 → 14`,
    );
    const c = commentOf(entries.join(' || '), fields);
    expect(c.length).to.be.at.most(512);
    expect(c.startsWith('[hubfix s=STARTED')).to.equal(true);
    const trail = parseComment(c).note ?? '';
    for (const e of trail.split(' || ')) expect(entries).to.include(e);
  });

  it('translates hubfix’s BatchUpdateFindings into BatchUpdateFindingsV2 (identifiers, comment, StatusId)', () => {
    const { ocsf } = ocsfIam15();
    const { ref } = ocsfToAsff(ocsf);
    const v2 = toBatchUpdateV2(
      {
        FindingIdentifiers: [{ Id: ref.findingInfoUid, ProductArn: ref.productUid }],
        Note: { Text: 'n', UpdatedBy: 'hubfix' },
        Workflow: { Status: 'RESOLVED' },
        UserDefinedFields: { 'hubfix:status': 'SUCCEEDED' },
      },
      new Map([[ref.findingInfoUid, ref]]),
    );
    expect(v2).to.deep.equal({
      FindingIdentifiers: [{ CloudAccountUid: '111122223333', FindingInfoUid: ref.findingInfoUid, MetadataProductUid: ref.productUid }],
      Comment: '[hubfix s=SUCCEEDED] n',
      StatusId: 4,
    });
  });
});

describe('OCSF: decided, started and written back through the OCSF update API', () => {
  it('the orchestrator starts the runbook and records the start with BatchUpdateFindingsV2, never the ASFF API', async () => {
    const { ocsf } = ocsfIam15();
    const v2 = fakeWithV2([ocsf]);
    const r = await handleEvent(importedV2Event(ocsf, '123456789012', '2024-06-01T12:00:00Z'), {
      invoker: v2.invoker,
      catalog,
      config,
      now: () => NOW,
      sleep: async () => {},
      log: () => {},
    });
    expect(r.outcomes[0].outcome, r.outcomes[0].error).to.equal('started');
    expect(v2.fake.started).to.have.length(1);
    expect(v2.fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(v2.updatesV2).to.have.length(1);
    const u = v2.updatesV2[0];
    expect(u.StatusId).to.equal(2);
    expect(String(u.Comment)).to.match(/^\[hubfix s=STARTED x=(pending|exec-0000-0000-4000-8000-000000000000) n=1 a=20240601T123000Z /);
    expect(r.outcomes[0].findingUpdate).to.equal('updated');

    // Security Hub's next event carries the updated finding: hubfix recognises its own write
    const again = await handleEvent(importedV2Event(ocsf, '123456789012', '2024-06-01T12:31:00Z'), {
      invoker: v2.invoker,
      catalog,
      config,
      now: () => NOW + 60_000,
      sleep: async () => {},
      log: () => {},
    });
    expect(again.outcomes[0].decision.decision).to.equal('skip');
    expect(['OWN_UPDATE', 'NOT_NEW']).to.include(again.outcomes[0].decision.reason);
    expect(v2.fake.started).to.have.length(1);
  });

  it('the finalizer’s adapter reads a finding the ASFF API does not hold from GetFindingsV2, and writes its outcome there', async () => {
    const { asff, ocsf } = ocsfIam15(2, { comment: '[hubfix s=STARTED n=1 u=20240601T123001Z] 2024-06-01T12:30Z STARTED exec e-1' });
    const v2 = fakeWithV2([ocsf]);
    const adapter = new OcsfFindingsInvoker(v2.invoker, [], true);
    const byId = { Filters: { Id: [{ Value: asff.Id, Comparison: 'EQUALS' }] } };
    const read = await adapter.call({ service: 'securityhub', operation: 'GetFindings', region: 'us-east-1', input: byId });
    const view = (read.Findings as Array<Record<string, unknown>>)[0];
    expect(view.UserDefinedFields).to.include({ 'hubfix:status': 'STARTED' });
    expect(view.Note).to.include({ Text: '2024-06-01T12:30Z STARTED exec e-1' });
    await adapter.call({
      service: 'securityhub',
      operation: 'BatchUpdateFindings',
      region: 'us-east-1',
      input: {
        FindingIdentifiers: [{ Id: asff.Id, ProductArn: asff.ProductArn }],
        Note: { Text: 'done', UpdatedBy: 'Hubfix-IAM-PasswordPolicy' },
        Workflow: { Status: 'RESOLVED' },
        UserDefinedFields: { 'hubfix:status': 'SUCCEEDED' },
      },
    });
    expect(v2.fake.calls('securityhub', 'BatchUpdateFindings')).to.have.length(0);
    expect(v2.updatesV2[0]).to.include({ Comment: '[hubfix s=SUCCEEDED] done', StatusId: 4 });

    // a finding the ASFF API holds stays on the ASFF API, with no extra call
    const plain = fakeWithV2([ocsf]);
    plain.fake.findings.push(asff);
    const a2 = new OcsfFindingsInvoker(plain.invoker, [], true);
    const r2 = await a2.call({ service: 'securityhub', operation: 'GetFindings', region: 'us-east-1', input: byId });
    expect((r2.Findings as Array<Record<string, unknown>>)[0].Id).to.equal(asff.Id);
    expect(a2.refs.size, 'not taken for an OCSF finding').to.equal(0);
  });
});
