import type { AwsCall, AwsOutput } from '../aws/invoker';
import { startParameters } from '../emulator/automation-standin';
import { applyFindingUpdate, filterFindings, findingIdentifiers } from '../emulator/securityhub-standin';

/**
 * The stand-ins `hubfix simulate` puts in front of a mock table or endpoint. They answer the same
 * calls as the emulator's stand-ins (src/emulator) with the same pure rules (filterFindings,
 * applyFindingUpdate, findingIdentifiers, startParameters), but keep their state in memory:
 * the findings are the event's, there is no caller identity or second account to copy to, and
 * automations run one after another, after the orchestrator is done, with ids that repeat run to run.
 */

export interface FindingUpdateRecord {
  /** Note.UpdatedBy: `hubfix` (orchestrator) or the runbook's document name (finalizer). */
  by: string;
  region: string;
  request: Record<string, unknown>;
}

type Finding = Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The event's findings: their GetFindings and every BatchUpdateFindings (recorded, then applied). */
export class InMemorySecurityHub {
  readonly updates: FindingUpdateRecord[] = [];
  private findings = new Map<string, Finding>();

  constructor(
    findings: readonly unknown[],
    private readonly now: () => number,
  ) {
    for (const f of findings) if (isRecord(f) && typeof f.Id === 'string') this.findings.set(f.Id, structuredClone(f));
  }

  /** Answers the call, or undefined when it is not one the stand-in handles. */
  answer(call: AwsCall): AwsOutput | undefined {
    if (call.service !== 'securityhub') return undefined;
    if (call.operation === 'BatchUpdateFindings') return this.batchUpdate(call);
    if (call.operation === 'GetFindings') return this.getFindings(call);
    return undefined;
  }

  /** Only a GetFindings by Ids that are all the event's is answered here; any other goes on. */
  private getFindings(call: AwsCall): AwsOutput | undefined {
    const filters = isRecord(call.input.Filters) ? call.input.Filters : {};
    const ids = Array.isArray(filters.Id) ? filters.Id : [];
    const wanted = ids
      .filter((f) => isRecord(f) && f.Comparison === 'EQUALS' && typeof f.Value === 'string')
      .map((f) => (f as { Value: string }).Value);
    if (wanted.length === 0 || !wanted.every((id) => this.findings.has(id))) return undefined;
    return { Findings: filterFindings([...this.findings.values()], filters).map((f) => structuredClone(f)) };
  }

  private batchUpdate(call: AwsCall): AwsOutput {
    const input = call.input;
    const note = isRecord(input.Note) ? input.Note : undefined;
    this.updates.push({
      by: typeof note?.UpdatedBy === 'string' ? note.UpdatedBy : 'unknown',
      region: call.region,
      request: structuredClone(input),
    });
    const at = new Date(this.now()).toISOString();
    const processed: unknown[] = [];
    const unprocessed: unknown[] = [];
    for (const ident of findingIdentifiers(input)) {
      const id = typeof ident.Id === 'string' ? ident.Id : '';
      const f = this.findings.get(id);
      if (!f) {
        unprocessed.push({ FindingIdentifier: ident, ErrorCode: 'FindingNotFound', ErrorMessage: 'not a finding of the simulated event' });
        continue;
      }
      this.findings.set(id, applyFindingUpdate(f, input, at));
      processed.push(ident);
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }
}

export interface QueuedRun {
  startedAs: string;
  request: Record<string, unknown>;
  /** The request's Parameters, checked as SSM checks them. */
  parameters: Record<string, string[]>;
  region: string;
}

/** StartAutomationExecution: queue now (the id is returned at once, as SSM does), run later. */
export class QueuedAutomations {
  readonly queued: QueuedRun[] = [];

  answer(call: AwsCall): AwsOutput | undefined {
    if (call.service !== 'ssm' || call.operation !== 'StartAutomationExecution') return undefined;
    const parameters = startParameters(call.input);
    const startedAs = `00000000-0000-4000-8000-${String(this.queued.length + 1).padStart(12, '0')}`;
    this.queued.push({ startedAs, request: structuredClone(call.input), parameters: structuredClone(parameters), region: call.region });
    return { AutomationExecutionId: startedAs };
  }
}
