import { expect } from 'chai';
import { MAX_EVENT_BYTES, parseEvent } from '../../src/findings/intake';
import { customActionEvent, fixture, fixtureText, sgFinding } from './helpers';

describe('intake: parseEvent', () => {
  it('accepts an Imported event as text or parsed, as an automatic trigger', () => {
    for (const raw of [fixtureText('imported-consolidated-iam15.json'), fixture('imported-consolidated-iam15.json')]) {
      const r = parseEvent(raw);
      if (!r.ok) throw new Error(r.detail);
      expect(r.event.trigger).to.deep.equal({ kind: 'imported' });
      expect(r.event.findings).to.have.length(1);
      expect(r.event.id).to.equal('5f4a0d2e-1111-4c1e-9b7a-0a1b2c3d4e5f');
    }
  });

  it('takes the custom action id from the last segment of the action target ARN', () => {
    const r = parseEvent(fixture('custom-action-multi-account.json'));
    if (!r.ok) throw new Error(r.detail);
    expect(r.event.trigger).to.deep.equal({ kind: 'custom-action', actionId: 'HubfixRemediate' });
    expect(r.event.findings).to.have.length(4);
  });

  it('rejects a body that is not JSON, saying so', () => {
    const r = parseEvent(fixtureText('bad-not-json.json'));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.detail).to.match(/^the event body is not JSON/);
    const s = parseEvent('');
    expect(s.ok).to.equal(false);
  });

  it('rejects a malformed envelope with the first problem', () => {
    const r = parseEvent(fixture('bad-malformed-event.json'));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.detail).to.equal('the event is not a Security Hub event: detail: is missing');
    const other = fixture('imported-consolidated-iam15.json');
    other.source = 'aws.guardduty';
    const o = parseEvent(other);
    if (!o.ok) expect(o.detail).to.contain('source: must be "aws.securityhub"');
    else throw new Error('accepted a GuardDuty event');
    expect(parseEvent(null).ok).to.equal(false);
    expect(parseEvent([1]).ok).to.equal(false);
    const empty = fixture('imported-consolidated-iam15.json');
    empty.detail.findings = [];
    expect(parseEvent(empty).ok).to.equal(false);
  });

  it('rejects a very large event before parsing it', () => {
    const big = fixture('imported-consolidated-iam15.json');
    big.detail.findings[0].Description = 'x'.repeat(MAX_EVENT_BYTES + 1);
    const r = parseEvent(big);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.detail).to.match(/more than the 1048576 accepted/);
    const text = JSON.stringify(big);
    expect(parseEvent(text).ok).to.equal(false);
  });

  it('accepts many findings within the size limit (each then decided on its own)', () => {
    const ev = customActionEvent(Array.from({ length: 100 }, () => sgFinding()));
    const r = parseEvent(ev);
    expect(r.ok).to.equal(true);
  });

  it("checks the action target: one ARN, a custom action of the event's own account", () => {
    const two = customActionEvent([sgFinding()]);
    two.resources.push(two.resources[0]);
    expect(parseEvent(two).ok).to.equal(false);
    const foreign = customActionEvent([sgFinding()]);
    foreign.resources = ['arn:aws:securityhub:us-east-1:123456789012:action/custom/HubfixRemediate'];
    const f = parseEvent(foreign);
    if (f.ok) throw new Error('accepted an action target of another account');
    expect(f.detail).to.contain('belongs to account 123456789012');
    const bad = customActionEvent([sgFinding()]);
    bad.resources = ['arn:aws:securityhub:us-east-1:999988887777:action/custom/Hubfix;Remediate'];
    expect(parseEvent(bad).ok).to.equal(false);
  });
});
