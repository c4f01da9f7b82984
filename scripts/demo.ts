/**
 * `npm run demo`: start the AWS emulator (moto), seed an administrator and two member
 * accounts in two Regions with non-compliant resources and their Security Hub findings, run the
 * pipeline (EventBridge events → orchestrator → runbooks in the member accounts → finalizer), print
 * what happened per finding, stop the emulator. The seeding and the pipeline are the ones the
 * end-to-end tests check (src/emulator/pipeline.ts).
 */
import { EmulatorError, startEmulator } from '../src/emulator';
import { type FindingReport, type PassResult, startScenario } from '../src/emulator/pipeline';
import { MEMBER_ACCOUNTS, REGIONS } from '../src/emulator/scenario';

export interface DemoResult {
  wallMs: number;
  seedMs: number;
  pipelineMs: number;
  first: PassResult;
  second: PassResult;
  findings: number;
  resources: number;
  /** Runbooks in the catalog with no seeded resource (named in the report, never silent). */
  unseeded: string[];
}

export interface DemoOptions {
  progress?: (line: string) => void;
}

/** A progress line on stderr, rewritten in place on a terminal; elsewhere one line per stage (counters do not repeat it). */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): { update(line: string): void; done(): void } {
  let last = '';
  let lastStage = '';
  return {
    update(line: string) {
      if (line === last) return;
      last = line;
      if (stream.isTTY) {
        const width = stream.columns || 100;
        stream.write(`\r\x1b[2K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
        return;
      }
      const stage = line.replace(/\d+/g, '#');
      if (stage === lastStage) return;
      lastStage = stage;
      stream.write(`${line}\n`);
    },
    done() {
      if (stream.isTTY && last) stream.write('\r\x1b[2K');
      last = '';
    },
  };
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const progress = o.progress ?? (() => {});
  const t0 = Date.now();
  const emulator = await startEmulator({ progress });
  try {
    const tSeed = Date.now();
    const scenario = await startScenario({ endpoint: emulator.endpoint, progress });
    const seedMs = Date.now() - tSeed;
    try {
      const tPipe = Date.now();
      const first = await scenario.runPass({ progress });
      progress('second pass: the same findings again');
      const second = await scenario.runPass({ progress });
      return {
        wallMs: Date.now() - t0,
        seedMs,
        pipelineMs: Date.now() - tPipe,
        first,
        second,
        findings: scenario.world.findings.length,
        resources: scenario.world.resources.length,
        unseeded: scenario.world.unseeded,
      };
    } finally {
      await scenario.close();
    }
  } finally {
    progress('stopping the emulator');
    await emulator.stop();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The newest entry of a note (entries are newest first, separated by ` || `). */
function newestNoteEntry(note: string | undefined): string {
  return note ? (note.split(' || ')[0] ?? note) : '(none)';
}

/** The report a security engineer reads: per account and Region, per resource, per finding. Pure. */
export function formatReport(r: DemoResult): string {
  const lines: string[] = [];
  const reports = [...r.first.reports].sort((a, b) =>
    `${a.account} ${a.region} ${a.resource} ${a.control}`.localeCompare(`${b.account} ${b.region} ${b.resource} ${b.control}`, 'en', {
      numeric: true,
    }),
  );
  const verified = reports.filter((x) => x.verified).length;
  const covered = reports.filter(coveredByVerifiedRun).length;
  lines.push(
    `hubfix demo: ${r.findings} findings on ${r.resources} resources, member accounts ${MEMBER_ACCOUNTS.join(' and ')}, Regions ${REGIONS.join(' and ')}`,
    "AWS is emulated by moto (server mode). Stand-ins, named: SSM automation executions run in hubfix's local engine;",
    'Security Hub BatchUpdateFindings / CreateActionTarget (and GetFindings filters) are emulated beside moto, which lacks them.',
  );
  if (r.unseeded.length) lines.push(`NOT DEMONSTRATED (no seeder for them yet in src/emulator/seeders.ts): ${r.unseeded.join(', ')}`);
  lines.push('');
  let group = '';
  for (const f of reports) {
    const g = `account ${f.account} · ${f.region}`;
    if (g !== group) {
      group = g;
      lines.push(`━━ ${g}`);
    }
    lines.push(...findingLines(f), '');
  }
  const { followUpEvents: echoes, followUpDelivered: delivered, followUpStarts: loops } = r.first;
  const followUp =
    delivered === 0
      ? 'were all dropped by the rule (their workflow is no longer NEW)'
      : `: ${delivered} passed the rule and ${loops === 0 ? 'started nothing (recognised as its own updates)' : `started ${loops} automations: a LOOP`}`;
  lines.push(
    `Summary: ${verified + covered} of ${reports.length} findings fixed and verified, ${r.first.automations.length} automations in the member accounts` +
      (covered ? ` (${covered} account-level findings by their account's one run in flight)` : '') +
      ';',
    `  the ${echoes} events Security Hub sent after hubfix's own updates ${followUp};`,
    `  a second pass over the same findings started ${r.second.automations.length} automations (${summarizeReasons(r.second.reports)}).`,
    `Time: ${seconds(r.wallMs)} in all (seeding ${seconds(r.seedMs)}, pipeline ${seconds(r.pipelineMs)}); event → verified fix: ${eventToFix(reports)}.`,
  );
  return `${lines.join('\n')}\n`;
}

/** An account-level finding whose account's run (in flight when it arrived) fixed and verified it. */
export function coveredByVerifiedRun(f: FindingReport): boolean {
  return !f.verified && f.coveredBy?.verified === true;
}

function findingLines(f: FindingReport): string[] {
  const mark = f.verified ? '✔' : coveredByVerifiedRun(f) ? '⤷' : '✘';
  const alias = f.alias ? ` [${f.alias}]` : ' [consolidated]';
  const out = [`${mark} ${f.control}${alias}  ${f.resource}`];
  const exec = f.executionId ? ` · execution ${f.executionId}` : '';
  out.push(`    decision  ${f.decision} (${f.reason})${exec}${f.decision === 'start' ? '' : ` · ${f.detail}`}`);
  if (f.decision === 'start') {
    out.push(`    changed   ${f.changed || '(no change reported)'}`);
    const t = f.eventToVerifiedMs !== undefined ? ` in ${seconds(f.eventToVerifiedMs)} from the event` : '';
    out.push(
      `    verified  ${f.verified ? 'yes' : 'NO'}${t} · ${f.status ?? f.executionStatus ?? 'no outcome'} · finding ${f.workflow ?? '?'}${f.verified ? '' : ` · ${f.summary ?? ''}`}`,
    );
  }
  if (f.coveredBy)
    out.push(
      `    covered   by execution ${f.coveredBy.executionId}, its account's run (verified: ${f.coveredBy.verified ? 'yes' : 'NO'}); Security Hub resolves this finding at its next evaluation`,
    );
  out.push(`    note      ${newestNoteEntry(f.note)}`);
  return out;
}

function summarizeReasons(reports: readonly FindingReport[]): string {
  const counts = new Map<string, number>();
  for (const r of reports) counts.set(`${r.decision} ${r.reason}`, (counts.get(`${r.decision} ${r.reason}`) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} × ${k}`).join(', ') || 'no findings';
}

function eventToFix(reports: readonly FindingReport[]): string {
  const t = reports
    .map((r) => r.eventToVerifiedMs)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  if (!t.length) return 'none verified';
  return `median ${seconds(t[Math.floor(t.length / 2)])}, slowest ${seconds(t[t.length - 1])}`;
}

async function main(): Promise<number> {
  const line = progressLine();
  let result: DemoResult;
  try {
    result = await runDemo({ progress: (l) => line.update(`hubfix demo: ${l}`) });
  } finally {
    line.done();
  }
  process.stdout.write(formatReport(result));
  const unverified = result.first.reports.filter((r) => !r.verified && !coveredByVerifiedRun(r)).length;
  if (unverified > 0) {
    process.stderr.write(`hubfix demo: ${unverified} finding(s) did not end fixed and verified (see ✘ above)\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(
        `hubfix demo: ${err instanceof EmulatorError ? err.message : err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
