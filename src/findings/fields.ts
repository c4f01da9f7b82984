/**
 * The `hubfix:` keys of a finding's UserDefinedFields: the remediation state the stateless
 * orchestrator and the finalizer keep on the finding itself (DESIGN.md, "Finding state").
 */
export const FIELD_STATUS = 'hubfix:status';
export const FIELD_EXECUTION = 'hubfix:execution';
export const FIELD_ATTEMPTS = 'hubfix:attempts';
export const FIELD_LAST_ATTEMPT = 'hubfix:lastAttempt';
