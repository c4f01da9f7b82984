import { expect } from 'chai';
import { FAULT_FINDINGS, type FaultRun, faultRunSummary, runFaultScenario } from '../../src/emulator/fault-scenario';
import { useEmulator } from './support';

/**
 * Every finding ends with an outcome, under faults: the scenario of src/emulator/fault-scenario.ts
 * (20 % throttling, 5 % HTTP 500 and hung requests on every call hubfix makes; at least 100 findings
 * across 2 member accounts × 2 Regions, one event each with Lambda's asynchronous retry), the same
 * one `npm run bench -- faults` measures.
 */

describe('fault injection: 20 % throttling, 5 % HTTP 500 and hung requests on every call hubfix makes', () => {
  const emulator = useEmulator();
  let run: FaultRun;

  before(async function () {
    this.timeout(20 * 60_000);
    run = await runFaultScenario(emulator.current().endpoint);
    process.stdout.write(`\n${faultRunSummary(run)}`);
  });

  it('processes at least 100 findings across 2 member accounts × 2 Regions, and the faults really happened', () => {
    expect(run.findings).to.be.at.least(FAULT_FINDINGS);
    expect(run.http.throttled).to.be.greaterThan(0);
    expect(run.http.serverErrors + run.standIn.serverErrors).to.be.greaterThan(0);
    expect(run.standIn.throttled).to.be.greaterThan(0);
  });

  it('every finding carries a final note: none stuck at STARTED, none without a note', () => {
    expect(run.stuck).to.deep.equal([]);
  });

  it('no automation ran twice for one trigger', () => {
    expect(run.doubleRuns).to.deep.equal([]);
  });
});
