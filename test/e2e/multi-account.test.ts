import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import { shippedCatalog } from '../../src/compiler';
import { runbookRoleName } from '../../src/findings';
import { modelData, repoRoot } from '../../src/emulator';
import { type PassResult, type Scenario, startScenario } from '../../src/emulator/pipeline';
import { ADMIN_ACCOUNT, HOME_REGION, MEMBER_ACCOUNTS, REGIONS } from '../../src/emulator/scenario';
import { useEmulator } from './support';

/**
 * hubfix against a real AWS emulator (moto server): one administrator and two member accounts in
 * two Regions. Everything goes to the emulator through SDK v3 clients except what moto lacks, whose
 * stand-ins the test names say: Security Hub BatchUpdateFindings / CreateActionTarget (and the
 * GetFindings filters moto ignores), and SSM automation executions (hubfix's local engine).
 */

const SCENARIO_TIMEOUT_MS = 5 * 60_000;
const catalog = shippedCatalog();
/** The runbooks that fix something (guided ones only gather facts: test/runbooks/guided.test.ts). */
const documents = [
  ...new Set(
    Object.values(catalog.controls)
      .filter((c) => !c.guided)
      .map((c) => c.document),
  ),
].sort();

/** Calls that change nothing: reads, plus what every run does to record itself (assume, step runner, finding note, notification). */
function isReadOnly(service: string, operation: string): boolean {
  if (/^(Get|Describe|List|Lookup|Head|Search)/.test(operation)) return true;
  return ['sts.AssumeRole', 'lambda.Invoke', 'securityhub.BatchUpdateFindings', 'sns.Publish'].includes(`${service}.${operation}`);
}

describe('end to end against the emulator: an administrator and two member accounts in two Regions', function () {
  this.timeout(SCENARIO_TIMEOUT_MS);
  const emulator = useEmulator();
  let s: Scenario;
  let first: PassResult;
  /** What each seeded resource had wrong before the pipeline ran, by resource index. */
  let initialProblems: string[][];

  before(async function () {
    this.timeout(SCENARIO_TIMEOUT_MS);
    s = await startScenario({ endpoint: emulator.current().endpoint });
    initialProblems = await Promise.all(s.world.resources.map((r) => r.problems(s.world.awsIn(r.account, r.region))));
    // every follow-up event on the queue, also those the rule would drop: the loop guard holds by itself
    first = await s.runPass({ everyFollowUp: true });
  });

  after(async () => {
    await s?.close();
  });

  describe("the accounts, set up through the emulator's own APIs", () => {
    it('has a seeder for every runbook in the catalog (a runbook without one is named here)', () => {
      expect(s.world.unseeded, `runbooks with no non-compliant resource seeded: ${s.world.unseeded.join(', ')}`).to.deep.equal([]);
    });

    it('seeds a non-compliant resource for every runbook, in both member accounts (and both Regions for regional ones)', () => {
      for (const document of documents) {
        const seeded = s.world.resources.filter((r) => r.document === document);
        expect(new Set(seeded.map((r) => r.account)), document).to.deep.equal(new Set(MEMBER_ACCOUNTS));
      }
      expect(new Set(s.world.resources.map((r) => r.region))).to.deep.equal(new Set(REGIONS));
    });

    it('every seeded resource was non-compliant before the pipeline ran, unless the world makes it compliant and says why (read back from the emulator)', () => {
      s.world.resources.forEach((r, i) => {
        const label = `${r.document} ${r.account} ${r.region} ${r.label}`;
        if (r.compliantAtStart) expect(initialProblems[i], `${label}: compliant at start (${r.compliantAtStart})`).to.deep.equal([]);
        else expect(initialProblems[i], label).to.not.be.empty;
      });
    });

    it('imports a FAILED finding for every control in the catalog', () => {
      const controls = new Set(s.world.findings.map((f) => f.control));
      for (const c of Object.values(catalog.controls).filter((x) => !x.guided))
        expect(controls.has(c.control), `no finding for ${c.control}`).to.equal(true);
    });

    it('imports both formats: consolidated findings in 111111111111, CIS 1.2.0 standard-specific ones in 222111…', () => {
      const formatOf = (id: string) =>
        id.includes(':security-control/')
          ? 'consolidated'
          : id.includes(':subscription/cis-aws-foundations-benchmark/v/1.2.0/')
            ? 'cis-1.2.0'
            : 'other';
      const first = s.world.findings.filter((f) => f.finding.AwsAccountId === MEMBER_ACCOUNTS[0]).map((f) => formatOf(f.finding.Id));
      const second = s.world.findings.filter((f) => f.finding.AwsAccountId === MEMBER_ACCOUNTS[1]).map((f) => formatOf(f.finding.Id));
      expect(new Set(first)).to.deep.equal(new Set(['consolidated']));
      expect(second).to.include('cis-1.2.0');
      // a control with no CIS 1.2.0 rule (EC2.53, IAM.7 …) can only come consolidated
      for (const f of s.world.findings.filter(
        (x) => x.finding.AwsAccountId === MEMBER_ACCOUNTS[1] && formatOf(x.finding.Id) === 'consolidated',
      ))
        expect(catalog.controls[f.control].aliases['cis-1.2.0'], f.control).to.equal(undefined);
    });

    it('holds each finding in its member account and in the administrator account (BatchImportFindings; moto does not aggregate)', async () => {
      for (const region of REGIONS) {
        const adminIds = new Set(
          (
            (await s.invoker.sdk.call({ service: 'securityhub', operation: 'GetFindings', region, input: {} })).Findings as Array<{
              Id: string;
            }>
          ).map((f) => f.Id),
        );
        for (const account of MEMBER_ACCOUNTS) {
          const own = ((await s.world.awsIn(account, region)('securityhub', 'GetFindings', {})).Findings as Array<{ Id: string }>).map(
            (f) => f.Id,
          );
          const expected = s.world.findings
            .filter((f) => f.finding.AwsAccountId === account && f.finding.Region === region)
            .map((f) => f.finding.Id);
          expect(new Set(own), `${account} ${region}`).to.deep.equal(new Set(expected));
          for (const id of expected) expect(adminIds.has(id), `${id} in the administrator`).to.equal(true);
        }
      }
    });

    it('deploys every runbook as an SSM Automation document in every member account and Region (ssm CreateDocument)', async () => {
      for (const account of MEMBER_ACCOUNTS)
        for (const region of REGIONS) {
          const out = await s.world.awsIn(account, region)('ssm', 'ListDocuments', {
            Filters: [{ Key: 'Owner', Values: ['Self'] }],
            MaxResults: 50,
          });
          const names = ((out.DocumentIdentifiers as Array<{ Name: string }>) ?? []).map((d) => d.Name);
          for (const rb of s.runbooks) expect(names, `${account} ${region}`).to.include(rb.name);
        }
    });
  });

  describe('the orchestrator (real SDK v3 clients against the emulator)', () => {
    it('receives one "Findings - Imported" event per finding and decides to start a runbook for each', () => {
      expect(first.events.length).to.equal(s.world.findings.length);
      // an account-level control starts one run per account and Region while one is in flight (across events);
      // its other findings are noted and notified, not started again
      const inFlight = (o: (typeof first.outcomes)[number]) =>
        o.decision.reason === 'DUPLICATE' && o.outcome === 'notified' && o.decision.target?.scope === 'account';
      const notStarted = first.outcomes.filter((o) => (o.decision.decision !== 'start' || o.outcome !== 'started') && !inFlight(o));
      expect(notStarted.map((o) => `${o.decision.control} ${o.decision.reason} ${o.outcome} ${o.error ?? ''}`)).to.deep.equal([]);
      const accountRuns = first.automations
        .filter((a) => a.document === 'Hubfix-IAM-PasswordPolicy')
        .map((a) => `${a.account} ${a.region}`);
      expect(accountRuns.length).to.equal(new Set(accountRuns).size);
    });

    it("starts each automation in the finding's account and the resource's Region, as that account's hubfix-member role", () => {
      const started = first.outcomes.filter((o) => o.outcome === 'started');
      expect(first.automations.length).to.equal(started.length);
      for (const o of started) {
        const a = s.invoker.automations.find(String(o.executionId));
        expect(a, o.decision.findingId).to.not.equal(undefined);
        expect(a?.account).to.equal(o.decision.account);
        expect(a?.region).to.equal(o.decision.region);
        expect(a?.startedBy).to.match(new RegExp(`^arn:aws:sts::${o.decision.account}:assumed-role/${s.config.memberRoleName}/`));
        expect(a?.parameters.AutomationAssumeRole).to.deep.equal([
          `arn:aws:iam::${o.decision.account}:role/${runbookRoleName(String(a?.document))}`,
        ]);
      }
    });

    it('the execution id StartAutomationExecution answered (stand-in) is the one the automation ran under', () => {
      for (const a of first.automations) expect(a.engineId, a.document).to.equal(a.id);
    });

    it('the emulator recorded AssumeRole into hubfix-member of both members, and into each runbook role with the execution id as the session', async () => {
      const assumed = (await modelData(s.endpoint)).sts.AssumedRole as Array<{ role_arn: string; session_name: string }>;
      for (const account of MEMBER_ACCOUNTS)
        expect(assumed.map((r) => r.role_arn)).to.include(`arn:aws:iam::${account}:role/${s.config.memberRoleName}`);
      for (const a of first.automations) {
        const role = `arn:aws:iam::${a.account}:role/${runbookRoleName(a.document)}`;
        expect(
          assumed.some((r) => r.role_arn === role && r.session_name === a.engineId),
          `${role} / ${a.engineId}`,
        ).to.equal(true);
      }
    });

    it('recognises its own updates: the event Security Hub sends after each BatchUpdateFindings (stand-in) starts nothing', () => {
      expect(first.followUpEvents).to.be.at.least(first.outcomes.length);
      expect(first.followUpDelivered).to.equal(first.followUpEvents);
      expect(first.followUpStarts).to.equal(0);
    });
  });

  describe('the runbooks, run by the local engine in the member accounts (SSM automation executions: stand-in, moto lacks them)', () => {
    it("ran the document the member account holds in the emulator, as that runbook's own role", () => {
      for (const a of first.automations) {
        expect(a.result?.record.DocumentName).to.equal(a.document);
        expect(a.result?.record.AssumeRole).to.equal(`arn:aws:iam::${a.account}:role/${runbookRoleName(a.document)}`);
        for (const c of a.result?.record.Calls ?? [])
          if (c.answeredBy === undefined) expect(c.account, `${a.document} ${c.service}.${c.operation}`).to.equal(a.account);
      }
    });

    it('every automation ended Success', () => {
      const failed = first.automations.filter((a) => a.result?.status !== 'Success');
      expect(failed.map((a) => `${a.document} ${a.account} ${a.region}: ${a.error ?? a.result?.record.FailureMessage}`)).to.deep.equal([]);
    });
  });

  describe('every resource is compliant afterwards (read back from the emulator)', () => {
    for (const document of documents) {
      it(`${document}: every seeded resource`, async () => {
        const resources = s.world.resources.filter((r) => r.document === document);
        expect(resources, `nothing was seeded for ${document}`).to.not.be.empty;
        for (const r of resources)
          expect(await r.problems(s.world.awsIn(r.account, r.region)), `${r.account} ${r.region} ${r.label}`).to.deep.equal([]);
      });
    }
  });

  it('a web-facing group with world-open all traffic: afterwards 22 and 3389 are closed to the world, 80 and 443 still open', async () => {
    const web = s.world.resources.map((r, i) => ({ r, i })).filter(({ r }) => r.label.includes('hubfix-e2e-web-all-traffic'));
    expect(web, 'the web-facing groups were seeded').to.have.length(MEMBER_ACCOUNTS.length * REGIONS.length);
    for (const { r, i } of web) {
      expect(initialProblems[i], `${r.label} before`).to.include.members(['tcp 22 is open to 0.0.0.0/0', 'tcp 3389 is open to ::/0']);
      expect(await r.problems(s.world.awsIn(r.account, r.region)), `${r.account} ${r.region} ${r.label}`).to.deep.equal([]);
    }
  });

  describe('the finalizer', () => {
    it('BatchUpdateFindings (recorded by the stand-in: moto lacks it) came from the member account of each finding', () => {
      const byFinding = new Map<string, string[]>();
      for (const u of s.invoker.securityHub.updates) byFinding.set(u.findingId, [...(byFinding.get(u.findingId) ?? []), u.callerArn]);
      for (const a of first.automations) {
        const id = a.parameters.FindingId?.[0] ?? '';
        const callers = byFinding.get(id) ?? [];
        expect(
          callers.some((arn) => arn.startsWith(`arn:aws:sts::${a.account}:assumed-role/${runbookRoleName(a.document)}/`)),
          id,
        ).to.equal(true);
      }
    });

    it("resolved every finding whose fix was verified, with a note naming the runbook's execution (read back from moto with GetFindings)", () => {
      for (const r of first.reports) {
        const label = `${r.control} ${r.account} ${r.region}`;
        if (r.reason === 'DUPLICATE') {
          expect(r.workflow, label).to.equal('NOTIFIED');
          expect(r.note, label).to.match(/covered by the account's run in flight/);
          continue;
        }
        expect(r.verified, label).to.equal(true);
        expect(r.workflow, label).to.equal('RESOLVED');
        expect(r.note, label).to.include(String(r.executionId));
        expect(r.note, label).to.match(/SUCCEEDED/);
      }
    });

    it('published one SNS message per automation, delivered by the emulator to the HTTP subscriber, valid against schemas/notification.schema.json', () => {
      const schema = JSON.parse(readFileSync(join(repoRoot(), 'schemas/notification.schema.json'), 'utf8'));
      const ajv = new Ajv2020({ allErrors: true, strict: false });
      addFormats(ajv);
      const validate = ajv.compile(schema);
      const messages = s.inbox.messages();
      for (const a of first.automations) {
        // SNS delivers at least once (and the SDK retries a Publish whose answer was lost): copies
        // of the one message may arrive, never a second, different message
        const m = [...new Set(messages.filter((x) => x.executionId === a.engineId).map((x) => JSON.stringify(x)))].map(
          (x) => JSON.parse(x) as Record<string, unknown>,
        );
        expect(m.length, `${a.document} ${a.account} ${a.region}`).to.equal(1);
        expect(validate(m[0]), JSON.stringify(validate.errors)).to.equal(true);
        expect(m[0]).to.include({ account: a.account, region: a.region, document: a.document, verified: true, status: 'SUCCEEDED' });
      }
    });

    it("the emulator's own SNS record holds the same messages on the administrator's topic", async () => {
      const topics = (await modelData(s.endpoint)).sns.Topic as Array<{ arn: string; sent_notifications: unknown[][] }>;
      const topic = topics.find((t) => t.arn === s.world.topicArn);
      expect(topic?.arn).to.equal(`arn:aws:sns:${HOME_REGION}:${ADMIN_ACCOUNT}:hubfix-notifications`);
      expect(topic?.sent_notifications.map((n) => String(n[1])).sort()).to.deep.equal(s.inbox.received.map((n) => n.Message).sort());
    });
  });

  describe('a second pass changes nothing', () => {
    let again: PassResult;
    let action: PassResult;
    before(async function () {
      this.timeout(SCENARIO_TIMEOUT_MS);
      again = await s.runPass();
      action = await s.runPass({ trigger: 'custom-action' });
    });

    it('the "Findings - Imported" events of the resolved findings start nothing', () => {
      expect(again.events.length).to.equal(s.world.findings.length);
      expect(again.automations).to.deep.equal([]);
      for (const o of again.outcomes) expect(o.decision.decision, o.decision.findingId).to.equal('skip');
    });

    it('an analyst\'s "Remediate" custom action (CreateActionTarget: stand-in, moto lacks it) re-runs the runbooks: each finds its resource compliant and makes no change', () => {
      expect([...s.invoker.securityHub.actionTargets.keys()].sort()).to.deep.equal(
        REGIONS.map((r) => `arn:aws:securityhub:${r}:${ADMIN_ACCOUNT}:action/custom/${s.config.customActions.remediate.id}`).sort(),
      );
      expect(action.automations.length).to.be.at.least(documents.length);
      for (const a of action.automations) {
        expect(a.result?.status, `${a.document} ${a.account} ${a.region}`).to.equal('Success');
        const writes = (a.result?.record.Calls ?? [])
          .filter((c) => !isReadOnly(c.service, c.operation))
          .map((c) => `${c.service}.${c.operation}`);
        expect(writes, `${a.document} ${a.account} ${a.region}`).to.deep.equal([]);
      }
    });

    it('every resource is still compliant', async () => {
      for (const r of s.world.resources)
        expect(await r.problems(s.world.awsIn(r.account, r.region)), `${r.document} ${r.account} ${r.region}`).to.deep.equal([]);
    });
  });
});
