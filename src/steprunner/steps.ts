import type { AutomationDocument } from '../model/document';

/** What the step runner knows of the documents it serves: document → step name → script handler id. */
export type StepHandlers = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** The script handler each top-level step of each document runs (pure: documents in, table out). */
export function stepHandlersOf(
  documents: ReadonlyArray<{ name: string; document: Pick<AutomationDocument, 'mainSteps'> }>,
): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const c of documents) {
    const steps = new Map<string, string>();
    for (const s of c.document.mainSteps) {
      const payload = (s.inputs as { InputPayload?: { handler?: unknown } } | undefined)?.InputPayload;
      if (s.action === 'aws:invokeLambdaFunction' && typeof payload?.handler === 'string') steps.set(s.name, payload.handler);
    }
    out.set(c.name, steps);
  }
  return out;
}

/** Every handler id a step of these documents runs: the only handlers a payload may name. */
export function handlerIdsOf(steps: StepHandlers): Set<string> {
  const ids = new Set<string>();
  for (const s of steps.values()) for (const id of s.values()) ids.add(id);
  return ids;
}
