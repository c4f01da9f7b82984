/** The orchestrator's library: intake, control resolution, extraction, decision, config, start. */
export * from './config';
export { resolveControl } from './control';
export { CredentialsCache } from './credentials';
export { decide, decideEvents, decideFinding, type DecideContext, type DecideInput } from './decide';
export { extractFor } from './extract';
export * from './fields';
export { parseEvent, type IntakeEvent, MAX_EVENT_BYTES } from './intake';
export { clientToken, memberRoleArn, runbookRoleArn, runbookRoleName } from './naming';
export * from './orchestrate';
export { act, type FindingOutcome, startRequest, toStringLists } from './start';
export * from './types';
export { batchResponse, isQueueBatch, queuedEvents, type SqsBatchResponse } from './queue';
