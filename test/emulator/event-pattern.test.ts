import { expect } from 'chai';
import { CUSTOM_ACTION_PATTERN, IMPORTED_PATTERN } from '../../src/cfn/events';
import { importedEvent } from '../../src/emulator/asff';
import { matchesEventPattern, UnsupportedPatternError } from '../../src/emulator/event-pattern';

const finding = (over: Record<string, unknown> = {}) => ({
  Id: 'arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/EC2.2/finding/1',
  AwsAccountId: '111111111111',
  Compliance: { Status: 'FAILED' },
  RecordState: 'ACTIVE',
  Workflow: { Status: 'NEW' },
  UpdatedAt: '2026-11-30T06:00:00.000Z',
  ...over,
});

describe('EventBridge event patterns (emulator)', () => {
  it('the findings-imported rule takes a new failed active finding', () => {
    expect(matchesEventPattern(IMPORTED_PATTERN, importedEvent(finding(), '999999999999', '2026-11-30T06:00:00Z'))).to.equal(true);
  });

  it("drops the echo of hubfix's own update (workflow NOTIFIED or RESOLVED), a passed and an archived finding", () => {
    for (const over of [
      { Workflow: { Status: 'NOTIFIED' } },
      { Workflow: { Status: 'RESOLVED' } },
      { Compliance: { Status: 'PASSED' } },
      { RecordState: 'ARCHIVED' },
    ])
      expect(matchesEventPattern(IMPORTED_PATTERN, importedEvent(finding(over), '999999999999', 'now')), JSON.stringify(over)).to.equal(
        false,
      );
  });

  it('drops an event of another source or detail type', () => {
    const event = importedEvent(finding(), '999999999999', 'now') as unknown as Record<string, unknown>;
    expect(matchesEventPattern(IMPORTED_PATTERN, { ...event, source: 'aws.config' })).to.equal(false);
    expect(matchesEventPattern(IMPORTED_PATTERN, { ...event, 'detail-type': 'Security Hub Findings - Custom Action' })).to.equal(false);
  });

  it('matches each field through arrays on its own, as EventBridge does (not element by element)', () => {
    const pattern = { detail: { findings: { RecordState: ['ACTIVE'], Workflow: { Status: ['NEW'] } } } };
    const two = {
      detail: {
        findings: [
          { RecordState: 'ACTIVE', Workflow: { Status: 'RESOLVED' } },
          { RecordState: 'ARCHIVED', Workflow: { Status: 'NEW' } },
        ],
      },
    };
    expect(matchesEventPattern(pattern, two)).to.equal(true);
    expect(matchesEventPattern(pattern, { detail: { findings: [{ RecordState: 'ARCHIVED' }] } })).to.equal(false);
  });

  it('a field the event lacks does not match; values match exactly (case and type)', () => {
    expect(matchesEventPattern({ detail: { n: [1] } }, { detail: {} })).to.equal(false);
    expect(matchesEventPattern({ detail: { n: [1] } }, { detail: { n: '1' } })).to.equal(false);
    expect(matchesEventPattern({ source: ['aws.securityhub'] }, { source: 'AWS.SecurityHub' })).to.equal(false);
  });

  it('refuses content filters it does not model, naming where, instead of matching wrongly', () => {
    expect(() => matchesEventPattern({ detail: { x: [{ prefix: 'a' }] } }, { detail: { x: 'ab' } })).to.throw(
      UnsupportedPatternError,
      'detail.x',
    );
    // the custom-action rule names CloudFormation references: not a pattern the emulator evaluates
    expect(() => matchesEventPattern(CUSTOM_ACTION_PATTERN as Record<string, unknown>, {})).to.throw(UnsupportedPatternError, 'resources');
  });
});
