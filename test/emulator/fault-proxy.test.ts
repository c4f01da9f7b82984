import { expect } from 'chai';
import { emptyFaultCounts, signedService, withStandInFaults } from '../../src/emulator/fault-proxy';
import { requestsByService } from '../../src/emulator/fault-scenario';

/** What the fault-injection suite and `npm run bench -- faults` count: every request, by service. */
describe('fault proxy: requests by service', () => {
  it('names the service a request is signed for, from the SigV4 credential scope', () => {
    const auth = (scope: string) =>
      `AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261130/${scope}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;
    expect(signedService(auth('us-east-1/ec2'))).to.equal('ec2');
    expect(signedService(auth('eu-west-1/monitoring'))).to.equal('monitoring');
    expect(signedService(undefined)).to.equal('unsigned');
    expect(signedService('Bearer x')).to.equal('unsigned');
  });

  it('counts every try of an in-process call under its service, the retried ones too', async () => {
    const counts = emptyFaultCounts();
    // throttled, (backoff), HTTP 500, (backoff), answered
    const rolls = [0.1, 0, 0.22, 0, 0.9];
    const random = () => rolls.shift() ?? 0.9;
    const call = { service: 'securityhub', operation: 'GetFindings', region: 'us-east-1', input: {} };
    const out = await withStandInFaults(call, { throttle: 0.2, serverError: 0.05, hang: 0 }, 3, counts, async () => 'answered', random);
    expect(out).to.equal('answered');
    expect(counts).to.deep.include({ requests: 3, throttled: 1, serverErrors: 1, forwarded: 1 });
    expect(counts.byService).to.deep.equal({ securityhub: 3 });
  });

  it('adds the HTTP and the in-process requests of a run by service', () => {
    const http = { ...emptyFaultCounts(), byService: { ec2: 5, securityhub: 1 } };
    const standIn = { ...emptyFaultCounts(), byService: { securityhub: 4, ssm: 2 } };
    const run = { findings: 1, invocations: 1, redelivered: 0, onFailure: 0, notes: {}, stuck: [], doubleRuns: [], http, standIn };
    expect(requestsByService(run)).to.deep.equal({ ec2: 5, securityhub: 5, ssm: 2 });
  });
});
