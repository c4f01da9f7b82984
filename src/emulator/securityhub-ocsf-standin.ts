import { type AwsCall, type AwsOutput, AwsServiceError } from '../aws/invoker';
import type { CallerIdentity } from './securityhub-standin';

/**
 * STAND-IN for Security Hub's OCSF APIs (moto 5.2.5 has neither GetFindingsV2 nor
 * BatchUpdateFindingsV2): OCSF findings kept in memory, keyed by finding_info.uid.
 * - GetFindingsV2: CompositeFilters of StringFilters (EQUALS) on the fields hubfix filters by.
 * - BatchUpdateFindingsV2: Comment (1-512), StatusId (0-5, 99; `status` follows as the API
 *   reference says), SeverityId; FindingIdentifiers or MetadataUids, not both; a member may update
 *   only its own findings, the administrator its members' too. finding_info.modified_time_dt is
 *   left alone (the API reference: V2 updates do not change it).
 * Also `asffToOcsf`, the OCSF shape of a control finding the tests build their events from.
 * Every update is recorded so tests can name it.
 */

type Json = Record<string, unknown>;

export interface OcsfUpdateRecord {
  callerAccount: string;
  region: string;
  findingInfoUid: string;
  request: Json;
}

const STATUS_NAMES: Record<number, string> = {
  0: 'Unknown',
  1: 'New',
  2: 'In Progress',
  3: 'Suppressed',
  4: 'Resolved',
  5: 'Archived',
  99: 'Other',
};

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

/** A field of an OCSF finding by its dotted path (arrays: any element). */
function valuesAt(f: Json, path: string): string[] {
  let current: unknown[] = [f];
  for (const part of path.split('.')) current = current.flatMap((c) => (Array.isArray(c) ? c : [c])).map((c) => obj(c)[part]);
  return current.flatMap((c) => (Array.isArray(c) ? c : [c])).filter((c): c is string => typeof c === 'string');
}

function invalid(operation: string, message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message, 'securityhub', operation);
}

/** The OCSF Compliance Finding Security Hub sends for an ASFF control finding (the fields hubfix reads). Pure. */
export function asffToOcsf(asff: Json, statusId = 1): Json {
  const compliance = obj(asff.Compliance);
  const control = String(compliance.SecurityControlId ?? '');
  const failed = compliance.Status === 'FAILED';
  return {
    class_uid: 2003,
    class_name: 'Compliance Finding',
    category_uid: 2,
    activity_id: 1,
    severity_id: 3,
    severity: 'Medium',
    status_id: statusId,
    status: STATUS_NAMES[statusId],
    time_dt: asff.UpdatedAt,
    metadata: {
      uid: `ocsf-${String(asff.Id).split('/').pop()}`,
      version: '1.5.0',
      product: { uid: asff.ProductArn, name: 'Security Hub', vendor_name: 'AWS' },
    },
    finding_info: {
      uid: asff.Id,
      title: asff.Title,
      desc: asff.Description,
      created_time_dt: asff.CreatedAt,
      modified_time_dt: asff.UpdatedAt,
      types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    },
    cloud: { provider: 'AWS', account: { uid: asff.AwsAccountId }, region: asff.Region },
    compliance: { control, status: failed ? 'Fail' : 'Pass', status_id: failed ? 3 : 1, standards: [] },
    resources: ((asff.Resources as Json[] | undefined) ?? []).map((r) => ({
      uid: r.Id,
      type: r.Type,
      ...(r.Region ? { region: r.Region } : {}),
      cloud_partition: r.Partition ?? 'aws',
      ...(r.Details ? { data: r.Details } : {}),
    })),
  };
}

/** The "Findings Imported V2" event Security Hub sends for one OCSF finding (user guide, EventBridge event formats). */
export function importedV2Event(finding: Json, adminAccount: string, time: string): Json {
  const region = String(obj(finding.cloud).region ?? 'us-east-1');
  return {
    version: '0',
    id: `ocsf-event-${String(obj(finding.metadata).uid ?? 'x').slice(-12)}-${Date.parse(time)}`,
    'detail-type': 'Findings Imported V2',
    source: 'aws.securityhub',
    account: adminAccount,
    time,
    region,
    resources: [String(obj(finding.metadata).uid ?? 'finding')],
    detail: { findings: [finding] },
  };
}

export class SecurityHubOcsfStandIn {
  readonly findings = new Map<string, Json>();
  readonly updates: OcsfUpdateRecord[] = [];

  constructor(private readonly o: { adminAccount: string; identify(call: AwsCall): Promise<CallerIdentity> }) {}

  put(finding: Json): void {
    this.findings.set(String(obj(finding.finding_info).uid), structuredClone(finding));
  }

  private visible(caller: string, region: string): Json[] {
    return [...this.findings.values()].filter(
      (f) => obj(f.cloud).region === region && (caller === this.o.adminAccount || obj(obj(f.cloud).account).uid === caller),
    );
  }

  async getFindingsV2(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const composite = (obj(call.input.Filters).CompositeFilters as Json[] | undefined) ?? [];
    const matches = (f: Json) =>
      composite.every((c) =>
        ((c.StringFilters as Json[] | undefined) ?? []).every((s) => {
          const filter = obj(s.Filter);
          if ((filter.Comparison ?? 'EQUALS') !== 'EQUALS') throw invalid('GetFindingsV2', 'the stand-in filters with EQUALS only');
          return valuesAt(f, String(s.FieldName)).includes(String(filter.Value));
        }),
      );
    const max = typeof call.input.MaxResults === 'number' ? call.input.MaxResults : 100;
    return {
      Findings: this.visible(caller.account, call.region)
        .filter(matches)
        .slice(0, max)
        .map((f) => structuredClone(f)),
    };
  }

  async batchUpdateFindingsV2(call: AwsCall): Promise<AwsOutput> {
    const caller = await this.o.identify(call);
    const input = call.input;
    const ids = (input.FindingIdentifiers as Json[] | undefined) ?? [];
    const uids = (input.MetadataUids as string[] | undefined) ?? [];
    if (ids.length && uids.length) throw invalid('BatchUpdateFindingsV2', 'MetadataUids cannot be used together with FindingIdentifiers');
    if (!ids.length && !uids.length) throw invalid('BatchUpdateFindingsV2', 'give FindingIdentifiers or MetadataUids');
    if (
      input.Comment !== undefined &&
      (typeof input.Comment !== 'string' || input.Comment.length < 1 || input.Comment.length > 512 || !/\S/.test(input.Comment))
    )
      throw invalid('BatchUpdateFindingsV2', 'Comment must be 1 to 512 characters, not all blank');
    if (input.StatusId !== undefined && !(Number(input.StatusId) in STATUS_NAMES))
      throw invalid('BatchUpdateFindingsV2', `StatusId ${String(input.StatusId)} is not one of 0, 1, 2, 3, 4, 5, 99`);
    const processed: Json[] = [];
    const unprocessed: Json[] = [];
    const targets = ids.length
      ? ids.map((i) => ({ key: { FindingIdentifier: i }, f: this.findings.get(String(i.FindingInfoUid)), i }))
      : uids.map((u) => ({ key: { MetadataUid: u }, f: [...this.findings.values()].find((f) => obj(f.metadata).uid === u), i: undefined }));
    for (const { key, f, i } of targets) {
      const owner = String(obj(obj(f?.cloud).account).uid ?? '');
      if (!f || (i && (i.CloudAccountUid !== owner || i.MetadataProductUid !== obj(obj(f.metadata).product).uid))) {
        unprocessed.push({ ...key, ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'finding not found' });
        continue;
      }
      if (caller.account !== this.o.adminAccount && owner !== caller.account) {
        unprocessed.push({
          ...key,
          ErrorCode: 'ValidationException',
          ErrorMessage: `account ${caller.account} cannot update a finding of ${owner}`,
        });
        continue;
      }
      if (input.Comment !== undefined) f.comment = input.Comment;
      if (input.StatusId !== undefined) {
        f.status_id = Number(input.StatusId);
        f.status = STATUS_NAMES[Number(input.StatusId)];
      }
      if (input.SeverityId !== undefined) f.severity_id = Number(input.SeverityId);
      processed.push(key);
      this.updates.push({
        callerAccount: caller.account,
        region: call.region,
        findingInfoUid: String(obj(f.finding_info).uid),
        request: input,
      });
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }
}
