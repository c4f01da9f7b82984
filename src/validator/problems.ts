/** One thing wrong with a document: where (a JSON path such as `$.mainSteps[2].inputs.Service`) and what. */
export interface ValidationProblem {
  path: string;
  message: string;
  /** Set only when validating for running (others' documents): SSM would run it anyway. */
  warning?: true;
}

/** A path inside a document as keys and array indexes, before it is rendered as a JSON path. */
export type PathSegments = ReadonlyArray<string | number>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['mainSteps', 2, 'inputs', 'Service']` → `$.mainSteps[2].inputs.Service`; odd keys use `['…']`. */
export function jsonPath(segments: PathSegments): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += `.${s}`;
    else out += `['${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

export function problem(segments: PathSegments, message: string): ValidationProblem {
  return { path: jsonPath(segments), message };
}
